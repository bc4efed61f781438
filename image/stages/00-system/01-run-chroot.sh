#!/bin/bash
# Stage 00-system, inside the image: no usable default account, no SSH.
set -euo pipefail

# No password works on the image: root and every human account are locked
# (pi-gen's stage2 does the same for root with usermod --pass='*').
usermod --pass='*' root
awk -F: '$3 >= 1000 && $3 < 65534 {print $1}' /etc/passwd | while read -r user; do
	usermod --lock --expiredate 1 --shell /usr/sbin/nologin "${user}"
done
# No first-boot user wizard, no SSH server (the firewall would drop port 22 anyway).
systemctl disable userconfig.service 2>/dev/null || true
systemctl disable ssh.service ssh.socket sshswitch.service 2>/dev/null || true
rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub
# systemd-timesyncd conflicts with chrony; the chrony package removes it.
systemctl enable chrony.service nftables.service
