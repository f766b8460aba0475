#!/bin/sh
# unyo-agent post-remove: on purge, its state (buffer, positions, the
# host's token) goes too; the user stays, as Debian does for system users.
set -e
if [ "$1" = purge ]; then
	rm -rf "${DPKG_ROOT:-}/var/lib/unyo-agent"
fi
if [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
