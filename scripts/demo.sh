#!/bin/bash
# `make demo`: the main job end to end on a local lab, in about a minute.
#   1. discovery: an SSH lab on 127.0.0.1, init, host-key enrolment, scan
#      (scripts/demo-lab.sh);
#   2. the story (scripts/demo-story.sh): hand-made CIs, a baseline, an approved change
#      and its planned drift, an unplanned drift, an incident; audit finds the unplanned
#      one, incident show ranks both; impact and history from the index.
# usage: scripts/demo.sh BUILD_DIR     (DEMO_DIR=DIR: where the lab and the CMDB go,
#                                       default BUILD_DIR/demo, emptied first)
set -euo pipefail
BUILD=$(cd "${1:?usage: scripts/demo.sh BUILD_DIR}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
G="$BUILD/gitcmdb"
DEMO=${DEMO_DIR:-$BUILD/demo}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
start=$(date +%s)
export GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=demo@example.invalid
export GIT_COMMITTER_NAME=demo GIT_COMMITTER_EMAIL=demo@example.invalid

rm -rf "$DEMO"
bash "$ROOT/scripts/demo-lab.sh" "$BUILD" "$DEMO" "$ROOT/scripts/demo-story.sh"

printf '\nDemo finished in %ss. The CMDB is %s/cmdb: try\n' "$(( $(date +%s) - start ))" "$DEMO"
printf '  %s -C %s/cmdb show host/web01\n  git -C %s/cmdb log -p\n' "$G" "$DEMO" "$DEMO"
