#!/bin/bash
# End-to-end tests of `medsec classify`: the shipped examples, the JSON
# form, refusals with line numbers and usage errors. Run by CTest as:
# bash cli_classify.sh <test_name>.
set -u
: "${MEDSEC:?}" "${MEDSEC_SOURCE_DIR:?}"
work=$(mktemp -d /tmp/medsec-classify-XXXXXX)
trap 'rm -rf "$work"' EXIT
ex=$MEDSEC_SOURCE_DIR/examples

die() { echo "FAIL: $*" >&2; exit 1; }

level_of() {
	"$MEDSEC" classify "$ex/$1" --json >"$work/out.json" || die "$1: classify failed"
	grep -o '"level":[a-z"]*' "$work/out.json" | head -n 1 | cut -d: -f2
}

test_cli_classify_examples_match_table2() {
	[ "$(level_of telehealth-gateway.ini)" = '"moderate"' ] || die "gateway"
	[ "$(level_of implantable-insulin-pump.ini)" = '"major"' ] || die "insulin pump"
	[ "$(level_of home-ventilator.ini)" = '"major"' ] || die "ventilator"
	[ "$(level_of hospital-patient-monitor.ini)" = '"major"' ] || die "patient monitor"
	[ "$(level_of glucose-meter-app.ini)" = '"moderate"' ] || die "glucose meter"
	[ "$(level_of electronic-thermometer.ini)" = '"minor"' ] || die "thermometer"
	[ "$(level_of infusion-pump.ini)" = '"major"' ] || die "infusion pump"
	[ "$(level_of no-communication.ini)" = 'null' ] || die "no communication"
}

test_cli_classify_human_output_lists_items() {
	"$MEDSEC" classify "$ex/telehealth-gateway.ini" >"$work/h.out" || die "classify failed"
	grep -q '^level:    moderate$' "$work/h.out" || die "no level line"
	grep -q 'Table 1, row' "$work/h.out" || die "no Table 1 rationale"
	[ "$(grep -cE '^(1|2)\.[0-9]+ ' "$work/h.out")" = 24 ] || die "not 24 items"
}

test_cli_classify_json_is_valid_and_complete() {
	"$MEDSEC" classify "$ex/implantable-insulin-pump.ini" --json >"$work/p.json" || die "classify failed"
	python3 - "$work/p.json" <<'PY' || die "JSON check failed"
import json, sys
d = json.load(open(sys.argv[1]))
assert list(d) == ["in_scope", "level", "rationale", "warnings", "requirements"], list(d)
assert d["in_scope"] is True and d["level"] == "major"
reqs = {r["id"]: r for r in d["requirements"]}
assert len(reqs) == 24
assert reqs["1.18"]["applicability"] == "may-exclude"
assert reqs["2.1"]["applicability"] == "may-exclude"
assert all(list(r) == ["id", "no", "title", "applicability", "reason", "table3", "decision"] for r in d["requirements"])
PY
}

test_cli_classify_contradiction_warns() {
	"$MEDSEC" classify "$ex/contradictory-implant.ini" >"$work/c.out" || die "classify failed"
	grep -q 'implantable = yes but class 1' "$work/c.out" || die "no implantable warning"
}

test_cli_classify_bad_profile_exits_1_naming_line() {
	printf '[device]\nclass = 2\nfunctions = dialysis\n' >"$work/bad.ini"
	"$MEDSEC" classify "$work/bad.ini" >"$work/o" 2>&1
	[ $? = 1 ] || die "exit status not 1"
	grep -q "bad.ini:3: device.functions: unknown function" "$work/o" || die "unclear error: $(cat "$work/o")"
}

test_cli_classify_usage_exits_2() {
	"$MEDSEC" classify >/dev/null 2>&1
	[ $? = 2 ] || die "no profile: not 2"
	"$MEDSEC" classify "$ex/telehealth-gateway.ini" --bogus >/dev/null 2>&1
	[ $? = 2 ] || die "bad option: not 2"
	"$MEDSEC" classify a.ini b.ini >/dev/null 2>&1
	[ $? = 2 ] || die "two profiles: not 2"
}

