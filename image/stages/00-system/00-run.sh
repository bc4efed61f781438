#!/bin/bash
# Stage 00-system, on the build host: time, watchdog, journal and kernel
# settings of the appliance.
set -euo pipefail

files="$(dirname "$0")/files"
install -m 0644 -D "${files}/chrony.conf" "${ROOTFS_DIR}/etc/chrony/conf.d/relais.conf"
install -m 0644 -D "${files}/watchdog.conf" "${ROOTFS_DIR}/etc/systemd/system.conf.d/relais-watchdog.conf"
install -m 0644 -D "${files}/journald.conf" "${ROOTFS_DIR}/etc/systemd/journald.conf.d/relais.conf"
install -m 0644 -D "${files}/sysctl.conf" "${ROOTFS_DIR}/etc/sysctl.d/90-relais.conf"

# The Pi's watchdog driver is enabled from the firmware configuration.
config_txt="${ROOTFS_DIR}/boot/firmware/config.txt"
if [[ -f "${config_txt}" ]] && ! grep -qx 'dtparam=watchdog=on' "${config_txt}"; then
	echo 'dtparam=watchdog=on' >>"${config_txt}"
fi
