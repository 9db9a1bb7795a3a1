#!/bin/bash
# gitcmdb fmt: canonical rewrite of item files, --check, PATH selection, broken files untouched.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
FIX="$CMDB_SOURCE_DIR/tests/fixtures/yaml"
R="$T/repo"

run_cli 0 init "$R"
cd "$R"
mkdir -p host service/web01 change file/web01/etc schemas .hidden
cp "$FIX/host.yaml" host/web01.yaml
cp "$FIX/service.yaml" service/web01/nginx.yaml
cp "$FIX/change.canonical" change/CHG-0042.yaml
printf 'type: host\nname: web02\n\nattributes: {os: {id: debian}}  # comment\n' > host/web02.yaml
printf 'a:   1   # not an item: raw captured file\n' > file/web01/etc/app.yaml
printf 'b:   2\n' > schemas/host.yaml
printf 'c:   3\n' > .hidden/x.yaml
printf 'top:   1\n' > host.yaml
chmod 600 host/web02.yaml
untouched() { sha256sum gitcmdb.yaml inventory.yaml file/web01/etc/app.yaml schemas/host.yaml .hidden/x.yaml host.yaml change/CHG-0042.yaml; }
KEEP=$(untouched)

# --check lists what is not canonical and changes nothing.
BEFORE=$(repo_state "$R")
run_cli 1 -C "$R" fmt --check
assert_eq "$OUT" "host/web01.yaml
host/web02.yaml
service/web01/nginx.yaml" "fmt --check listing"
assert_eq "$(repo_state "$R")" "$BEFORE" "state after --check"
run_cli 1 -C "$R" fmt --check --json
assert_eq "$(printf '%s' "$OUT" | "$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(d["check"], d["changed"], d["failed"])')" \
	"True ['host/web01.yaml', 'host/web02.yaml', 'service/web01/nginx.yaml'] []" "fmt --check --json"
assert_eq "$(repo_state "$R")" "$BEFORE" "state after --check --json"

# fmt rewrites exactly those, into the canonical bytes.
run_cli 0 -C "$R" fmt
assert_eq "$OUT" "host/web01.yaml
host/web02.yaml
service/web01/nginx.yaml" "fmt listing"
assert_eq "$(cat host/web01.yaml)" "$(cat "$FIX/host.canonical")" "host/web01.yaml canonical bytes"
assert_eq "$(cat host/web02.yaml)" "type: host
name: web02
attributes:
  os:
    id: debian" "host/web02.yaml canonical bytes"
assert_eq "$(tail -c 1 host/web02.yaml | od -An -c | tr -d ' ')" '\n' "ends with one newline"
assert_eq "$(tail -c 2 host/web02.yaml | od -An -c | tr -d ' ')" 'n\n' "ends with exactly one newline"
assert_eq "$(untouched)" "$KEEP" "non-item files untouched"
assert_eq "$(stat -c %a host/web02.yaml)" "600" "mode kept"
assert_eq "$(find . -name '*.fmt-*' | wc -l)" "0" "no temporary files left"
# Another YAML implementation reads the same values back.
"$PYTHON" - <<'PY' || fail "PyYAML disagrees with the formatted file"
import json, yaml
got = yaml.safe_load(open("service/web01/nginx.yaml"))
assert got["attributes"]["listeners"] == ["0.0.0.0:80", "[::]:80", "0.0.0.0:443"], got
assert list(got)[:4] == ["type", "name", "source", "attributes"], list(got)
PY
ok

# Idempotent: a second run changes nothing, --check passes.
AFTER=$(repo_state "$R")
run_cli 0 -C "$R" fmt
assert_eq "$OUT" "" "second fmt output"
run_cli 0 -C "$R" fmt --check
assert_eq "$(repo_state "$R")" "$AFTER" "state after second fmt"

# A broken file: clear file:line:col error, that file untouched, the others still formatted.
printf 'type: host\nname: bad\nattributes: {a: [1, 2}\n' > host/bad.yaml
printf 'type: host\nname: dup\nname: again\n' > host/dup.yaml
printf 'name: web03\ntype: host\n' > host/web03.yaml
BAD=$(sha256sum host/bad.yaml host/dup.yaml)
run_cli 1 -C "$R" fmt
assert_contains "$ERR" "gitcmdb: host/bad.yaml:3:" "syntax error position"
assert_contains "$ERR" "the file is unchanged" "syntax error hint"
assert_contains "$ERR" "host/dup.yaml:3:1: duplicate key 'name'" "duplicate key error"
assert_eq "$OUT" "host/web03.yaml" "the good file is still formatted"
assert_eq "$(sha256sum host/bad.yaml host/dup.yaml)" "$BAD" "broken files untouched"
assert_eq "$(head -1 host/web03.yaml)" "type: host" "web03 formatted"
run_cli 1 -C "$R" fmt --json
assert_eq "$(printf '%s' "$OUT" | "$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(d["changed"], d["failed"])')" \
	"[] ['host/bad.yaml', 'host/dup.yaml']" "fmt --json names the broken files"
