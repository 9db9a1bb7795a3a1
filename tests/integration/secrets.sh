# Secrets never reach history (issue 7, items 3 and 4): a lab host whose files and
# units hold one secret of each form, with random values made for this run. After
# scans, no value is anywhere in the repository's objects; a changed secret shows as a
# changed fingerprint, said to be one; a lost key is announced, never passed off as
# drift; a FIFO key fails fast; a missing HOME names options that exist; and a secret
# that reached history before the fix can be purged (the index rebuilds itself).
# A helper that fails to load must stop the test: it rewrites history further down.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
. "$(dirname "$0")/lib/scan_lab.sh"
init_repo
cd "$REPO"
KEY="$HOME/.config/gitcmdb/redaction.key"

# persona [NAME=VALUE...]: write the secrets persona into the lab with this run's random
# values ($T/secrets.json, made on first use), some of them replaced.
persona() {
	"$PYTHON" - "$CMDB_SOURCE_DIR/tests/lab/personas" "$T/secrets.json" "$LAB/personas/secrets.out" "$@" <<'PY'
import json, os, secrets as rnd, sys
sys.path.insert(0, sys.argv[1])
import generate
path = sys.argv[2]
if os.path.exists(path):
    values = json.load(open(path))
else:
    values = {n: "%s-%s" % (n.replace("_", "-"), rnd.token_hex(10)) for n in generate.SECRET_NAMES}
for kv in sys.argv[4:]:
    k, v = kv.split("=", 1)
    values[k] = v
json.dump(values, open(path, "w"))
open(sys.argv[3], "wb").write(generate.secrets(values).encode())
PY
}
# no_secret_anywhere: no value ever used (current or replaced) is in any object,
# reachable or not, nor in the work tree.
USED="$T/used-secrets"
remember() { "$PYTHON" -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1])).values()))' "$T/secrets.json" >>"$USED"; }
no_secret_anywhere() {
	git log -p --all >"$T/history"
	git cat-file --batch-all-objects --batch >"$T/objects"
	while read -r s; do
		grep -q -F -- "$s" "$T/history" && fail "secret $s in git log -p --all"
		grep -q -F -- "$s" "$T/objects" && fail "secret $s in a git object"
		grep -r -q -F --exclude-dir=.git -- "$s" . && fail "secret $s in the work tree"
		ok
	done <"$USED"
}
fingerprint_after() { grep -o -- "$1<redacted hmac-sha256:[0-9a-f]*>" "$2" | head -n1; }

# --- first scan: every secret redacted, the rest readable -----------------------
persona
remember
[ "$(wc -l <"$USED")" -ge 16 ] || fail "persona secrets"
scan 0 --limit secrets
no_secret_anywhere
assert_contains "$(cat service/secrets/app.yaml)" "--db-password=<redacted hmac-sha256:"
assert_contains "$(cat service/secrets/app.yaml)" "--token <redacted hmac-sha256:"
assert_contains "$(cat service/secrets/app.yaml)" "--verbose"
assert_contains "$(cat service/secrets/worker.yaml)" "DB_PASS=<redacted hmac-sha256:"
assert_contains "$(cat service/secrets/report.yaml)" "Authorization: Bearer <redacted hmac-sha256:"
assert_contains "$(cat file/secrets/etc/default/app)" "LANG=C.UTF-8"
assert_contains "$(cat file/secrets/etc/default/app)" "APP_PORT=8080"
assert_contains "$(cat file/secrets/etc/nginx/conf.d/upstream.conf)" "ssl_certificate_key /etc/ssl/private/web.key;"
assert_contains "$(cat file/secrets/etc/ssh/sshd_config)" "PermitEmptyPasswords no"
for f in etc/app/config.json etc/app/service-account.json etc/default/app etc/nginx/conf.d/upstream.conf; do
	assert_contains "$(cat "file/secrets/$f")" "<redacted hmac-sha256:" "$f"
