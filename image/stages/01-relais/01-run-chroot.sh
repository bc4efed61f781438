#!/bin/bash
# Stage 01-relais, inside the image: the relais system user, the data
# directory, the application venv (A of the A/B pair) and the tools venv used
# by the TLS and first-boot helpers; mount points for the USB sticks.
set -euo pipefail

wheels=/opt/relais/wheelhouse

if ! id relais >/dev/null 2>&1; then
	adduser --system --group --home /nonexistent --no-create-home \
		--shell /usr/sbin/nologin --gecos "Relais services" relais
fi
install -o relais -g relais -m 0700 -d /var/lib/relais
install -o root -g root -m 0755 -d /opt/relais

# Application: venv-a, with /opt/relais/current pointing at it.
rm -rf /opt/relais/venv-a
python3 -m venv /opt/relais/venv-a
/opt/relais/venv-a/bin/python -m pip install --quiet --no-index --find-links "${wheels}" relais
/opt/relais/venv-a/bin/python -c 'import importlib.metadata as m; print(m.version("relais"))' \
	>/opt/relais/venv-a/VERSION
ln -sfn venv-a /opt/relais/current

# Tools for first boot and TLS (cryptography, segno), independent of updates.
rm -rf /opt/relais/tools
python3 -m venv /opt/relais/tools
/opt/relais/tools/bin/python -m pip install --quiet --no-index --find-links "${wheels}" cryptography segno
rm -rf "${wheels}"

# USB sticks by volume label: set-up (read once, root only), key (stays
# plugged in, readable by relais only), backup disk (written by relais).
uid="$(id -u relais)"
gid="$(id -g relais)"
opts="noauto,nofail,x-systemd.automount,x-systemd.idle-timeout=60,x-systemd.device-timeout=5s,nodev,nosuid,noexec"
install -m 0755 -d /media/relais-setup /media/relais-key /media/relais-backup
sed -i '/^# relais-sticks/d; /^LABEL=RELAIS-/d' /etc/fstab
cat >>/etc/fstab <<FSTAB
# relais-sticks (stage 01-relais)
LABEL=RELAIS-SETUP /media/relais-setup vfat ${opts},uid=0,gid=0,umask=077 0 0
LABEL=RELAIS-KEY /media/relais-key vfat ${opts},uid=${uid},gid=${gid},umask=077 0 0
LABEL=RELAIS-BACKUP /media/relais-backup vfat ${opts},uid=${uid},gid=${gid},umask=077 0 0
FSTAB
