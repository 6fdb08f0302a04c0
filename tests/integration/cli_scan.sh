#!/bin/bash
# medsec scan-secrets end to end: exit codes, text findings without the
# secret, and SARIF 2.1.0 output. Run by CTest as: bash cli_scan.sh <name>.
set -u
: "${MEDSEC:?}" "${MEDSEC_SOURCE_DIR:?}"
work=$(mktemp -d /tmp/medsec-scan-XXXXXX)
trap 'rm -rf "$work"' EXIT
die() { echo "FAIL: $*" >&2; exit 1; }

tree() {
	mkdir -p "$work/fw/src" "$work/fw/etc"
	printf 'int f(void);\nstatic const char *admin_pw = "Zq9!hunter";\n' >"$work/fw/src/login.c"
	printf '[db]\npassword = Xx-SeCrEt-77\n' >"$work/fw/etc/app.ini"
	printf 'clean = yes\n' >"$work/fw/etc/other.conf"
}

test_req_1_10_cli_scan_reports_without_the_secret() {
	tree
	if "$MEDSEC" scan-secrets "$work/fw" >"$work/out" 2>"$work/err"; then die "findings but exit 0"; fi
	grep -q "login.c:2:20: MDSEC-CRED-001 .*'admin_pw'" "$work/out" || die "no C finding: $(cat "$work/out")"
	grep -q "app.ini:2:1: MDSEC-CRED-001" "$work/out" || die "no INI finding: $(cat "$work/out")"
	if grep -qE "Zq9!hunter|Xx-SeCrEt-77" "$work/out" "$work/err"; then die "secret printed"; fi
}

test_req_1_10_cli_scan_clean_tree_exits_zero() {
	mkdir -p "$work/clean"
	printf 'password_history = 5\n' >"$work/clean/medsec.conf"
	"$MEDSEC" scan-secrets "$work/clean" >"$work/out" 2>&1 || die "clean tree: $(cat "$work/out")"
	"$MEDSEC" scan-secrets "$MEDSEC_SOURCE_DIR/src" "$MEDSEC" >"$work/out2" 2>&1 || die "medsec itself: $(cat "$work/out2")"
}

test_req_1_10_cli_scan_sarif() {
	tree
	"$MEDSEC" scan-secrets "$work/fw" --sarif "$work/r.sarif" >/dev/null 2>&1
	[ $? = 1 ] || die "exit status"
	node -e '
		const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		const ok = (c, m) => { if (!c) { console.error(m); process.exit(1); } };
		ok(r.version === "2.1.0" && Array.isArray(r.runs) && r.runs.length === 1, "top level");
		const run = r.runs[0];
		ok(run.tool.driver.name === "medsec-credscan", "driver name");
		const ids = run.tool.driver.rules.map(x => x.id);
		ok(ids.length === 4 && ids[0] === "MDSEC-CRED-001", "rules");
		ok(run.results.length === 2, "results: " + run.results.length);
		for (const x of run.results) {
			ok(["none", "note", "warning", "error"].includes(x.level), "level");
			ok(typeof x.message.text === "string" && !/Zq9|SeCrEt/.test(JSON.stringify(x)), "secret leaked");
			ok(ids[x.ruleIndex] === x.ruleId, "ruleIndex");
			const loc = x.locations[0].physicalLocation;
			ok(loc.artifactLocation.uri && loc.region.startLine >= 1, "location");
			ok(x.partialFingerprints["medsecFindingHash/v1"].length === 32, "fingerprint");
		}
	' "$work/r.sarif" || die "SARIF check failed"
}

test_req_1_10_cli_scan_usage() {
	"$MEDSEC" scan-secrets >/dev/null 2>&1
	[ $? = 2 ] || die "usage exit"
	"$MEDSEC" scan-secrets /nonexistent/x >/dev/null 2>&1
	[ $? = 3 ] || die "error exit"
}

"$1"
