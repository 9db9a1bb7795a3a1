# make install: CLI, library, headers and a relocatable gitcmdb.pc a consumer can build with.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T

cmake --install "$CMDB_BUILD_DIR" --prefix "$T/inst" >/dev/null
[ -x "$T/inst/bin/gitcmdb" ] || fail "no installed CLI"; ok
# Move the whole prefix: the .pc file must follow it.
mv "$T/inst" "$T/moved"
pc=$(find "$T/moved" -name gitcmdb.pc | head -n 1)
[ -n "$pc" ] || fail "no gitcmdb.pc installed"; ok
export PKG_CONFIG_PATH=$(dirname "$pc")
assert_contains "$(pkg-config --cflags gitcmdb)" "$T/moved/" "cflags of the moved prefix"

# Only the cmdb_ API is exported from the shared library.
so=$(find "$T/moved" -name 'libgitcmdb.so.*' -type f | head -n 1)
others=$(nm -D --defined-only "$so" | awk '$2 ~ /[TDB]/ {print $3}' | grep -v '^cmdb_' | grep -v '^_' || true)
assert_eq "$others" "" "non-cmdb symbols exported"

cat > "$T/consumer.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <gitcmdb/gitcmdb.h>
int main(void)
{
	char *id = NULL;
	if (cmdb_init() < 0 || cmdb_id_to_path(&id, "host/web01") < 0)
		return 1;
	printf("%s %s\n", cmdb_version(), id);
	cmdb_free(id);
	if (cmdb_id_validate("../../etc/passwd") == 0)
		return 1;
	printf("%s\n", cmdb_error_last());
	cmdb_shutdown();
	return 0;
}
C
san=""
grep -q '^CMDB_SANITIZE:BOOL=ON' "$CMDB_BUILD_DIR/CMakeCache.txt" && san="-fsanitize=address,undefined"
libdir=$(dirname "$so")
# shellcheck disable=SC2046
cc $san -o "$T/consumer" "$T/consumer.c" $(pkg-config --cflags --libs gitcmdb) -Wl,-rpath,"$libdir" \
	|| fail "a consumer does not build against the installed library"
out=$("$T/consumer") || fail "consumer failed: $out"
assert_contains "$out" "host/web01.yaml" "consumer output"

# The public index.h hands out the index's sqlite3 handle: a consumer that uses it builds
# with gitcmdb's pkg-config flags alone (sqlite3 is in Requires, not just in the .so's deps).
cat > "$T/index_consumer.c" <<'C'
#include <stdio.h>
#include <gitcmdb/gitcmdb.h>
#include <gitcmdb/index.h>
int main(int argc, char **argv)
{
	cmdb_repo *repo = NULL;
	cmdb_index *idx = NULL;
	sqlite3_stmt *st = NULL;
	int rc = 1;
	if (argc != 2 || cmdb_init() < 0)
		return 1;
	if (cmdb_repo_init(&repo, argv[1], 0) < 0 || cmdb_index_open(&idx, repo, NULL, CMDB_INDEX_REFRESH) < 0)
		goto done;
	if (sqlite3_prepare_v2(cmdb_index_db(idx), "SELECT count(*) FROM commits", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto done;
	printf("sqlite %s, %d commit(s) indexed\n", sqlite3_libversion(), sqlite3_column_int(st, 0));
	rc = 0;
done:
	if (rc)
		fprintf(stderr, "index consumer: %s\n", cmdb_error_last());
	sqlite3_finalize(st);
	cmdb_index_free(idx);
	cmdb_repo_free(repo);
	cmdb_shutdown();
	return rc;
}
C
# shellcheck disable=SC2046
cc $san -o "$T/index_consumer" "$T/index_consumer.c" $(pkg-config --cflags --libs gitcmdb) -Wl,-rpath,"$libdir" \
	|| fail "a consumer of index.h does not build with pkg-config --cflags --libs gitcmdb alone"
out=$("$T/index_consumer" "$T/cmdb") || fail "index consumer failed: $out"
assert_contains "$out" "1 commit(s) indexed" "index consumer output"

# Every library the build links (CMakeLists.txt's pkg_check_modules) is declared, whether or
# not another dependency happens to pull it in (libssh2 brings libcrypto on Debian).
declared=" $(pkg-config --print-requires gitcmdb | awk '{print $1}' | tr '\n' ' ')$(pkg-config --print-requires-private gitcmdb | awk '{print $1}' | tr '\n' ' ')"
nmods=0
for m in $(sed -n 's/^pkg_check_modules([A-Z0-9_]* REQUIRED IMPORTED_TARGET \([^ )]*\)).*/\1/p' "$CMDB_SOURCE_DIR/CMakeLists.txt"); do
	assert_contains "$declared" " $m " "gitcmdb.pc's Requires/Requires.private"
	nmods=$((nmods + 1))
done
[ "$nmods" -ge 6 ] || fail "found only $nmods pkg_check_modules in CMakeLists.txt"
# Linked statically, the library's own dependencies come from Requires.private/Libs.private.
if [ -z "$san" ]; then
	a=$(find "$T/moved" -name libgitcmdb.a | head -n 1)
	[ -n "$a" ] || fail "no libgitcmdb.a installed"
	# shellcheck disable=SC2046
	cc -o "$T/static_consumer" "$T/index_consumer.c" $(pkg-config --cflags gitcmdb) "$a" \
		$(pkg-config --static --libs gitcmdb | sed 's/ -lgitcmdb\b//; s/^-lgitcmdb\b//') \
		|| fail "a static consumer does not link with pkg-config --static --libs gitcmdb"
	out=$("$T/static_consumer" "$T/cmdb-static") || fail "static consumer failed: $out"
	assert_contains "$out" "1 commit(s) indexed" "static consumer output"
fi
done_ok