done
assert_contains "$(git ls-files file/secrets/root)" "pgpass"
assert_contains "$(cat file/secrets/root/*pgpass)" "<redacted hmac-sha256:"
# The first scan made the key, and said so.
[ -f "$KEY" ] || fail "no key at $KEY"
assert_contains "$ERR" "gitcmdb: warning: no redaction key was found, so a new one was created at $KEY"
assert_contains "$(git log -1 --format=%s)" ", new redaction key"
OLD_APP=$(cat service/secrets/app.yaml)
OLD_DB=$(fingerprint_after "--db-password=" service/secrets/app.yaml)
OLD_TOKEN=$(fingerprint_after "--token " service/secrets/app.yaml)

# --- rescan, nothing changed: no change, no warning --------------------------------
scan 0 --limit secrets
assert_contains "$(git log -1 --format=%s)" ", 0 changed"
assert_eq "$(printf '%s' "$ERR" | grep -c 'redaction key' || true)" 0 "no key warning with the same key"

# --- one secret in argv and one in a file change: new fingerprints, said so --------
persona argv_db_password="changed-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
	export_db_pass="changed-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
remember
scan 0 --limit secrets
no_secret_anywhere
NEW_DB=$(fingerprint_after "--db-password=" service/secrets/app.yaml)
[ -n "$NEW_DB" ] && [ "$NEW_DB" != "$OLD_DB" ] || fail "a changed secret must change its fingerprint"
ok
assert_eq "$(fingerprint_after "--token " service/secrets/app.yaml)" "$OLD_TOKEN" "an unchanged secret keeps its fingerprint"
assert_eq "$(git show --format= --name-only HEAD | sort | tr '\n' ' ')" \
	"file/secrets/etc/default/app host/secrets.yaml service/secrets/app.yaml " "only what changed"
MSG=$(git log -1 --format=%B)
assert_contains "$MSG" "changed: service/secrets/app (exec: redacted value changed)"
assert_contains "$MSG" "files: /etc/default/app redacted value changed"
case "$MSG" in *"→"*) fail "a fingerprint change shown as a value change: $MSG" ;; esac
ok
DB_BEFORE_LOSS=$(cat service/secrets/app.yaml)

# --- the key is lost: a new one, announced; every change says what it is -----------
mv "$KEY" "$T/saved.key"
scan 0 --limit secrets
no_secret_anywhere
assert_contains "$ERR" "gitcmdb: warning: no redaction key was found"
assert_contains "$(git log -1 --format=%s)" ", new redaction key"
MSG=$(git log -1 --format=%B)
assert_contains "$MSG" "redaction key: new key "
assert_contains "$MSG" "\"redacted value changed\" below may be only that, not a configuration change"
assert_contains "$MSG" "changed: service/secrets/app (exec: redacted value changed)"
assert_contains "$MSG" "changed: service/secrets/worker (exec: redacted value changed)"
case "$MSG" in *"→"*) fail "a new key's fingerprints shown as value changes: $MSG" ;; esac
ok
# The old key back: the old fingerprints come back.
mv "$T/saved.key" "$KEY"
scan 0 --limit secrets
assert_eq "$(cat service/secrets/app.yaml)" "$DB_BEFORE_LOSS" "old key, old fingerprints"
[ "$OLD_APP" != "$DB_BEFORE_LOSS" ] || fail "the changed secret was not recorded"
ok

