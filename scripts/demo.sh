#!/bin/bash
# `make demo`: the main job end to end on a local lab, in about a minute.
#   1. discovery: an SSH lab on 127.0.0.1, init, host-key enrolment, scan, drift, rescan
#      (scripts/demo-lab.sh);
#   2. hand-made CIs (application, business service, group): validate, commit;
#   3. the history index: impact of the database host, history of the drifted host.
# usage: scripts/demo.sh BUILD_DIR
set -euo pipefail
BUILD=$(cd "${1:?usage: scripts/demo.sh BUILD_DIR}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
G="$BUILD/gitcmdb"
DEMO="$BUILD/demo"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
start=$(date +%s)
export GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=demo@example.invalid
export GIT_COMMITTER_NAME=demo GIT_COMMITTER_EMAIL=demo@example.invalid

rm -rf "$DEMO"
bash "$ROOT/scripts/demo-lab.sh" "$BUILD" "$DEMO"
cd "$DEMO/cmdb"

step "hand-made CIs: an application, a business service and a group"
mkdir -p application business_service group
cat > application/webshop.yaml <<'YAML'
# Written by a person: comments survive 'gitcmdb commit'.
type: application
name: webshop
source: manual
attributes:
  description: The shop front end and its order API
annotations:
  owner: team-web
  environment: production
relations:
  depends_on: [service/app01/shop-app, service/db01/postgresql, service/web01/nginx]
YAML
cat > business_service/shop.yaml <<'YAML'
type: business_service
name: shop
source: manual
attributes:
  description: Online sales
annotations:
  owner: team-commerce
relations:
  depends_on: [application/webshop]
YAML
cat > group/web.yaml <<'YAML'
type: group
name: web
source: manual
attributes:
  description: Front-end web servers
YAML
"$G" validate
"$G" commit -m "Describe the webshop and the shop business service"
git --no-pager log --stat -1 | sed -e 's/^/  /'

step "gitcmdb index"
"$G" index

step "gitcmdb impact host/db01   (what is hit if db01 fails or is patched)"
"$G" impact host/db01

step "gitcmdb history host/web01 --path attributes.packages.openssl   (the drift, field by field)"
"$G" history host/web01 --path attributes.packages.openssl

printf '\nDemo finished in %ss. The CMDB is %s/cmdb: try\n' "$(( $(date +%s) - start ))" "$DEMO"
printf '  %s -C %s/cmdb show host/web01\n  git -C %s/cmdb log -p\n' "$G" "$DEMO" "$DEMO"
