#!/bin/bash
# End-to-end tests of the medsec CLI: provisioning, verification, export,
# tail, refusals. Run by CTest as: bash cli_audit.sh <test_name>.
set -u
: "${MEDSEC:?}" "${MEDSEC_SOURCE_DIR:?}"
work=$(mktemp -d /tmp/medsec-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT
state=$work/dev

die() { echo "FAIL: $*" >&2; exit 1; }
provision() { "$MEDSEC" init --state "$state" --device-id cli-test-01 >"$work/init.out" 2>&1 || { cat "$work/init.out"; die "init failed"; }; }

test_req_2_1_cli_init_provisions_and_verifies() {
	provision
	grep -q "audit verifier key written to: $state/audit-verifier.key" "$work/init.out" || die "init did not say where the verifier key went"
	[ "$(stat -c %a "$state/keys/master.key")" = 600 ] || die "master key mode"
	[ "$(stat -c %a "$state/audit-verifier.key")" = 600 ] || die "verifier key mode"
	"$MEDSEC" audit verify --state "$state" --verifier-key "$state/audit-verifier.key" >"$work/v.out" || die "verify failed: $(cat "$work/v.out")"
	grep -q "audit trail intact" "$work/v.out" || die "no intact line"
	grep -q "forward-secure MACs" "$work/v.out" || die "MACs not reported checked"
	"$MEDSEC" audit verify --state "$state" >"$work/v2.out" || die "verify without key failed"
	grep -q "MACs NOT checked" "$work/v2.out" || die "missing notice that MACs were not checked"
}

test_cli_init_refuses_existing_device() {
	provision
	before=$(find "$state" -type f -exec sha256sum {} + | sort)
	if "$MEDSEC" init --state "$state" >"$work/again.out" 2>&1; then die "second init succeeded"; fi
	grep -q "already provisioned" "$work/again.out" || die "unclear error: $(cat "$work/again.out")"
	after=$(find "$state" -type f -exec sha256sum {} + | sort)
	[ "$before" = "$after" ] || die "state changed by a refused init"
}

test_cli_init_bad_profile_leaves_nothing() {
	if "$MEDSEC" init --state "$state" --profile des >"$work/o" 2>&1; then die "weak profile accepted"; fi
	grep -q "unknown crypto profile" "$work/o" || die "unclear error: $(cat "$work/o")"
	[ ! -e "$state" ] || die "half-provisioned state left behind"
	[ -z "$(ls -A "$work" | grep medsec-init)" ] || die "staging directory left behind"
}

test_req_1_17_cli_init_kcmvp_profile() {
	"$MEDSEC" init --state "$state" --profile kcmvp --device-id k1 >/dev/null || die "kcmvp init failed"
	"$MEDSEC" status --state "$state" >"$work/s" || die "status failed"
	grep -q "crypto profile: kcmvp" "$work/s" || die "profile not shown"
	grep -q "ecdsa-p256-sha256" "$work/s" || die "kcmvp identity is not ECDSA P-256"
	grep -q "aria-256-gcm" "$work/s" || die "kcmvp data key is not ARIA"
	"$MEDSEC" audit verify --state "$state" --verifier-key "$state/audit-verifier.key" >/dev/null || die "verify failed"
}

test_req_2_1_cli_verify_names_tampered_record() {
	provision
	seg=$state/audit/seg-0000000000000001.log
	# flip one byte inside the third record's actor
	python3 - "$seg" <<'PY'
import struct, sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
off = 128
for _ in range(2):
    off += struct.unpack_from('<I', b, off)[0]
b[off + 44] ^= 1
open(p, 'wb').write(b)
PY
	if "$MEDSEC" audit verify --state "$state" --verifier-key "$state/audit-verifier.key" >"$work/t" 2>&1; then die "tampering not detected"; fi
	grep -q "TAMPERED (modified): first bad record 3" "$work/t" || die "record not named: $(cat "$work/t")"
}

test_cli_verify_refuses_world_readable_verifier_key() {
	provision
	chmod 644 "$state/audit-verifier.key"
	if "$MEDSEC" audit verify --state "$state" --verifier-key "$state/audit-verifier.key" >"$work/o" 2>&1; then die "accepted"; fi
	grep -q "permissions too permissive" "$work/o" || die "unclear error: $(cat "$work/o")"
}

test_req_1_17_cli_refuses_world_readable_master_key() {
	provision
	chmod 644 "$state/keys/master.key"
	if "$MEDSEC" status --state "$state" >"$work/o" 2>&1; then die "accepted"; fi
	grep -q "permissions too permissive" "$work/o" || die "unclear error: $(cat "$work/o")"
}

test_req_2_1_cli_export_jsonl_and_tail() {
	provision
	"$MEDSEC" audit export --state "$state" --format jsonl >"$work/e.jsonl" 2>"$work/e.err" || die "export failed: $(cat "$work/e.err")"
	python3 - "$work/e.jsonl" <<'PY' || die "jsonl invalid"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
recs = [json.loads(l) for l in lines]
assert len(recs) >= 5, len(recs)
assert [r["seq"] for r in recs] == sorted(r["seq"] for r in recs)
assert any(r["event"] == "DEVICE_PROVISIONED" for r in recs)
assert any(r["event"] == "AUDIT_EXPORTED" for r in recs)
for r in recs:
    assert r["time"].endswith("Z") and "T" in r["time"]
PY
	"$MEDSEC" audit tail --state "$state" -n 3 >"$work/tail" || die "tail failed"
	[ "$(wc -l <"$work/tail")" = 3 ] || die "tail printed $(wc -l <"$work/tail") lines"
	grep -q "AUDIT_CHECKPOINT\|AUDIT_EXPORTED" "$work/tail" || die "tail content"
}

test_cli_export_bad_arguments_refused() {
	provision
	if "$MEDSEC" audit export --state "$state" --format xml >/dev/null 2>"$work/o"; then die "xml accepted"; fi
	grep -q "unknown format 'xml'" "$work/o" || die "unclear: $(cat "$work/o")"
	if "$MEDSEC" audit export --state "$state" --format jsonl --since yesterday >/dev/null 2>"$work/o"; then die "bad time accepted"; fi
	grep -q "not an RFC 3339" "$work/o" || die "unclear: $(cat "$work/o")"
}

test_req_2_1_cli_export_time_window() {
	provision
	"$MEDSEC" audit export --state "$state" --format jsonl --since 2000-01-01 --until 2000-12-31 >"$work/none" 2>/dev/null || die "export failed"
	[ ! -s "$work/none" ] || die "records outside the window exported"
}

test_req_2_1_cli_export_atna_validates_against_dicom_schema() {
	provision
	"$MEDSEC" audit export --state "$state" --format atna --out "$work/atna.xml" 2>/dev/null || die "export failed"
	[ "$(stat -c %a "$work/atna.xml")" = 600 ] || die "export file readable by others"
	n=0
	while IFS= read -r line; do
		printf '%s\n' "$line" >"$work/one.xml"
		xmllint --noout --relaxng "$MEDSEC_SOURCE_DIR/tests/vectors/audit/dicom-audit-message.rng" "$work/one.xml" 2>"$work/x.err" || die "invalid ATNA message: $(cat "$work/x.err")"
		n=$((n + 1))
	done <"$work/atna.xml"
	[ "$n" -ge 5 ] || die "only $n messages"
	grep -q 'csd-code="110113"' "$work/atna.xml" || die "no security alert messages"
}

test_req_2_1_cli_export_fhir_bundle_validates() {
	provision
	"$MEDSEC" audit export --state "$state" --format fhir --out "$work/bundle.json" 2>/dev/null || die "export failed"
	[ -d "$MEDSEC_SOURCE_DIR/tests/validators/node_modules/fhir" ] || die "run scripts/deps.sh (npm validators missing)"
	node "$MEDSEC_SOURCE_DIR/tests/validators/validate-fhir.cjs" "$work/bundle.json" >"$work/f.out" 2>&1 || die "FHIR validation failed: $(cat "$work/f.out")"
	python3 -c "import json,sys; b=json.load(open(sys.argv[1])); assert b['resourceType']=='Bundle' and len(b['entry'])>=5" "$work/bundle.json" || die "bundle shape"
}

test_req_2_1_cli_export_syslog_one_line_per_record() {
	provision
	"$MEDSEC" audit export --state "$state" --format syslog >"$work/s.log" 2>/dev/null || die "export failed"
	"$MEDSEC" audit export --state "$state" --format jsonl >"$work/j.log" 2>/dev/null || die "export failed"
	# the second export recorded one more AUDIT_EXPORTED record, and a checkpoint
	[ "$(wc -l <"$work/s.log")" -ge 5 ] || die "too few lines"
	grep -qvE '^<[0-9]{1,3}>1 [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z [!-~]+ medsec - [A-Z_]+ \[' "$work/s.log" && die "a line is not RFC 5424: $(grep -vE '^<[0-9]{1,3}>1 ' "$work/s.log" | head -1)"
	return 0
}

test_cli_init_config_error_names_line_and_key() {
	printf '[device]\nid = gw-1\n[audit]\nepoch_record = 10\n' >"$work/bad.conf"
	if "$MEDSEC" init --state "$state" --config "$work/bad.conf" >"$work/o" 2>&1; then die "bad config accepted"; fi
	grep -q "bad.conf:4" "$work/o" || die "line not named: $(cat "$work/o")"
	grep -q "epoch_record" "$work/o" || die "key not named: $(cat "$work/o")"
	[ ! -e "$state" ] || die "state created despite the bad config"
}

test_cli_init_uses_config_file() {
	printf '[device]\nid = ward7-gw\n[crypto]\nprofile = kcmvp\n' >"$work/good.conf"
	"$MEDSEC" init --state "$state" --config "$work/good.conf" >/dev/null 2>&1 || die "init with config failed"
	"$MEDSEC" status --state "$state" >"$work/s" || die "status failed"
	grep -q "device: ward7-gw" "$work/s" || die "device id from config not used"
	grep -q "crypto profile: kcmvp" "$work/s" || die "profile from config not used"
}

test_cli_database_from_newer_schema_refused_unchanged() {
	provision
	sqlite3 "$state/medsec.db" "PRAGMA user_version = 99" || die "sqlite3"
	before=$(sha256sum "$state/medsec.db")
	if "$MEDSEC" status --state "$state" >"$work/o" 2>&1; then die "newer schema accepted"; fi
	grep -q "newer than this software" "$work/o" || die "unclear error: $(cat "$work/o")"
	[ "$before" = "$(sha256sum "$state/medsec.db")" ] || die "database changed"
}

"$1"
