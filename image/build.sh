#!/bin/bash
# build.sh: build the Relais SD-card image for Raspberry Pi 4/5 (bookworm,
# arm64) with pi-gen: a wheelhouse for the target, then pi-gen's stages 0-2
# (Raspberry Pi OS Lite) followed by image/stages.
#
# Usage: sudo image/build.sh PIGEN_DIR [UPDATE_SIGNING_PUBLIC_KEY.pem]
#   PIGEN_DIR  a checkout of github.com/RPi-Distro/pi-gen that builds arm64
#              bookworm images (its `arm64` branch, or a master that does)
#   the key    Ed25519 public key that relais-update will accept; without it
#              the image refuses every update bundle
#
# PYTHON: the interpreter whose pip builds the wheelhouse (default python3).
set -euo pipefail

image="$(cd "$(dirname "$0")" && pwd)"
project="$(dirname "${image}")"
pigen="${1:?usage: build.sh PIGEN_DIR [UPDATE_SIGNING_PUBLIC_KEY.pem]}"
pubkey="${2:-}"
python="${PYTHON:-python3}"
wheelhouse="${image}/build/wheelhouse"

[[ -x "${pigen}/build.sh" ]] || {
	echo "build.sh: ${pigen} is not a pi-gen checkout" >&2
	exit 1
}

# 1. The wheelhouse: the relais wheel (pure Python) and every dependency as
#    binary wheels for CPython 3.11 on aarch64, plus the tools' segno.
rm -rf "${wheelhouse}"
install -m 0755 -d "${wheelhouse}"
"${python}" -m pip wheel --quiet --no-deps --wheel-dir "${wheelhouse}" "${project}"
"${python}" -m pip download --quiet --dest "${wheelhouse}" --only-binary=:all: \
	--implementation cp --python-version 3.11 --abi cp311 --abi abi3 --abi none \
	--platform manylinux_2_36_aarch64 --platform manylinux_2_28_aarch64 \
	--platform manylinux2014_aarch64 --platform any \
	"${wheelhouse}"/relais-*.whl segno

# 2. pi-gen: stop after stage2 (Lite) without exporting it, then our stages.
for stage in stage3 stage4 stage5; do
	touch "${pigen}/${stage}/SKIP" "${pigen}/${stage}/SKIP_IMAGES"
done
touch "${pigen}/stage2/SKIP_IMAGES"
{
	cat "${image}/config"
	echo "STAGE_LIST=\"stage0 stage1 stage2 ${image}/stages\""
	echo "export RELAIS_WHEELHOUSE=\"${wheelhouse}\""
	if [[ -n "${pubkey}" ]]; then echo "export RELAIS_UPDATE_PUBKEY=\"$(realpath "${pubkey}")\""; fi
} >"${pigen}/config"

cd "${pigen}"
./build.sh -c config
ls -l "${pigen}/deploy"
