#!/usr/bin/env bash
# gitcmdb init: a work tree and a bare repository, and every refusal leaving things as they were.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T

# A work-tree repository: HEAD -> main, one commit, checked out, clean.
run_cli 0 init "$T/r"
assert_contains "$OUT" "Initialised a CMDB repository in $T/r/"
assert_eq "$(git -C "$T/r" symbolic-ref HEAD)" refs/heads/main "HEAD"
assert_eq "$(git -C "$T/r" rev-list --count main)" 1 "commits"
assert_eq "$(git -C "$T/r" ls-tree --name-only main | tr '\n' ' ')" "gitcmdb.yaml inventory.yaml " "files"
assert_eq "$(git -C "$T/r" status --porcelain)" "" "status"
assert_eq "$(git -C "$T/r" log -1 --format=%s)" "init: new CMDB repository" "message"
fsck_clean "$T/r"
# The settings parse as YAML and hold the documented defaults.
"$PYTHON" - "$T/r/gitcmdb.yaml" "$T/r/inventory.yaml" <<'PY' || fail "settings do not hold the defaults"
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
assert s["scan"]["record_unchanged_scans"] is True
assert "/etc/ssh/sshd_config" in s["files"] and "/etc/crontab" in s["files"]
assert s["commit"]["author_name"] == "gitcmdb scanner"
assert all(s["collectors"].values())
assert "redaction" not in s and s["volatile_fields"]  # built-in redaction patterns apply
assert s["changes"]["grace_minutes"] == 30
assert yaml.safe_load(open(sys.argv[2])) == {"hosts": {}}
PY
ok

# Bare.
run_cli 0 init --bare "$T/b.git"
assert_eq "$(git -C "$T/b.git" rev-parse --is-bare-repository)" true "bare"
assert_eq "$(git -C "$T/b.git" show main:inventory.yaml | tail -1)" "hosts: {}" "inventory"
fsck_clean "$T/b.git"

# -C names the directory when DIR is omitted; an empty directory is fine.
mkdir "$T/empty"
run_cli 0 -C "$T/empty" init
assert_eq "$(git -C "$T/empty" rev-list --count main)" 1 "init in empty dir"

# Refusals: nothing is created or changed.
before=$(repo_state "$T/r")
run_cli 1 init "$T/r"
assert_contains "$ERR" "exists and is not empty"
assert_eq "$(repo_state "$T/r")" "$before" "existing repository untouched"

mkdir "$T/full" && echo keep >"$T/full/notes.txt"
run_cli 1 init --bare "$T/full"
assert_contains "$ERR" "not empty"
assert_eq "$(ls -A "$T/full")" "notes.txt" "non-empty dir untouched"

echo data >"$T/afile"
run_cli 1 init "$T/afile"
assert_contains "$ERR" "is a file"
assert_eq "$(cat "$T/afile")" data "file untouched"

run_cli 1 init "$T/afile/sub"
assert_eq "$(cat "$T/afile")" data "file untouched"

run_cli 2 init --frobnicate "$T/x"
assert_contains "$ERR" "unknown option '--frobnicate'"
[ ! -e "$T/x" ] || fail "usage error created $T/x"; ok
run_cli 2 init "$T/x" "$T/y"
[ ! -e "$T/x" ] || fail "usage error created $T/x"; ok

run_cli 0 init --help
assert_contains "$OUT" "usage: gitcmdb init [--bare] DIR"

done_ok
