# packages: installed packages (name, version, arch) from dpkg, rpm or apk. dpkg's
# status file is read by one awk printing what
# `dpkg-query -W -f '${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\n'`
# prints; dpkg-query itself runs when dpkg has unmerged journal entries (updates/).
# rpm can wait on its database lock, hence its timeout.
set -f
if [ -r /var/lib/dpkg/status ] && gitcmdb_has dpkg-query; then
	gitcmdb_blk dpkg
	set +f
	set -- /var/lib/dpkg/updates/[0-9]*
	set -f
	if [ -e "$1" ]; then
		dpkg-query -W -f '${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\n'
	else
		awk '
		function flush(   s, w, e, c) {
			if (p != "") {
				split(st, s, " ")
				w = s[1] == "install" ? "i" : s[1] == "hold" ? "h" : s[1] == "deinstall" ? "r" : s[1] == "purge" ? "p" : "u"
				e = s[2] == "reinstreq" ? "R" : " "
				c = s[3] == "installed" ? "i" : s[3] == "config-files" ? "c" : s[3] == "half-installed" ? "H" : s[3] == "unpacked" ? "U" : s[3] == "half-configured" ? "F" : s[3] == "triggers-awaited" ? "W" : s[3] == "triggers-pending" ? "t" : "n"
				printf "%s%s%s\t%s\t%s\t%s\n", w, c, e, p, v, a
			}
			p = v = a = st = ""
		}
		/^Package: / { p = substr($0, 10); next }
		/^Status: / { st = substr($0, 9); next }
		/^Version: / { v = substr($0, 10); next }
		/^Architecture: / { a = substr($0, 15); next }
		/^$/ { flush() }
		END { flush() }' /var/lib/dpkg/status
	fi
fi
if gitcmdb_has rpm; then
	gitcmdb_blk rpm
	gitcmdb_t rpm -qa --qf '%{NAME}\t%{EPOCH}\t%{VERSION}-%{RELEASE}\t%{ARCH}\n'
fi
if [ -r /lib/apk/db/installed ]; then
	gitcmdb_blk apk
	grep -E '^[PVA]:' /lib/apk/db/installed
fi
