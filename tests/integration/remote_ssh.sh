# Remotes over SSH against a real git server: the lab's sshd serving bare repositories
# through the system's git-upload-pack / git-receive-pack. Four scanners, each with its
# own clone and shard, scan and push concurrently while a person's commit lands; pushers
# killed with SIGKILL mid-push; an unenrolled server key, a wrong path and a refusing
# pre-receive hook. REMOTE_ROUNDS (default 20) scales the concurrent rounds.
source "$(dirname "$0")/lib/common.sh" || exit 1 # never go on without $T
LAB_COPIES=1
source "$(dirname "$0")/lib/lab_copies.sh"
eval "$("$LAB_SH" env "$LAB")"
# Under ASan, full malloc stacks: libgit2 has no frame pointers, and tests/lsan.supp names
# the libgit2 function whose leak on a refused host key is libgit2's own.
[ -z "${ASAN_OPTIONS:-}" ] || export ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0"
ROUNDS=${REMOTE_ROUNDS:-20}
KILLS=${REMOTE_KILLS:-10}
GOOD='web01-001,db01-001,app01-001,rocky9-001,alpine319-001' # every shard of 4 holds one or two
# The sandbox's bare repositories are the lab user's (git runs as that user over SSH);
# the git CLI here reads them as root.
git config --global --add safe.directory '*'

# bare NAME: a bare repository served over SSH; prints its URL.
bare() {
	git init -q --bare "$T/$1.git"
	git -C "$T/$1.git" config core.logAllRefUpdates always
	chown -R "$LAB_USER" "$T/$1.git"
	echo "ssh://$LAB_USER@127.0.0.1:$LAB_PORT_SELF$T/$1.git"
}
scan_ids() { git -C "$1" log main --format=%B | grep -c '^Scan-Id: ' || true; }
main_of() { git -C "$1" rev-parse main; }

# --- errors first: unenrolled key, wrong path, a refusing hook -----------------------
U_URL=$(bare u)
run_cli 0 init "$T/u"
run_cli 0 -C "$T/u" remote add origin "$U_URL" --identity "$LAB_KEY"
run_cli 0 -C "$T/u" remote list
assert_contains "$OUT" "origin	$U_URL	identity $LAB_KEY" "remote list"
assert_contains "$(git -C "$T/u" remote -v)" "origin	$U_URL (push)" "git remote -v"
before=$(main_of "$T/u")
run_cli 1 -C "$T/u" push
assert_contains "$ERR" "presents ssh-ed25519 SHA256:" "unenrolled key"
assert_contains "$ERR" "a key not enrolled in known_hosts" "unenrolled key"
assert_contains "$ERR" "gitcmdb hostkeys enroll --remote origin" "unenrolled key"
assert_eq "$(main_of "$T/u")" "$before" "local main after the refused key"
assert_eq "$(git -C "$T/u.git" for-each-ref | wc -l)" 0 "nothing reached the server"
run_cli 0 -C "$T/u" hostkeys enroll --remote origin
assert_contains "$OUT" "added" "enrolment"
assert_contains "$(git -C "$T/u" show main:known_hosts)" "[127.0.0.1]:$LAB_PORT_SELF ssh-ed25519" "known_hosts"
run_cli 0 -C "$T/u" push
assert_contains "$OUT" "pushed" "push after enrolment"
assert_eq "$(main_of "$T/u.git")" "$(main_of "$T/u")" "server main"
run_cli 0 -C "$T/u" push
assert_contains "$OUT" "push origin: up to date at" "push with nothing new"
# a changed key (the lab's other host key on another port) is refused as changed
run_cli 0 -C "$T/u" remote add other "ssh://$LAB_USER@127.0.0.1:$LAB_PORT_HOSTKEY$T/u.git"
printf '[127.0.0.1]:%s %s\n' "$LAB_PORT_HOSTKEY" "$(cut -d' ' -f1,2 "$LAB/hostkey_ed25519.pub")" >>"$T/u/known_hosts"
run_cli 0 -C "$T/u" commit -m "a wrong key for the other port"
run_cli 1 -C "$T/u" push other
assert_contains "$ERR" "differs from the key recorded in known_hosts" "changed key"
assert_contains "$ERR" "--replace" "changed key"
# wrong path
run_cli 0 -C "$T/u" remote add nowhere "ssh://$LAB_USER@127.0.0.1:$LAB_PORT_SELF$T/nonexistent.git" --identity "$LAB_KEY"
before=$(main_of "$T/u")
run_cli 1 -C "$T/u" push nowhere
assert_contains "$ERR" "nonexistent.git" "wrong path names the URL"
assert_eq "$(main_of "$T/u")" "$before" "local main after the wrong path"
# a pre-receive hook that refuses
H_URL=$(bare hooked)
printf '#!/bin/sh\necho "policy: pushes are closed today" >&2\nexit 1\n' >"$T/hooked.git/hooks/pre-receive"
chmod 755 "$T/hooked.git/hooks/pre-receive"
run_cli 0 -C "$T/u" remote add hooked "$H_URL" --identity "$LAB_KEY"
run_cli 1 -C "$T/u" push hooked
assert_contains "$ERR" "refused the push" "hook refusal"
assert_contains "$ERR" "pre-receive hook declined" "hook refusal"
assert_contains "$ERR" "pushes are closed today" "the hook's words"
assert_contains "$ERR" "local commits kept" "hook refusal"
assert_eq "$(main_of "$T/u")" "$before" "local main after the refusal"
assert_eq "$(git -C "$T/hooked.git" for-each-ref | wc -l)" 0 "nothing landed behind the hook"
rm "$T/hooked.git/hooks/pre-receive"
run_cli 0 -C "$T/u" push hooked
assert_eq "$(main_of "$T/hooked.git")" "$before" "the kept commit delivered"
run_cli 0 -C "$T/u" remote remove other
run_cli 1 -C "$T/u" remote remove other
assert_contains "$ERR" "no remote 'other'" "remove twice"
run_cli 2 -C "$T/u" remote add "bad name" "$U_URL"
run_cli 2 -C "$T/u" remote add x "ssh://host:99999/p"
assert_contains "$ERR" "port" "bad port"

