# filesystems: local mounts and their size. Only local block filesystem types are
# ever passed to df, so a hung NFS/CIFS/sshfs server cannot stall the scan.
gitcmdb_blk mounts
cat /proc/mounts
gitcmdb_blk df
awk '$3 ~ /^(ext[234]|xfs|btrfs|zfs|vfat|exfat|ntfs|ntfs3|f2fs|jfs|reiserfs|bcachefs)$/ {print $2}' /proc/mounts |
while IFS= read -r m; do
	s=$(gitcmdb_t df -P -k "$(printf '%b' "$m")" | awk 'NR == 2 {print $2}')
	[ -n "$s" ] && echo "$m $s"
done
