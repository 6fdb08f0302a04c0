#!/usr/bin/env node
// Validates SPDX 2.3 JSON files against the SPDX 2.3 JSON schema
// (spdx-2.3-schema.json, from spdx/spdx-spec tag v2.3) with ajv, then the
// rules of the specification the schema leaves out (FORMATS.md §2.3):
// version, data licence, document id, namespace, creator syntax, unique
// SPDXIDs, relationship endpoints, DESCRIBES, checksum hex,
// filesAnalyzed:false without verification code, LicenseRefs defined.
// Usage: node spdx-check.js FILE...; exit 1 on any error.
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv');

const schema = JSON.parse(fs.readFileSync(path.join(__dirname, 'spdx-2.3-schema.json'), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(schema);

function semantic(doc) {
	const e = [];
	const ok = (c, m) => { if (!c) e.push(m); };
	ok(doc.spdxVersion === 'SPDX-2.3', 'spdxVersion is not SPDX-2.3');
	ok(doc.dataLicense === 'CC0-1.0', 'dataLicense is not CC0-1.0');
	ok(doc.SPDXID === 'SPDXRef-DOCUMENT', 'document SPDXID');
	ok(/^[a-z][a-z0-9+.-]*:[^#]+$/i.test(doc.documentNamespace || ''), 'documentNamespace not an absolute URI without #');
	ok(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(doc.creationInfo.created), 'created not YYYY-MM-DDThh:mm:ssZ');
	for (const c of doc.creationInfo.creators)
		ok(/^(Person|Organization|Tool): \S/.test(c), `creator '${c}'`);
	const ids = new Set(['SPDXRef-DOCUMENT']);
	for (const p of doc.packages || []) {
		ok(/^SPDXRef-[A-Za-z0-9.-]+$/.test(p.SPDXID), `SPDXID '${p.SPDXID}'`);
		ok(!ids.has(p.SPDXID), `duplicate SPDXID '${p.SPDXID}'`);
		ids.add(p.SPDXID);
		for (const c of p.checksums || [])
			ok(c.algorithm !== 'SHA256' || /^[0-9a-f]{64}$/.test(c.checksumValue), `checksum of ${p.SPDXID}`);
		if (p.filesAnalyzed === false)
			ok(!p.packageVerificationCode && !p.licenseInfoFromFiles, `${p.SPDXID}: filesAnalyzed false with file data`);
		ok(p.supplier === undefined || /^(NOASSERTION|Person: .+|Organization: .+)$/.test(p.supplier), `supplier of ${p.SPDXID}`);
	}
	const refs = new Set((doc.hasExtractedLicensingInfos || []).map((x) => x.licenseId));
	for (const p of doc.packages || [])
		for (const m of `${p.licenseDeclared || ''} ${p.licenseConcluded || ''}`.match(/LicenseRef-[A-Za-z0-9.-]+/g) || [])
			ok(refs.has(m), `${p.SPDXID}: ${m} not in hasExtractedLicensingInfos`);
	let describes = 0;
	for (const r of doc.relationships || []) {
		ok(ids.has(r.spdxElementId) && ids.has(r.relatedSpdxElement), `relationship endpoint missing: ${JSON.stringify(r)}`);
		if (r.spdxElementId === 'SPDXRef-DOCUMENT' && r.relationshipType === 'DESCRIBES') describes++;
	}
	ok(describes > 0, 'SPDXRef-DOCUMENT DESCRIBES nothing');
	return e;
}

let bad = 0;
const files = process.argv.slice(2);
if (files.length === 0) { console.error('usage: spdx-check.js FILE...'); process.exit(2); }
for (const file of files) {
	const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
	const errs = validate(doc) ? semantic(doc) : validate.errors.map((x) => `${x.instancePath} ${x.message}`);
	if (errs.length === 0) {
		console.log(`valid SPDX 2.3: ${file}`);
	} else {
		bad++;
		console.log(`INVALID SPDX 2.3: ${file}\n  ${errs.join('\n  ')}`);
	}
}
process.exit(bad ? 1 : 0);
