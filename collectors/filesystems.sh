# filesystems: local mounts and their size. The shell reads /proc/mounts; one df gets
# the sizes of the local block filesystems only, so a hung NFS/CIFS/sshfs server
# cannot stall the scan.
set -f
set --
gitcmdb_fields() { m=$2 t=$3; }
gitcmdb_blk mounts
while IFS= read -r l; do
	printf '%s\n' "$l"
	gitcmdb_fields $l
	case $t in
	ext[234] | xfs | btrfs | zfs | vfat | exfat | ntfs | ntfs3 | f2fs | jfs | reiserfs | bcachefs)
		case $m in *\\*) m=$(printf '%b' "$m") ;; esac
		set -- "$@" "$m" ;;
	esac
done </proc/mounts
if [ $# -gt 0 ]; then
	gitcmdb_blk df-P
	df -P -k "$@"
fi
