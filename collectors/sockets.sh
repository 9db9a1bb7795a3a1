# sockets: listening TCP/UDP and established TCP endpoints with their process,
# plus the cgroup of each process so the parser can name its service. One ss (or
# netstat) lists every socket; one awk splits the table into listening and
# established and reads /proc/PID/cgroup of the owners (at most 500).
if gitcmdb_has ss; then
	# Old iproute2 has no -H: the header line is dropped by the awk.
	{ ss -Htunp state listening state established 2>/dev/null ||
		ss -tunp state listening state established; } | awk '
	$1 == "Netid" { next }
	($1 == "tcp" && $2 == "LISTEN") || ($1 == "udp" && $2 == "UNCONN") { l = l $0 "\n"; pids($0); next }
	$1 == "tcp" && $2 == "ESTAB" {
		sub(/^[^ \t]+[ \t]+[^ \t]+[ \t]+/, ""); e = e $0 "\n"; pids($0) }
	function pids(s,   p) {
		while ((i = index(s, "pid=")) > 0) {
			s = substr(s, i + 4); p = s; sub(/[^0-9].*/, "", p)
			if (p != "" && !(p in seen) && n < 500) { seen[p] = 1; order[++n] = p }
		}
	}
	END {
		printf "%%%% ss-listen\n%s%%%% ss-established\n%s%%%% cgroups\n", l, e
		for (k = 1; k <= n; k++) {
			f = "/proc/" order[k] "/cgroup"; first = 1
			while ((getline c < f) > 0) { if (first) print "pid " order[k]; first = 0; print c }
			close(f)
		}
	}'
elif gitcmdb_has netstat; then
	# Some busybox builds have no -p: endpoints without owners then.
	{ netstat -tunap 2>/dev/null || netstat -tuna; } | awk '
	$1 ~ /^tcp/ && $6 == "LISTEN" { l = l $0 "\n"; pid($7); next }
	$1 ~ /^udp/ && $6 != "ESTABLISHED" { l = l $0 "\n"; pid($6); next }
	$1 ~ /^tcp/ && $6 == "ESTABLISHED" { e = e $0 "\n"; pid($7) }
	function pid(s) {
		sub(/\/.*/, "", s)
		if (s ~ /^[0-9]+$/ && !(s in seen) && n < 500) { seen[s] = 1; order[++n] = s }
	}
	END {
		printf "%%%% netstat-listen\n%s%%%% netstat-established\n%s%%%% cgroups\n", l, e
		for (k = 1; k <= n; k++) {
			f = "/proc/" order[k] "/cgroup"; first = 1
			while ((getline c < f) > 0) { if (first) print "pid " order[k]; first = 0; print c }
			close(f)
		}
	}'
else
	# Neither tool (minimal containers): the kernel's tables, without owners.
	for t in tcp tcp6 udp udp6; do
		[ -r "/proc/net/$t" ] && { gitcmdb_blk "proc-net-$t"; gitcmdb_cat "/proc/net/$t"; }
	done
fi