assert_eq "$(sha256sum host/bad.yaml host/dup.yaml)" "$BAD" "broken files untouched by --json"
rm host/bad.yaml host/dup.yaml

# PATH arguments: only those files / directories, relative to the work tree root.
printf 'name: x\ntype: host\n' > host/web04.yaml
printf 'name: y\ntype: service\n' > service/web01/sshd.yaml
W04=$(sha256sum host/web04.yaml)
run_cli 0 fmt --check service/web01/nginx.yaml
run_cli 0 -C "$R" fmt service
assert_eq "$OUT" "service/web01/sshd.yaml" "fmt DIR"
assert_eq "$(sha256sum host/web04.yaml)" "$W04" "file outside PATH untouched"
run_cli 1 -C "$R" fmt --check host/web04.yaml host/web01.yaml
assert_eq "$OUT" "host/web04.yaml" "fmt --check FILE"
run_cli 0 -C "$R" fmt --json service
assert_eq "$(printf '%s' "$OUT" | "$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(d["check"], d["changed"], d["failed"])')" \
	"False [] []" "fmt --json on canonical files"
run_cli 1 -C "$R" fmt inventory.yaml
assert_contains "$ERR" "inventory.yaml: not an item file" "non-item PATH"
run_cli 1 -C "$R" fmt file/web01/etc/app.yaml
assert_contains "$ERR" "not an item file" "file/ PATH"
run_cli 1 -C "$R" fmt ../outside.yaml
assert_contains "$ERR" "without '..'" "escaping PATH"
run_cli 1 -C "$R" fmt host/missing.yaml
assert_contains "$ERR" "host/missing.yaml" "missing PATH"
assert_eq "$(untouched)" "$KEEP" "non-item files still untouched"
run_cli 0 -C "$R" fmt host/web04.yaml
assert_eq "$OUT" "host/web04.yaml" "fmt FILE"

# Out of memory reading a file is said, naming the file, which stays untouched. Injected
# with the failmalloc shim: the reader's one allocation of the file's size + 2 bytes (one
# to see a file that grew, one for the NUL: lib/util/file.c) fails.
if [ -n "${CMDB_FAILMALLOC:-}" ]; then
	{ printf 'type: host\nname: big\n# '; head -c 777760 /dev/zero | tr '\0' x; } >"$R/host/big.yaml"
	size=$(stat -c %s "$R/host/big.yaml")
	sum=$(sha256sum <"$R/host/big.yaml")
	LD_PRELOAD=$CMDB_FAILMALLOC CMDB_FAIL_ALLOC_SIZE=$((size + 2)) run_cli 1 -C "$R" fmt host/big.yaml
	assert_eq "$ERR" "gitcmdb: cannot read ${R}/host/big.yaml: out of memory for $((size + 2)) bytes: the file is unchanged" "fmt says it ran out of memory"
	assert_eq "$(sha256sum <"$R/host/big.yaml")" "$sum" "the file is untouched"
	rm "$R/host/big.yaml"
else
	echo "skip: no failmalloc shim in this build (sanitizers)"
fi

# Symbolic links are never followed, read or rewritten: one at an item file's path, found
# or named, is a failure that names it (validate and commit report it as a finding); a
# linked directory is not entered.
printf 'name: z\ntype: host\n' >"$T/outside.yaml"
OUTSIDE=$(sha256sum <"$T/outside.yaml")
ln -s "$T/outside.yaml" host/linked.yaml
mkdir -p "$T/dir" && cp "$T/outside.yaml" "$T/dir/a.yaml"
ln -s "$T/dir" service/web01/linked
run_cli 1 -C "$R" fmt
assert_eq "$OUT" "" "nothing formatted"
assert_eq "$ERR" "gitcmdb: host/linked.yaml: a symbolic link: not formatted (gitcmdb never follows links in the work tree)" "links named"
run_cli 1 -C "$R" fmt --json host/linked.yaml
assert_eq "$(printf '%s' "$OUT" | "$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(d["changed"], d["failed"])')" \
	"[] ['host/linked.yaml']" "a named link fails"
run_cli 1 -C "$R" fmt service/web01/linked/a.yaml
assert_contains "$ERR" "service/web01/linked is a symbolic link, not a directory" "a file through a linked directory"
assert_eq "$(sha256sum <"$T/outside.yaml")" "$OUTSIDE" "the link's target untouched"
assert_eq "$(sha256sum <"$T/dir/a.yaml")" "$OUTSIDE" "the linked directory's file untouched"
rm host/linked.yaml service/web01/linked

# Usage, bare repositories and non-repositories.
run_cli 2 -C "$R" fmt --bogus
run_cli 0 fmt --help
assert_contains "$OUT" "Comments and layout" "help says comments are dropped"
run_cli 0 init --bare "$T/bare.git"
run_cli 1 -C "$T/bare.git" fmt
assert_contains "$ERR" "needs a work tree" "bare repository"
mkdir "$T/plain"
run_cli 1 -C "$T/plain" fmt
fsck_clean "$R"
done_ok
