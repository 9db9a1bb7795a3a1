# packages: installed packages (name, version, arch) from dpkg, rpm or apk.
if gitcmdb_has dpkg-query; then
	gitcmdb_blk dpkg
	gitcmdb_t dpkg-query -W -f '${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\n'
fi
if gitcmdb_has rpm; then
	gitcmdb_blk rpm
	gitcmdb_t rpm -qa --qf '%{NAME}\t%{EPOCH}\t%{VERSION}-%{RELEASE}\t%{ARCH}\n'
fi
if [ -r /lib/apk/db/installed ]; then
	gitcmdb_blk apk
	grep -E '^[PVA]:' /lib/apk/db/installed
fi
