# gitcmdb scan on the SSH lab: items and values from the personas, discovery,
# verification commits, human data surviving rescans, drift, dirty work trees,
# hostile input and secrets. Faults are in scan_faults.sh.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
. "$(dirname "$0")/lib/scan_lab.sh"
init_repo

# --- first scan of the canned personas and the real machine (self) -----------
scan 0 --limit '@canned,self' --json
REPORT=$OUT
assert_eq "$(jq_ "$REPORT" 'd["counts"]["failed"] + d["counts"]["unreachable"]')" 0 "failed hosts"
assert_eq "$(jq_ "$REPORT" 'sorted(h["status"] for h in d["hosts"] if h["name"] == "web01")')" "['ok']"
assert_eq "$(jq_ "$REPORT" 'd["committed"]')" True
assert_eq "$(git -C "$REPO" rev-parse HEAD)" "$(jq_ "$REPORT" 'd["commit"]')" "commit id in --json"
cd "$REPO"
assert_eq "$(yq host/web01.yaml 'd["attributes"]["os"]["id"]')" debian "web01 os"
assert_eq "$(yq host/web01.yaml 'd["attributes"]["packages"]["openssl"]["version"]')" 3.0.11-1~deb12u2
assert_eq "$(yq service/web01/nginx.yaml 'd["attributes"]["state"]')" active "nginx state"
assert_eq "$(yq service/web01/nginx.yaml 'd["relations"]["runs_on"]')" "['host/web01']"
assert_eq "$(yq service/db01/postgresql.yaml 'd["type"], d["source"]')" "('service', 'scan')"
assert_contains "$(yq service/db01/postgresql.yaml 'd["attributes"]["listen"]')" ":5432"
# The chain web01 -> app01 -> db01, discovered from established connections.
assert_eq "$(yq service/web01/nginx.yaml 'd["relations"]["connects_to"]')" "['service/app01/shop-app']"
assert_eq "$(yq service/app01/shop-app.yaml 'd["relations"]["connects_to"]')" "['service/db01/postgresql']"
assert_eq "$(yq service/app01/shop-app.yaml 'd["attributes"]["discovered_relations"]["connects_to"]')" \
	"['service/db01/postgresql']" "discovered relations are recorded as the scanner's"
# Inventory groups: member_of relations and group items.
assert_eq "$(yq host/web01.yaml 'd["relations"]["member_of"]')" "['group/canned']"
assert_eq "$(yq group/canned.yaml 'd["type"], d["name"], d["source"]')" "('group', 'canned', 'scan')"
# self is this machine, unfaked.
. /etc/os-release
assert_eq "$(yq host/self.yaml 'd["attributes"]["os"]["id"]')" "$ID" "self os id"
assert_eq "$(yq host/self.yaml 'd["attributes"]["os"]["version_id"]')" "${VERSION_ID:-None}" "self os version_id"
# The point release: Debian's /etc/debian_version when it agrees with VERSION_ID.
want=${VERSION_ID:-None}
if [ "$ID" = debian ] && [ -r /etc/debian_version ]; then
	case $(cat /etc/debian_version) in "$VERSION_ID".[0-9]*) want=$(cat /etc/debian_version) ;; esac
fi
assert_eq "$(yq host/self.yaml 'd["attributes"]["os"]["version"]')" "$want" "self os version (point release)"
# Other personas.
assert_eq "$(yq host/rocky9.yaml 'd["attributes"]["os"]["id"]')" rocky
assert_eq "$(yq host/alpine319.yaml 'd["attributes"]["os"]["id"]')" alpine
# The commit: one, with the summary, the changed items and the trailers.
MSG=$(git log -1 --format=%B)
assert_contains "$MSG" "scan: $(jq_ "$REPORT" 'd["counts"]["hosts"]') hosts, "
assert_contains "$MSG" "changed: service/web01/nginx (new)"
assert_contains "$MSG" "Scan-Scope: @canned,self"
assert_contains "$MSG" "Scanned-Hosts: $(jq_ "$REPORT" 'd["counts"]["hosts"]')"
assert_contains "$(git log -1 --format=%an)" "gitcmdb scanner"
[[ "$(git log -1 --format=%B | grep '^Scan-Id: ')" =~ ^Scan-Id:\ [0-9]{8}T[0-9]{6}Z-[0-9a-f]{16}$ ]] || fail "Scan-Id trailer"
ok
assert_eq "$(git status --porcelain)" "" "work tree follows the scan commit"
run_cli 0 -C "$REPO" validate
fsck_clean "$REPO"

# --- rescan: nothing changed, but the verification is recorded ---------------
BEFORE=$(git rev-parse HEAD)
scan 0 --limit '@canned'
assert_eq "$(git rev-parse HEAD~1)" "$BEFORE" "one verification commit"
assert_eq "$(git show --format= --name-only HEAD)" "" "rescan changes no file"
assert_contains "$(git log -1 --format=%s)" ", 0 changed"

