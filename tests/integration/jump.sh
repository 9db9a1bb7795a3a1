# Jump hosts against the real sshd lab: targets reached over direct-tcpip channels of a
# jump's session (one hop, two hops, user@host:port), jump failures named, deadlines
# kept, nothing written for a failed host; host keys enrolled through jumps.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
. "$(dirname "$0")/lib/scan_lab.sh"
eval "$("$LAB_SH" env "$LAB")"
init_repo
cd "$REPO"
KEY=$(cut -d' ' -f1,2 "$LAB_DIR/hostkey_ed25519.pub")
# the jump sshds are not in the lab's known_hosts: record them (as an enrolment would)
printf '[127.0.0.1]:%s %s\n' "$LAB_PORT_JUMP" "$KEY" "$LAB_PORT_JUMP2" "$KEY" >>known_hosts
J="$LAB_USER@127.0.0.1:$LAB_PORT_JUMP"
cat >>inventory.yaml <<EOT
  jump: {address: 127.0.0.1, port: $LAB_PORT_JUMP}
  jump2: {address: 127.0.0.1, port: $LAB_PORT_JUMP2}
  via-web01: {address: 127.0.0.1, port: $LAB_PORT_WEB01, proxy_jump: jump}
  via-db01: {address: 127.0.0.1, port: $LAB_PORT_DB01, proxy_jump: 'jump,jump2'}
  via-app01: {address: 127.0.0.1, port: $LAB_PORT_APP01, proxy_jump: '$J'}
  via-tarpit: {address: 127.0.0.1, port: $LAB_PORT_WEB01, proxy_jump: tarpit}
  via-refused: {address: 127.0.0.1, port: $LAB_PORT_WEB01, proxy_jump: refused}
  via-changed: {address: 127.0.0.1, port: $LAB_PORT_WEB01, proxy_jump: hostkey}
  via-nofwd: {address: 127.0.0.1, port: $LAB_PORT_WEB01, proxy_jump: self}
  via-deadport: {address: 127.0.0.1, port: $LAB_PORT_REFUSED, proxy_jump: jump}
EOT
git add inventory.yaml known_hosts && git commit -qm "jump hosts"

# one hop, two hops, a jump written user@host:port: scanned like direct hosts
scan 0 --limit 'via-web01,via-db01,via-app01' --json
for h in via-web01 via-db01 via-app01; do
	assert_eq "$(jq_ "$OUT" "[x['status'] for x in d['hosts'] if x['name'] == '$h'][0]")" ok "$h scanned through its jump"
done
# the persona's facts arrived whole: the same packages as web01's canned output lists
assert_eq "$(yq host/via-web01.yaml "len(d['attributes']['packages']) > 10")" True
assert_eq "$(yq host/via-db01.yaml "d['name']")" via-db01
fsck_clean "$REPO"

# a jump that hangs, refuses, presents a changed key or refuses channels: the host
# fails with an error naming the jump, within the deadline, and nothing is written
state=$(refs_and_tree "$REPO")
t0=$(date +%s)
SCAN_TIMEOUT=6 scan 1 --limit 'via-tarpit,via-refused,via-changed,via-nofwd,via-deadport' --json
t1=$(date +%s)
[ $((t1 - t0)) -le 20 ] || fail "jump failures took $((t1 - t0)) s (deadline 6 s)"
ok
err() { jq_ "$OUT" "[x.get('error', '') for x in d['hosts'] if x['name'] == '$1'][0]"; }
st() { jq_ "$OUT" "[x['status'] for x in d['hosts'] if x['name'] == '$1'][0]"; }
assert_contains "$(err via-tarpit)" "jump host $LAB_USER@127.0.0.1:$LAB_PORT_TARPIT"
assert_eq "$(st via-tarpit)" timeout
assert_contains "$(err via-refused)" "jump host $LAB_USER@127.0.0.1:$LAB_PORT_REFUSED: connect"
assert_eq "$(st via-refused)" unreachable
assert_contains "$(err via-changed)" "jump host $LAB_USER@127.0.0.1:$LAB_PORT_HOSTKEY: HOST KEY CHANGED"
assert_eq "$(st via-changed)" hostkey
assert_contains "$(err via-nofwd)" "jump host $LAB_USER@127.0.0.1:$LAB_PORT_SELF: refused a channel to 127.0.0.1:$LAB_PORT_WEB01"
assert_contains "$(err via-deadport)" "jump host $LAB_USER@127.0.0.1:$LAB_PORT_JUMP: refused a channel to 127.0.0.1:$LAB_PORT_REFUSED"
for h in via-tarpit via-refused via-changed via-nofwd via-deadport; do
	[ ! -e "host/$h.yaml" ] || fail "$h: written although it failed"
done
ok
assert_eq "$(git ls-tree -r --name-only main | grep -c 'via-\(tarpit\|refused\|changed\|nofwd\|deadport\)' || true)" 0 "nothing committed for failed hosts"

