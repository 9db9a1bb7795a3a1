# Terminal injection: strings a hostile host, file or committer controls (ESC sequences,
# BEL, CR, C1 controls, DEL, bytes that are not UTF-8) never reach a terminal raw from any
# command's text output (stdout or stderr); they print as \xNN. JSON output stays exact.
# scan and hostkeys run against the SSH lab at the end (root only).
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T

# clean WHAT: the last run_cli's stdout and stderr hold nothing a terminal would act on:
# valid UTF-8, no C0 control but newline and tab, no DEL, no C1 control.
clean() {
	cat "$T/.out" "$T/.err" | "$PYTHON" -c '
import sys
b = sys.stdin.buffer.read()
try:
    t = b.decode("utf-8")
except UnicodeDecodeError as e:
    sys.exit("not UTF-8: %s" % e)
bad = [c for c in t if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F]
if bad:
    sys.exit("raw control characters %r" % bad[:8])
' || fail "$1: a raw control reaches the terminal: $(cat -v "$T/.out" "$T/.err" | head -5)"
	ok
}

R=$T/r
run_cli 0 init "$R"
cd "$R"
mkdir -p host group
# YAML escapes put the controls into the values: ESC sequences (SGR, OSC title), BEL, CR,
# U+009B (CSI as a C1 control) and DEL.
hostile_item() {
	cat >host/evil.yaml <<Y
type: host
name: evil
source: manual
attributes:
  os:
    pretty_name: "\\e[31mEvil\\e[0m OS\\a\\r\\x9b2J\\x7f$1"
  kernel: "6.1\\e]0;pwned\\a$1"
annotations:
  owner: "team\\e[5m"
relations:
  member_of: [group/evil]
Y
}
hostile_item ""
printf 'type: group\nname: evil\nsource: manual\n' >group/evil.yaml
git add -A
# ...and the committer's name and message hold them too (git stores them as given).
GIT_AUTHOR_NAME=$'mal\e[1mlo\ary' git commit -qm $'hostile \e[31msummary\a\r end' 2>/dev/null
hostile_item " v2"
git commit -qam $'second \e]0;title\a'
ESC='\x1B' # what an escaped ESC looks like

# --- the index readers -----------------------------------------------------------------
run_cli 0 show host/evil --at main~1
clean "show"
assert_contains "$OUT" "mal${ESC}[1mlo\\x07ry): hostile ${ESC}[31msummary\\x07\\x0D end" "show's header"
run_cli 0 show host/evil --json
assert_contains "$OUT" '"pretty_name": "\u001B[31mEvil\u001B[0m OS\u0007\r' "JSON stays exact"
run_cli 0 history host/evil
clean "history"
assert_contains "$OUT" "attributes.kernel: 6.1${ESC}]0;pwned\\x07 → 6.1${ESC}]0;pwned\\x07 v2" "history's change"
assert_contains "$OUT" "second ${ESC}]0;title\\x07" "history's summary"
run_cli 0 diff main~1
clean "diff"
assert_contains "$OUT" "attributes.os.pretty_name: ${ESC}[31mEvil${ESC}[0m OS\\x07\\x0D\\xC2\\x9B2J\\x7F -> " "diff's change"
run_cli 0 find 'attributes.kernel~pwned'
clean "find"
assert_contains "$OUT" "host/evil  attributes.kernel=6.1${ESC}]0;pwned\\x07 v2" "find's match"
run_cli 0 query "SELECT value FROM attrs WHERE id = 'host/evil' AND path = 'annotations.owner' AND to_seq IS NULL"
clean "query"
assert_eq "$OUT" "value"$'\n'"team${ESC}[5m" "query's value"
# SQL makes any bytes: not UTF-8, controls in a column name
run_cli 0 query "SELECT CAST(x'1b5b326aff0a09' AS TEXT) AS \"col$(printf '\033')[7m\""
clean "query of raw bytes"
assert_eq "$OUT" "col${ESC}[7m"$'\n'"${ESC}[2j\\xFF\\n\\t" "query's raw bytes"
run_cli 0 impact group/evil
clean "impact"
assert_contains "$OUT" "host/evil  (member_of)" "impact's tree"
run_cli 2 impact host/evil --at $'\e[31mnever'
clean "impact's error"
assert_contains "$ERR" "${ESC}[31mnever" "impact names the WHEN"
run_cli 0 index
clean "index"
run_cli 1 index --db "$T/no/such/$(printf '\033')[1m/x.db"
clean "index's error"
assert_contains "$ERR" "/no/such/${ESC}[1m/x.db" "index names the file"

# --- the work-tree commands: hostile file names ------------------------------------------
printf 'type: host\nname: x\n' >"host/$(printf '\033')[31mx.yaml"
run_cli 1 validate
clean "validate"
assert_contains "$OUT" "host/${ESC}[31mx.yaml: not an item path" "validate's finding"
run_cli 1 commit -m "add x"
clean "commit's findings"
assert_contains "$OUT" "host/${ESC}[31mx.yaml: not an item path" "commit's finding"
rm "host/$(printf '\033')[31mx.yaml"
printf 'x\n' >"$(printf '\033')]0;top$(printf '\007')"
run_cli 0 commit -m "nothing to add"
clean "commit's report"
assert_contains "$ERR" "not committed (gitcmdb does not manage it): ${ESC}]0;top\\x07" "commit's report"
rm "$(printf '\033')]0;top$(printf '\007')"
printf 'type: host\nname: y\n' >"host/$(printf '\377').yaml"
run_cli 1 validate
clean "validate of a name that is not UTF-8"
assert_contains "$ERR" "host/\\xFF.yaml: the file name is not UTF-8: rename the file" "validate names the file"
rm "host/$(printf '\377').yaml"
run_cli 1 fmt "host/$(printf '\033')[31m.yaml"
clean "fmt"
assert_contains "$ERR" "host/${ESC}[31m.yaml: No such file or directory" "fmt names the path"
run_cli 0 init "$T/$(printf '\033')[31mdir"
clean "init"
assert_contains "$OUT" "$T/${ESC}[31mdir" "init names the directory"
run_cli 2 show $'\e[31m' --bogus$'\a'
clean "a usage error"
assert_contains "$ERR" "unknown option '--bogus\\x07'" "usage errors escape what was typed"

# --- scan and hostkeys, against the SSH lab ----------------------------------------------
if [ "$(id -u)" != 0 ] || [ ! -x /usr/sbin/sshd ]; then
	echo "skip: scan and hostkeys need the SSH lab (root, /usr/sbin/sshd)"
	done_ok
	exit 0
fi
. "$(dirname "$0")/lib/scan_lab.sh"
init_repo
run_cli 0 -C "$REPO" hostkeys list
clean "hostkeys list"
run_cli 0 -C "$REPO" hostkeys enroll --limit evil,web01 --inventory "$LAB/inventory.yaml"
clean "hostkeys enroll"
# the evil persona's values hold ESC sequences and BEL; its scan is reported in text
scan 0 --limit evil --dry-run
clean "scan --dry-run"
scan 0 --limit evil
clean "scan"
run_cli 0 -C "$REPO" show host/evil
clean "show of a scanned hostile host"
assert_contains "$OUT" 'kernel: "6.1.0-evil\e[31m"' "YAML escapes it (the emitter's own escape)"
run_cli 0 -C "$REPO" find 'attributes.os.kernel~evil'
clean "find on a scanned hostile host"
assert_contains "$OUT" "attributes.os.kernel=6.1.0-evil${ESC}[31m" "find escapes the scanned value"
done_ok
