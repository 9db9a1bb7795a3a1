# make install: CLI, library, headers and a relocatable gitcmdb.pc a consumer can build with.
. "$(dirname "$0")/lib/common.sh"

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
done_ok
