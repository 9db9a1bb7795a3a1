# A damaged page in the middle of a real index file (issue 7 item 11): `gitcmdb index`
# finds it (it used to say "indexed 0 commits" while find failed with "malformed"),
# moves the file aside and rebuilds; a reader that hits it says so and repairs, so
# the next run answers; the rebuilt index equals a fresh build.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
SEED=${CMDB_SEED:-$(date +%s)}
echo "seed $SEED (CMDB_SEED=$SEED replays the bytes written over damaged pages)"
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing"; exit 77; }
R=$T/r
DB=$R/.git/gitcmdb/index.db
git init -q -b main "$R"
"$PYTHON" - <<'PY' | (cd "$R" && git fast-import --done --quiet)
import sys
out = sys.stdout.buffer
for i in range(120):
    h = i % 40
    lines = ["type: host", "name: web%03d" % h, "attributes:", "  os: {id: debian}", "  packages:"]
    lines += ["    pkg%03d: {version: 1.%d.%d}" % (p, (i + p) % 7, p) for p in range(30)]
    data = ("\n".join(lines) + "\n").encode()
    msg = b"scan %d\n" % i
    out.write(b"commit refs/heads/main\nmark :%d\n" % (i + 1))
    out.write(b"committer scanner <s@example.invalid> %d +0000\n" % (1767225600 + i * 60))
    out.write(b"data %d\n%s" % (len(msg), msg))
    if i:
        out.write(b"from :%d\n" % i)
    out.write(b"M 100644 inline host/web%03d.yaml\ndata %d\n%s\n" % (h, len(data), data))
out.write(b"done\n")
PY
fsck_clean "$R"
run_cli 0 -C "$R" index
dump() {
	sqlite3 "$1" "SELECT * FROM commits ORDER BY seq; SELECT * FROM item_versions ORDER BY 1,2;
		SELECT * FROM attrs ORDER BY 1,2,5; SELECT * FROM relations ORDER BY 1,2,3,4;"
}
GOOD=$(dump "$DB")
SQL_ALL="SELECT count(*), sum(length(value)), group_concat(DISTINCT vtype) FROM attrs"
run_cli 0 -C "$R" query "$SQL_ALL"
WANT=$OUT

# Overwrite the middle leaf page of the attrs table and of its (path, value) index,
# in the middle of the file (not the header, the schema or meta: what `index` used to
# read), with random bytes: full scans and find's index lookups both meet one.
sqlite3 "$DB" "PRAGMA journal_mode=DELETE" >/dev/null
PS=$(sqlite3 "$DB" "PRAGMA page_size")
NP=$(sqlite3 "$DB" "PRAGMA page_count")
middle_leaf() {
	sqlite3 "$DB" "SELECT pageno FROM dbstat WHERE name = '$1' AND pagetype = 'leaf' ORDER BY pageno
		LIMIT 1 OFFSET (SELECT count(*) / 2 FROM dbstat WHERE name = '$1' AND pagetype = 'leaf')"
}
PAGES="$(middle_leaf attrs) $(middle_leaf attrs_path_value)"
for PG in $PAGES; do
	[ "$PG" -gt $((NP / 8)) ] && [ "$PG" -lt "$NP" ] || fail "page $PG of $NP is not in the middle"
	echo "damaging page $PG of $NP ($PS bytes)"
	"$PYTHON" -c 'import random, sys; sys.stdout.buffer.write(random.Random(int(sys.argv[2])).randbytes(int(sys.argv[1])))' "$PS" "$SEED$PG" | dd of="$DB" bs="$PS" seek=$((PG - 1)) conv=notrunc status=none
done
cp "$DB" "$T/damaged.db"
damage() { rm -f "$DB" "$DB"-wal "$DB"-shm "$DB".corrupt-*; cp "$T/damaged.db" "$DB"; }
[ "$(sqlite3 "$DB" "PRAGMA quick_check" | head -n1)" != ok ] || fail "the page damage is not visible to quick_check"