# ssh_config: true: ~/.ssh/config fills what the inventory leaves unset (HostName, Port,
# ProxyJump through Include and Host patterns; the inventory's user wins); Match exec
# is never run and warned with file:line; --dry-run shows each host's effective target
mkdir -p "$HOME/.ssh/conf.d"
cat >"$HOME/.ssh/config" <<EOT
Include conf.d/*.conf
Match exec "touch $T/exec-ran"
    User nobody
EOT
cat >"$HOME/.ssh/conf.d/lab.conf" <<EOT
Host cfg-*
    HostName 127.0.0.1
    ProxyJump jump
    User nobody
Host cfg-web01
    Port $LAB_PORT_WEB01
EOT
sed -i '1i ssh_config: true' inventory.yaml
echo "  cfg-web01:" >>inventory.yaml
git commit -qam "ssh_config: true"
scan 0 --limit 'cfg-web01,via-db01' --dry-run --json
assert_eq "$(st cfg-web01)" ok "cfg-web01 reached with ~/.ssh/config's HostName, Port and ProxyJump"
assert_eq "$(jq_ "$OUT" "[x['target'] for x in d['hosts'] if x['name'] == 'cfg-web01'][0]")" \
	"$LAB_USER@127.0.0.1:$LAB_PORT_WEB01 key $LAB_KEY via $LAB_USER@127.0.0.1:$LAB_PORT_JUMP"
assert_contains "$(jq_ "$OUT" "d['warnings']")" "$HOME/.ssh/config:2: Match exec is never run by gitcmdb"
[ ! -e "$T/exec-ran" ] || fail "Match exec ran a command"
ok
scan 0 --limit 'cfg-web01,via-db01' --dry-run
assert_contains "$OUT" "effective targets:"
assert_contains "$OUT" "via-db01                 $LAB_USER@127.0.0.1:$LAB_PORT_DB01 key $LAB_KEY via $LAB_USER@127.0.0.1:$LAB_PORT_JUMP,$LAB_USER@127.0.0.1:$LAB_PORT_JUMP2"
assert_contains "$OUT" "dry run: nothing committed"
# a value the inventory would refuse is refused from ~/.ssh/config too
printf 'Host cfg-web01\n    HostName -oProxyCommand=sh\n' >"$HOME/.ssh/conf.d/0bad.conf"
scan 1 --limit 'cfg-web01' --json
assert_contains "$(err cfg-web01)" "~/.ssh/config: host cfg-web01: HostName '-oProxyCommand=sh' cannot be used"
rm "$HOME/.ssh/conf.d/0bad.conf"
sed -i '/^ssh_config: true/d; /^  cfg-web01:/d' inventory.yaml
git commit -qam "ssh_config off"

# hostkeys enroll through jumps: from a known_hosts without the jumps and the targets,
# the jumps are enrolled first, then the hosts behind them (one commit)
grep -v -e "]:$LAB_PORT_JUMP " -e "]:$LAB_PORT_JUMP2 " -e "]:$LAB_PORT_WEB01 " -e "]:$LAB_PORT_DB01 " \
	known_hosts >"$T/kh" && cp "$T/kh" known_hosts
git commit -qam "forget the jumps' keys"
before=$(git rev-parse main)
run_cli 1 hostkeys enroll --limit 'jump,jump2,via-web01,via-db01,via-changed' --json
hk() { jq_ "$OUT" "[x['$2'] for x in d['hosts'] if x['name'] == '$1'][0]"; }
for h in jump jump2 via-web01 via-db01; do assert_eq "$(hk $h status)" added "enroll $h"; done
assert_eq "$(hk via-changed status)" error
assert_contains "$(jq_ "$OUT" "[x.get('error') for x in d['hosts'] if x['name'] == 'via-changed'][0]")" \
	"jump host $LAB_USER@127.0.0.1:$LAB_PORT_HOSTKEY: HOST KEY CHANGED"
assert_eq "$(git rev-parse main~1)" "$before" "one commit"
for p in "$LAB_PORT_JUMP" "$LAB_PORT_JUMP2" "$LAB_PORT_WEB01" "$LAB_PORT_DB01"; do
	assert_eq "$(git show main:known_hosts | grep -c "^\[127.0.0.1\]:$p ")" 1 "known_hosts line for $p"
done
# a jump host whose key is unknown: enrolment of the hosts behind it fails naming it
grep -v -e "]:$LAB_PORT_JUMP " known_hosts >"$T/kh" && cp "$T/kh" known_hosts
git commit -qam "forget the jump's key"
run_cli 1 hostkeys enroll --limit 'via-web01' --json
assert_contains "$(hk via-web01 error)" "jump host $LAB_USER@127.0.0.1:$LAB_PORT_JUMP: host key of [127.0.0.1]:$LAB_PORT_JUMP"
fsck_clean "$REPO"
done_ok
