# os: distribution, kernel, architecture, names, time zone.
gitcmdb_blk os-release
if [ -r /etc/os-release ]; then cat /etc/os-release
elif [ -r /usr/lib/os-release ]; then cat /usr/lib/os-release; fi
gitcmdb_blk kernel
uname -r
gitcmdb_blk arch
uname -m
gitcmdb_blk hostname
if gitcmdb_has hostname; then hostname; else cat /proc/sys/kernel/hostname; fi
gitcmdb_blk fqdn
gitcmdb_has hostname && gitcmdb_t hostname -f
gitcmdb_blk timezone
if [ -r /etc/timezone ]; then cat /etc/timezone
elif [ -L /etc/localtime ]; then readlink /etc/localtime
elif [ -n "$TZ" ]; then echo "$TZ"; fi
