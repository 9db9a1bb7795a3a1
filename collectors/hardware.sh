# hardware: CPU model and counts, total memory, machine-id, DMI ids and BIOS (uuid and
# serial are root-only on most systems: see become in docs/inventory.md), virtualisation.
# One awk reads /proc/cpuinfo, /proc/meminfo, the machine-id and the readable DMI files.
set --
if [ -r /etc/machine-id ]; then mid=/etc/machine-id
elif [ -r /var/lib/dbus/machine-id ]; then mid=/var/lib/dbus/machine-id
else mid=; fi
for f in /proc/cpuinfo /proc/meminfo $mid /sys/class/dmi/id/sys_vendor \
	/sys/class/dmi/id/product_name /sys/class/dmi/id/product_uuid /sys/class/dmi/id/product_serial \
	/sys/class/dmi/id/bios_vendor /sys/class/dmi/id/bios_version; do
	[ -f "$f" ] && [ -r "$f" ] && set -- "$@" "$f"
done
awk '
FILENAME == "/proc/cpuinfo" {
	if ($0 ~ /^(processor|model name|physical id|Hardware|Model|cpu model)[ \t]*:/)
		cpu = cpu $0 "\n"
	if ($0 ~ /(^|[^A-Za-z0-9_])hypervisor([^A-Za-z0-9_]|$)/)
		hv = 1
	next
}
FILENAME == "/proc/meminfo" { if ($0 ~ /^MemTotal:/) mem = mem $0 "\n"; next }
FILENAME == mid { id = id $0 "\n"; next }
{ f = FILENAME; sub(/.*\//, "", f); dmi = dmi f "=" $0 "\n" }
END {
	printf "%%%% cpuinfo\n%s%%%% hypervisor\n", cpu
	if (hv) print "hypervisor"
	printf "%%%% meminfo\n%s%%%% machine-id\n%s%%%% dmi\n%s", mem, id, dmi
}' mid="$mid" "$@" </dev/null
gitcmdb_blk virt
# systemd-detect-virt's own answer for the containers its files name, when it could not
# read /proc/1/environ either (it would look there first); else it runs.
c=
if [ -d /proc/vz ] && [ ! -d /proc/bc ]; then c=openvz
elif [ -r /run/systemd/container ]; then read -r c </run/systemd/container
elif [ -r /run/host/container-manager ]; then read -r c </run/host/container-manager
elif [ -r /proc/1/environ ]; then c=
elif [ -f /run/.containerenv ]; then c=podman
elif [ -f /.dockerenv ]; then c=docker; fi
k=
[ -r /proc/sys/kernel/osrelease ] && read -r k </proc/sys/kernel/osrelease
case $k in *[Mm]icrosoft* | *WSL*) c= ;; esac
if [ -n "$c" ]; then echo "$c"
elif gitcmdb_has systemd-detect-virt; then systemd-detect-virt; fi
