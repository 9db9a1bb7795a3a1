#!/bin/sh
# CPU time and process spawns of the collector script on this machine, per section and for
# the whole run, over the exact script a scan sends (bench_collect_script prints it), run
# the way a scan runs it: `LC_ALL=C sh -s` with the script on stdin. Prints figures; not a test.
#
#   bench/collector.sh BUILD_DIR [RUNS]      (RUNS per figure, default 7; the best is shown)
#   SCRIPT=FILE bench/collector.sh - [RUNS]  (measure FILE instead, e.g. an older script)
#   BENCH_USER=nobody bench/collector.sh ...  (run as that user, through setpriv, as a
#                                              scan's unprivileged account would; needs root)
#
# cpu ms:  CPU time of the shell and everything it started (perf stat task-clock, else
#          user+sys from /usr/bin/time in 10 ms steps), best of RUNS;
# spawns:  programs started (successful execve calls, strace -f), the shell itself not
#          counted (failed tries along PATH are not spawns);
# forks:   fork/vfork/clone calls (subshells included).
# A section is measured as the prologue plus that section alone; "all" is the whole script.
set -eu
BUILD=${1:?usage: bench/collector.sh BUILD_DIR [RUNS]}
RUNS=${2:-7}
W=$(mktemp -d "${TMPDIR:-/tmp}/gitcmdb-bench-collector-XXXXXX")
trap 'rm -rf "$W"' EXIT
if [ -n "${SCRIPT:-}" ]; then
	cp "$SCRIPT" "$W/all.sh"
else
	"$BUILD/bench/bench_collect_script" >"$W/all.sh" ||
		{ echo "bench/collector: build with -DCMDB_BENCH=ON (make bench) first" >&2; exit 1; }
fi
command -v strace >/dev/null 2>&1 || echo "bench/collector: no strace: spawns not counted" >&2
AS=
if [ -n "${BENCH_USER:-}" ]; then
	uid=$(id -u "$BENCH_USER") gid=$(id -g "$BENCH_USER")
	AS="setpriv --reuid=$uid --regid=$gid --clear-groups"
	chmod 755 "$W"
fi
PERF=
if command -v perf >/dev/null 2>&1 && perf stat -x, -e task-clock true >/dev/null 2>&1; then PERF=perf
elif ! [ -x /usr/bin/time ]; then echo "bench/collector: needs perf or /usr/bin/time" >&2; exit 1; fi

# One script per section: the lines before the first section, that section, and the
# driver (the gitcmdb_list line and what follows) running it alone; a script of the older
# form ("gitcmdb_run NAME" after each section) keeps its run line and gets the done line.
awk -v dir="$W" '
	/^gitcmdb_s_[a-z]+\(\) \($/ { name = substr($1, 11); sub(/\(\)$/, "", name); cur = name
		names = names " " name }
	/^gitcmdb_list=/ { tail = 1 }
	tail { drv = drv $0 "\n"; next }
	cur == "" && !seen { head = head $0 "\n"; next }
	cur != "" { body[cur] = body[cur] $0 "\n"; seen = 1 }
	$0 == ")" { last = cur; cur = "" }
	/^gitcmdb_run [a-z]+$/ && last != "" { body[last] = body[last] $0 "\n" }
	END { n = split(names, a, " ")
		if (drv == "") drv = "echo @@gitcmdb-done@@\n"
		for (i = 1; i <= n; i++) {
			d = drv; sub(/^gitcmdb_list=[^\n]*/, "gitcmdb_list=\"" a[i] "\"", d)
			printf "%s%s%s", head, body[a[i]], d > (dir "/s-" a[i] ".sh")
			print a[i] > (dir "/names") } }' "$W/all.sh"

measure() { # measure NAME FILE
	best=
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		if [ -n "$PERF" ]; then
			perf stat -x, -e task-clock -o "$W/t" $AS env LC_ALL=C sh -s <"$2" >"$W/out" 2>/dev/null || true
			ms=$(awk -F, '$3 == "task-clock" { printf "%d", $1 + 0.5 }' "$W/t")
		else
			/usr/bin/time -f '%U %S' -o "$W/t" $AS env LC_ALL=C sh -s <"$2" >"$W/out" 2>/dev/null || true
			ms=$(awk '{ printf "%d", ($1 + $2) * 1000 + 0.5 }' "$W/t" | tail -n 1)
		fi
		[ -z "$best" ] || [ "$ms" -lt "$best" ] && best=$ms
		i=$((i + 1))
	done
	spawns=- forks=-
	if command -v strace >/dev/null 2>&1; then
		strace -f -qq -e trace=execve,fork,vfork,clone,clone3 -e signal=none \
			-o "$W/st" $AS env LC_ALL=C sh -s <"$2" >/dev/null 2>&1 || true
		spawns=$(grep -Ec '(execve\(|execve resumed>).*= 0$' "$W/st" || true)
		spawns=$((spawns - 2)) # env and the shell
		[ -z "$AS" ] || spawns=$((spawns - 1)) # setpriv
		forks=$(grep -Ec '(fork|clone3?)\(' "$W/st" || true)
		[ "$1" = all ] && cp "$W/st" "${TMPDIR:-/tmp}/gitcmdb-bench-collector.strace"
	fi
	printf '%-12s %8s %8s %8s %9s\n' "$1" "$best" "$spawns" "$forks" "$(wc -c <"$W/out")"
}

echo "collector script on $(hostname) as ${BENCH_USER:-$(id -un)}, sh = $(readlink -f "$(command -v sh)"), best of $RUNS${PERF:+ (perf)}"
printf '%-12s %8s %8s %8s %9s\n' section "cpu ms" spawns forks "out bytes"
while read -r s; do measure "$s" "$W/s-$s.sh"; done <"$W/names"
measure all "$W/all.sh"
