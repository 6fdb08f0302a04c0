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

"$1"
