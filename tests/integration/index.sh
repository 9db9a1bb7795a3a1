# gitcmdb index: full vs incremental vs deleted-and-rebuilt give the same tables; a
# corrupt file is moved aside; a newer schema is refused untouched; SIGKILL at random
# moments leaves the previous state; query is read-only.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing"; exit 77; }
R=$T/r
DB=$R/.git/gitcmdb/index.db
git init -q -b main "$R"

# A history of N commits on main touching H hosts with P packages each (fast-import: quick).
gen() { "$PYTHON" - "$@" <<'PY'
import sys
n, hosts, pk = map(int, sys.argv[1:4])
out = sys.stdout.buffer
for i in range(n):
    h = i % hosts
    lines = ["type: host", "name: web%03d" % h, "attributes:", "  packages:"]
    lines += ["    pkg%03d: {version: 1.%d.%d, arch: amd64}" % (p, (i + p) % 7, p) for p in range(pk)]
    lines += ["annotations:", "  owner: team-web", "relations:", "  member_of: [group/g%d]" % (i % 3), ""]
    data = "\n".join(lines).encode()
    msg = ("scan %d\n\nScan-Id: S%d\n" % (i, i)).encode()
    out.write(b"commit refs/heads/main\nmark :%d\n" % (i + 1))
    out.write(b"committer scanner <s@example.invalid> %d +0000\n" % (1767225600 + i * 60))
    out.write(b"data %d\n%s" % (len(msg), msg))
    if i:
        out.write(b"from :%d\n" % i)
    if i % 97 == 50:
        out.write(b"D host/web%03d.yaml\n" % ((h + 1) % hosts))
    out.write(b"M 100644 inline host/web%03d.yaml\ndata %d\n%s\n" % (h, len(data), data))
out.write(b"done\n")
PY
}
gen 240 40 20 | (cd "$R" && git fast-import --done --quiet)
fsck_clean "$R"
TIP=$(git -C "$R" rev-parse main)
HALF=$(git -C "$R" rev-parse main~120)

dump() {
	sqlite3 "$1" "SELECT * FROM commits ORDER BY seq; SELECT * FROM items ORDER BY id;
		SELECT * FROM item_versions ORDER BY 1,2; SELECT * FROM attrs ORDER BY 1,2,5;
		SELECT * FROM relations ORDER BY 1,2,3,4; SELECT * FROM trailers ORDER BY 1,2,3;
		SELECT * FROM meta ORDER BY key;"
}
ncommits() { sqlite3 "$DB" "SELECT CASE WHEN (SELECT count(*) FROM sqlite_master WHERE name='commits')
	THEN (SELECT count(*) FROM commits) ELSE 0 END"; }

# --- incremental in two steps == one full build == rebuild == deleted and rebuilt
git -C "$R" update-ref refs/heads/main "$HALF"
run_cli 0 -C "$R" index --json
assert_eq "$("$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(d["commits_added"], d["commits"], d["rebuilt"])' <<<"$OUT")" "120 120 False" "first index"
git -C "$R" update-ref refs/heads/main "$TIP"
run_cli 0 -C "$R" index
assert_contains "$OUT" "indexed 120 commits: 240 commits, " "incremental"
INC=$(dump "$DB")
run_cli 0 -C "$R" index
assert_contains "$OUT" "indexed 0 commits" "up to date"
run_cli 0 -C "$R" index --rebuild --db "$T/full.db"
assert_contains "$OUT" "rebuilt from 240 commits" "rebuild"
assert_eq "$(dump "$T/full.db")" "$INC" "incremental == full rebuild"
rm -f "$DB" "$DB-wal" "$DB-shm"
run_cli 0 -C "$R" index
assert_eq "$(dump "$DB")" "$INC" "deleted index rebuilt identically"
assert_eq "$(sqlite3 "$DB" "SELECT count(*) FROM commits WHERE scan_id IS NOT NULL")" "240" "scan ids"

# --- SIGKILL at random moments: always the previous complete state, then completion
SEED=${CMDB_SEED:-$(date +%s)}
RANDOM=$SEED
echo "seed $SEED (CMDB_SEED=$SEED replays these kill delays)"
git -C "$R" update-ref refs/heads/main "$HALF"
run_cli 0 -C "$R" index --rebuild
git -C "$R" update-ref refs/heads/main "$TIP"
for k in 1 2 3 4 5 6 7 8 9 10; do
	"$GITCMDB" -C "$R" index >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf "0.%02d" $(( (RANDOM % 40) + 5 )))"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	assert_eq "$(sqlite3 "$DB" "PRAGMA integrity_check")" "ok" "integrity after kill $k"
	n=$(ncommits)
	[ "$n" = 120 ] || [ "$n" = 240 ] || fail "kill $k left $n commits (expected 120 or 240)"
	echo "kill $k: index held $n commits"
	[ "$n" = 240 ] && { git -C "$R" update-ref refs/heads/main "$HALF"; run_cli 0 -C "$R" index --rebuild;
		git -C "$R" update-ref refs/heads/main "$TIP"; }
