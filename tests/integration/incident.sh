#!/bin/bash
# medsec incident end to end (MFDS 2.3; MFDS 2025 rules: notice to the
# MFDS, medical institutions and users, root cause, recurrence
# prevention): incidents recorded on a provisioned device and audited,
# refused without the facts a notice needs, notices in Korean and
# English as Markdown and JSON, and a CSAF 2.0 security advisory that
# passes the csaf-validator-lib strict schema and mandatory tests.
# Run by CTest as: bash incident.sh <name>.
set -u
: "${MEDSEC:?}" "${MEDSEC_SOURCE_DIR:?}"
work=$(mktemp -d /tmp/medsec-incident-XXXXXX)
trap 'rm -rf "$work"' EXIT
state=$work/dev
die() { echo "FAIL: $*" >&2; exit 1; }

provision() {
	cat >"$work/dev.conf" <<'CONF'
[device]
id = pump-0042

[incident]
contact = ACME 의료기기 보안대응팀 (PSIRT)
phone = +82-2-555-0100
email = psirt@acme.example
url = https://acme.example/security
step1 = 기기를 병원 네트워크에서 분리하십시오. / Disconnect the device from the hospital network.
step2 = 관리자 비밀번호를 변경하십시오. / Change the administrator password.
CONF
	chmod 600 "$work/dev.conf"
	"$MEDSEC" init --state "$state" --config "$work/dev.conf" >"$work/init.out" 2>&1 || die "init: $(cat "$work/init.out")"
}

ms() { "$MEDSEC" incident "$@" --state "$state"; }

open_one() {
	ms open --detected 2026-12-01T08:30:00Z --severity high --devices pump-0042 \
	    --versions "2.3.0, 2.3.1" --summary "Repeated logins from the guest network." \
	    --impact "No patient data was read; therapy was not affected." \
	    --containment "The guest network was blocked at the firewall." >"$work/open.out" 2>&1 || die "open: $(cat "$work/open.out")"
	id=$(grep -Eo '^INC-[0-9]{8}-[0-9]{3}' "$work/open.out")
	[ -n "$id" ] || die "no id: $(cat "$work/open.out")"
}

trail() {
	"$MEDSEC" audit export --state "$state" --format jsonl --out "$work/t.jsonl" >/dev/null 2>&1 || die "export"
	"$MEDSEC" audit verify --state "$state" --verifier-key "$state/audit-verifier.key" >"$work/verify.out" 2>&1 || die "audit verify: $(cat "$work/verify.out")"
}

test_req_2_3_incident_open_refused_without_facts() {
	provision
	ms open --detected 2026-12-01T08:30:00Z --severity high --devices pump-0042 >"$work/out" 2>&1
	[ $? = 2 ] || die "opened without facts: $(cat "$work/out")"
	grep -q "a notice needs these facts: versions, summary, impact, containment" "$work/out" || die "message: $(cat "$work/out")"
	ms open --detected yesterday --severity high --devices d --versions 1 --summary s --impact i --containment c >"$work/out" 2>&1
	[ $? = 2 ] && grep -q -- "--detected: 'yesterday' is not a UTC time" "$work/out" || die "detected: $(cat "$work/out")"
	ms open --detected 2026-12-01T08:30:00Z --severity severe --devices d --versions 1 --summary s --impact i --containment c >"$work/out" 2>&1
	[ $? = 2 ] && grep -q -- "--severity: 'severe' is not one of low, medium, high, critical" "$work/out" || die "severity: $(cat "$work/out")"
	ms list >"$work/list" 2>&1 || die "list"
	grep -q "^0 incident(s)" "$work/list" || die "a refused incident was kept: $(cat "$work/list")"
	trail
	grep -q '"INCIDENT"' "$work/t.jsonl" && die "a refused incident was audited as opened"
	return 0
}

test_req_2_3_incident_lifecycle_audited() {
	provision
	open_one
	ms update "$id" --status contained --note "Firewall rule verified on every ward." >"$work/out" 2>&1 || die "update: $(cat "$work/out")"
	ms close "$id" --note "closing" >"$work/out" 2>&1
	[ $? = 2 ] && grep -q "closing needs these facts: root_cause, prevention" "$work/out" || die "closed without root cause: $(cat "$work/out")"
	ms close "$id" --root-cause "The default firewall rule let the guest VLAN reach the device." \
	    --prevention "Deny by default on every VLAN; the rule set is reviewed each quarter." \
	    --note "Root cause confirmed." >"$work/out" 2>&1 || die "close: $(cat "$work/out")"
	ms update "$id" --note "late" >"$work/out" 2>&1
	[ $? = 2 ] && grep -q "a closed incident is not changed" "$work/out" || die "closed incident changed: $(cat "$work/out")"
	ms show "$id" >"$work/show" 2>&1 || die "show"
	grep -q "^status: closed" "$work/show" || die "status: $(cat "$work/show")"
	[ "$(grep -c '^  20' "$work/show")" = 3 ] || die "timeline: $(cat "$work/show")"
	grep -q "contained .*Firewall rule verified" "$work/show" || die "timeline note"
	trail
	for s in opened updated closed; do
		grep '"INCIDENT"' "$work/t.jsonl" | grep -q "\"action\":\"$s\"" || die "no INCIDENT $s record: $(grep INCIDENT "$work/t.jsonl")"
	done
	grep '"INCIDENT"' "$work/t.jsonl" | grep -q "\"id\":\"$id\",\"status\":\"closed\"" || die "details without id and status"
}

