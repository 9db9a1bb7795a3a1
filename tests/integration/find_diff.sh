#!/usr/bin/env bash
# gitcmdb find and gitcmdb diff on a hand-built two-day history with stated answers.
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T

R="$T/cmdb"
git init -q -b main "$R"
cd "$R"

host() { # host NAME OS CPUS OWNER OPENSSL FOO
	put "host/$1.yaml" <<EOF
type: host
name: $1
attributes:
  os: {id: $2}
  hardware: {cpus: $3}
  network:
    interfaces:
      eth0: {addresses: [10.0.0.$3/24]}
  packages:
    foo: {version: "$6"}
    openssl: {version: "$5"}
annotations:
  owner: $4
EOF
}

# A bad expression is refused before anything is opened or created.
run_cli 2 find 'attributes.os.id debian'
assert_contains "$ERR" "expression:1:18: expected an operator"
[ ! -e .git/gitcmdb ] || fail "find with a bad expression created the index"

host web01 debian 4 team-web 3.0.11-1~deb12u2 1.0_1
host web02 debian 8 ops 3.0.13-1~deb12u1 1.0.0
host web03 ubuntu 16 team-shop 1:1.1.1f-1ubuntu2 2.0
host rh01 rhel 2 team-db 1.0.2k-19.el7 1.0_1
put service/web01/nginx.yaml <<'EOF'
type: service
name: nginx
relations:
  runs_on: [host/web01]
EOF
commit_at 2026-03-01T08:00:00Z "day 1"

ids() { "$PYTHON" -c 'import json,sys; print(" ".join(i["id"] for i in json.load(sys.stdin)["items"]))'; }
find_ids() { run_cli 0 find --json "$@"; printf '%s' "$OUT" | ids; }

# dpkg ordering: 3.0.13-1~deb12u1 is newer than 3.0.13; the epoch makes web03 newest
assert_eq "$(find_ids 'attributes.packages.openssl.version<3.0.13')" "host/rh01 host/web01" "openssl<3.0.13"
assert_eq "$(find_ids 'attributes.packages.openssl.version>=3.0.13')" "host/web02 host/web03" "openssl>=3.0.13"
# per-host scheme: rpm ignores separators (1.0_1 == 1.0.1), dpkg does not (1.0_1 > 1.0.1)
assert_eq "$(find_ids 'attributes.packages.foo.version>1.0.1')" "host/web01 host/web03" "dpkg vs rpm"
assert_eq "$(find_ids 'attributes.packages.foo.version=1.0_1')" "host/rh01 host/web01" "string equality"
# numbers as numbers (16 > 8, though "16" < "8" as text)
assert_eq "$(find_ids 'attributes.hardware.cpus>=8')" "host/web02 host/web03" "numeric"
assert_eq "$(find_ids 'annotations.owner~^team-')" "host/rh01 host/web01 host/web03" "regex"
assert_eq "$(find_ids 'annotations.owner!~^team-')" "host/web02" "negated regex"
assert_eq "$(find_ids 'attributes.os.id=debian, attributes.hardware.cpus>4')" "host/web02" "AND with ,"
assert_eq "$(find_ids 'attributes.os.id!=debian and annotations.owner=team-db')" "host/rh01" "AND with and"
assert_eq "$(find_ids 'attributes.packages.*.version>=3')" "host/web01 host/web02 host/web03" "wildcard path"
assert_eq "$(find_ids 'attributes.packages.*.version>=3.0.12')" "host/web02 host/web03" "wildcard path, version"
# a wildcard term written first is evaluated after the literal one, over its candidates only
assert_eq "$(find_ids 'attributes.packages.*.version>=3.0.12, attributes.os.id=debian')" "host/web02" "wildcard + literal"
run_cli 0 find 'attributes.packages.*.version>=1.0.0, annotations.owner=ops'
assert_eq "$OUT" "host/web02  annotations.owner=ops  attributes.packages.foo.version=1.0.0  attributes.packages.openssl.version=3.0.13-1~deb12u1" "matches of both terms"
assert_eq "$(find_ids 'attributes.network.interfaces.eth0.addresses=10.0.0.16/24')" "host/web03" "list element"
assert_eq "$(find_ids 'type=service')" "service/web01/nginx" "type"
assert_eq "$(find_ids 'id~^host/web0[12]$')" "host/web01 host/web02" "id"
assert_eq "$(find_ids 'attributes.nothing=1')" "" "no match"

