#!/bin/bash
# pi-gen stage prologue: start from the previous stage's root filesystem
# (stage2, Raspberry Pi OS Lite).
set -euo pipefail

if [[ ! -d "${ROOTFS_DIR}" ]]; then
	copy_previous
fi
