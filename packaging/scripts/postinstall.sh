#!/bin/sh
# unyo-agent post-install: its own system user, its state directory, the
# systemd unit enabled. $DPKG_ROOT is set by dpkg --root (the CI's
# throwaway root): the user is then made in that root's /etc, not here.
set -e
ROOT="${DPKG_ROOT:-}"
user=unyo-agent
if ! grep -q "^$user:" "$ROOT/etc/passwd" 2>/dev/null; then
	if [ -n "$ROOT" ]; then
		useradd --prefix "$ROOT" --system --user-group --no-create-home \
			--home-dir /var/lib/unyo-agent --shell /usr/sbin/nologin "$user"
	else
		useradd --system --user-group --no-create-home \
			--home-dir /var/lib/unyo-agent --shell /usr/sbin/nologin "$user"
	fi
fi
uid=$(awk -F: -v u="$user" '$1 == u { print $3 }' "$ROOT/etc/passwd")
gid=$(awk -F: -v u="$user" '$1 == u { print $4 }' "$ROOT/etc/passwd")
mkdir -p "$ROOT/var/lib/unyo-agent"
chown "$uid:$gid" "$ROOT/var/lib/unyo-agent"
chmod 0750 "$ROOT/var/lib/unyo-agent"
chown "root:$gid" "$ROOT/etc/unyo-agent/agent.yaml"
chmod 0640 "$ROOT/etc/unyo-agent/agent.yaml"
if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
	systemctl enable unyo-agent.service >/dev/null 2>&1 || true
	# An upgrade restarts a running agent; a first install waits for the enrollment.
	systemctl try-restart unyo-agent.service >/dev/null 2>&1 || true
fi
if [ ! -f "$ROOT/var/lib/unyo-agent/enrollment.json" ]; then
	echo "unyo-agent: enroll this host, then start the agent:"
	echo "  sudo unyo-agent --enroll TOKEN --server https://unyo.example.com"
	echo "  sudo systemctl start unyo-agent"
fi
exit 0
