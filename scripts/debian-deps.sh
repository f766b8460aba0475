#!/usr/bin/env bash
# Installs the Debian packages named on the command line that are not installed
# yet, with sudo when not root. `make run` and `make test` call it, so each of
# them does its own set-up on a fresh Debian machine. It changes nothing when
# every package is already there, and says clearly what to do when it cannot
# install (no apt-get, or neither root nor sudo).
set -euo pipefail

missing=()
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing Debian packages: ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
	echo "error: apt-get not found; install these packages with your system's package manager: ${missing[*]}" >&2
	exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "error: not root and no sudo; as root run: apt-get install ${missing[*]}" >&2
		exit 1
	fi
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
