#!/bin/bash
# medsec tls: the device's TLS certificate from the command line (MFDS
# 1.17). Run by CTest as: bash cli_tls.sh <test_name>.
set -u
: "${MEDSEC:?}" "${MEDSEC_SOURCE_DIR:?}"
work=$(mktemp -d /tmp/medsec-tls-XXXXXX)
trap 'rm -rf "$work"' EXIT
state=$work/dev

die() { echo "FAIL: $*" >&2; exit 1; }
provision() { "$MEDSEC" init --state "$state" --device-id gw-tls-01 >"$work/init.out" 2>&1 || { cat "$work/init.out"; die "init failed"; }; }
ms() { "$MEDSEC" tls "$@" --state "$state"; }
command -v openssl >/dev/null || exit 77

# A hospital CA made with the openssl command.
make_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$work/ca.key" -out "$work/ca.pem" -days 30 \
	    -subj "/CN=hospital CA" >/dev/null 2>&1 || die "CA"
}
ext() {
	printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\n' "$1" >"$work/ext.cnf"
}

test_req_1_17_cli_tls_show_prints_certificate_and_fingerprint() {
	provision
	ms show >"$work/show" 2>&1 || die "show: $(cat "$work/show")"
	grep -q -- "-----BEGIN CERTIFICATE-----" "$work/show" || die "no PEM: $(cat "$work/show")"
	grep -q "# subject CN=gw-tls-01, issuer CN=gw-tls-01" "$work/show" || die "no subject: $(cat "$work/show")"
	fp=$(sed -n 's/^# sha256 //p' "$work/show")
	want=$(sed -n '/BEGIN CERT/,/END CERT/p' "$work/show" | openssl x509 -outform DER | sha256sum | cut -d' ' -f1)
	[ "$fp" = "$want" ] || die "fingerprint $fp, openssl says $want"
	if grep -rq "PRIVATE KEY" "$state"; then die "a private key in clear under $state"; fi
}

test_req_1_17_cli_tls_import_ca_signed_certificate() {
	provision
	make_ca
	ms csr >"$work/req.pem" 2>"$work/csr.err" || die "csr: $(cat "$work/csr.err")"
	openssl req -in "$work/req.pem" -verify -noout >/dev/null 2>&1 || die "the request does not verify"
	ext serverAuth,clientAuth
	openssl x509 -req -in "$work/req.pem" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
	    -set_serial 7 -days 10 -extfile "$work/ext.cnf" -out "$work/dev.pem" >/dev/null 2>&1 || die "sign"
	# Another key's certificate is refused, naming why, and changes nothing.
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/o.key" \
	    -subj "/CN=gw-tls-01" -out "$work/o.csr" >/dev/null 2>&1 || die "other csr"
	openssl x509 -req -in "$work/o.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
	    -set_serial 8 -days 10 -extfile "$work/ext.cnf" -out "$work/other.pem" >/dev/null 2>&1 || die "sign other"
	ms show >"$work/before" 2>&1 || die "show"
	if ms import --cert "$work/other.pem" >"$work/o.out" 2>&1; then die "another key's certificate was installed"; fi
	grep -q "not for this device's TLS key" "$work/o.out" || die "no reason: $(cat "$work/o.out")"
	ms show >"$work/after" 2>&1 || die "show"
	cmp -s "$work/before" "$work/after" || die "a refused import changed the certificate"
	ms import --cert "$work/dev.pem" >"$work/i.out" 2>&1 || die "import: $(cat "$work/i.out")"
	ms show >"$work/show" 2>&1 || die "show"
	grep -q "issuer CN=hospital CA" "$work/show" || die "not installed: $(cat "$work/show")"
	"$MEDSEC" audit export --state "$state" --format jsonl >"$work/trail" 2>&1 || die "export"
	grep -q '"KEY_ROTATED"' "$work/trail" || die "import not audited"
}

test_req_1_17_cli_tls_import_refuses_client_only_and_junk() {
	provision
	make_ca
	ms csr >"$work/req.pem" 2>/dev/null || die "csr"
	ext clientAuth
	openssl x509 -req -in "$work/req.pem" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
	    -set_serial 9 -days 10 -extfile "$work/ext.cnf" -out "$work/client.pem" >/dev/null 2>&1 || die "sign"
	if ms import --cert "$work/client.pem" >"$work/c.out" 2>&1; then die "a clientAuth-only certificate was installed"; fi
	grep -q "does not allow serverAuth" "$work/c.out" || die "no reason: $(cat "$work/c.out")"
	printf 'not a certificate\n' >"$work/junk.pem"
	if ms import --cert "$work/junk.pem" >"$work/j.out" 2>&1; then die "junk was installed"; fi
	grep -q "not a PEM certificate" "$work/j.out" || die "no reason: $(cat "$work/j.out")"
}

"$1"