# --- where the key comes from: the environment, the setting; FIFOs refused -------------
mkfifo -m 600 "$T/fifo.key"
START=$(date +%s)
rc=0
GITCMDB_REDACTION_KEY="$T/fifo.key" timeout 120 "$GITCMDB" -C "$REPO" scan --limit secrets >"$T/.out" 2>"$T/.err" || rc=$?
assert_eq "$rc" 1 "a FIFO as the key fails the scan (124 would be a hang)"
assert_contains "$(cat "$T/.err")" "not a regular file"
[ $(($(date +%s) - START)) -lt 60 ] || fail "the FIFO key held the scan"
ok
rc=0
env -u HOME -u XDG_CONFIG_HOME -u GITCMDB_REDACTION_KEY "$GITCMDB" -C "$REPO" scan --limit secrets >"$T/.out" 2>"$T/.err" || rc=$?
assert_eq "$rc" 1 "no HOME, no key file"
assert_contains "$(cat "$T/.err")" "set GITCMDB_REDACTION_KEY to the key file's path, or redaction.key_file in gitcmdb.yaml"
cp "$KEY" "$T/env.key"
rc=0
env -u HOME -u XDG_CONFIG_HOME GITCMDB_REDACTION_KEY="$T/env.key" "$GITCMDB" -C "$REPO" scan --limit secrets >"$T/.out" 2>"$T/.err" || rc=$?
assert_eq "$rc" 0 "GITCMDB_REDACTION_KEY without HOME: $(cat "$T/.err")"
assert_eq "$(cat service/secrets/app.yaml)" "$DB_BEFORE_LOSS" "the same key through the environment"
printf 'redaction:\n  key_file: %s\n' "$T/setting-dir/setting.key" >>gitcmdb.yaml
mkdir -m 700 "$T/setting-dir"
git commit -qam "redaction key from the setting"
scan 0 --limit secrets
assert_contains "$ERR" "created at $T/setting-dir/setting.key"
[ -f "$T/setting-dir/setting.key" ] || fail "the setting's key file was not created"
ok
no_secret_anywhere
run_cli 0 -C "$REPO" validate
fsck_clean "$REPO"

# --- purging a secret that reached history before the fix (docs/collectors.md) -----
LEAK="leaked-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$PYTHON" - service/secrets/app.yaml "$LEAK" <<'PY'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
d["attributes"]["exec"] = "/usr/bin/app --db-password=" + sys.argv[2]
yaml.safe_dump(d, open(sys.argv[1], "w"), sort_keys=False)
PY
printf 'password = %s\n' "$LEAK" >file/secrets/etc/default/app
git commit -qam "an old scan, before redaction covered this"
run_cli 0 -C "$REPO" index --json
[ "$(git log -p --all | grep -c -F -- "$LEAK")" -gt 0 ] || fail "the leak is not in history"
ok
run_cli 0 -C "$REPO" query "SELECT count(*) AS n FROM attrs WHERE value LIKE '%$LEAK%'"
assert_eq "$OUT" "$(printf 'n\n1')" "the leak is in the index"
# The documented purge: rewrite every commit, drop the backups, expire, prune.
case "$(git rev-parse --absolute-git-dir)" in "$T"/*) ;; *) fail "refusing to rewrite a repository outside the sandbox" ;; esac
FILTER_BRANCH_SQUELCH_WARNING=1 git filter-branch -f --tree-filter "grep -rlF -- '$LEAK' . | xargs -r sed -i 's/$LEAK/<purged>/g'" -- --all >/dev/null 2>&1 \
	|| fail "filter-branch"
git for-each-ref --format='%(refname)' refs/original/ | xargs -r -n1 git update-ref -d
git reflog expire --expire=now --all
git gc -q --prune=now
assert_eq "$(git log -p --all | grep -c -F -- "$LEAK" || true)" 0 "purged from history"
assert_eq "$(git cat-file --batch-all-objects --batch | grep -c -F -- "$LEAK" || true)" 0 "purged from every object"
# The index notices the rewritten history and rebuilds without being told to.
run_cli 0 -C "$REPO" index --json
assert_eq "$(jq_ "$OUT" 'd["commits"] == d["commits_added"]')" True "the whole rewritten history re-indexed: $OUT"
run_cli 0 -C "$REPO" query "SELECT count(*) AS n FROM attrs WHERE value LIKE '%$LEAK%'"
assert_eq "$OUT" "$(printf 'n\n0')" "the index forgot the leak"
# Free pages of the old database may still hold the old rows: the documented last step
# deletes the file and builds it anew.
rm -f "$(git rev-parse --git-dir)"/gitcmdb/index.db*
run_cli 0 -C "$REPO" index
assert_eq "$(cat "$(git rev-parse --git-dir)"/gitcmdb/index.db* | grep -c -a -F -- "$LEAK" || true)" "0" "nothing left in the index files"
fsck_clean "$REPO"

done_ok
