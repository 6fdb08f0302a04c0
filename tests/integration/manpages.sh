#!/bin/bash
# The manual pages medsecd(8) and medsecd.conf(5): they format without a
# single warning from groff or man, and they keep up with the code: every
# key the configuration parser knows is described in medsecd.conf(5), and
# every option and exit status of medsecd in medsecd(8).
# Run by CTest as: bash manpages.sh <test_name>.
set -u
: "${MEDSEC_SOURCE_DIR:?}"
src=$MEDSEC_SOURCE_DIR
page8=$src/docs/man/medsecd.8
page5=$src/docs/man/medsecd.conf.5
work=$(mktemp -d /tmp/medsec-man-XXXXXX)
trap 'rm -rf "$work"' EXIT

die() { echo "FAIL: $*" >&2; exit 1; }

need() {
	command -v "$1" >/dev/null || { echo "$1 not installed: skipped"; exit 77; }
}

# Formats a page with every warning on; any output is a failure.
lint() {
	groff -z -wall -man "$1" >"$work/o" 2>&1 || die "groff: $(cat "$work/o")"
	[ ! -s "$work/o" ] || die "groff warnings in $1: $(cat "$work/o")"
	if command -v man >/dev/null; then
		LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$1" \
		    >/dev/null 2>"$work/o" || die "man: $(cat "$work/o")"
		[ ! -s "$work/o" ] || die "man warnings in $1: $(cat "$work/o")"
	fi
}

test_manpage_medsecd_formats_cleanly() {
	need groff
	lint "$page8"
}

test_manpage_medsecd_conf_formats_cleanly() {
	need groff
	lint "$page5"
}

# The keys of the parser's tables (src/lib/config/config*.c): plain
# entries { "section", "key", ... } and the daemon's macros KIND("key", ...).
parser_keys() {
	cat "$src"/src/lib/config/config*.c |
	    sed -nE 's/^[[:space:]]+\{ "(device|crypto|audit|auth|session|listen|tls|limits|daemon|incident|source)", "([a-z0-9_]+)".*/\2/p;
		s/.*U32\("[a-z]+", "([a-z0-9_]+)".*/\1/p;
		s/.*\b(ENDPOINT|CIDRS|TLSLIST|PATH|LIMIT|TEXT)\("([a-z0-9_]+)".*/\2/p' |
	    sort -u
}

# The contract's keys (daemon-contract.md), for a tree where the daemon's
# sections are not parsed yet.
contract_keys='api api_allow peer peer_allow debug_http debug_allow
min_version groups ciphersuites ciphers12 cert_file key_file peer_ca_file
crl_file handshake_timeout max_connections source_connections
connection_rate request_rate request_burst login_rate login_burst
header_timeout body_timeout write_timeout idle_timeout max_header_bytes
max_body_bytes max_update_bytes throttle_report_seconds login_workers
login_queue user restart_backoff_max contact phone email url step1 step2
step3 step4 step5 step6'

test_manpage_medsecd_conf_names_every_key() {
	local key missing=
	for key in $contract_keys $(parser_keys); do
		grep -qE "^\.(B|BR) (.* )?$key( |$)" "$page5" ||
		    missing="$missing $key"
	done
	[ -z "$missing" ] || die "keys not described in medsecd.conf(5):$missing"
	[ "$(parser_keys | wc -l)" -ge 20 ] ||
	    die "parser tables not found: $(parser_keys | tr '\n' ' ')"
}

test_manpage_medsecd_names_every_option_and_exit_status() {
	local opt code missing=
	for opt in '\\-c' '\\-f' '\\-\\-check\\-config' '\\-\\-print\\-services' \
	    '\\-V' '\\-\\-help'; do
		grep -qE "^\.(B|BI) $opt( |$)" "$page8" || missing="$missing $opt"
	done
	# Once the daemon is in the tree, its own tables are the reference.
	if [ -f "$src/src/daemon/main.c" ]; then
		for opt in $(sed -nE 's/.*\{ "([a-z-]+)", (no|required)_argument.*/\1/p' \
		    "$src/src/daemon/main.c"); do
			grep -qF ".B \\-\\-${opt//-/\\-}" "$page8" ||
			    missing="$missing --$opt"
		done
	fi
	for code in 0 1 2 3; do
		grep -qx "\.B $code" "$page8" || missing="$missing exit-$code"
	done
	if [ -f "$src/src/daemon/daemon.h" ]; then
		for code in $(sed -nE 's/^#define MEDSECD_EXIT_[A-Z]+ ([0-9]+).*/\1/p' \
		    "$src/src/daemon/daemon.h"); do
			grep -qx "\.B $code" "$page8" || missing="$missing exit-$code"
		done
	fi
	[ -z "$missing" ] || die "not in medsecd(8):$missing"
	for sig in SIGHUP SIGTERM; do
		grep -qx "\.B $sig\|\.BR $sig .*" "$page8" || die "$sig not described"
	done
	grep -q '^\.BR medsec (1),' "$page8" || die "SEE ALSO lacks medsec(1)"
}

"$1"
