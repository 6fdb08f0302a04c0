#!/bin/bash
# medsec decommission end to end (MFDS 2025 rules: data deletion at end
# of service, user notice): refused without the administrator's
# confirmation (nothing changes, the refusal is audited); otherwise the
# keys are crypto-shredded, no key material is left in the state
# directory, the signed deletion certificate verifies off the device
# with the identity key recorded while the device served, and fails
# when edited or checked with another device's key.
# Run by CTest as: bash decommission.sh <name>.
set -u
: "${MEDSEC:?}" "${MEDSEC_SOURCE_DIR:?}"
work=$(mktemp -d /tmp/medsec-decom-XXXXXX)
trap 'rm -rf "$work"' EXIT
state=$work/dev
die() { echo "FAIL: $*" >&2; exit 1; }

provision() { # dir id
	"$MEDSEC" init --state "$1" --device-id "$2" >"$work/init.out" 2>&1 || die "init: $(cat "$work/init.out")"
}

# The audit MAC key evolves with each record (forward security), and a
# refusal is recorded: every other key file must stay as it was.
fingerprint() { (cd "$1" && find . -type f ! -name 'audit-mac*' -exec sha256sum {} + | LC_ALL=C sort); }

test_decommission_cli_refused_without_confirmation() {
	provision "$state" pump-0042
	"$MEDSEC" decommission --state "$state" --out "$work/out" >"$work/o" 2>&1
	[ $? = 2 ] && grep -q "decommission refused: --confirm DEVICE_ID is required" "$work/o" || die "no confirmation: $(cat "$work/o")"
	before=$(fingerprint "$state/keys")
	"$MEDSEC" decommission --state "$state" --out "$work/out" --confirm pump-0043 >"$work/o" 2>&1
	[ $? = 2 ] && grep -q "the confirmation 'pump-0043' is not this device's id 'pump-0042': nothing was destroyed" "$work/o" || die "wrong device: $(cat "$work/o")"
	[ "$(fingerprint "$state/keys")" = "$before" ] || die "a refused decommission changed the keys"
	[ -e "$work/out" ] && die "a refused decommission wrote a certificate"
	"$MEDSEC" status --state "$state" >/dev/null 2>&1 || die "the device no longer opens"
	"$MEDSEC" audit export --state "$state" --format jsonl --out "$work/t.jsonl" >/dev/null 2>&1 || die "export"
	grep '"KEY_DESTROYED"' "$work/t.jsonl" | grep -q "decommission refused" || die "refusal not audited"
}

# Every byte string of the old key files, searched for in every file.
scan_for_keys() { # saved-keys-dir state-dir
	node -e '
		const fs = require("fs"), path = require("path");
		const keys = fs.readdirSync(process.argv[1]).map((f) => fs.readFileSync(path.join(process.argv[1], f)));
		let files = 0, hits = [];
		const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) {
			const p = path.join(d, e.name);
			if (e.isDirectory()) { walk(p); continue; }
			files++;
			const b = fs.readFileSync(p);
			keys.forEach((k, i) => { if (b.indexOf(k) >= 0) hits.push(p); });
		} };
		walk(process.argv[2]);
		console.log(`${files} files, ${hits.length} with key material ${hits.join(" ")}`);
		process.exit(hits.length ? 1 : 0);
	' "$1" "$2"
}

test_decommission_cli_shreds_keys_and_certifies() {
	command -v node >/dev/null || { echo "SKIP: node not installed"; exit 77; }
	provision "$state" pump-0042
	# Recorded off the device while it serves (at provisioning).
	"$MEDSEC" decommission pubkey --state "$state" >"$work/identity.pub" || die "pubkey"
	mkdir "$work/saved"
	cp "$state"/keys/*.key "$state/audit-verifier.key" "$work/saved/"
	scan_for_keys "$work/saved" "$state" >/dev/null && die "the scan does not see key material"
	"$MEDSEC" status --state "$state" >/dev/null 2>&1 || die "status before"
	"$MEDSEC" decommission --state "$state" --confirm pump-0042 --reason "end of lease" --out "$work/cert" >"$work/o" 2>&1 ||
	    die "decommission: $(cat "$work/o")"
	grep -q "^device pump-0042 decommissioned: 4 keys destroyed, 2 files wiped" "$work/o" || die "summary: $(cat "$work/o")"
	grep -q "사용 종료 안내" "$work/o" && grep -q "Notice of end of service" "$work/o" || die "user notice not printed"
	[ -s "$work/cert/notice.ko.md" ] && [ -s "$work/cert/notice.en.md" ] || die "notices not written"
	# Nothing sealed under those keys can be opened again.
	"$MEDSEC" status --state "$state" >"$work/s" 2>&1 && die "the device still opens: $(cat "$work/s")"
	[ -z "$(find "$state" -name '*.key' -o -name '*.pub' -o -name 'medsec.db*')" ] || die "key or database files left: $(find "$state")"
	scan_for_keys "$work/saved" "$state" >"$work/scan" || die "key material left: $(cat "$work/scan")"
	grep -q "with key material $" "$work/scan" || die "scan: $(cat "$work/scan")"
	# Off the device, with the key recorded earlier.
	"$MEDSEC" decommission verify "$work/cert/deletion-certificate.json" --pubkey "$work/identity.pub" >"$work/v" 2>&1 ||
	    die "verify: $(cat "$work/v")"
	grep -q "valid deletion certificate of device pump-0042" "$work/v" || die "verify output: $(cat "$work/v")"
	cmp -s "$work/identity.pub" "$work/cert/identity.pub" || die "the printed key differs from the recorded one"
	sed 's/"os:[a-z]*"/"os:someone-else"/' "$work/cert/deletion-certificate.json" >"$work/edited.json"
	cmp -s "$work/edited.json" "$work/cert/deletion-certificate.json" && die "edit did not apply"
	"$MEDSEC" decommission verify "$work/edited.json" --pubkey "$work/identity.pub" >"$work/v" 2>&1
	[ $? = 1 ] && grep -q "signature: does not verify" "$work/v" || die "edited certificate: $(cat "$work/v")"
	provision "$work/other" pump-0099
	"$MEDSEC" decommission pubkey --state "$work/other" >"$work/other.pub" || die "other pubkey"
	"$MEDSEC" decommission verify "$work/cert/deletion-certificate.json" --pubkey "$work/other.pub" >"$work/v" 2>&1
	[ $? = 1 ] && grep -q "not by the given key" "$work/v" || die "another device's key: $(cat "$work/v")"
}

"$1"
