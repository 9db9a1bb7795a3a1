# sockets: listening TCP/UDP and established TCP endpoints with their process,
# plus the cgroup of each process so the parser can name its service.
if gitcmdb_has ss; then
	l=$(gitcmdb_t ss -Htlnup)
	e=$(gitcmdb_t ss -Htnp state established)
	gitcmdb_blk ss-listen
	printf '%s\n' "$l"
	gitcmdb_blk ss-established
	printf '%s\n' "$e"
	pids=$(printf '%s\n%s\n' "$l" "$e" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u | head -n 500)
elif gitcmdb_has netstat; then
	l=$(gitcmdb_t netstat -tulnp)
	e=$(gitcmdb_t netstat -tnp | grep ESTABLISHED)
	gitcmdb_blk netstat-listen
	printf '%s\n' "$l"
	gitcmdb_blk netstat-established
	printf '%s\n' "$e"
	pids=$(printf '%s\n%s\n' "$l" "$e" | awk '{print $NF}' | cut -d/ -f1 | grep -E '^[0-9]+$' | sort -u | head -n 500)
fi
gitcmdb_blk cgroups
for p in $pids; do
	[ -r "/proc/$p/cgroup" ] || continue
	echo "pid $p"
	cat "/proc/$p/cgroup"
done
