# Auditors read repositories they cannot write (issue 7 item 12): as another user
# (setpriv to an unprivileged account) and through a read-only bind mount (a mount
# namespace of the test's own), every reading command works. A current index is read
# in place, read-only; a stale, missing, WAL-without-shm or damaged one is replaced
# by a private index in $XDG_CACHE_HOME/gitcmdb/. The repository is never modified.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
SEED=${CMDB_SEED:-$(date +%s)}
echo "seed $SEED (CMDB_SEED=$SEED replays the bytes written over damaged pages)"
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "needs root (setpriv to another user, mount namespaces)"; exit 77; }
AUDITOR=gitcmdb-lab
id "$AUDITOR" >/dev/null 2>&1 || AUDITOR=nobody
setpriv --reuid="$AUDITOR" --regid="$(id -g "$AUDITOR")" --clear-groups test -x "$GITCMDB" ||
	{ echo "$GITCMDB is not executable by $AUDITOR"; exit 77; }
chmod 755 "$T"
R=$T/r
DB=$R/.git/gitcmdb/index.db
git init -q -b main "$R"
mkdir -p "$R/host" "$R/service"
for h in web01 web02 db01; do
	printf 'type: host\nname: %s\nattributes:\n  os: {id: debian}\n  addrs: [10.0.0.1/24]\n' "$h" >"$R/host/$h.yaml"
done
printf 'type: service\nname: shop\nrelations:\n  runs_on: [host/web01, host/db01]\n' >"$R/service/shop.yaml"
git -C "$R" add -A && git -C "$R" commit -qm "estate"
FIRST=$(git -C "$R" rev-parse HEAD)
printf 'type: host\nname: web02\nattributes:\n  os: {id: rhel}\n  addrs: [10.0.0.2/24]\n' >"$R/host/web02.yaml"
git -C "$R" commit -qam "web02 to rhel"
run_cli 0 -C "$R" index
chmod -R a+rX "$R"

# The auditor: own home and cache, trusts this repository (git's safe.directory).
A=$T/auditor
mkdir -p "$A"
chown "$AUDITOR" "$A"
printf '[safe]\n\tdirectory = %s\n' "$R" >"$A/.gitconfig"
CACHE=$A/cache
# as_auditor EXPECTED_EXIT ARGS...: run_cli as the auditor
as_auditor() {
	local want=$1 rc=0
	shift
	setpriv --reuid="$AUDITOR" --regid="$(id -g "$AUDITOR")" --clear-groups \
		env HOME="$A" XDG_CACHE_HOME="$CACHE" "$GITCMDB" "$@" >"$T/.out" 2>"$T/.err" || rc=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
	[ "$rc" = "$want" ] || fail "as $AUDITOR: gitcmdb $*: exit $rc, expected $want; stderr: $ERR; stdout: $OUT"
	ok
}
# every reading command, with answers that depend on the whole history
read_everything() { # DIR WHAT
	as_auditor 0 -C "$1" show host/web02
	assert_contains "$OUT" "id: rhel" "$2: show"
	as_auditor 0 -C "$1" show host/web02 --at "$FIRST"
	assert_contains "$OUT" "id: debian" "$2: show --at"
	as_auditor 0 -C "$1" history host/web02
	assert_contains "$OUT" "debian → rhel" "$2: history"
	as_auditor 0 -C "$1" find --json attributes.os.id=debian
	assert_eq "$("$PYTHON" -c 'import json,sys; print(" ".join(sorted(i["id"] for i in json.load(sys.stdin)["items"])))' <<<"$OUT")" \
		"$EXPECT_DEBIAN" "$2: find"
	as_auditor 0 -C "$1" impact host/web01
	assert_contains "$OUT" "service/shop" "$2: impact"
	as_auditor 0 -C "$1" diff "$FIRST"
	assert_contains "$OUT" "host/web02" "$2: diff"
	as_auditor 0 -C "$1" query "SELECT j.value FROM attrs a, json_each(a.value) j WHERE a.id = 'host/web01' AND a.path = 'attributes.addrs'"
	assert_eq "$(tail -n1 <<<"$OUT")" "10.0.0.1/24" "$2: query"
	as_auditor 0 -C "$1" index --json
	LAST_DB=$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["db"])' <<<"$OUT")
}
EXPECT_DEBIAN="host/db01 host/web01"
REPO_STATE=$(repo_state "$R"; ls -la "$R/.git/gitcmdb" | sha256sum)
unchanged() { assert_eq "$(repo_state "$R"; ls -la "$R/.git/gitcmdb" | sha256sum)" "$REPO_STATE" "$1: the repository is unchanged"; }

