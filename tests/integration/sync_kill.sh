#!/usr/bin/env bash
# A writer killed during the work-tree sync (issue 7 item 1): SIGKILL, SIGINT or
# SIGTERM at a random point of a first scan's sync of ~50 hosts, then a person
# commits. Nothing of main may be deleted, and git status must be clean, both with
# `gitcmdb commit` and with plain git after `gitcmdb status`.
#
# CMDB_KILL_LOOPS iterations (default 8, at most CMDB_KILL_CAP seconds, default 240),
# random points from CMDB_SEED (printed).
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
. "$(dirname "$0")/lib/lab_copies.sh"
LOOPS=${CMDB_KILL_LOOPS:-8}
CAP=${CMDB_KILL_CAP:-240}
SEED=${CMDB_SEED:-$(date +%s)}
echo "seed $SEED (CMDB_SEED=$SEED replays these kill points)"
RANDOM=$SEED
R="$T/r"
JOURNAL="$R/.git/gitcmdb/sync-pending"
export GITCMDB_NO_FSYNC=1 # process kills, not power cuts, are tested here

now_ms() { date +%s%3N; }

# Calibration: how long the sync of this scan takes (journal written -> exit).
init_copies "$R"
"$GITCMDB" -C "$R" scan --limit "$COPIES" --timeout 60 >/dev/null 2>&1 &
pid=$!
while [ ! -e "$JOURNAL" ] && kill -0 $pid 2>/dev/null; do sleep 0.002; done
t0=$(now_ms)
wait $pid || fail "calibration scan failed"
SYNC_MS=$(($(now_ms) - t0 + 1))
NFILES=$(git -C "$R" ls-tree -r --name-only main | wc -l)
echo "calibration: $NFILES files on main, sync about $SYNC_MS ms"
[ "$NFILES" -gt 200 ] || fail "too few files for a meaningful sync ($NFILES)"

start=$(date +%s) iters=0 midsync=0 before_move=0 failures=0
while [ $iters -lt "$LOOPS" ] && [ $(($(date +%s) - start)) -lt "$CAP" ]; do
	iters=$((iters + 1))
	rm -rf "$R"
	init_copies "$R"
	sig=$(printf 'KILL\nINT\nTERM\n' | sed -n "$((RANDOM % 3 + 1))p")
	delay_ms=$((RANDOM % (SYNC_MS * 3 / 4 + 1)))
	"$GITCMDB" -C "$R" scan --limit "$COPIES" --timeout 60 >/dev/null 2>&1 &
	pid=$!
	while [ ! -e "$JOURNAL" ] && kill -0 $pid 2>/dev/null; do sleep 0.002; done
	sleep "$(printf '0.%03d' "$delay_ms")"
	kill -s "$sig" $pid 2>/dev/null || true
	wait $pid || true
	if [ -e "$JOURNAL" ]; then midsync=$((midsync + 1)); fi
	git -C "$R" ls-tree -r --name-only main | sort >"$T/main.before"
	[ "$(wc -l <"$T/main.before")" -gt 3 ] || before_move=$((before_move + 1))
	cd "$R"
	mkdir -p application
	printf 'type: application\nname: app%d\nsource: manual\n' "$iters" >"application/app$iters.yaml"
	if [ $((iters % 2)) = 1 ]; then
		how="gitcmdb commit"
		run_cli 0 commit -m "add application $iters"
		assert_contains "$OUT" "committed "
	else
		how="gitcmdb status, then git commit -a"
		run_cli 0 status
		assert_eq "$(git status --porcelain)" "?? application/" "only the person's file differs ($sig after ${delay_ms} ms)"
		git add -A && git commit -qm "add application $iters (plain git)"
	fi
	git ls-tree -r --name-only main | sort >"$T/main.after"
	missing=$(comm -23 "$T/main.before" "$T/main.after" | wc -l)
	if [ "$missing" != 0 ]; then
		failures=$((failures + 1))
		fail "iteration $iters ($sig after $delay_ms ms, then $how): $missing file(s) of main deleted, e.g. $(comm -23 "$T/main.before" "$T/main.after" | head -3 | tr '\n' ' ')"
	fi
	ok
	git show main:"application/app$iters.yaml" >/dev/null 2>&1 || fail "iteration $iters: the person's file is not on main"
	ok
	assert_eq "$(git status --porcelain)" "" "git status after $how ($sig after ${delay_ms} ms)"
	[ ! -e "$JOURNAL" ] || fail "iteration $iters: journal still pending"
	ok
	fsck_clean "$R"
	cd "$T"
done
echo "kill loop: $iters iterations in $(($(date +%s) - start)) s ($midsync killed with the sync pending," \
	"$before_move before main moved), $failures failures"
[ "$midsync" -gt 0 ] || echo "warning: no kill landed during the sync this time (seed $SEED)"
done_ok
