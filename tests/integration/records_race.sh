#!/usr/bin/env bash
# Record ids never collide: two processes creating 20 changes each at the same time
# give 40 distinct ids in 40 commits; and two writers of the same record never lose
# an update (each transition is prepared again on the new main).
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
R="$T/r"
run_cli 0 init "$R"
cd "$R"
mkdir -p host
printf 'type: host\nname: web01\n' >host/web01.yaml
run_cli 0 commit -m "estate"
n=$(git rev-list --count main)

for p in a b; do
	(
		for i in $(seq 20); do
			"$GITCMDB" change new --summary "race $p $i" --affects host/web01 \
				--window 2026-11-28T22:00Z/2026-11-28T23:00Z >"$T/out.$p.$i" 2>"$T/err.$p.$i" ||
				echo "exit $? $(cat "$T/err.$p.$i")" >>"$T/failures"
		done
	) &
done
wait
[ ! -s "$T/failures" ] || fail "change new failed under contention: $(cat "$T/failures")"
ids=$(cat "$T"/out.*.* | grep '^CHG-' | sort)
assert_eq "$(echo "$ids" | wc -l)" 40 "40 ids printed"
assert_eq "$(echo "$ids" | uniq | wc -l)" 40 "40 distinct ids"
assert_eq "$(echo "$ids" | head -1)" CHG-0001
assert_eq "$(echo "$ids" | tail -1)" CHG-0040
assert_eq "$(git rev-list --count main)" "$((n + 40))" "40 commits"
assert_eq "$(git ls-tree --name-only main change/ | wc -l)" 40 "40 files"
# every commit added exactly its own record, the one its message names
for c in $(git rev-list "main~40..main"); do
	id=$(git log -1 --format=%s "$c" | sed -n 's/^change \(CHG-[0-9]*\): new.*/\1/p')
	assert_eq "$(git diff-tree --no-commit-id --name-status -r "$c")" "A	change/$id.yaml" "commit $c"
done
for f in "$T"/out.*.*; do
	id=$(head -1 "$f")
	summary=$(sed -n 's/^  summary: //p' <(git show "main:change/$id.yaml"))
	p=${f#"$T"/out.}
	assert_eq "$summary" "race ${p%%.*} ${p#*.}" "$id holds the summary of the process that printed it"
done
assert_eq "$(git status --porcelain)" "" "work tree follows main"
run_cli 0 validate
fsck_clean "$R"

# Two writers of one record: approve and cancel race; exactly one wins, the other is
# refused on the new state (never both applied over each other).
"$GITCMDB" change approve CHG-0001 --by alice >"$T/o1" 2>"$T/e1" & p1=$!
"$GITCMDB" change cancel CHG-0001 >"$T/o2" 2>"$T/e2" & p2=$!
r1=0; wait $p1 || r1=$?
r2=0; wait $p2 || r2=$?
status=$(git show main:change/CHG-0001.yaml | sed -n 's/^  status: //p')
case "$r1$r2:$status" in
01:approved) assert_contains "$(cat "$T/e2")" "change CHG-0001 is approved: it can become" ;;
10:cancelled) assert_contains "$(cat "$T/e1")" "change CHG-0001 is cancelled, a final status" ;;
00:cancelled) assert_eq "$(git log -2 --format=%s main | tail -1)" "change CHG-0001: approved by alice" ;;
*) fail "approve/cancel race: exits $r1 $r2, status $status" ;;
esac
fsck_clean "$R"
done_ok