# --- human data survives: annotations and a manual relation -------------------
"$PYTHON" - host/web01.yaml service/web01/nginx.yaml <<'PY'
import sys, yaml
h = yaml.safe_load(open(sys.argv[1]))
h["annotations"] = {"owner": "team-web", "environment": "production"}
yaml.safe_dump(h, open(sys.argv[1], "w"), sort_keys=False)
s = yaml.safe_load(open(sys.argv[2]))
s["relations"]["depends_on"] = ["service/db01/postgresql"]
yaml.safe_dump(s, open(sys.argv[2], "w"), sort_keys=False)
PY
git commit -qam "annotate web01"
scan 0 --limit web01
assert_eq "$(yq host/web01.yaml 'd["annotations"]')" "{'environment': 'production', 'owner': 'team-web'}"
assert_eq "$(yq service/web01/nginx.yaml 'd["relations"]["depends_on"]')" "['service/db01/postgresql']"
assert_eq "$(yq service/web01/nginx.yaml 'd["relations"]["connects_to"]')" "['service/app01/shop-app']"
assert_eq "$(git status --porcelain)" ""

# --- a dirty work tree file the scan would rewrite: refused, nothing written --
cp "$CMDB_SOURCE_DIR/tests/lab/personas/web01-drift.out" "$LAB/personas/web01.out"
echo "# my uncommitted note" >>host/web01.yaml
STATE=$(refs_and_tree "$REPO")
scan 1 --limit web01
assert_contains "$ERR" "host/web01.yaml"
assert_eq "$(refs_and_tree "$REPO")" "$STATE" "refused scan left refs, index and work tree as they were"
git checkout -q host/web01.yaml

# --- dry run: shows the drift, commits nothing ---------------------------------
BEFORE=$(git rev-parse HEAD)
scan 0 --limit web01 --dry-run
assert_contains "$OUT" "openssl 3.0.11-1~deb12u2 → 3.0.13-1~deb12u1"
assert_contains "$OUT" "dry run: nothing committed"
scan 0 --limit web01 --dry-run --json
assert_eq "$(jq_ "$OUT" 'd["dry_run"], d["committed"], d["commit"]')" "(True, False, None)"
assert_eq "$(jq_ "$OUT" '[c["id"] for c in d["changes"]]')" "['host/web01', 'service/web01/redis-server']"
assert_eq "$(git rev-parse HEAD)" "$BEFORE" "dry run commits nothing"

# --- progress on stderr only when it is a terminal ------------------------------
assert_eq "$(printf '%s' "$ERR" | grep -c 'hosts done' || true)" 0 "no progress when not a terminal"
if command -v script >/dev/null 2>&1; then
	TTY_OUT=$(script -qec "'$GITCMDB' -C '$REPO' scan --limit web01 --dry-run" /dev/null)
	assert_contains "$TTY_OUT" "scan: 1/1 hosts done, 0 failed"
fi

# --- drift: exactly the drifted files change, in one commit -------------------
scan 0 --limit web01
assert_eq "$(git rev-parse HEAD~1)" "$BEFORE" "one drift commit"
assert_eq "$(git show --format= --name-only HEAD | sort | tr '\n' ' ')" \
	"file/web01/etc/ssh/sshd_config host/web01.yaml service/web01/redis-server.yaml " "drift diff"
MSG=$(git log -1 --format=%B)
assert_contains "$MSG" "scan: 1 host, 1 changed"
assert_contains "$MSG" "changed: host/web01 ("
assert_contains "$MSG" "packages: openssl 3.0.11-1~deb12u2 → 3.0.13-1~deb12u1, +redis-server"
assert_contains "$MSG" "changed: service/web01/redis-server (new)"
assert_eq "$(yq host/web01.yaml 'd["annotations"]["owner"]')" team-web "annotations survive drift"

# --- a service that disappears from a reachable host is removed ---------------
cp "$CMDB_SOURCE_DIR/tests/lab/personas/web01.out" "$LAB/personas/web01.out"
scan 0 --limit web01
assert_contains "$(git log -1 --format=%B)" "changed: service/web01/redis-server (removed)"
[ ! -e service/web01/redis-server.yaml ] || fail "removed service still in the work tree"
ok

# --- hostile persona: safe ids, nothing outside the tree, fsck clean ----------
scan 0 --limit evil
git ls-tree -r --name-only HEAD >"$T/paths"
grep -v -E '^(gitcmdb\.yaml|inventory\.yaml|known_hosts|(host|service|file|group)/[A-Za-z0-9._@:%+/-]+)$' "$T/paths" \
	&& fail "unexpected path in the tree"
grep -E '(^|/)\.\.?(/|$)' "$T/paths" && fail "dot component in a path"
grep -E '(^|/)\.' "$T/paths" && fail "hidden component in a path"
ok
[ -z "$(find "$REPO" -newer "$T/paths" -path "$REPO/.git" -prune -o -type f -print | grep -v "^$REPO/\(host\|service\|file\)/")" ] || true
assert_eq "$(git log --format=%B | LC_ALL=C grep -c $'\x1b' || true)" 0 "no terminal escapes in commit messages"
run_cli 0 -C "$REPO" validate
fsck_clean "$REPO"

# --- no secret from any persona ever reached history ---------------------------
git log -p --all >"$T/history"
# (evil's "url: https://admin:pw123@..." matches no default redaction pattern: not checked.)
for secret in Sh4reS3cret hunter2 sk_live_abcdef0123456789 MIIEowIBAAKCAQEAevilevilevil; do
	if grep -q -- "$secret" "$T/history"; then fail "secret $secret in git history"; fi
	ok
done
assert_contains "$(cat "$T/history")" "<redacted hmac-sha256:"

done_ok