run_cli 0 find 'attributes.packages.openssl.version<3.0.13'
assert_eq "$OUT" "host/rh01  attributes.packages.openssl.version=1.0.2k-19.el7
host/web01  attributes.packages.openssl.version=3.0.11-1~deb12u2" "find text"
run_cli 0 find --json 'attributes.hardware.cpus>8'
assert_eq "$(printf '%s' "$OUT" | "$PYTHON" -c '
import json,sys; r=json.load(sys.stdin); m=r["items"][0]["matches"][0]
print(r["items"][0]["type"], m["path"], m["value"], type(m["value"]).__name__, r["at"]["seq"])')" \
	"host attributes.hardware.cpus 16 int 1" "find json"

# Day 2: web01 upgraded and handed over, web02 gone, db01 new, nginx now connects to db01.
host web01 debian 4 team-shop 3.0.13-1~deb12u1 1.0_1
git rm -q host/web02.yaml
put host/db01.yaml <<'EOF'
type: host
name: db01
EOF
put service/web01/nginx.yaml <<'EOF'
type: service
name: nginx
relations:
  connects_to: [host/db01]
  runs_on: [host/web01]
EOF
commit_at 2026-03-02T08:00:00Z "day 2"
D1=$(git rev-parse --short=12 HEAD~1) D2=$(git rev-parse --short=12 HEAD)
BEFORE=$(repo_state "$R")

assert_eq "$(find_ids 'attributes.packages.openssl.version<3.0.13')" "host/rh01" "find now"
assert_eq "$(find_ids 'attributes.packages.openssl.version<3.0.13' --at 2026-03-01T12:00:00Z)" \
	"host/rh01 host/web01" "find --at"

run_cli 0 diff 2026-03-01T12:00:00Z
assert_eq "$OUT" "from $D1 (2026-03-01T08:00:00Z)
to   $D2 (2026-03-02T08:00:00Z)
+ host/db01
- host/web02
~ host/web01
    annotations.owner: team-web -> team-shop
    attributes.packages.openssl.version: 3.0.11-1~deb12u2 -> 3.0.13-1~deb12u1
+ service/web01/nginx connects_to host/db01
1 added, 1 removed, 1 changed; 1 relations added, 0 removed" "diff text"

# backwards: the same changes the other way round
run_cli 0 diff now main~1 --json
assert_eq "$(printf '%s' "$OUT" | "$PYTHON" -c '
import json,sys; r=json.load(sys.stdin)
c=r["changed"][0]["changes"]
print(r["added"], r["removed"], r["changed"][0]["id"], c[1]["path"], c[1]["old"], c[1]["new"],
      r["relations_removed"], r["from"]["seq"], r["to"]["seq"])')" \
	"['host/web02'] ['host/db01'] host/web01 attributes.packages.openssl.version 3.0.13-1~deb12u1 3.0.11-1~deb12u2 [{'dst': 'host/db01', 'src': 'service/web01/nginx', 'type': 'connects_to'}] 2 1" "diff backwards"
run_cli 0 diff main
assert_contains "$OUT" "0 added, 0 removed, 0 changed; 0 relations added, 0 removed"

# --- bad input: clear errors, right exit codes, nothing modified
run_cli 2 find 'attributes.packages.openssl.version<<3'
assert_contains "$ERR" "expression:1:37:"
run_cli 2 find 'a=1,'
assert_contains "$ERR" "expression:1:5: expected a term"
run_cli 2 find 'annotations.owner~(team'
assert_contains "$ERR" "bad regular expression"
run_cli 2 find 'a=1' --at 2026-02-30T99:00
assert_contains "$ERR" "malformed date"
run_cli 1 find 'a=1' --at 2025-01-01
assert_contains "$ERR" "before the first commit"
run_cli 2 find
run_cli 2 diff
run_cli 2 diff a b c
run_cli 2 diff 2026-03-01T25:00:00Z
assert_contains "$ERR" "malformed date"
run_cli 1 diff 2020-01-01
assert_contains "$ERR" "before the first commit"
run_cli 2 diff no-such-revision
assert_contains "$ERR" "a revision or a baseline name"
run_cli 0 find --help
assert_contains "$OUT" "usage: gitcmdb find EXPR"
run_cli 0 diff --help
assert_contains "$OUT" "usage: gitcmdb diff WHEN"

assert_eq "$(repo_state "$R")" "$BEFORE" "repository untouched"
assert_eq "$(git status --porcelain)" "" "work tree clean"
fsck_clean "$R"
done_ok
