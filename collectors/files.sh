# files: the configured config files, size-capped, encoded so any byte survives
# the framing. Only regular readable files; redaction happens before any write.
printf '%s\n' "$GITCMDB_FILES" | while IFS= read -r f; do
	[ -n "$f" ] || continue
	if [ ! -e "$f" ]; then gitcmdb_blk file missing "$f"; continue; fi
	if [ ! -f "$f" ] || [ ! -r "$f" ]; then gitcmdb_blk file unreadable "$f"; continue; fi
	s=$(gitcmdb_t wc -c "$f" | awk '{print $1}')
	if [ "${s:-0}" -gt "$GITCMDB_FILE_MAX" ]; then gitcmdb_blk file too-big "$f"; continue; fi
	if gitcmdb_has base64; then
		gitcmdb_blk file b64 "$f"
		gitcmdb_t head -c "$GITCMDB_FILE_MAX" "$f" | base64
	else
		gitcmdb_blk file hex "$f"
		gitcmdb_t od -An -v -tx1 "$f"
	fi
done
