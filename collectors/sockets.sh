# sockets: listening TCP/UDP and established TCP endpoints with their process,
# plus the cgroup of each process so the parser can name its service.
if gitcmdb_has ss; then
	# Old iproute2 has no -H; the parser skips the header line then.
	l=$(gitcmdb_t ss -Htlnup || gitcmdb_t ss -tlnup)
	e=$(gitcmdb_t ss -Htnp state established || gitcmdb_t ss -tnp state established)
	gitcmdb_blk ss-listen
	printf '%s\n' "$l"
	gitcmdb_blk ss-established
	printf '%s\n' "$e"
	pids=$(printf '%s\n%s\n' "$l" "$e" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u | head -n 500)
elif gitcmdb_has netstat; then
	# Some busybox builds have no -p: endpoints without owners then.
	l=$(gitcmdb_t netstat -tulnp || gitcmdb_t netstat -tuln)
	e=$({ gitcmdb_t netstat -tnp || gitcmdb_t netstat -tn; } | grep ESTABLISHED)
	gitcmdb_blk netstat-listen
	printf '%s\n' "$l"
	gitcmdb_blk netstat-established
	printf '%s\n' "$e"
	pids=$(printf '%s\n%s\n' "$l" "$e" | awk '{print $NF}' | cut -d/ -f1 | grep -E '^[0-9]+$' | sort -u | head -n 500)
else
	# Neither tool (minimal containers): the kernel's tables, without owners.
	for t in tcp tcp6 udp udp6; do
		[ -r "/proc/net/$t" ] && { gitcmdb_blk "proc-net-$t"; cat "/proc/net/$t"; }
	done
fi
gitcmdb_blk cgroups
for p in $pids; do
	[ -r "/proc/$p/cgroup" ] || continue
	echo "pid $p"
	cat "/proc/$p/cgroup"
done
