#!/usr/bin/env node
// The npm semver package as the oracle for Semantic Versioning precedence:
// reads "A B" per line from FILE, prints semver.compare(A, B) (-1, 0, 1)
// per line. A version semver refuses is an error (exit 1), never a guess.
'use strict';
const fs = require('fs');
const semver = require('semver');

const lines = fs.readFileSync(process.argv[2], 'utf8').split('\n');
const out = [];
for (const line of lines) {
	if (line === '') continue;
	const [a, b] = line.split(' ');
	if (semver.valid(a) === null || semver.valid(b) === null) {
		console.error(`semver refuses '${a}' or '${b}'`);
		process.exit(1);
	}
	out.push(semver.compare(a, b));
}
process.stdout.write(out.join('\n') + '\n');
