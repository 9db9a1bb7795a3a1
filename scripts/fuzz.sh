#!/bin/sh
# Run every libFuzzer target in BUILD for SECONDS each, growing a scratch copy of its corpus.
# usage: scripts/fuzz.sh BUILD_DIR [SECONDS]
set -eu
build=$1
secs=${2:-60}
src=$(cd "$(dirname "$0")/.." && pwd)
found=0
for bin in "$build"/tests/*_fuzzer; do
	name=$(basename "$bin")
	# replay_* are the corpus replayers ctest runs, not libFuzzer binaries.
	case "$name" in replay_*) continue ;; esac
	[ -x "$bin" ] || continue
	found=1
	work="$build/fuzz-corpus/$name"
	mkdir -p "$work"
	cp -n "$src/tests/fuzz/corpus/$name/"* "$work/" 2>/dev/null || true
	echo "== $name for ${secs}s"
	"$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 "$work"
done
[ "$found" = 1 ] || { echo "fuzz: no fuzz targets in $build/tests (configure with -DCMDB_FUZZ=ON and CC=clang)" >&2; exit 1; }
