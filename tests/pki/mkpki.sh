#!/bin/bash
# A throw-away PKI for the daemon's TLS tests, in one directory:
#
#   tests/pki/mkpki.sh DIR
#
# ca.pem/ca.key            the test CA (ECDSA P-256)
# server.pem/server.key    DNS:localhost, IP:127.0.0.1, EKU serverAuth, 365 days
#                          (testssl rates under 30 days left HIGH)
# server-chain.pem         server.pem followed by ca.pem
# client-good              EKU clientAuth, issued by the CA
# client-otherca           issued by other-ca.pem, a second CA the server does not trust (T3)
# client-selfsigned        self-signed (T3)
# client-expired           valid 2020-01-01 .. 2021-01-01 (T4)
# client-notyet            valid from 2040-01-01 (T4)
# client-serveronly        EKU serverAuth only (T6)
# client-revoked           listed in crl.pem (T5)
# crl.pem                  the CA's CRL (next update in 30 days)
# ca-and-crl.pem           ca.pem followed by crl.pem (for -CRL_check style users)
# <name>.sha256            64 lowercase hex digits: SHA-256 of the DER certificate,
#                          the form `medsec user add --cert-sha256` takes
# <name>.p12 is not made: every tool here takes PEM.
#
# Each client certificate has its key in <name>.key. Validity dates in the
# past or future come from `openssl ca -startdate/-enddate`, so no clock is
# faked. Re-running on an existing directory refuses, so a test never mixes
# two PKIs.
set -euo pipefail
[ $# = 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
if [ -e "$dir/ca.pem" ]; then
	echo "mkpki: $dir/ca.pem exists; use an empty directory" >&2
	exit 1
fi
mkdir -p "$dir"
cd "$dir"
umask 077

newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }

fingerprint() {
	openssl x509 -in "$1.pem" -outform DER | sha256sum | cut -d' ' -f1 >"$1.sha256"
}

# An `openssl ca` database per CA: it is what writes the CRL and lets a
# certificate carry dates other than "now".
ca_setup() { # name subject
	mkdir -p "$1.db/new"
	: >"$1.db/index.txt"
	# Random serials: testssl rates short ones as low entropy.
	echo "10$(openssl rand -hex 15)" >"$1.db/serial"
	echo 1000 >"$1.db/crlnumber"
	cat >"$1.cnf" <<CNF
[ca]
default_ca = this
[this]
dir = $PWD/$1.db
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $PWD/$1.pem
private_key = $PWD/$1.key
default_md = sha256
default_days = 30
default_crl_days = 30
policy = anything
unique_subject = no
copy_extensions = none
[anything]
commonName = supplied
[v3_ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[serveronly]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
	newkey "$1"
	openssl req -new -x509 -key "$1.key" -subj "/CN=$2" -days 3650 \
	    -config "$1.cnf" -extensions v3_ca -out "$1.pem" 2>/dev/null
}

issue() { # ca name subject extensions [days | startdate enddate]
	newkey "$2"
	openssl req -new -key "$2.key" -subj "/CN=$3" -out "$2.csr" 2>/dev/null
	local dates=(-days 30)
	if [ $# = 6 ]; then
		dates=(-startdate "$5" -enddate "$6")
	elif [ $# = 5 ]; then
		dates=(-days "$5")
	fi
	openssl ca -batch -notext -config "$1.cnf" -extensions "$4" "${dates[@]}" \
	    -in "$2.csr" -out "$2.pem" 2>/dev/null
	rm -f "$2.csr"
	fingerprint "$2"
}

ca_setup ca medsec-test-ca
ca_setup other-ca medsec-other-ca
fingerprint ca
issue ca server localhost server 365
cat server.pem ca.pem >server-chain.pem
issue ca client-good client-good client
issue other-ca client-otherca client-otherca client
issue ca client-expired client-expired client 20200101000000Z 20210101000000Z
issue ca client-notyet client-notyet client 20400101000000Z 20410101000000Z
issue ca client-serveronly client-serveronly serveronly
issue ca client-revoked client-revoked client
openssl ca -config ca.cnf -revoke client-revoked.pem -crl_reason keyCompromise 2>/dev/null
openssl ca -config ca.cnf -gencrl -out crl.pem 2>/dev/null
cat ca.pem crl.pem >ca-and-crl.pem

newkey client-selfsigned
openssl req -new -x509 -key client-selfsigned.key -subj /CN=client-selfsigned -days 30 \
    -addext extendedKeyUsage=clientAuth -out client-selfsigned.pem 2>/dev/null
fingerprint client-selfsigned

# Readable by an unprivileged server under test; the keys are throw-away.
chmod 644 ./*.pem ./*.key ./*.sha256
echo "mkpki: test PKI in $PWD"
