#!/usr/bin/env bash
# Baselines: annotated tags refs/tags/baseline/NAME; every WHEN accepts baseline/NAME.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
R="$T/r"
run_cli 0 init "$R"
cd "$R"
mkdir -p host
at() { GIT_COMMITTER_DATE="$1" GIT_AUTHOR_DATE="$1"; export GIT_COMMITTER_DATE GIT_AUTHOR_DATE; }
at "2026-11-01T10:00:00Z"
printf 'type: host\nname: web01\nattributes: {cpus: 2}\n' >host/web01.yaml
git add host && git commit -qm "web01 with 2 cpus"  # plain git: gitcmdb commits at now
c1=$(git rev-parse main)
at "2026-11-10T10:00:00Z"
printf 'type: host\nname: web01\nattributes: {cpus: 4}\n' >host/web01.yaml
git add host && git commit -qm "web01 with 4 cpus"
c2=$(git rev-parse main)
unset GIT_COMMITTER_DATE GIT_AUTHOR_DATE

run_cli 0 baseline create 2026-Q4 -m "end of quarter"
assert_eq "$OUT" "baseline/2026-Q4 -> ${c2:0:12}"
assert_eq "$(git cat-file -t refs/tags/baseline/2026-Q4)" tag "annotated"
assert_eq "$(git rev-parse 'refs/tags/baseline/2026-Q4^{commit}')" "$c2"
assert_eq "$(git for-each-ref --format='%(taggername)|%(contents:subject)' refs/tags/baseline/2026-Q4)" "tester|end of quarter"
run_cli 0 baseline create november --at 2026-11-05
assert_eq "$(git rev-parse 'refs/tags/baseline/november^{commit}')" "$c1" "--at a time: the commit in force then"
run_cli 0 baseline create first --at main~1 --json
"$PYTHON" - "$OUT" "$c1" <<'PY' || fail "baseline create --json: $OUT"
import json, sys
r = json.loads(sys.argv[1])
assert r == {"name": "first", "commit": sys.argv[2], "ref": "refs/tags/baseline/first"}, r
PY
ok

# refusals: exit 1 (2 for usage), no tag written
refs() { git for-each-ref refs/tags | sort; }
before=$(refs)
run_cli 1 baseline create 2026-Q4
assert_contains "$ERR" "baseline '2026-Q4' already exists"
run_cli 1 baseline create 'a/b'
assert_contains "$ERR" "bad baseline name 'a/b'"
run_cli 1 baseline create 'bad..name'
assert_contains "$ERR" "bad baseline name"
run_cli 1 baseline create early --at 2020-01-01
assert_contains "$ERR" "'2020-01-01' is before the first commit"
run_cli 1 baseline create odd --at 2026-02-30
assert_contains "$ERR" "malformed date '2026-02-30'"
run_cli 1 baseline create odd --at baseline/nope
assert_contains "$ERR" "no baseline 'nope'"
run_cli 2 baseline create
assert_eq "$(refs)" "$before" "refusals: no tag"

# list
run_cli 0 baseline list
assert_eq "$(echo "$OUT" | awk '{print $1}' | tr '\n' ' ')" "2026-Q4 first november " "sorted by name"
assert_contains "$OUT" "2026-Q4              ${c2:0:12} 2026-11-10T10:00:00Z end of quarter"
run_cli 0 baseline list --json
"$PYTHON" - "$OUT" "$c1" <<'PY' || fail "baseline list --json: $OUT"
import json, sys
r = json.loads(sys.argv[1])
n = r[2]
assert n["name"] == "november" and n["commit"] == sys.argv[2], n
assert n["commit_time"] == "2026-11-01T10:00:00Z" and n["tagger"] == "tester", n
assert n["message"] == "gitcmdb baseline" and n["created"].endswith("Z"), n
PY
ok

# every WHEN accepts baseline/NAME
run_cli 0 show host/web01 --at baseline/november --json
assert_contains "$OUT" '"cpus": 2'
run_cli 0 diff baseline/november
assert_contains "$OUT" "host/web01"
run_cli 0 diff baseline/november baseline/2026-Q4 --json
assert_contains "$OUT" "cpus"
run_cli 1 show host/web01 --at baseline/nope
assert_contains "$ERR" "no baseline 'nope': see 'gitcmdb baseline list'"

# delete
run_cli 0 baseline delete november
assert_eq "$OUT" "deleted baseline/november"
assert_eq "$(git for-each-ref refs/tags/baseline/november)" "" "tag gone"
assert_eq "$(git cat-file -t "$c1")" commit "the commit stays"
run_cli 1 baseline delete november
assert_contains "$ERR" "no baseline 'november'"
fsck_clean "$R"
done_ok