test_cli_classify_missing_harm_refused_unless_draft() {
	printf '[device]\nclass = 2\nfunctions = measurement\n[communication]\ntechnologies = BLE\npurposes = health-records\npublic_network = no\n' >"$work/noharm.ini"
	"$MEDSEC" classify "$work/noharm.ini" >"$work/o" 2>&1
	[ $? = 1 ] || die "missing harm accepted"
	grep -q "noharm.ini:1: device.worst_harm: missing key" "$work/o" || die "unclear error: $(cat "$work/o")"
	"$MEDSEC" classify "$work/noharm.ini" --draft >"$work/o" 2>&1 || die "--draft refused: $(cat "$work/o")"
	grep -q 'worst_harm is not stated' "$work/o" || die "no draft warning"
}

test_cli_classify_infusion_pump_declared_minor_refused() {
	sed 's/^worst_harm = .*/worst_harm = temporary-discomfort/' "$ex/infusion-pump.ini" >"$work/pump.ini"
	cp "$ex/infusion-pump.threats.md" "$work/"
	"$MEDSEC" classify "$work/pump.ini" >"$work/o" 2>&1
	[ $? = 1 ] || die "understated harm accepted"
	grep -q "pump.ini:19: device.worst_harm: 'temporary-discomfort' contradicts category infusion-pump" "$work/o" || die "unclear error: $(cat "$work/o")"
}

test_cli_classify_required_item_excluded_without_basis_refused() {
	sed 's/^1.18 = applied: no connector; battery door only$/1.13 = not-applied: updates are rare/' "$ex/electronic-thermometer.ini" >"$work/t.ini"
	cp "$ex/electronic-thermometer.threats.md" "$work/"
	"$MEDSEC" classify "$work/t.ini" >"$work/o" 2>&1
	[ $? = 1 ] || die "exclusion without basis accepted: $(cat "$work/o")"
	grep -q "t.ini:32: applicability.1.13: item 1.13 (Ensuring the integrity of firmware or software update) is required" "$work/o" || die "unclear error: $(cat "$work/o")"
	grep -q "reason given: 'updates are rare'" "$work/o" || die "reason not named"
}

test_cli_classify_past_end_of_support_without_plan_warns() {
	sed -e 's/^end_of_support = .*/end_of_support = 2020-06-30/' -e '/^data_deletion = /d' "$ex/electronic-thermometer.ini" >"$work/old.ini"
	cp "$ex/electronic-thermometer.threats.md" "$work/"
	"$MEDSEC" classify "$work/old.ini" >"$work/o" 2>&1 || die "classify failed: $(cat "$work/o")"
	grep -q "past its end of support (2020-06-30) and has no legacy-device plan: \[legacy\] lacks data_deletion" "$work/o" || die "no warning: $(cat "$work/o")"
}

# Every test the reference threat model cites under "proven by" is a test
# of this build (a name ending in * names at least one), so the
# traceability matrix of the submission cites real tests.
test_risk_threat_model_cites_real_tests() {
	: "${MEDSEC_BINARY_DIR:?}"
	(cd "$MEDSEC_BINARY_DIR" && ctest -N) | awk '/Test +#/ {print $3}' >"$work/all"
	[ "$(wc -l <"$work/all")" -gt 100 ] || die "ctest -N listed too few tests"
	grep -o '`\(test\|fuzz\)_[a-z0-9_]*\*\?`' "$MEDSEC_SOURCE_DIR/docs/threat-model.md" | tr -d '`' | sort -u >"$work/cited"
	[ "$(wc -l <"$work/cited")" -gt 100 ] || die "too few cited tests"
	while read -r t; do
		case $t in
		*'*') grep -q "^${t%'*'}" "$work/all" || die "no test starts with ${t%'*'}" ;;
		*) grep -qx "$t" "$work/all" || die "cited test $t does not exist" ;;
		esac
	done <"$work/cited"
	grep -q '`_' "$MEDSEC_SOURCE_DIR/docs/threat-model.md" && die "a cited name is a fragment"
	return 0
}

"$1"
