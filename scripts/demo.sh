#!/bin/sh
# make run: provisions a demo device under ./var/demo (once): the first
# administrator from the one-time setup code, a clinician, a login. Then
# shows its state and verifies its audit trail with the verifier key.
# The demo passwords are printed here on purpose: it is a demonstration
# device, never a template for a real one.
set -eu
medsec=$1
state=$2
admin_pw='Demo-Admin-Pass-1'
nurse_pw='Demo-Nurse-Pass-2'
if [ ! -e "$state/keys/master.key" ]; then
	out=$("$medsec" init --state "$state" --device-id demo-gateway-01)
	echo "$out"
	code=$(echo "$out" | grep -Eo '[A-Z2-9]{5}(-[A-Z2-9]{5}){4}' | head -1)
	echo
	echo "== first administrator 'chief' from the setup code"
	printf '%s\n%s\n' "$code" "$admin_pw" |
	    "$medsec" user setup chief --state "$state" --password-stdin
	echo "== clinician 'nurse01', added by chief"
	printf '%s\n%s\n' "$admin_pw" "$nurse_pw" |
	    "$medsec" user add nurse01 --role clinician --as chief \
	    --state "$state" --password-stdin
	printf '%s\n%s\n' "$nurse_pw" 'Demo-Nurse-Pass-3' |
	    "$medsec" passwd nurse01 --state "$state" --password-stdin
	echo
fi
"$medsec" status --state "$state"
echo
echo "== accounts"
"$medsec" user list --state "$state"
echo
echo "== newest audit records"
"$medsec" audit tail --state "$state" -n 8
echo
echo "== audit verification (verifier key; on a real device it lives off the device)"
"$medsec" audit verify --state "$state" --verifier-key "$state/audit-verifier.key"
