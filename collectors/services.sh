# services: systemd units (state, enablement, command, owning package) or OpenRC.
set -f
if gitcmdb_has systemctl && [ -d /run/systemd/system ]; then
	u=$(gitcmdb_t systemctl list-units --type=service --all --no-legend --plain --no-pager |
		awk '{ if ($1 == "\342\227\217") print $2; else print $1 }')
	gitcmdb_blk systemd-units
	printf '%s\n' "$u"
	if [ -n "$u" ]; then
		show=$(gitcmdb_t systemctl show --no-pager \
			-p Id,ActiveState,UnitFileState,ExecStart,MainPID,FragmentPath $u)
		gitcmdb_blk systemd-show
		printf '%s\n' "$show"
		frags=$(printf '%s\n' "$show" | sed -n 's/^FragmentPath=\(\/.*\)$/\1/p' | sort -u)
		if [ -n "$frags" ] && gitcmdb_has dpkg-query; then
			gitcmdb_blk dpkg-owner
			gitcmdb_t dpkg-query -S $frags
		elif [ -n "$frags" ] && gitcmdb_has rpm; then
			gitcmdb_blk rpm-owner
			for f in $frags; do
				echo "$(gitcmdb_t rpm -qf --qf '%{NAME}' "$f"): $f"
			done
		fi
	fi
elif gitcmdb_has rc-status; then
	gitcmdb_blk openrc
	gitcmdb_t rc-status -a
fi
