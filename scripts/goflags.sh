#!/usr/bin/env bash
# Prints GOFLAGS as `make` exports it: the environment's GOFLAGS, plus
# -tags= with the Makefile's GO_TAGS when it names no -tags of its own. The
# Makefile is the one place the build tags are written; the scripts that
# build or test unyo take them from here when run by hand, outside make:
#   export GOFLAGS=$(scripts/goflags.sh)
# Under make, GOFLAGS already holds the tags, and is printed unchanged.
set -eu
makefile="$(dirname "$0")/../Makefile"
case " ${GOFLAGS:-} " in
*" -tags="*) echo "${GOFLAGS:-}" ;;
*)
	tags=$(sed -n 's/^GO_TAGS[[:space:]]*:=[[:space:]]*//p' "$makefile")
	if [ -z "$tags" ]; then
		echo "goflags: no GO_TAGS line in $makefile" >&2
		exit 1
	fi
	flags="${GOFLAGS:-} -tags=$tags"
	echo "${flags# }"
	;;
esac
