# hardware: CPU model and counts, total memory, machine-id, DMI ids, virtualisation.
gitcmdb_blk cpuinfo
grep -E '^(processor|model name|physical id|Hardware|Model|cpu model)[[:space:]]*:' /proc/cpuinfo
gitcmdb_blk hypervisor
grep -qw hypervisor /proc/cpuinfo && echo hypervisor
gitcmdb_blk meminfo
grep '^MemTotal:' /proc/meminfo
gitcmdb_blk machine-id
if [ -r /etc/machine-id ]; then cat /etc/machine-id
elif [ -r /var/lib/dbus/machine-id ]; then cat /var/lib/dbus/machine-id; fi
gitcmdb_blk dmi
for f in sys_vendor product_name product_uuid product_serial; do
	[ -r "/sys/class/dmi/id/$f" ] && echo "$f=$(cat "/sys/class/dmi/id/$f")"
done
gitcmdb_blk virt
gitcmdb_has systemd-detect-virt && gitcmdb_t systemd-detect-virt
