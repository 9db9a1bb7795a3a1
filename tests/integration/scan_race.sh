#!/usr/bin/env bash
# A scan loop and a person's commit loop racing on one repository (issue 7 item 2):
# every annotation a person committed must survive every scan, i.e. zero lost
# updates. The person edits host/web01.yaml in the work tree (write + rename, as
# editors do) and runs `gitcmdb commit`; each scan flips web01's persona so it
# rewrites host/web01.yaml every time. Prints the counts.
#
# ctest runs a bounded round (CMDB_RACE_SCANS scans, default 10, and at most
# CMDB_RACE_CAP seconds, default 90); bench/scan_race.sh runs it for
# CMDB_RACE_SECONDS (default there: 90 s, the issue's race).
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
. "$(dirname "$0")/lib/scan_lab.sh"
SCANS=${CMDB_RACE_SCANS:-10}
SECS=${CMDB_RACE_SECONDS:-0}
CAP=${CMDB_RACE_CAP:-90}
export GITCMDB_LOCK_TIMEOUT_MS=60000
init_repo
cd "$REPO"
scan 0 --limit web01
NORMAL="$CMDB_SOURCE_DIR/tests/lab/personas/web01.out"
DRIFT="$CMDB_SOURCE_DIR/tests/lab/personas/web01-drift.out"

# The person: add annotation race-N, commit; note which annotations each commit holds.
SEED=${CMDB_SEED:-$(date +%s)}
echo "seed $SEED (CMDB_SEED=$SEED replays the person's pauses)"
person() {
	local n=0 out rc
	RANDOM=$SEED # a background subshell would otherwise seed itself
	while [ ! -e "$T/stop" ]; do
		n=$((n + 1))
		"$PYTHON" - host/web01.yaml "$n" <<'PY'
import os, sys, yaml
p, n = sys.argv[1], int(sys.argv[2])
d = yaml.safe_load(open(p))
d.setdefault("annotations", {})["race-%d" % n] = n
with open(p + ".edit", "w") as f:
    yaml.safe_dump(d, f, sort_keys=False)
os.rename(p + ".edit", p)
PY
		rc=0
		out=$("$GITCMDB" commit -m "annotate race-$n" --json 2>"$T/person.err") || rc=$?
		if [ "$rc" = 0 ] && [ "$(jq_ "$out" 'd["changed"]')" = True ]; then
			git show "$(jq_ "$out" 'd["commit"]')":host/web01.yaml |
				grep -o '^  race-[0-9]*' | tr -d ' ' >>"$T/committed"
			echo "$n" >>"$T/commits"
		elif [ "$rc" = 0 ]; then
			echo "$n" >>"$T/vanished" # the edit was gone before it could be committed
		else
			echo "$n $(head -c 300 "$T/person.err")" >>"$T/refused"
		fi
		sleep "0.0$((RANDOM % 10))"
	done
}
touch "$T/committed" "$T/commits" "$T/vanished" "$T/refused"
person &
PERSON=$!
start=$(date +%s)
scans=0 scans_ok=0 scans_refused=0 remerged=0
while :; do
	now=$(date +%s)
	if [ "$SECS" -gt 0 ]; then [ $((now - start)) -lt "$SECS" ] || break
	else [ "$scans" -lt "$SCANS" ] && [ $((now - start)) -lt "$CAP" ] || break; fi
	scans=$((scans + 1))
	cp "$([ $((scans % 2)) = 1 ] && echo "$DRIFT" || echo "$NORMAL")" "$LAB/personas/web01.out"
	rc=0
	"$GITCMDB" scan --limit web01 --timeout 60 --json >"$T/scan.json" 2>"$T/scan.err" || rc=$?
	if [ "$rc" = 0 ]; then
		scans_ok=$((scans_ok + 1))
		remerged=$((remerged + $("$PYTHON" -c 'import json,sys; print(len(json.load(open(sys.argv[1])).get("remerged", [])))' "$T/scan.json")))
	else
		# Refused because the person's edit was not committed yet (CMDB_EDIRTY): fine.
		grep -q "uncommitted" "$T/scan.err" || fail "scan $scans failed: $(cat "$T/scan.err")"
		scans_refused=$((scans_refused + 1))
	fi
done
touch "$T/stop"
wait "$PERSON"
elapsed=$(($(date +%s) - start))

# A lost update: an annotation some person commit held that main no longer has.
git show main:host/web01.yaml | grep -o '^  race-[0-9]*' | tr -d ' ' | sort -u >"$T/final"
sort -u "$T/committed" >"$T/held"
lost=$(comm -23 "$T/held" "$T/final" | wc -l)
echo "scan race: ${elapsed}s, $scans scans ($scans_ok committed, $scans_refused refused: edit not yet committed)," \
	"$(wc -l <"$T/commits") annotation commits, $(wc -l <"$T/held") annotations committed," \
	"lost $lost; scan operations re-merged: $remerged; person commits refused: $(wc -l <"$T/refused");" \
	"edits gone before their commit: $(wc -l <"$T/vanished")"
[ -s "$T/refused" ] && echo "refused person commits (first 3):" && head -3 "$T/refused"
[ "$lost" = 0 ] || fail "lost updates: $(comm -23 "$T/held" "$T/final" | tr '\n' ' ')"
ok
[ "$(wc -l <"$T/commits")" -gt 0 ] || fail "the person never committed"
ok
assert_eq "$(git status --porcelain)" "" "work tree follows main after the race"
assert_eq "$(git rev-list --merges main)" "" "history stays linear"
fsck_clean "$REPO"
done_ok
