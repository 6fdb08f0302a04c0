#!/usr/bin/env node
// Validates CycloneDX JSON files with @cyclonedx/cyclonedx-library's strict
// JSON validator (the official schema, bundled offline).
// Usage: node cyclonedx-check.js [--spec 1.6] FILE...; exit 1 on any error.
'use strict';
const fs = require('fs');

async function main(argv) {
	let spec = '1.6';
	if (argv[0] === '--spec') { spec = argv[1]; argv = argv.slice(2); }
	if (argv.length === 0) { console.error('usage: cyclonedx-check.js [--spec V] FILE...'); return 2; }
	const CDX = require('@cyclonedx/cyclonedx-library');
	const validator = new CDX.Validation.JsonStrictValidator(spec);
	let bad = 0;
	for (const file of argv) {
		const errors = await validator.validate(fs.readFileSync(file, 'utf8'));
		if (errors === null) {
			console.log(`valid CycloneDX ${spec}: ${file}`);
		} else {
			bad++;
			console.log(`INVALID CycloneDX ${spec}: ${file}\n${JSON.stringify(errors, null, 1)}`);
		}
	}
	return bad ? 1 : 0;
}
main(process.argv.slice(2)).then((rc) => process.exit(rc), (e) => { console.error(e); process.exit(2); });
