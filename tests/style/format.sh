#!/usr/bin/env bash
# Every tracked C file is formatted as .clang-format says; names the files that are not.
set -u
cd "${CMDB_SOURCE_DIR:?}" || exit 1
cf=$(command -v clang-format-14 || command -v clang-format) || {
	echo "format: clang-format is not installed (run 'make deps')" >&2
	exit 1
}
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null)
[ ${#files[@]} -gt 0 ] || mapfile -t files < <(find lib cmd collectors include tests bench -name '*.[ch]')
out=$("$cf" --dry-run --Werror "${files[@]}" 2>&1) && exit 0
printf '%s\n' "$out" | sed -n 's/^\([^:]*\.[ch]\):[0-9]*:[0-9]*: error:.*/\1/p' | sort -u |
	while read -r f; do echo "format: $f is not formatted; run: $cf -i $f" >&2; done
exit 1