# --- gitcmdb index finds it, moves the file aside, rebuilds
run_cli 0 -C "$R" index
assert_contains "$ERR" "warning: the index $DB was damaged; moved it to $DB.corrupt-" "index warns"
assert_contains "$OUT" "120 commits" "index reports the rebuilt index"
# kept for inspection (its header may differ: it was switched back to WAL before the check)
assert_eq "$(stat -c %s "$DB".corrupt-*[0-9Z])" "$(stat -c %s "$T/damaged.db")" "the damaged file is kept"
assert_eq "$(cmp -s -i $(((PG - 1) * PS)) -n "$PS" "$DB".corrupt-*[0-9Z] "$T/damaged.db" && echo same)" "same" "with its damaged page"
assert_eq "$(dump "$DB")" "$GOOD" "rebuilt index == the index before the damage"
run_cli 0 -C "$R" index
assert_eq "$ERR" "" "a sound index: no warning the second time"

# --- a reader that hits the damage says so, repairs, and the next run answers
damage
run_cli 1 -C "$R" query "$SQL_ALL"
assert_contains "$ERR" "malformed" "query names SQLite's finding"
assert_contains "$ERR" "was damaged; moved it to $DB.corrupt-" "query repaired the index"
assert_contains "$ERR" "run the command again" "query says what to do"
run_cli 0 -C "$R" query "$SQL_ALL"
assert_eq "$OUT" "$WANT" "query after the repair"
damage
run_cli 1 -C "$R" find 'attributes.packages.*.version>=1.0'
assert_contains "$ERR" "the index file is damaged" "find says the index is damaged"
assert_contains "$ERR" "run the command again" "find says what to do"
run_cli 0 -C "$R" find --json 'attributes.packages.*.version>=1.0'
assert_eq "$("$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))' <<<"$OUT")" "40" "find after the repair"
assert_eq "$(dump "$DB")" "$GOOD" "repaired by a reader == the index before the damage"

# --- --no-refresh readers too (they never write to catch up, but may repair)
damage
run_cli 1 -C "$R" find --no-refresh 'attributes.packages.*.version>=1.0'
assert_contains "$ERR" "run the command again" "find --no-refresh repairs"
run_cli 0 -C "$R" find --no-refresh 'attributes.packages.*.version>=1.0'

# --- show and history (the index module's item queries) on every leaf page of a table
# damaged: they fail naming the damage (history used to print the versions it had read,
# without their changes, and exit 0), the index is repaired, and the next run answers
# exactly as before the damage.
run_cli 0 -C "$R" history --json host/web007
HIST=$OUT
run_cli 0 -C "$R" show --json host/web007
SHOW=$OUT
sqlite3 "$DB" "PRAGMA journal_mode=DELETE" >/dev/null
cp "$DB" "$T/sound.db"
damage_table() {
	rm -f "$DB" "$DB"-wal "$DB"-shm "$DB".corrupt-*
	cp "$T/sound.db" "$DB"
	for PG in $(sqlite3 "$DB" "SELECT pageno FROM dbstat WHERE name = '$1' AND pagetype = 'leaf'"); do
		head -c "$PS" /dev/urandom | dd of="$DB" bs="$PS" seek=$((PG - 1)) conv=notrunc status=none
	done
}
damage_table attrs
run_cli 1 -C "$R" history host/web007
assert_contains "$ERR" "the index file is damaged" "history says the index is damaged"
assert_contains "$ERR" "run the command again" "history repaired the index"
assert_eq "$OUT" "" "history printed nothing of a partial answer"
run_cli 0 -C "$R" history --json host/web007
assert_eq "$OUT" "$HIST" "history after the repair"
damage_table attrs
run_cli 1 -C "$R" history --json --path attributes.packages host/web011
assert_contains "$ERR" "the index file is damaged" "history --json says the index is damaged"
assert_eq "$OUT" "" "history --json printed nothing"
damage_table item_versions
run_cli 1 -C "$R" show host/web007
assert_contains "$ERR" "the index file is damaged" "show says the index is damaged"
assert_contains "$ERR" "run the command again" "show repaired the index"
run_cli 0 -C "$R" show --json host/web007
assert_eq "$OUT" "$SHOW" "show after the repair"
assert_eq "$(dump "$DB")" "$GOOD" "repaired after show/history == the index before the damage"
done_ok
