#!/bin/bash
# Stage 01-relais, on the build host: put the wheelhouse built by build.sh
# (the relais wheel, its dependencies for the target, and the tools' wheels)
# where the chroot step can install it without network access.
set -euo pipefail

wheelhouse="${RELAIS_WHEELHOUSE:?RELAIS_WHEELHOUSE must name the wheelhouse made by build.sh}"
compgen -G "${wheelhouse}/relais-*.whl" >/dev/null || {
	echo "01-relais: no relais wheel in ${wheelhouse}" >&2
	exit 1
}
install -m 0755 -d "${ROOTFS_DIR}/opt/relais" "${ROOTFS_DIR}/opt/relais/wheelhouse"
install -m 0644 "${wheelhouse}"/*.whl "${ROOTFS_DIR}/opt/relais/wheelhouse/"
