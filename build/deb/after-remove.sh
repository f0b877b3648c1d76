#!/bin/sh
# Package removal keeps /var/lib/kiosk (records not yet uploaded, the device key): `kiosk decommission` wipes it.
set -e
systemctl disable kiosk.service 2>/dev/null || true
rm -f /etc/systemd/system/kiosk.service /etc/udev/rules.d/60-kiosk.rules
systemctl daemon-reload 2>/dev/null || true
