#!/bin/sh
# unyo-agent pre-remove: stop and disable the unit on removal (not on an
# upgrade: deb passes "upgrade", rpm a count of 1 or more).
set -e
case "$1" in
upgrade | 1 | 2) exit 0 ;;
esac
if [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
	systemctl stop unyo-agent.service >/dev/null 2>&1 || true
	systemctl disable unyo-agent.service >/dev/null 2>&1 || true
fi
exit 0
