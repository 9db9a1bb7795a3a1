# CLI conventions shared by every command: help, version, usage errors, -C and GITCMDB_DIR.
. "$(dirname "$0")/lib/common.sh"

run_cli 0 --version
assert_contains "$OUT" "gitcmdb " "--version"
run_cli 0 --help
assert_contains "$OUT" "usage: gitcmdb [-C DIR]" "--help"
run_cli 0 help
cmds=$(printf '%s\n' "$OUT" | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1}')
[ "$(printf '%s\n' "$cmds" | wc -l)" -ge 13 ] || fail "help lists too few commands: $cmds"; ok
for c in $cmds; do
	run_cli 0 "$c" --help
	assert_contains "$OUT" "usage: gitcmdb $c" "$c --help"
	help_text=$OUT
	run_cli 0 help "$c"
	assert_eq "$OUT" "$help_text" "help $c vs $c --help"
done

run_cli 2 no-such-command
assert_contains "$ERR" "gitcmdb: unknown command 'no-such-command'" "unknown command"
run_cli 2 --no-such-flag
assert_contains "$ERR" "unknown option '--no-such-flag'" "unknown global flag"
run_cli 2 -C
assert_contains "$ERR" "-C needs a directory" "-C without a directory"
run_cli 2 help no-such-command
run_cli 2
assert_contains "$ERR" "usage: gitcmdb" "no command"

# The repository: -C beats GITCMDB_DIR, which beats the current directory.
run_cli 0 init "$T/a"
run_cli 0 init "$T/b"
cd "$T"
run_cli 1 validate
assert_contains "$ERR" "gitcmdb: " "no repository here"
assert_contains "$ERR" "gitcmdb init" "the error says what to do next"
GITCMDB_DIR="$T/a" run_cli 0 validate
GITCMDB_DIR="$T/missing" run_cli 0 -C "$T/b" validate
cd "$T/a"
run_cli 0 validate
done_ok