# --- another user, current index: read in place (through the owner's -shm), no private copy
[ -e "$DB-shm" ] || fail "the owner's index keeps its -shm (PERSIST_WAL) so others can read it"
read_everything "$R" "current index"
assert_eq "$LAST_DB" "$DB" "current index: read in place"
[ ! -e "$CACHE/gitcmdb" ] || [ -z "$(ls "$CACHE/gitcmdb")" ] || fail "current index: a private index was made"
unchanged "current index"

# --- the owner commits: the shared index is stale, the auditor's private one takes over
printf 'type: host\nname: new01\nattributes:\n  os: {id: debian}\n' >"$R/host/new01.yaml"
git -C "$R" add -A && git -C "$R" commit -qm "new01"
EXPECT_DEBIAN="host/db01 host/new01 host/web01"
sqlite3 "$DB" "INSERT INTO meta VALUES('probe', 'from the shared index')"
run_cli 0 -C "$R" show --no-refresh host/web01 # the owner's gitcmdb leaves the -shm again
chmod -R a+rX "$R"
REPO_STATE=$(repo_state "$R"; ls -la "$R/.git/gitcmdb" | sha256sum)
as_auditor 0 -C "$R" find --json attributes.os.id=debian
assert_contains "$OUT" "host/new01" "stale: the private index is current"
assert_contains "$ERR" "not writable by you and behind main; using a private index at $CACHE/gitcmdb/index-" "stale: says so"
PRIV=$(ls "$CACHE"/gitcmdb/index-*.db)
read_everything "$R" "stale index"
assert_eq "$LAST_DB" "$PRIV" "stale: the private index answers"
assert_eq "$(sqlite3 "file:$PRIV?mode=ro" "SELECT count(*) FROM commits")" "3" "the private index has every commit"
assert_eq "$(sqlite3 "file:$PRIV?mode=ro" "SELECT value FROM meta WHERE key = 'probe'")" "from the shared index" "the private index was seeded from the shared one"
unchanged "stale index"
# the owner catches up: the auditor reads the shared one again
run_cli 0 -C "$R" index
REPO_STATE=$(repo_state "$R"; ls -la "$R/.git/gitcmdb" | sha256sum)
read_everything "$R" "caught up"
assert_eq "$LAST_DB" "$DB" "caught up: read in place again"
unchanged "caught up"

# --- a WAL index without its -shm (another tool removed it): not readable in place on a
# writable file system without writing; the private index answers
sqlite3 "$DB" "PRAGMA journal_mode=WAL" >/dev/null
rm -f "$DB-shm" "$DB-wal"
REPO_STATE=$(repo_state "$R"; ls -la "$R/.git/gitcmdb" | sha256sum)
read_everything "$R" "no -shm"
assert_eq "$LAST_DB" "$PRIV" "no -shm: the private index answers"
unchanged "no -shm"

# --- no index at all, and a gitcmdb/ directory the auditor cannot create
rm -rf "$R/.git/gitcmdb"
REPO_STATE=$(repo_state "$R"; echo none)
rm -rf "$CACHE"
read_everything "$R" "no index"
assert_eq "$LAST_DB" "$(ls "$CACHE"/gitcmdb/index-*.db)" "no index: private"
assert_eq "$(repo_state "$R"; [ -e "$R/.git/gitcmdb" ] || echo none)" "$REPO_STATE" "no index: nothing created in the repository"

