#!/bin/sh
# Run every benchmark built in BUILD_DIR/bench; each prints its own figures.
# usage: scripts/bench.sh BUILD_DIR [ARGS for each benchmark]
set -eu
build=$1
shift
bash "$(dirname "$0")/../bench/scan.sh" "$build" || echo "bench/scan.sh failed" >&2
for bin in "$build"/bench/bench_*; do
	[ -x "$bin" ] || continue
	echo "== $(basename "$bin")"
	"$bin" "$@"
done
