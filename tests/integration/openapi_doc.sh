#!/bin/bash
# docs/openapi.json: a valid OpenAPI 3.1 document that names every route of
# the operator API, and a checker (tests/validators/openapi-check.js) that
# holds recorded exchanges to it. The daemon's own tests feed it the
# exchanges of a running medsecd; here it runs on a hand-written sample
# and on exchanges that must be refused.
# Run by CTest as: bash openapi_doc.sh <test_name>.
set -u
: "${MEDSEC_SOURCE_DIR:?}"
doc=$MEDSEC_SOURCE_DIR/docs/openapi.json
apimd=$MEDSEC_SOURCE_DIR/docs/api.md
validators=$MEDSEC_SOURCE_DIR/tests/validators
check=$validators/openapi-check.js
sample=$MEDSEC_SOURCE_DIR/tests/data/api/exchanges-sample.jsonl
work=$(mktemp -d /tmp/medsec-openapi-XXXXXX)
trap 'rm -rf "$work"' EXIT

die() { echo "FAIL: $*" >&2; exit 1; }

need_checker() {
	command -v node >/dev/null || { echo "node not installed: skipped"; exit 77; }
	[ -d "$validators/node_modules/@seriousme/openapi-schema-validator" ] &&
	    [ -d "$validators/node_modules/ajv-formats" ] ||
	    die "npm validators missing: npm install --prefix tests/validators"
}

# Runs the checker; output in $work/o, status in $rc.
run_check() {
	node "$check" "$@" >"$work/o" 2>&1
	rc=$?
}

test_openapi_document_is_valid_openapi_3_1() {
	need_checker
	run_check "$doc"
	[ "$rc" = 0 ] || die "$(cat "$work/o")"
	grep -q 'valid OpenAPI 3.1' "$work/o" || die "$(cat "$work/o")"
}

test_openapi_sample_exchanges_match() {
	need_checker
	run_check "$doc" "$sample"
	[ "$rc" = 0 ] || die "$(cat "$work/o")"
	grep -q "$(grep -c . "$sample") exchanges match" "$work/o" ||
	    die "not every exchange counted: $(cat "$work/o")"
}

# Each bad exchange follows one good line, so the line number shows the
# checker reports the first mismatch where it is.
expect_refused() {
	local line=$1 want=$2
	printf '%s\n%s\n' \
	    '{"method":"GET","path":"/v1/health","status":200,"body":{"status":"ok","audit":"ok","version":"0.1.0"}}' \
	    "$line" >"$work/x.jsonl"
	run_check "$doc" "$work/x.jsonl"
	[ "$rc" = 1 ] || die "accepted ($rc): $line: $(cat "$work/o")"
	grep -qF "x.jsonl:2: $want" "$work/o" ||
	    die "message for $line: $(cat "$work/o")"
}

test_openapi_mismatches_reported_with_their_line() {
	need_checker
	expect_refused '{"method":"GET","path":"/v1/health","status":200,"body":{"status":"ok","version":"0.1.0"}}' \
	    "GET /v1/health 200: body must have required property 'audit'"
	expect_refused '{"method":"GET","path":"/v1/health","status":200,"body":{"status":"ok","audit":"fine","version":"0.1.0"}}' \
	    'GET /v1/health 200: body/audit must be equal to one of the allowed values'
	expect_refused '{"method":"POST","path":"/v1/session","status":201,"body":{"user":"admin","roles":[],"idle_seconds":600,"expires_in":1,"must_change_password":false}}' \
	    "POST /v1/session 201: body must have required property 'token'"
	expect_refused '{"method":"GET","path":"/v1/users","status":403,"body":{"error":"denied"}}' \
	    'GET /v1/users 403: body/error must be object'
	expect_refused '{"method":"GET","path":"/v1/health","status":200,"body":{"status":"ok","audit":"ok","version":"0.1.0","token":"x"}}' \
	    'GET /v1/health 200: body must NOT have additional properties'
	expect_refused '{"method":"GET","path":"/v1/session","status":302,"body":null}' \
	    'GET /v1/session: status 302 not documented'
	expect_refused '{"method":"DELETE","path":"/v1/session","status":204,"body":{"a":1}}' \
	    'DELETE /v1/session 204: documented without a body, got one'
	expect_refused '{"method":"GET","path":"/v1/secret","status":200,"body":{}}' \
	    'GET /v1/secret: not in the document, so 404 is expected, not 200'
	expect_refused '{"method":"GET","path":"/v1/health","status":200,"body":"<html>"}' \
	    'GET /v1/health 200: body is not JSON'
}

# The routes of the operator API (daemon-contract.md), each in the
# document and in docs/api.md.
contract_routes='GET /v1/health
GET /v1/incident
POST /v1/session
GET /v1/session
DELETE /v1/session
POST /v1/session/reauth
GET /v1/users
POST /v1/users
POST /v1/users/{name}/disable
POST /v1/users/{name}/enable
POST /v1/users/{name}/unlock
DELETE /v1/users/{name}
GET /v1/patients/{id}/observations
POST /v1/control
POST /v1/updates
GET /v1/updates
POST /v1/updates/approve
GET /v1/audit
GET /v1/integrity'

test_openapi_and_api_md_name_every_route() {
	local method path missing=
	command -v node >/dev/null || { echo "node not installed: skipped"; exit 77; }
	while read -r method path; do
		node -e 'const d = require(process.argv[1]);
		    const p = d.paths[process.argv[3]];
		    process.exit(p && p[process.argv[2].toLowerCase()] ? 0 : 1);' \
		    "$doc" "$method" "$path" || missing="$missing openapi:$method:$path"
		grep -qF "### $method $path" "$apimd" ||
		    missing="$missing api.md:$method:$path"
	done <<<"$contract_routes"
	[ -z "$missing" ] || die "routes not documented:$missing"
}

# MFDS 2.3, the documentation half: users can find the manufacturer's
# emergency contact and the steps to take without an account. The API
# documents GET /v1/incident as readable without login, with every field
# of [incident], and the configuration page says where they come from.
test_req_2_3_incident_contact_documented_readable_without_login() {
	command -v node >/dev/null || { echo "node not installed: skipped"; exit 77; }
	node -e 'const d = require(process.argv[1]);
	    const op = d.paths["/v1/incident"].get;
	    const s = d.components.schemas.Incident;
	    const want = ["contact", "phone", "email", "url", "steps"];
	    if (!Array.isArray(op.security) || op.security.length !== 0)
		throw new Error("GET /v1/incident needs a login");
	    if (op.responses["200"].content["application/json"].schema.$ref !==
		"#/components/schemas/Incident")
		throw new Error("200 is not the Incident schema");
	    for (const k of want)
		if (!s.required.includes(k))
			throw new Error("Incident does not require " + k);' "$doc" ||
	    die "openapi.json: GET /v1/incident"
	sed -n '/^### GET \/v1\/incident$/,/^### /p' "$apimd" >"$work/incident.md"
	grep -q '^Auth: none (MFDS 2.3)' "$work/incident.md" ||
	    die "api.md: GET /v1/incident not readable without login"
	grep -q '"contact".*"phone"' "$work/incident.md" ||
	    die "api.md: no example of the contact"
	grep -q '^\.SH "\[incident\]"' "$MEDSEC_SOURCE_DIR/docs/man/medsecd.conf.5" ||
	    die "medsecd.conf(5) has no [incident] section"
}

"$1"
