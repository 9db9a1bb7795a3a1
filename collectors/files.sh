# files: the configured config files, size-capped, hex-encoded so any byte survives the
# framing. Only regular readable files; redaction happens before any write. One awk
# reads and encodes them all (a first pass by lines stops at the cap, so a big file is
# never held whole); an awk that cannot hold NUL bytes (busybox) leaves the job to
# base64 or od, one file at a time.
set -f
set --
gitcmdb_ifs=$IFS
IFS='
'
for f in $GITCMDB_FILES; do
	if [ ! -e "$f" ]; then echo "%% file missing $f"
	elif [ ! -f "$f" ] || [ ! -r "$f" ]; then echo "%% file unreadable $f"
	else set -- "$@" "$f"; fi
done
IFS=$gitcmdb_ifs
[ $# -gt 0 ] || exit 0
awk -v max="$GITCMDB_FILE_MAX" '
BEGIN {
	if (length(sprintf("%c", 0)) != 1) exit 3
	for (i = 0; i < 256; i++) hex[sprintf("%c", i)] = sprintf("%02x", i)
	for (a = 1; a < ARGC; a++) one(ARGV[a])
	exit 0
}
function one(f,   r, d, n, k, s, line, size) {
	RS = "\n"; size = 0
	while ((r = (getline s < f)) > 0 && size <= max) size += length(s) + 1
	close(f)
	if (r < 0) { print "%% file unreadable " f; return }
	if (size > max + 1) { print "%% file too-big " f; return }
	RS = sprintf("%c", 1); n = 0; d = ""
	while ((getline s < f) > 0) d = n++ ? d RS s : s
	close(f)
	if (length(d) > max) { print "%% file too-big " f; return }
	print "%% file hex " f
	for (k = 1; k <= length(d); k += 32) {
		s = substr(d, k, 32); line = ""
		for (i = 1; i <= length(s); i++) line = line hex[substr(s, i, 1)]
		print line
	}
}' "$@" </dev/null && exit 0
# This awk cannot do it: one file at a time.
for f in "$@"; do
	s=$(gitcmdb_t wc -c <"$f")
	if [ "$((${s:-0} + 0))" -gt "$GITCMDB_FILE_MAX" ]; then gitcmdb_blk file too-big "$f"; continue; fi
	if gitcmdb_has base64; then
		gitcmdb_blk file b64 "$f"
		gitcmdb_t head -c "$GITCMDB_FILE_MAX" "$f" | base64
	else
		gitcmdb_blk file hex "$f"
		gitcmdb_t od -An -v -tx1 "$f"
	fi
done
