# users: local accounts and groups. The password field of /etc/passwd and
# /etc/group never leaves the host, the shadow file is never read, GECOS stays behind.
gitcmdb_blk passwd
awk -F: 'NF >= 7 {print $1 ":" $3 ":" $4 ":" $6 ":" $7}' /etc/passwd
gitcmdb_blk group
awk -F: 'NF >= 4 {print $1 ":" $3 ":" $4}' /etc/group
