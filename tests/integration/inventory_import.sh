# gitcmdb inventory import ansible: INI and YAML inventories (real-world samples and
# hand-written ones) become inventory.yaml in one commit; unused variables are listed
# with file:line; bad input fails naming file and line with nothing written.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
FX="$CMDB_SOURCE_DIR/tests/fixtures/inventory"
R="$T/repo"
run_cli 0 init "$R"
cd "$R"
yq() { "$PYTHON" -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# usage
run_cli 2 inventory import
run_cli 2 inventory import ansible
run_cli 2 inventory import puppet "$FX/estate.ini"
assert_contains "$ERR" "the one source is 'ansible'"

# the INI sample: hosts, ranges, ports, group vars and all:vars, ProxyJump, one commit
before=$(git rev-parse main)
run_cli 0 inventory import ansible "$FX/estate.ini"
assert_eq "$(git rev-parse main~1)" "$before" "one commit"
assert_eq "$(git diff --name-only main~1 main)" inventory.yaml
assert_contains "$OUT" "10 hosts (10 added, 0 updated), 4 groups"
assert_eq "$(yq inventory.yaml "d['hosts']['bar.example.com']")" "{'port': 5309, 'user': 'deploy'}"
assert_eq "$(yq inventory.yaml "d['hosts']['web02.example.com']['proxy_jump']")" "admin@bastion.example.com:2200"
# ansible_become=true (method unset: sudo) is become: sudo
assert_eq "$(yq inventory.yaml "d['hosts']['db-b.example.com']")" \
	"{'address': '10.0.0.5', 'become': 'sudo', 'identity_file': '~/.ssh/db_key', 'user': 'scanner'}"
assert_eq "$(yq inventory.yaml "d['hosts']['bastion.example.com']")" "{'port': 2200, 'user': 'admin'}"
assert_eq "$(yq inventory.yaml "d['groups']['prod']")" \
	"['bar.example.com', 'db-a.example.com', 'db-b.example.com', 'db-c.example.com', 'foo.example.com', 'web01.example.com', 'web02.example.com', 'web03.example.com']"
# unknown variables: warned with file:line, in the commit message, never written
assert_contains "$ERR" "warning: $FX/estate.ini:6: host bar.example.com: http_port: not used by gitcmdb"
assert_contains "$ERR" "$FX/estate.ini:14: group dbservers: ntp_server: not used by gitcmdb"
case "$ERR" in *ansible_become*) fail "ansible_become listed as unused: $ERR" ;; esac
assert_contains "$(git log -1 --format=%B)" "$FX/estate.ini:6: host bar.example.com: http_port"
case "$(cat inventory.yaml)" in *http_port* | *ntp*) fail "an unknown variable was written" ;; esac
assert_eq "$(yq inventory.yaml "sorted(h for h, e in d['hosts'].items() if (e or {}).get('become'))")" \
	"['db-a.example.com', 'db-b.example.com', 'db-c.example.com']" "become only where ansible becomes"
ok
# the result is an inventory gitcmdb accepts (validate reads it like scan does)
run_cli 0 validate
fsck_clean "$R"

# YAML: vars precedence, children, -J and ProxyCommand jumps, an option not honoured
# and ansible_become from a group (yes): sudo; su, a non-root user, a non-boolean: listed
run_cli 0 inventory import ansible "$FX/estate.yml" --json
assert_eq "$(yq inventory.yaml "d['hosts']['lb01']")" \
	"{'become': 'sudo', 'port': 2200, 'proxy_jump': 'jump01', 'user': 'ops'}"
assert_eq "$(yq inventory.yaml "d['hosts']['web2']['become']")" "sudo"
assert_eq "$(yq inventory.yaml "d['hosts']['lb02']")" "{'proxy_jump': 'ops@jump01', 'user': 'ops'}"
assert_eq "$(yq inventory.yaml "d['hosts']['db9']")" "{'user': 'ops'}"
assert_eq "$(yq inventory.yaml "d['hosts']['jump01']")" "{'address': '198.51.100.1', 'user': 'ops'}"
assert_eq "$(yq inventory.yaml "sorted(d['hosts'])")" "['db9', 'jump01', 'lb01', 'lb02', 'web1', 'web2', 'web3']"
assert_contains "$OUT" "option '-o StrictHostKeyChecking=no' is not honoured"
assert_eq "$("$PYTHON" -c 'import json, sys; d = json.loads(sys.argv[1]); print([(u["line"], u["where"], u["variable"], u["why"]) for u in d["unknown"] if "become" in u["variable"]])' "$OUT")" \
	"[(17, 'host lb02', 'ansible_become_method', \"become method 'su' cannot be honoured: gitcmdb becomes root with sudo -n only\"), (18, 'host db9', 'ansible_become_user', \"become user 'postgres' cannot be honoured: gitcmdb becomes root only\"), (21, 'host jump01', 'ansible_become', \"'maybe' is not a boolean: no become\")]" \
	"become that cannot be honoured is listed with its line"
run_cli 0 validate

# --merge keeps what main has and lays the import over it
run_cli 0 inventory import ansible "$FX/ansible-examples-lamp_haproxy.ini" --merge
assert_contains "$OUT" "5 hosts (3 added, 0 updated), 4 groups"
assert_eq "$(yq inventory.yaml "len(d['hosts'])")" 10
assert_eq "$(yq inventory.yaml "d['groups']['webservers']")" "['web1', 'web2']"
run_cli 0 inventory import ansible "$FX/ansible-examples-lamp_haproxy.ini" --merge
assert_contains "$OUT" "nothing committed"

# real-world samples: each imports, with what the file says
for f in ansible-examples-mongodb.ini ansible-examples-tomcat-memcached-failover.ini ansible-hosts-example.yaml; do
	run_cli 0 inventory import ansible "$FX/$f"
done
assert_eq "$(yq inventory.yaml "sorted(d['groups'])")" "['testing', 'webservers']"
assert_eq "$(yq inventory.yaml "d['hosts']['green.example.com']")" "{'address': '191.168.100.32'}"
assert_eq "$(yq inventory.yaml "[h for h in d['groups']['testing'] if h.startswith('www')]")" \
	"['www001.example.com', 'www002.example.com', 'www003.example.com', 'www004.example.com', 'www005.example.com', 'www006.example.com']"
assert_contains "$ERR" "ansible-hosts-example.yaml:40: group testing: testing1: not used"

# bad input: file:line, exit 1, nothing written
state=$(repo_state "$R")
for case in "aws_ec2.yml:2:9: an inventory plugin's configuration (plugin: amazon.aws.aws_ec2)" \
	"bad-section.ini:1: a section header must be" "bad-range.ini:2: bad host range [05:01]" \
	"bad-port.ini:2: host foo: port 'notaport'" "bad-address.ini:2: host foo: address '-oProxyCommand=x'" \
	"bad-syntax.yml:4:1:" "bad-key.yml:3:11: group all: unknown key 'colour'"; do
	run_cli 1 inventory import ansible "$FX/${case%%:*}"
	assert_contains "$ERR" "$FX/$case"
done
run_cli 1 inventory import ansible "$T/missing.ini"
assert_eq "$(repo_state "$R")" "$state" "nothing written by failed imports"
done_ok
