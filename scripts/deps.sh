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
aide
b3sum
minisign
signify-openbsd
time
chromium
"

# Node.js runs the FHIR validator in the tests; the machine's own node is
# fine, Debian's is the fallback.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	PACKAGES="$PACKAGES nodejs npm"
fi

missing=""
for pkg in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $pkg" ;;
	esac
done

install_validators() {
	root=$(cd "$(dirname "$0")/.." && pwd)
	if [ ! -d "$root/tests/validators/node_modules/fhir" ]; then
		echo "deps: installing the npm test validators"
		npm install --prefix "$root/tests/validators" --no-audit \
		    --no-fund --loglevel=error
	fi
}

if [ -z "$missing" ]; then
	echo "deps: all packages present"
	install_validators
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
install_validators
