#!/bin/bash
# Raspberry Pi OS Bookworm (arm64) → locked-down kiosk. Run once as root on a fresh image, after
# installing the kiosk .deb (which creates the kiosk user, /var/lib/kiosk, udev rules and the unit):
#   sudo apt install ./kiosk_<version>_arm64.deb && sudo /opt/kiosk/resources/pi/setup.sh [--read-only-root]
# Each step is explained in docs/deploy.md. Safe to run again.
set -euo pipefail
READ_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --read-only-root) READ_ONLY=1 ;;
    *) echo "usage: $0 [--read-only-root]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }

echo "1/7 packages: cage (kiosk compositor), gpiod, libusb, time sync"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends cage gpiod libusb-1.0-0 systemd-timesyncd >/dev/null

echo "2/7 boot to the kiosk: graphical target, no desktop session, no getty on tty1"
systemctl set-default graphical.target
systemctl disable --now lightdm.service 2>/dev/null || true
systemctl enable kiosk.service

echo "3/7 no screen blanking (console and compositor)"
CMDLINE=/boot/firmware/cmdline.txt
if [ -f "$CMDLINE" ] && ! grep -q 'consoleblank=0' "$CMDLINE"; then
  sed -i '1 s/$/ consoleblank=0/' "$CMDLINE"
fi
raspi-config nonint do_blanking 1 2>/dev/null || true

echo "4/7 hardware watchdog: systemd pings /dev/watchdog0 (bcm2835_wdt times out after ~15 s)"
install -d /etc/systemd/system.conf.d
cat > /etc/systemd/system.conf.d/kiosk-watchdog.conf <<'CONF'
[Manager]
RuntimeWatchdogSec=14s
RebootWatchdogSec=2min
CONF

echo "5/7 journald: bounded, in RAM with a read-only root"
install -d /etc/systemd/journald.conf.d
cat > /etc/systemd/journald.conf.d/kiosk.conf <<CONF
[Journal]
Storage=$([ "$READ_ONLY" -eq 1 ] && echo volatile || echo persistent)
RuntimeMaxUse=32M
SystemMaxUse=64M
CONF

echo "6/7 time: systemd-timesyncd on (no RTC on Pi 4; entries stay clock-unverified until synced)"
systemctl enable --now systemd-timesyncd.service
timedatectl set-ntp true

echo "7/7 storage"
if [ "$READ_ONLY" -eq 1 ]; then
  # Records, config and key must live on the data partition mounted at /var/lib/kiosk.
  if ! mountpoint -q /var/lib/kiosk; then
    echo "  /var/lib/kiosk is not a separate mount: create an ext4 data partition for it first (docs/deploy.md)" >&2
    exit 1
  fi
  raspi-config nonint do_overlayfs 0
  echo "  read-only root enabled (overlayroot): reboot to apply"
else
  echo "  root stays writable (pass --read-only-root once a data partition holds /var/lib/kiosk)"
fi
systemctl daemon-reload
echo "done. Provision on the device (docs/deploy.md, step 5): kiosk provision --scan --config /var/lib/kiosk/kiosk.json"
