# gitcmdb query: every read works, table-valued functions included (json_each,
# json_tree, pragma_table_info — docs/index.md recommends them), and nothing writes,
# creates, attaches, vacuums, loads code or sets a pragma: the index file stays
# byte-identical and no file appears (issue 7 item 10).
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing"; exit 77; }
R=$T/r
DB=$R/.git/gitcmdb/index.db
git init -q -b main "$R"
mkdir -p "$R/host"
printf 'type: host\nname: web01\nattributes:\n  addrs: [10.0.0.11/24, 10.0.0.12/24]\n  os: {id: debian}\n' >"$R/host/web01.yaml"
printf 'type: host\nname: db01\nattributes:\n  addrs: [10.0.1.5/24]\n' >"$R/host/db01.yaml"
git -C "$R" add -A && git -C "$R" commit -qm "two hosts"
run_cli 0 -C "$R" index

# --- reads, table-valued functions included
run_cli 0 -C "$R" query "SELECT a.id, j.value FROM attrs a, json_each(a.value) j
	WHERE a.path = 'attributes.addrs' AND a.to_seq IS NULL ORDER BY 1, 2"
assert_eq "$OUT" "$(printf 'id\tvalue\nhost/db01\t10.0.1.5/24\nhost/web01\t10.0.0.11/24\nhost/web01\t10.0.0.12/24')" "json_each over attrs"
run_cli 0 -C "$R" query "SELECT t.fullkey FROM item_versions v, json_tree(v.doc) t
	WHERE v.id = 'host/web01' AND t.atom = 'debian'"
assert_eq "$OUT" "$(printf 'fullkey\n$.attributes.os.id')" "json_tree over item documents"
run_cli 0 -C "$R" query --json "SELECT name FROM pragma_table_info('commits') WHERE pk = 1"
assert_contains "$(tr -d ' \n' <<<"$OUT")" '[{"name":"seq"}]' "pragma_table_info"
run_cli 0 -C "$R" query "SELECT count(*) FROM pragma_index_list('attrs')"
assert_eq "$(tail -n1 <<<"$OUT")" "2" "pragma_index_list"
run_cli 0 -C "$R" query "PRAGMA quick_check"
assert_eq "$(tail -n1 <<<"$OUT")" "ok" "PRAGMA quick_check"
run_cli 0 -C "$R" query "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 4)
	SELECT group_concat(x) FROM n"
assert_eq "$(tail -n1 <<<"$OUT")" "1,2,3,4" "recursive CTE"

# --- writes and escapes: refused, nothing changed, no file created
SUM=$(sha256sum "$DB")
mkdir "$T/out"
for sql in "DELETE FROM commits" "UPDATE meta SET value = 'x'" "INSERT INTO items VALUES('a', 'b')" \
	"DROP TABLE attrs" "CREATE TABLE t(x)" "CREATE TEMP TABLE t(x)" "CREATE TEMP VIEW v AS SELECT 1" \
	"CREATE TEMP TRIGGER tr AFTER INSERT ON items BEGIN SELECT 1; END" \
	"ATTACH DATABASE '$T/out/evil.db' AS e" "VACUUM" "VACUUM INTO '$T/out/copy.db'" \
	"PRAGMA journal_mode = DELETE" "PRAGMA user_version = 7" "PRAGMA writable_schema = 1" \
	"PRAGMA optimize" "SELECT * FROM pragma_user_version(7)" \
	"SELECT load_extension('$T/out/ext')" "SELECT writefile('$T/out/w', 'x')" \
	"SELECT fts3_tokenizer('simple', x'0000000000000000')" "REINDEX" "ANALYZE"; do
	run_cli 1 -C "$R" query "$sql"
	case "$ERR" in
	*read-only* | *"no such function: writefile"* | *"too many arguments"*) ok ;;
	*) fail "refusal of [$sql] does not say why: $ERR" ;;
	esac
done
assert_eq "$(ls -A "$T/out")" "" "no file created by ATTACH, VACUUM INTO, writefile or load_extension"
assert_eq "$(sha256sum "$DB")" "$SUM" "the index is byte-identical after every refusal"
assert_eq "$(sqlite3 "$DB" "PRAGMA user_version")" "0" "user_version unchanged"
done_ok
