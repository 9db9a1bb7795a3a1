# users: local accounts and groups, one awk over both files. The password field of
# /etc/passwd and /etc/group never leaves the host, the shadow file is never read,
# GECOS stays behind.
set --
for f in /etc/passwd /etc/group; do [ -r "$f" ] && set -- "$@" "$f"; done
awk -F: '
FNR == 1 { print (FILENAME == "/etc/passwd" ? "%% passwd" : "%% group") }
FILENAME == "/etc/passwd" && NF >= 7 { print $1 ":" $3 ":" $4 ":" $6 ":" $7 }
FILENAME == "/etc/group" && NF >= 4 { print $1 ":" $3 ":" $4 }' "$@" </dev/null
