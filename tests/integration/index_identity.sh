# The index is marked with PRAGMA application_id, and gitcmdb touches no other file
# (issue 8 §4): `--db OTHER.db` on another application's SQLite database (in either
# journal mode, even one with a `meta` table saying schema_version 1) or on a file
# that is not a database is refused and left byte-identical, with no file created
# beside it. An index written before the id existed is stamped and kept.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing"; exit 77; }
R=$T/r
git init -q -b main "$R"
mkdir -p "$R/host"
for h in web01 web02 db01; do
	printf 'type: host\nname: %s\nattributes:\n  os: {id: debian}\n' "$h" >"$R/host/$h.yaml"
	git -C "$R" add -A && git -C "$R" commit -qm "add $h"
done
APP_ID=1734567010 # 0x67636462, "gcdb"

# state DIR: every file in DIR with its checksum (nothing may change, nothing appear)
state() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0r sha256sum); }

refused_untouched() { # FILE WHAT
	local dir before
	dir=$(dirname "$1")
	before=$(state "$dir")
	for cmd in "index" "index --rebuild" "show host/web01" "history host/web01" "find attributes.os.id=debian" \
		"query SELECT(1)" "query --no-refresh SELECT(1)" "impact host/web01" "diff HEAD~1"; do
		# shellcheck disable=SC2086
		run_cli 1 -C "$R" $cmd --db "$1"
		case "$ERR" in
		*"not a gitcmdb index"* | *"not a valid SQLite database"*) ok ;;
		*) fail "$2: gitcmdb $cmd: unexpected message: $ERR" ;;
		esac
		assert_contains "$ERR" "left untouched" "$2: gitcmdb $cmd says the file is left alone"
	done
	assert_eq "$(state "$dir")" "$before" "$2: byte-identical, nothing created beside it"
}

# --- another application's database, rollback journal, with a meta table at version 1
mkdir "$T/a"
sqlite3 "$T/a/app.db" "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
	INSERT INTO meta VALUES('schema_version', '1');
	CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT);
	INSERT INTO customers(name) VALUES('ada'), ('grace');"
refused_untouched "$T/a/app.db" "meta-at-version-1 database"
assert_eq "$(sqlite3 "$T/a/app.db" "SELECT group_concat(name) FROM customers")" "ada,grace" "its data"

# --- the same in WAL mode (gitcmdb used to switch foreign files to WAL)
mkdir "$T/b"
sqlite3 "$T/b/app.db" "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES(42);" >/dev/null
refused_untouched "$T/b/app.db" "WAL-mode database"

# --- another application_id; the user_version of an otherwise empty database
mkdir "$T/c" "$T/d"
sqlite3 "$T/c/app.db" "PRAGMA application_id = 1234; CREATE TABLE t(x);"
refused_untouched "$T/c/app.db" "database with another application_id"
sqlite3 "$T/d/app.db" "PRAGMA user_version = 7; PRAGMA application_id = 99;"
refused_untouched "$T/d/app.db" "empty database with an application_id"

# --- our table names but no gitcmdb meta
mkdir "$T/e"
sqlite3 "$T/e/app.db" "CREATE TABLE meta(k, v); CREATE TABLE commits(x); CREATE TABLE items(x);
	CREATE TABLE item_versions(x); CREATE TABLE attrs(x); CREATE TABLE relations(x); CREATE TABLE trailers(x);"
refused_untouched "$T/e/app.db" "look-alike tables"

# --- not a database at all, at a path the caller named
mkdir "$T/f"
printf 'my notes, not a database\n' >"$T/f/notes.txt"
refused_untouched "$T/f/notes.txt" "text file"

# --- our own index carries the id; an empty file is taken as new
run_cli 0 -C "$R" index --db "$T/own.db"
assert_eq "$(sqlite3 "$T/own.db" "PRAGMA application_id")" "$APP_ID" "new index carries the id"
: >"$T/empty.db"
run_cli 0 -C "$R" index --db "$T/empty.db"
assert_contains "$OUT" "indexed 3 commits" "an empty file becomes an index"
assert_eq "$(sqlite3 "$T/empty.db" "PRAGMA application_id")" "$APP_ID" "with the id"

# --- an index from before the id (current schema): stamped in place, not rebuilt
sqlite3 "$T/own.db" "PRAGMA journal_mode=DELETE; PRAGMA application_id = 0;" >/dev/null
BEFORE=$(sqlite3 "$T/own.db" "SELECT * FROM commits; SELECT * FROM attrs ORDER BY 1,2,5;")
run_cli 0 -C "$R" query --no-refresh --db "$T/own.db" "SELECT count(*) FROM commits"
assert_eq "$(tail -n1 <<<"$OUT")" "3" "a reader reads an unstamped index as it is"
run_cli 0 -C "$R" index --db "$T/own.db"
assert_contains "$OUT" "indexed 0 commits" "stamped, not rebuilt"
assert_eq "$(sqlite3 "$T/own.db" "PRAGMA application_id")" "$APP_ID" "stamped with the id"
assert_eq "$(sqlite3 "$T/own.db" "SELECT * FROM commits; SELECT * FROM attrs ORDER BY 1,2,5;")" "$BEFORE" "contents kept"
done_ok
