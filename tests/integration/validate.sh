#!/usr/bin/env bash
# gitcmdb validate on real repositories: work tree, --rev, bare, --json, repository
# schemas, skipped files; the command never modifies the repository.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T

R=$T/cmdb
run_cli 0 init "$R"
cd "$R"

# A fresh repository has no items and validates clean.
run_cli 0 validate
assert_eq "$OUT" "" "stdout of a clean validate"
assert_contains "$ERR" "validate: 0 items, 0 findings"

mkdir -p host group service/web01 application file/web01/etc/ssh
cat >host/web01.yaml <<'EOF'
type: host
name: web01
source: scan
attributes:
  os: {id: debian, version: "12"}
  hardware: {cpus: 4}
relations:
  member_of: [group/web]
EOF
cat >group/web.yaml <<'EOF'
type: group
name: web
attributes: {description: web servers}
EOF
cat >service/web01/nginx.yaml <<'EOF'
type: service
name: nginx
relations:
  runs_on: [host/web01]
EOF
cat >application/Web%20Shop.yaml <<'EOF'
type: application
name: Web Shop
EOF
# Not items: captured files, top-level docs and dotfiles, settings.
printf 'PermitRootLogin no\n' >file/web01/etc/ssh/sshd_config
printf '# notes\n' >README.md
printf '*.tmp\n' >.gitignore
git add -A && git commit -qm "valid items"
run_cli 0 validate
assert_eq "$OUT" "" "stdout with valid items"
assert_contains "$ERR" "validate: 4 items, 0 findings"

# A symbolic link where an item would be is never followed nor read: it is a finding
# (commit would not take it either). A linked directory is not entered.
ln -s /etc/passwd host/link.yaml
mkdir -p "$T/elsewhere/x" && printf 'type: host\nname: y\nbad: [\n' >"$T/elsewhere/x/y.yaml"
ln -s "$T/elsewhere/x" host/linkdir
ln -s "$T/elsewhere" service/web01/linked
run_cli 1 validate
assert_eq "$OUT" "host/link.yaml: a symbolic link: gitcmdb never follows links in the work tree; put the file itself there
host/linkdir: a symbolic link: gitcmdb never follows links in the work tree; put the file itself there
service/web01/linked: a symbolic link: gitcmdb never follows links in the work tree; put the file itself there" "links are findings"
assert_contains "$ERR" "validate: 4 items, 3 findings"
rm host/link.yaml host/linkdir service/web01/linked
GOOD=$(git rev-parse HEAD)

# Break the work tree: each problem is one sorted line path:line:col: message.
cat >host/web01.yaml <<'EOF'
type: host
name: web02
source: robot
attributes:
  hardware: {cpus: four}
relations:
  member_of: [group/web, group/db]
EOF
printf 'type: service\nname: nginx\n  bad: [\n' >service/web01/nginx.yaml
printf 'type: host\nname: x\n' >host/x.yml
before=$(repo_state "$R")
run_cli 1 validate
expected="host/web01.yaml:2:7: name 'web02' does not match the id host/web01 (expected 'web01')
host/web01.yaml:3:9: source: 'robot' is not one of: scan, manual, import
host/web01.yaml:5:20: attributes.hardware.cpus: expected int, got string
host/web01.yaml:7:26: relations.member_of[1]: relation to missing item group/db
host/web01.yaml:7:26: relations.member_of[1]: targets must be sorted: group/db comes before group/web
host/x.yml: not an item path: not an item path 'host/x.yml': expected <id>.yaml
service/web01/nginx.yaml:3:6: mapping values are not allowed in this context"
assert_eq "$OUT" "$expected" "text findings"
assert_contains "$ERR" "validate: 5 items, 7 findings"

# --json: the same findings as objects.
run_cli 1 validate --json
printf '%s' "$OUT" >"$T/findings.json"
got=$("$PYTHON" - "$T/findings.json" <<'EOF'
import json, sys
f = json.load(open(sys.argv[1]))
print(len(f))
for x in f:
    assert set(x) == {"file", "line", "column", "id", "message"}, x
print(f[0]["file"], f[0]["line"], f[0]["column"], f[0]["id"])
print(f[5]["id"], f[5]["line"])
EOF
)
assert_eq "$got" "7
host/web01.yaml 2 7 host/web01
None 0" "json findings"

# The committed revision is still valid; --rev reads blobs, not the work tree.
run_cli 0 validate --rev main
assert_contains "$ERR" "validate: 4 items, 0 findings"
run_cli 0 validate --rev "$GOOD" --json
assert_eq "$OUT" "[]" "json of a clean revision"
run_cli 1 validate --rev no-such-rev
assert_contains "$ERR" "gitcmdb: "
assert_contains "$ERR" "no-such-rev"

# Usage errors exit 2.
run_cli 2 validate --bogus
run_cli 2 validate extra-arg
run_cli 2 validate --rev

# Nothing was written by any of the above.
assert_eq "$(repo_state "$R")" "$before" "repository state after validate"
fsck_clean "$R"

# An unreadable file is named with the reason (validate named no file).
U="$T/unreadable"
git clone -q "$R" "$U"
chmod 000 "$U/host/web01.yaml"
run_cli_unprivileged 1 "$U" validate
assert_eq "$ERR" "gitcmdb: cannot read $U/host/web01.yaml: Permission denied: check its permissions" "unreadable file"

# A bare repository validates main.
git clone -q --bare "$R" "$T/bare.git"
run_cli 0 -C "$T/bare.git" validate
assert_contains "$ERR" "validate: 4 items, 0 findings"

# The repository's own schemas/ override the built-ins (here: a stricter host).
git checkout -q -- host/web01.yaml service/web01/nginx.yaml
rm host/x.yml
mkdir -p schemas
cat >schemas/host.yaml <<'EOF'
type: host
attributes:
  type: map
  fields:
    os: {type: map, additional: true}
EOF
run_cli 1 validate
assert_eq "$OUT" "host/web01.yaml:6:13: attributes.hardware: unknown field (expected one of: os)" "override finding"
# ...and a new type becomes valid once its schema exists.
mkdir -p load_balancer
printf 'type: load_balancer\nname: lb1\n' >load_balancer/lb1.yaml
printf 'type: load_balancer\n' >schemas/load_balancer.yaml
rm schemas/host.yaml
run_cli 0 validate
assert_contains "$ERR" "validate: 5 items, 0 findings"
rm schemas/load_balancer.yaml
run_cli 1 validate
assert_eq "$OUT" "load_balancer/lb1.yaml:1:7: unknown type 'load_balancer' (no schema for it)" "type without schema"

# A broken repository schema is an error naming the file and place, not a crash.
printf 'type: host\nattributes: {type: map, requird: true}\n' >schemas/host.yaml
run_cli 1 validate
assert_eq "$OUT" "" "no findings printed when the schemas are broken"
assert_contains "$ERR" "schemas/host.yaml:2:34: unknown schema keyword 'requird'"

done_ok
