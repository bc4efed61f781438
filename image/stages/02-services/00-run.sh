#!/bin/bash
# Stage 02-services, on the build host: install the image's own files into
# ROOTFS_DIR (units, helper scripts, nginx and nftables configuration, pages).
# The tests run this same script into a throwaway directory.
set -euo pipefail

image="$(cd "$(dirname "$0")/../.." && pwd)"
root="${ROOTFS_DIR:?ROOTFS_DIR must name the root filesystem}"

install -m 0755 -d "${root}/usr/local/sbin" "${root}/usr/local/lib/relais" \
	"${root}/usr/local/share/relais" "${root}/etc/systemd/system" "${root}/etc/tmpfiles.d" \
	"${root}/etc/relais" "${root}/etc/nginx/snippets" "${root}/etc/nginx/conf.d" \
	"${root}/etc/nginx/sites-available" "${root}/etc/nginx/sites-enabled" \
	"${root}/var/www/relais/setup" "${root}/var/www/relais/ca"

for script in relais-backup relais-firewall relais-firstboot relais-tls relais-update; do
	install -m 0755 "${image}/sbin/${script}" "${root}/usr/local/sbin/${script}"
done
install -m 0644 "${image}/sbin/relais_tls.py" "${image}/sbin/relais_setup.py" "${root}/usr/local/lib/relais/"

install -m 0644 "${image}"/systemd/*.service "${image}"/systemd/*.timer "${root}/etc/systemd/system/"
install -m 0644 "${image}/systemd/relais.tmpfiles" "${root}/etc/tmpfiles.d/relais.conf"

install -m 0644 "${image}/nftables/relais.nft" "${root}/usr/local/share/relais/relais.nft"
install -m 0644 "${image}/nftables/relais.nft" "${root}/etc/nftables.conf"
if [[ ! -e "${root}/etc/relais/firewall.conf" ]]; then
	install -m 0644 "${image}/nftables/firewall.conf" "${root}/etc/relais/firewall.conf"
fi

install -m 0644 "${image}/nginx/relais-tls.conf" "${image}/nginx/relais-ca-page.conf" "${root}/etc/nginx/snippets/"
install -m 0644 "${image}/nginx/relais-http.conf" "${root}/etc/nginx/conf.d/"
install -m 0644 "${image}/nginx/relais-app.conf" "${root}/etc/nginx/sites-available/relais-app"
install -m 0644 "${image}/nginx/relais-setup.conf" "${root}/etc/nginx/sites-available/relais-setup"
rm -f "${root}/etc/nginx/sites-enabled/default"
# Until first boot has finished, port 443 serves only the set-up page.
if [[ ! -e "${root}/etc/nginx/sites-enabled/relais" ]]; then
	ln -s ../sites-available/relais-setup "${root}/etc/nginx/sites-enabled/relais"
fi
if [[ -n "${RELAIS_UPDATE_PUBKEY:-}" ]]; then
	install -m 0644 "${RELAIS_UPDATE_PUBKEY}" "${root}/etc/relais/update-signing.pub.pem"
fi
install -m 0644 "${image}/www/setup/index.html" "${root}/var/www/relais/setup/index.html"
