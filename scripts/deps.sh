#!/bin/sh
# Installs every Debian package that building, testing, benchmarking and
# fuzzing medsec needs. Idempotent: packages already installed are skipped,
# and the package index is refreshed only when something is missing.
set -eu

PACKAGES="
build-essential
cmake
pkg-config
clang
libclang-rt-14-dev
libsodium-dev
libssl-dev
openssl
libsqlite3-dev
sqlite3
libevent-dev
libjansson-dev
libinih-dev
libcmocka-dev
libxml2-utils
faketime
hyperfine
"

missing=""
for pkg in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $pkg" ;;
	esac
done

if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi

echo "deps: installing$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# apt-get update only when a package cannot be found in the current index.
if ! $SUDO apt-get install -y --no-install-recommends $missing; then
	$SUDO apt-get update
	$SUDO apt-get install -y --no-install-recommends $missing
fi
