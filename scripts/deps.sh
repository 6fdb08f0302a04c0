#!/bin/sh
# Installs the Debian packages one task needs, and nothing for the others:
#
#   deps.sh run     build medsec and run it (make run, make install)
#   deps.sh check   run + what the test suite calls (make check)
#   deps.sh bench   run + the tools the benchmarks compare against (make bench)
#   deps.sh report  check + Chromium and a Korean font for the PDFs (make report)
#   deps.sh fuzz    run + clang and its libFuzzer runtime (make fuzz)
#
# Idempotent: packages already installed are skipped, and the package index
# is refreshed only when an install from the current index fails.
set -eu

usage() {
	echo "usage: $0 run|check|bench|report|fuzz" >&2
	exit 2
}

[ $# -eq 1 ] || usage

# Building and running: compiler, build tools, the libraries' headers, and
# the command-line openssl and sqlite3 an operator inspects a device with.
# libevent (the daemon's loop, TLS bufferevents and HTTP server) and
# libseccomp (its sandbox) are libraries the daemon links; libcurl (the
# OpenSSL flavour) is the uplink's HTTP client. make run starts a local
# collector beside the daemon: nginx with mutual TLS for the readings,
# rsyslog with its OpenSSL driver for the audit trail (RFC 5425); curl
# for the commands it prints.
RUN="
libcurl4-openssl-dev
curl
nginx-light
libnginx-mod-http-echo
rsyslog
rsyslog-openssl
build-essential
cmake
pkg-config
libsodium-dev
libssl-dev
openssl
libsqlite3-dev
sqlite3
libjansson-dev
libinih-dev
libevent-dev
libseccomp-dev
"

# What the tests call: cmocka; clang for the clang build and its sanitizer
# runtime; faketime (clock tests, libfaketime); xmllint (ATNA schema);
# python3 (the CLI tests edit and read files with it); strace (the test
# that no password reaches a system call's arguments); Chromium (the
# submission package rendered and its links followed); Node.js for the FHIR
# validator, added below. The attackers and checkers the daemon's tests run
# on loopback: testssl.sh (needs a DNS lookup tool: bind9-host), sslscan,
# nmap, hydra, slowhttptest, wrk, stunnel4 and socat for clients the tools
# lack; systemd for systemd-analyze on the service unit. The submission
# package is written in Korean: fonts-noto-cjk is the Korean face its
# print styles name (without it Hangul prints as empty boxes), and
# poppler-utils (pdffonts, pdftotext) lets the tests read the PDFs back.
CHECK="
libcmocka-dev
clang
libclang-rt-14-dev
faketime
libxml2-utils
python3
strace
chromium
testssl.sh
bind9-host
sslscan
nmap
hydra
slowhttptest
wrk
stunnel4
socat
systemd
fonts-noto-cjk
poppler-utils
"

# The tools the benchmarks run side by side with medsec.
BENCH="
hyperfine
aide
minisign
signify-openbsd
b3sum
time
nginx-light
wrk
"

FUZZ="
clang
libclang-rt-14-dev
"

need_node=0
case "$1" in
run) PACKAGES="$RUN" ;;
check | report) PACKAGES="$RUN $CHECK"; need_node=1 ;;
bench) PACKAGES="$RUN $BENCH" ;;
fuzz) PACKAGES="$RUN $FUZZ" ;;
*) usage ;;
esac

# The machine's own node is fine for the validator; Debian's is the
# fallback.
if [ $need_node -eq 1 ] && { ! command -v node >/dev/null 2>&1 ||
    ! command -v npm >/dev/null 2>&1; }; then
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
	v=$root/tests/validators
	# Installed, and not older than what package.json asks for: npm
	# writes node_modules/.package-lock.json on every install.
	if [ ! -f "$v/node_modules/.package-lock.json" ] ||
	    [ "$v/package.json" -nt "$v/node_modules/.package-lock.json" ] ||
	    [ "$v/package-lock.json" -nt "$v/node_modules/.package-lock.json" ]; then
		echo "deps: installing the npm test validators"
		npm install --prefix "$root/tests/validators" --no-audit \
		    --no-fund --loglevel=error
	fi
}

if [ -n "$missing" ]; then
	echo "deps ($1): installing$missing"
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then
		SUDO="sudo"
	fi
	export DEBIAN_FRONTEND=noninteractive
	# apt-get update only when a package cannot be found in the current
	# index.
	if ! $SUDO apt-get install -y --no-install-recommends $missing; then
		$SUDO apt-get update
		$SUDO apt-get install -y --no-install-recommends $missing
	fi
else
	echo "deps ($1): all packages present"
fi
if [ $need_node -eq 1 ]; then
	install_validators
fi
