# os: distribution and its exact release, kernel, architecture, names, time zone.
# Files are read by the shell (gitcmdb_cat): no process per fact.
gitcmdb_blk os-release
if [ -r /etc/os-release ]; then gitcmdb_cat /etc/os-release
elif [ -r /usr/lib/os-release ]; then gitcmdb_cat /usr/lib/os-release; fi
for f in debian_version alpine-release redhat-release system-release lsb-release; do
	[ -f "/etc/$f" ] && [ -r "/etc/$f" ] && { gitcmdb_blk "$f"; gitcmdb_cat "/etc/$f"; }
done
gitcmdb_blk kernel
if [ -r /proc/sys/kernel/osrelease ]; then gitcmdb_cat /proc/sys/kernel/osrelease; else uname -r; fi
gitcmdb_blk arch
if [ -r /proc/sys/kernel/arch ]; then gitcmdb_cat /proc/sys/kernel/arch; else uname -m; fi
gitcmdb_blk hostname
if [ -r /proc/sys/kernel/hostname ]; then gitcmdb_cat /proc/sys/kernel/hostname; else hostname; fi
gitcmdb_blk fqdn
gitcmdb_has hostname && gitcmdb_t hostname -f
gitcmdb_blk timezone
if [ -r /etc/timezone ]; then gitcmdb_cat /etc/timezone
elif [ -L /etc/localtime ]; then readlink /etc/localtime
elif [ -n "$TZ" ]; then echo "$TZ"; fi
