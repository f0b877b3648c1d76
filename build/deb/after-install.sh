#!/bin/sh
# Debian package post-install: the kiosk user, its data directory, udev rules, the unit.
set -e
getent group kiosk >/dev/null || groupadd --system kiosk
if ! getent passwd kiosk >/dev/null; then
  useradd --system --gid kiosk --groups dialout,video,gpio,input --home-dir /var/lib/kiosk --shell /usr/sbin/nologin kiosk 2>/dev/null ||
    useradd --system --gid kiosk --groups dialout,video --home-dir /var/lib/kiosk --shell /usr/sbin/nologin kiosk
fi
install -d -m 0750 -o kiosk -g kiosk /var/lib/kiosk
install -m 0644 /opt/kiosk/resources/udev/60-kiosk.rules /etc/udev/rules.d/60-kiosk.rules
install -m 0644 /opt/kiosk/resources/systemd/kiosk.service /etc/systemd/system/kiosk.service
udevadm control --reload-rules 2>/dev/null || true
udevadm trigger 2>/dev/null || true
systemctl daemon-reload 2>/dev/null || true
systemctl enable kiosk.service 2>/dev/null || true
