# services: systemd units (state, enablement, command, owning package) or OpenRC.
# Unit names and unit files are picked out by the shell; systemctl runs twice, the
# package database is asked once.
set -f
if gitcmdb_has systemctl && [ -d /run/systemd/system ]; then
	u=$(gitcmdb_t systemctl list-units --type=service --all --no-legend --plain --no-pager)
	gitcmdb_blk systemd-units
	dot=$(printf '\342\227\217')
	set --
	while read -r a b rest; do
		[ "$a" = "$dot" ] && a=$b
		[ -n "$a" ] || continue
		printf '%s\n' "$a"
		set -- "$@" "$a"
	done <<EOU
$u
EOU
	if [ $# -gt 0 ]; then
		show=$(gitcmdb_t systemctl show --no-pager \
			-p Id,ActiveState,UnitFileState,ExecStart,MainPID,FragmentPath "$@")
		gitcmdb_blk systemd-show
		printf '%s\n' "$show"
		set --
		while IFS= read -r l; do
			case $l in
			FragmentPath=/*)
				f=${l#FragmentPath=}
				case " $* " in *" $f "*) ;; *) set -- "$@" "$f" ;; esac ;;
			esac
		done <<EOS
$show
EOS
		if [ $# -gt 0 ] && gitcmdb_has dpkg-query; then
			gitcmdb_blk dpkg-owner
			dpkg-query -S "$@"
		elif [ $# -gt 0 ] && gitcmdb_has rpm; then
			# One rpm for every unit file, its answers (one line each) paired back.
			o=$(gitcmdb_t rpm -qf --qf '%{NAME}\n' "$@")
			gitcmdb_blk rpm-owner
			while IFS= read -r n && [ $# -gt 0 ]; do
				printf '%s: %s\n' "$n" "$1"
				shift
			done <<EOR
$o
EOR
		fi
	fi
elif gitcmdb_has rc-status; then
	gitcmdb_blk openrc
	gitcmdb_t rc-status -a
fi
