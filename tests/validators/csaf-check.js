#!/usr/bin/env node
// Validates CSAF 2.0 documents with @secvisogram/csaf-validator-lib:
// validateStrict with the strict schema and every mandatory test
// (basic.js); --extended adds the optional tests, whose findings are
// warnings. Usage: node csaf-check.js [--extended] FILE...; exit 1 when a
// document is invalid.
'use strict';
const fs = require('fs');

async function main(argv) {
	const mode = argv[0] === '--extended' ? 'extended' : 'basic';
	const files = argv[0] === '--extended' ? argv.slice(1) : argv;
	if (files.length === 0) { console.error('usage: csaf-check.js [--extended] FILE...'); return 2; }
	const validateStrict = (await import('@secvisogram/csaf-validator-lib/validateStrict.js')).default;
	const tests = await import(`@secvisogram/csaf-validator-lib/${mode}.js`);
	let bad = 0;
	for (const file of files) {
		const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
		const r = await validateStrict(Object.values(tests), doc);
		for (const t of r.tests) {
			for (const e of t.errors) console.log(`ERROR   ${t.name} ${e.instancePath} ${e.message}`);
			for (const w of t.warnings) console.log(`WARNING ${t.name} ${w.instancePath} ${w.message}`);
		}
		console.log(`${r.isValid ? 'valid' : 'INVALID'} CSAF 2.0 (${mode}, ${r.tests.length} tests): ${file}`);
		if (!r.isValid) bad++;
	}
	return bad ? 1 : 0;
}
main(process.argv.slice(2)).then((rc) => process.exit(rc), (e) => { console.error(e); process.exit(2); });
