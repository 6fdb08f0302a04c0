#!/bin/sh
# make run: provisions a demo device under ./var/demo (once), then shows
# its state and verifies its audit trail with the verifier key.
set -eu
medsec=$1
state=$2
if [ ! -e "$state/keys/master.key" ]; then
	"$medsec" init --state "$state" --device-id demo-gateway-01
	echo
fi
"$medsec" status --state "$state"
echo
echo "== newest audit records"
"$medsec" audit tail --state "$state" -n 5
echo
echo "== audit verification (verifier key; on a real device it lives off the device)"
"$medsec" audit verify --state "$state" --verifier-key "$state/audit-verifier.key"
