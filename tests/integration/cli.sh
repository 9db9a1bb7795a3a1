# CLI conventions shared by every command: help, version, usage errors, -C and GITCMDB_DIR.
. "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T

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

# --- One option layer: every command and subcommand parses the same way ------------------
# The commands come from the help texts themselves (a group lists its subcommands), the
# options from each --help's options section, which is generated from the parser's tables.
# Run outside any repository: every usage error must come before anything is opened.
mkdir "$T/notrepo"
echo x >"$T/notrepo/file" # not empty, so `init` with no DIR fails here too
cd "$T/notrepo"
unset GITCMDB_DIR
# one_line WHAT: a usage error is one line on stderr (nothing of getopt's) and no stdout
one_line() { [ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ] && [ -z "$OUT" ] || fail "$1: not one line: [$ERR] [$OUT]"; ok; }
entries=""
for c in $cmds; do
	run_cli 0 help "$c"
	if printf '%s\n' "$OUT" | grep -q '^commands:'; then
		for s in $(printf '%s\n' "$OUT" | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on=0}'); do
			entries="$entries $c:$s"
		done
		run_cli 2 "$c"
		assert_contains "$ERR" "gitcmdb: $c: missing subcommand: give one of " "$c alone"
		run_cli 2 "$c" frob
		assert_contains "$ERR" "gitcmdb: $c: unknown subcommand 'frob': give one of " "$c frob"
		run_cli 2 "$c" --json
		assert_contains "$ERR" "gitcmdb: $c: option '--json' before the subcommand" "$c --json"
	else
		entries="$entries $c"
	fi
done
# run_quiet ARGS...: gitcmdb's exit code in RC, its output in O and E (no fork but gitcmdb's)
run_quiet() {
	RC=0
	"$GITCMDB" "$@" >"$T/.o1" 2>"$T/.e1" || RC=$?
	O=; E=
	IFS= read -r -d '' O <"$T/.o1" || true
	IFS= read -r -d '' E <"$T/.e1" || true
}
optre='^  (-([a-z]), )?(--[a-z-]+)( ([A-Z][A-Z0-9=_/,.[-]*\]?))?'
nvalue=0
for e in $entries; do
	read -r -a cmd <<<"${e//:/ }"
	name="${cmd[*]}"
	run_cli 0 help "${cmd[@]}"
	help=$OUT
	assert_contains "$help" "usage: gitcmdb $name" "help $name"
	run_cli 0 "${cmd[@]}" -h
	assert_eq "$OUT" "$help" "$name -h"
	run_cli 2 "${cmd[@]}" --no-such-option
	assert_eq "$ERR" "gitcmdb: $name: unknown option '--no-such-option': see 'gitcmdb help $name' for the options" "$name: unknown long option"
	one_line "$name --no-such-option"
	run_cli 2 "${cmd[@]}" -x
	assert_eq "$ERR" "gitcmdb: $name: unknown option '-x': see 'gitcmdb help $name' for the options" "$name: unknown short option"
	# `--` ends the options: nothing after it is one, -h included; alone it changes nothing
	run_quiet "${cmd[@]}"
	plain="$RC $E"
	run_quiet "${cmd[@]}" --
	assert_eq "$RC $E" "$plain" "$name -- is $name"
	for after in --no-such-option -h; do
		run_quiet "${cmd[@]}" -- "$after"
		case "$E" in *"unknown option"*) fail "$name -- $after: parsed as an option" ;; esac
		case "$O" in *"usage: gitcmdb"*) fail "$name -- $after: printed help" ;; esac
		ok
	done
	# every option, from the options section of its help (generated from the table)
	syn=${help%%$'\n\n'*}
	section=0
	while IFS= read -r line; do
		case "$line" in options:) section=1; continue ;; "") section=0; continue ;; esac
		[ "$section" = 1 ] && [[ $line =~ $optre ]] || continue
		short=${BASH_REMATCH[2]:+-${BASH_REMATCH[2]}} long=${BASH_REMATCH[3]} value=${BASH_REMATCH[5]}
		[ "$long" = --help ] && continue
		# the synopsis names every option of the table
		case "$syn" in *"$long"*) ok ;; *"${short:-"--none--"} "*) ok ;; *) fail "$name: synopsis lacks $long" ;; esac
		[ -n "$value" ] || continue
		nvalue=$((nvalue + 1))
		run_cli 2 "${cmd[@]}" "$long"
		assert_eq "$ERR" "gitcmdb: $name: option '$long' needs a value: give $long $value" "$name $long (missing value)"
		one_line "$name $long"
		# -h as the value is the value: never help, never "unknown option '-h'"; a
		# typed option refuses it as a value, the others take it and the command goes
		# on (to a usage check of its own, or to want the repository there is none of)
		run_quiet "${cmd[@]}" "$long" -h
		case "$O" in *"usage: gitcmdb"*) fail "$name $long -h printed help" ;; esac
		case "$RC:$E" in
		"2:gitcmdb: $name: bad value '-h' for $long: give "*) ok ;;
		*"'-h'"*) fail "$name $long -h: -h taken as an option: [$E]" ;;
		"2:gitcmdb: $name: "* | "1:"*"gitcmdb init DIR"*) ok ;;
		*) fail "$name $long -h: exit $RC, [$E]" ;;
		esac
		if [ -n "$short" ]; then
			run_cli 2 "${cmd[@]}" "$short"
			assert_eq "$ERR" "gitcmdb: $name: option '$short' needs a value: give $short $value" "$name $short (missing value)"
		fi
	done <<<"$help"
done
[ "$nvalue" -ge 25 ] || fail "only $nvalue value options found in the help texts"; ok

# The cases the option layer was built for.
run_cli 2 show --at
assert_eq "$ERR" "gitcmdb: show: option '--at' needs a value: give --at WHEN" "show --at"
run_cli 2 commit -x
assert_eq "$ERR" "gitcmdb: commit: unknown option '-x': see 'gitcmdb help commit' for the options" "commit -x"
run_cli 2 scan --timeout soon
assert_contains "$ERR" "gitcmdb: scan: bad value 'soon' for --timeout: give a duration from 1s to 1d" "scan --timeout soon"
cd "$T/a"
mkdir -p business_service
printf 'type: business_service\nname: pay\nsource: manual\n' >business_service/pay.yaml
run_cli 0 commit -m -h
assert_eq "$(git log -1 --format=%s)" "-h" "commit -m -h commits the message -h"
done_ok
