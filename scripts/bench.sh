#!/bin/sh
# Run every benchmark built in BUILD_DIR/bench; each prints its own figures.
# usage: scripts/bench.sh BUILD_DIR [ARGS for each benchmark]
set -eu
build=$1
shift
for bin in "$build"/bench/bench_*; do
	[ -x "$bin" ] || continue
	echo "== $(basename "$bin")"
	"$bin" "$@"
done