# --- the central repository and its first scan ---------------------------------------
URL=$(bare central)
init_copies "$T/seed"
run_cli 0 -C "$T/seed" remote add origin "$URL" --identity "$LAB_KEY"
run_cli 0 -C "$T/seed" scan --limit "$GOOD" --timeout 60 --push
assert_contains "$OUT" "push origin: pushed" "seed scan pushed"
assert_eq "$(scan_ids "$T/central.git")" 1 "first scan on the server"
# scanners and a person: plain git clones, origin pointed at the SSH URL
for c in s1 s2 s3 s4 p; do
	git clone -q "$T/central.git" "$T/$c"
	git -C "$T/$c" remote set-url origin "$URL"
	git -C "$T/$c" config remote.origin.gitcmdbIdentity "$LAB_KEY"
done

scanner() { # scanner I: ROUNDS scans of shard I/4, each pushed
	local i=$1 r
	for r in $(seq "$ROUNDS"); do
		"$GITCMDB" -C "$T/s$i" scan --limit "$GOOD" --shard "$i/4" --timeout 60 --push >"$T/s$i.round" 2>&1 && continue
		cat "$T/s$i.round" >>"$T/s$i.log"
		# a push that lost every race (a busy machine: each attempt takes seconds while
		# three others push) keeps its scan committed: the next push delivers it
		if grep -q "kept moving" "$T/s$i.round"; then
			echo "round $r" >>"$T/s$i.raced"
		else
			{ echo "round $r exit 1"; tail -3 "$T/s$i.round"; } >>"$T/s$i.fail"
		fi
	done
	[ ! -e "$T/s$i.raced" ] || "$GITCMDB" -C "$T/s$i" push --attempts 60 >>"$T/s$i.log" 2>&1 ||
		{ echo "the last push failed"; tail -3 "$T/s$i.log"; } >>"$T/s$i.fail"
}
person() { # an annotation on a scanned host, committed and pushed mid-way
	sleep 3
	"$PYTHON" - "$T/p/host/web01-001.yaml" <<'PY'
import sys, yaml
p = sys.argv[1]; d = yaml.safe_load(open(p))
d.setdefault("annotations", {})["owner"] = "team-person"
open(p, "w").write(yaml.safe_dump(d, sort_keys=False))
PY
	"$GITCMDB" -C "$T/p" fmt >/dev/null 2>&1 || true
	"$GITCMDB" -C "$T/p" commit -m "owner of web01-001" --push >"$T/p.log" 2>&1 || echo "exit $?" >>"$T/p.fail"
}
start=$(date +%s)
pids=""
for i in 1 2 3 4; do scanner "$i" & pids="$pids $!"; done
person & pids="$pids $!"
for p in $pids; do wait "$p"; done
echo "concurrent phase: $(( $(date +%s) - start )) s for $ROUNDS rounds x 4 scanners"
for i in 1 2 3 4; do [ ! -e "$T/s$i.raced" ] || echo "scanner $i: pushes that lost every race (delivered later): $(wc -l <"$T/s$i.raced")" >&2; done
for f in s1 s2 s3 s4 p; do
	[ ! -e "$T/$f.fail" ] || fail "$f failed: $(cat "$T/$f.fail"); $(grep -E "gitcmdb:|^push" "$T/$f.log")"