# --- a damaged shared index: the reader says so and switches to its private index
run_cli 0 -C "$R" index
chmod -R a+rX "$R"
sqlite3 "$DB" "PRAGMA journal_mode=DELETE" >/dev/null
PS=$(sqlite3 "$DB" "PRAGMA page_size")
PG=$(sqlite3 "$DB" "SELECT rootpage FROM sqlite_master WHERE name = 'attrs'")
"$PYTHON" -c 'import random, sys; sys.stdout.buffer.write(random.Random(int(sys.argv[2])).randbytes(int(sys.argv[1])))' "$PS" "$SEED$PG" | dd of="$DB" bs="$PS" seek=$((PG - 1)) conv=notrunc status=none
REPO_STATE=$(repo_state "$R"; ls -la "$R/.git/gitcmdb" | sha256sum)
as_auditor 1 -C "$R" find attributes.os.id=debian
assert_contains "$ERR" "the index file is damaged" "damaged: says so"
assert_contains "$ERR" "damaged and not writable by you; using a private index at $CACHE/gitcmdb/index-" "damaged: says what it did"
assert_contains "$ERR" "run the command again" "damaged: says what to do"
read_everything "$R" "damaged shared index"
assert_eq "$LAST_DB" "$(ls "$CACHE"/gitcmdb/index-*.db)" "damaged: the private index answers"
unchanged "damaged shared index"
# the owner's `gitcmdb index` repairs it; then the auditor reads it in place again
run_cli 0 -C "$R" index
assert_contains "$ERR" "was damaged; moved it to" "owner repairs"
chmod -R a+rX "$R"
read_everything "$R" "repaired"
assert_eq "$LAST_DB" "$DB" "repaired: read in place again"

# --- a read-only bind mount (the owner's own view of a read-only file system)
M=$T/mnt
mkdir "$M"
run_cli 0 -C "$R" index
ro_mount() { # SCRIPT: run as root in a private mount namespace, $M = $R read-only
	unshare -m bash -c "mount --bind '$R' '$M' && mount -o remount,ro,bind '$M' && $1"
}
ro_mount "touch '$M/x' 2>/dev/null && exit 9; exit 0" || fail "the bind mount is not read-only"
ok
for state in "current, with -shm" "current, WAL without -shm" "stale"; do
	case "$state" in
	*without*) sqlite3 "$DB" "PRAGMA journal_mode=WAL" >/dev/null; rm -f "$DB-shm" "$DB-wal" ;;
	stale) printf 'type: host\nname: new02\n' >"$R/host/new02.yaml"; git -C "$R" add -A; git -C "$R" commit -qm new02 ;;
	esac
	REPO_STATE=$(repo_state "$R"; ls -la "$R/.git/gitcmdb" | sha256sum)
	rm -rf "$T/rocache"
	ro_mount "cd '$T' && export XDG_CACHE_HOME='$T/rocache' &&
		'$GITCMDB' -C '$M' find --json attributes.os.id=debian >'$T/ro.find' 2>'$T/ro.err' &&
		'$GITCMDB' -C '$M' query 'SELECT count(*) FROM commits' >'$T/ro.query' 2>>'$T/ro.err' &&
		'$GITCMDB' -C '$M' history host/web02 >'$T/ro.hist' 2>>'$T/ro.err' &&
		'$GITCMDB' -C '$M' index --json >'$T/ro.index' 2>>'$T/ro.err'" ||
		fail "read-only mount ($state): $(cat "$T/ro.err")"
	assert_contains "$(cat "$T/ro.find")" "host/db01" "read-only mount ($state): find"
	assert_contains "$(cat "$T/ro.hist")" "debian → rhel" "read-only mount ($state): history"
	want_db=$M/.git/gitcmdb/index.db
	[ "$state" = stale ] && want_db=$(ls "$T"/rocache/gitcmdb/index-*.db)
	assert_eq "$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["db"])' <"$T/ro.index")" "$want_db" "read-only mount ($state): which index"
	assert_eq "$(tail -n1 "$T/ro.query")" "$(git -C "$R" rev-list --count main)" "read-only mount ($state): every commit"
	unchanged "read-only mount ($state)"
done
done_ok
