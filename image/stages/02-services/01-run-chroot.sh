#!/bin/bash
# Stage 02-services, inside the image: enable the units. The application units
# only start once first boot has left /var/lib/relais/.firstboot-done.
set -euo pipefail

systemctl enable nginx.service \
	relais-tls.service relais-tls.timer \
	relais-firewall.service relais-firewall.timer \
	relais-firstboot.service \
	relais-web.service relais-devices.service relais-sync.service \
	relais-backup.timer