done
run_cli 0 -C "$R" index
assert_eq "$(dump "$DB")" "$INC" "completed after kills == full build"

# --- a corrupt (non-database) file is moved aside and rebuilt, with a warning
rm -f "$DB-wal" "$DB-shm"
printf 'garbage, not sqlite\n' >"$DB"
run_cli 0 -C "$R" index
assert_contains "$ERR" "warning: the index $DB was damaged; moved it to $DB.corrupt-" "warning"
assert_eq "$(cat "$DB".corrupt-*[0-9Z])" "garbage, not sqlite" "moved aside intact"
assert_eq "$(dump "$DB")" "$INC" "rebuilt after corruption"

# --- an index from a newer schema is refused and left untouched
sqlite3 "$DB" "PRAGMA journal_mode=DELETE; UPDATE meta SET value='99' WHERE key='schema_version'" >/dev/null
SUM=$(sha256sum "$DB")
run_cli 1 -C "$R" index
assert_contains "$ERR" "newer than this gitcmdb understands" "index on a newer schema"
run_cli 1 -C "$R" show host/web001
assert_contains "$ERR" "newer than this gitcmdb understands" "show on a newer schema"
run_cli 1 -C "$R" history host/web001
assert_contains "$ERR" "newer than this gitcmdb understands" "history on a newer schema"
run_cli 1 -C "$R" query "SELECT 1"
assert_contains "$ERR" "newer than this gitcmdb understands" "query on a newer schema"
run_cli 1 -C "$R" query --no-refresh "SELECT 1"
assert_contains "$ERR" "newer than this gitcmdb understands" "query --no-refresh on a newer schema"
assert_eq "$(sha256sum "$DB")" "$SUM" "newer index untouched"
[ ! -e "$DB-wal" ] || fail "a -wal file appeared next to the refused index"
rm -f "$DB"
run_cli 0 -C "$R" index

# --- query: read-only SQL, text and JSON
run_cli 0 -C "$R" query "SELECT count(*) AS n, max(seq) AS top FROM commits"
assert_eq "$OUT" "$(printf 'n\ttop\n240\t240')" "query text"
run_cli 0 -C "$R" query --json "SELECT id, value FROM attrs WHERE path = 'attributes.packages.pkg001.version' AND to_seq IS NULL AND id = 'host/web001'"
assert_eq "$("$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(len(d), d[0]["id"], type(d[0]["value"]).__name__)' <<<"$OUT")" "1 host/web001 str" "query json"
run_cli 0 -C "$R" query "SELECT 'a' || char(9) || 'b' AS v, NULL AS n"
assert_eq "$OUT" "$(printf 'v\tn\na\\tb\t')" "escaping and NULL"
BEFORE=$(dump "$DB"); SUM=$(sha256sum "$DB")
for sql in "DELETE FROM commits" "UPDATE meta SET value = 'x'" "DROP TABLE attrs" \
	"CREATE TEMP TABLE t(x)" "ATTACH DATABASE '$T/evil.db' AS e" "PRAGMA journal_mode = DELETE" \
	"INSERT INTO items VALUES('a', 'b')" "VACUUM"; do
	run_cli 1 -C "$R" query "$sql"
	assert_contains "$ERR" "read-only" "refusal of $sql"
done
run_cli 1 -C "$R" query "SELECT 1; DELETE FROM commits"
assert_contains "$ERR" "one SQL statement" "two statements"
run_cli 1 -C "$R" query "SELEKT 1"
assert_contains "$ERR" "syntax error" "bad SQL"
run_cli 2 -C "$R" query
[ ! -e "$T/evil.db" ] || fail "ATTACH created a file"
assert_eq "$(dump "$DB")" "$BEFORE" "query modified nothing"
assert_eq "$(sha256sum "$DB")" "$SUM" "query left the file bytes alone"
run_cli 0 -C "$R" query "PRAGMA table_info(commits)"
assert_contains "$OUT" "mainline" "read pragmas allowed"

# --- concurrent first use: four readers race to create and fill a new index
for i in 1 2 3 4; do
	("$GITCMDB" -C "$R" query --db "$T/race.db" "SELECT count(*) FROM commits" >"$T/race$i.out" 2>"$T/race$i.err"; echo $? >"$T/race$i.rc") &
done
wait
for i in 1 2 3 4; do
	assert_eq "$(cat "$T/race$i.rc")/$(tail -n1 "$T/race$i.out")" "0/240" "racing reader $i ($(cat "$T/race$i.err"))"
done
assert_eq "$(dump "$T/race.db")" "$INC" "raced index == full build"

# --- usage errors
run_cli 2 -C "$R" index --bogus
run_cli 2 -C "$R" index extra
run_cli 1 -C "$T/nowhere" index
done_ok