need_validators() {
	v=$MEDSEC_SOURCE_DIR/tests/validators
	command -v node >/dev/null && [ -d "$v/node_modules/@secvisogram/csaf-validator-lib" ] ||
	    { echo "SKIP: npm validators not installed (scripts/deps.sh)"; exit 77; }
}

test_req_2_3_incident_notices_and_csaf_advisory() {
	need_validators
	provision
	open_one
	ms notify "$id" --out "$work/n" --manufacturer "ACME Medical Co., Ltd." --product "ACME Infusion Pump" \
	    --fixed-version 2.4.0 --tracking-id ACME-SA-2026-007 >"$work/out" 2>&1 || die "notify: $(cat "$work/out")"
	for a in mfds institution user; do
		for l in ko en; do
			for f in md json; do
				[ -s "$work/n/notice-$a.$l.$f" ] || die "no notice-$a.$l.$f"
			done
		done
	done
	grep -q "식품의약품안전처" "$work/n/notice-mfds.ko.md" || die "Korean MFDS notice"
	grep -q "| 심각도 | 높음 |" "$work/n/notice-mfds.ko.md" || die "severity in Korean"
	grep -q "Ministry of Food and Drug Safety" "$work/n/notice-mfds.en.md" || die "English MFDS notice"
	grep -q "+82-2-555-0100" "$work/n/notice-user.ko.md" || die "contact in the user notice"
	grep -q "기기를 병원 네트워크에서 분리" "$work/n/notice-institution.ko.md" || die "steps"
	node -e '
		const fs = require("fs");
		const ok = (c, m) => { if (!c) { console.error(m); process.exit(1); } };
		for (const a of ["mfds", "institution", "user"]) for (const l of ["ko", "en"]) {
			const n = JSON.parse(fs.readFileSync(`${process.argv[1]}/notice-${a}.${l}.json`, "utf8"));
			ok(n.audience === a && n.lang === l, `${a}.${l}: audience`);
			ok(n.facts.id.value === process.argv[2], `${a}.${l}: id`);
			ok(n.facts.detected.value === "2026-12-01T08:30:00Z", `${a}.${l}: detected`);
			ok(n.facts.summary.value.startsWith("Repeated logins"), `${a}.${l}: summary`);
			ok(n.contact.email === "psirt@acme.example" && n.steps.length === 2, `${a}.${l}: contact, steps`);
			ok((a === "mfds") === Array.isArray(n.timeline), `${a}.${l}: timeline`);
			ok((a === "user") === (n.facts.root_cause === undefined), `${a}.${l}: root cause`);
		}
	' "$work/n" "$id" || die "JSON notices"
	v=$MEDSEC_SOURCE_DIR/tests/validators
	csaf=$work/n/acme-sa-2026-007.json
	node "$v/csaf-check.js" "$csaf" >"$work/csaf" || die "CSAF invalid: $(cat "$work/csaf")"
	node "$v/csaf-check.js" --extended "$csaf" >"$work/csaf.ext" || die "CSAF extended: $(cat "$work/csaf.ext")"
	node -e '
		const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		const ok = (c, m) => { if (!c) { console.error(m); process.exit(1); } };
		ok(d.document.category === "csaf_security_advisory" && d.document.tracking.id === "ACME-SA-2026-007", "document");
		const v = d.vulnerabilities[0];
		ok(v.ids[0].text === process.argv[2], "incident id");
		ok(v.product_status.fixed.join() === "CSAFPID-2.4.0", "fixed");
		ok(v.product_status.known_affected.join() === "CSAFPID-2.3.0,CSAFPID-2.3.1", "known_affected");
		ok(v.remediations[0].category === "vendor_fix", "remediation");
	' "$csaf" "$id" || die "CSAF content"
	trail
	grep '"INCIDENT"' "$work/t.jsonl" | grep -q '"action":"notified"' || die "notify not audited"
}

test_req_2_3_incident_notify_refusals_write_nothing() {
	provision
	open_one
	ms notify "$id" --out "$work/n" --manufacturer ACME --fixed-version 2.3.1 >"$work/out" 2>&1
	[ $? = 2 ] && grep -q "'2.3.1' is among the affected versions" "$work/out" || die "fixed among affected: $(cat "$work/out")"
	[ -e "$work/n" ] && die "a refused notify wrote files"
	ms notify INC-19990101-001 --out "$work/n" --manufacturer ACME >"$work/out" 2>&1
	[ $? = 2 ] && grep -q "no incident 'INC-19990101-001'" "$work/out" || die "unknown id: $(cat "$work/out")"
	# A device without a contact cannot tell its users whom to call.
	"$MEDSEC" init --state "$work/bare" --device-id bare-1 >/dev/null 2>&1 || die "init bare"
	"$MEDSEC" incident open --state "$work/bare" --detected 2026-12-01T08:30:00Z --severity low --devices bare-1 \
	    --versions 1.0 --summary s --impact i --containment c >"$work/open.out" 2>&1 || die "open bare"
	bid=$(grep -Eo '^INC-[0-9]{8}-[0-9]{3}' "$work/open.out")
	"$MEDSEC" incident notify "$bid" --state "$work/bare" --out "$work/n" --manufacturer ACME >"$work/out" 2>&1
	[ $? = 2 ] && grep -q "\[incident\] contact, phone, email and at least one step (missing: contact phone email step1)" "$work/out" || die "no contact: $(cat "$work/out")"
	[ -e "$work/n" ] && die "a refused notify wrote files"
	return 0
}

"$1"