done
ok
assert_eq "$(scan_ids "$T/central.git")" $((1 + 4 * ROUNDS)) "every scan on the server"
assert_eq "$(git -C "$T/central.git" show main:host/web01-001.yaml | grep -c 'owner: team-person')" 1 \
	"the person's annotation kept"
assert_contains "$(git -C "$T/central.git" log main --format=%B)" "Scan-Shard: 3/4" "shard trailer"
for c in central.git s1 s2 s3 s4 p; do fsck_clean "$T/$c"; done
# never forced: every value main ever had on the server is in its history
for old in $(git -C "$T/central.git" reflog show main --format=%H); do
	git -C "$T/central.git" merge-base --is-ancestor "$old" main || fail "main lost $old: a forced push"
done
ok

# --- SIGKILL a pusher mid-push --------------------------------------------------------
seed=$(date +%s%N); seed=${CMDB_SEED:-$seed}; echo "seed: $seed"; RANDOM=$seed
server_ids=$(scan_ids "$T/central.git")
for k in $(seq "$KILLS"); do
	run_cli 0 -C "$T/s1" scan --limit "$GOOD" --shard 1/4 --timeout 60
	"$GITCMDB" -C "$T/s1" push >/dev/null 2>&1 &
	pid=$!
	sleep "0.$(printf '%03d' $((RANDOM % 400)))"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	# the server's receive-pack notices the dead client by itself; judge what it left
	for _ in $(seq 100); do pgrep -f "receive-pack.*$T/central.git" >/dev/null || break; sleep 0.1; done
	fsck_clean "$T/central.git"
	fsck_clean "$T/s1"
done
run_cli 0 -C "$T/s1" push
git -C "$T/central.git" merge-base --is-ancestor "$(main_of "$T/s1")" main || fail "s1's scans not on the server"
assert_eq "$(scan_ids "$T/central.git")" $((server_ids + KILLS)) "every killed pusher's scan delivered"
fsck_clean "$T/central.git"

# --- the central side: a bare clone kept current by pull answers queries ------------
git clone -q --bare "$T/central.git" "$T/index.git"
git -C "$T/index.git" remote set-url origin "$URL"
git -C "$T/index.git" config remote.origin.gitcmdbIdentity "$LAB_KEY"
run_cli 0 -C "$T/s2" scan --limit "$GOOD" --shard 2/4 --timeout 60 --push
run_cli 0 -C "$T/index.git" pull
assert_contains "$OUT" "fast-forward" "bare pull"
assert_eq "$(main_of "$T/index.git")" "$(main_of "$T/central.git")" "bare clone current"
run_cli 0 -C "$T/index.git" show host/web01-001
assert_contains "$OUT" "team-person" "query on the bare clone"
done_ok
