#!/bin/bash
# rootfs.sh: build a Debian bookworm root filesystem for the HOST architecture
# with mmdebstrap, from the same stage package lists and scripts as the image
# (image/stages/NN-name/), then check that the installed `relais --help` runs
# and that systemd finds and accepts the units. It tests the stages without
# an arm64 board or qemu; it is not a bootable image.
#
# Usage: sudo image/rootfs.sh OUTPUT_DIR        (needs network: Debian mirror, PyPI)
#        image/rootfs.sh hook ROOTFS            (mmdebstrap's customize hook)
#
# RELAIS_WHEELHOUSE: use this wheelhouse instead of building one with pip;
# PYTHON: the interpreter whose pip builds it (default python3).
set -euo pipefail

image="$(cd "$(dirname "$0")" && pwd)"
project="$(dirname "${image}")"
# What pi-gen's stages 0-2 provide and the stages rely on, then the stages' own lists.
base="systemd,systemd-sysv,python3,adduser,ca-certificates,openssl,util-linux,mawk,hostname,iproute2,procps"

die() {
	echo "rootfs.sh: $*" >&2
	exit 1
}

# Run every sub-stage in order, as pi-gen does: NN-run.sh on the host with
# ROOTFS_DIR, then NN-run-chroot.sh inside the root filesystem.
run_stages() {
	local root="$1" stage script num
	for stage in "${image}"/stages/[0-9][0-9]-*/; do
		for num in 00 01 02 03 04 05 06 07 08 09; do
			for script in "${stage}${num}-run.sh" "${stage}${num}-run-chroot.sh"; do
				[[ -e "${script}" ]] || continue
				echo "rootfs.sh: ${script#"${image}/"}" >&2
				if [[ "${script}" == *-run-chroot.sh ]]; then
					# A clean environment: the build host's settings (pip, locale) stay outside.
					chroot "${root}" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
						HOME=/root LANG=C.UTF-8 /bin/bash -s <"${script}"
				else
					(cd "${stage}" && ROOTFS_DIR="${root}" "${script}")
				fi
			done
		done
	done
}

build() {
	local out="$1" wheelhouse packages
	command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (Debian package mmdebstrap)"
	[[ ! -e "${out}" ]] || die "${out} exists; give a new directory"
	wheelhouse="${RELAIS_WHEELHOUSE:-}"
	if [[ -z "${wheelhouse}" ]]; then
		wheelhouse="$(mktemp -d)"
		"${PYTHON:-python3}" -m pip wheel --quiet --wheel-dir "${wheelhouse}" "${project}" segno
	fi
	packages="${base},$(cat "${image}"/stages/[0-9][0-9]-*/[0-9][0-9]-packages | tr -s ' \n' ',,' | sed 's/,$//')"
	RELAIS_WHEELHOUSE="${wheelhouse}" mmdebstrap --variant=apt --include="${packages}" \
		--customize-hook="\"${image}/rootfs.sh\" hook \"\$1\"" \
		bookworm "${out}"
	check "${out}"
}

check() {
	local out="$1"
	chroot "${out}" /opt/relais/current/bin/relais --help >/dev/null || die "relais --help fails in the rootfs"
	echo "rootfs.sh: relais --help runs in the rootfs"
	systemctl --root="${out}" list-unit-files 'relais-*' --no-pager
	(cd "${out}/etc/systemd/system" && systemd-analyze verify --root="${out}" relais-*.service relais-*.timer) ||
		die "systemd-analyze verify fails in the rootfs"
	du -sh "${out}" "${out}/opt/relais/venv-a" "${out}/opt/relais/tools"
}

case "${1:-}" in
hook)
	[[ $# -eq 2 ]] || die "usage: rootfs.sh hook ROOTFS"
	run_stages "$2"
	;;
check)
	check "$2"
	;;
"" | -h | --help) sed -n '2,12p' "$0" ;;
*) build "$1" ;;
esac
