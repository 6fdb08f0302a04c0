#!/usr/bin/env node
// Validates FHIR R4 JSON files with fhir.js (npm fhir@4.12.0): structure,
// cardinality, value types and unknown properties. A Bundle is validated
// whole and then entry by entry. Prints every message; exits 1 if any has
// error severity, 2 on a usage or read error.
//
//   node tests/validators/validate-fhir.cjs FILE...
//
// Install: npm install --prefix tests/validators --no-audit --no-fund
'use strict'
const fs = require('fs')
let Fhir
try {
  ({ Fhir } = require('fhir'))
} catch (e) {
  console.error('validate-fhir: npm package "fhir" missing; run: ' +
    'npm install --prefix tests/validators --no-audit --no-fund')
  process.exit(2)
}

const fhir = new Fhir()

function check (label, resource) {
  const res = fhir.validate(resource, { errorOnUnexpected: true })
  let errors = 0
  for (const m of res.messages || []) {
    console.log(`${label}: ${m.severity}: ${m.location || ''} ${m.message}`)
    if (m.severity === 'error') errors++
  }
  if (!res.valid && errors === 0) errors = 1
  console.log(`${label}: ${errors ? 'INVALID' : 'OK'}`)
  return errors
}

const files = process.argv.slice(2)
if (files.length === 0) {
  console.error('usage: validate-fhir.cjs FILE...')
  process.exit(2)
}
let bad = 0
for (const f of files) {
  let r
  try {
    r = JSON.parse(fs.readFileSync(f, 'utf8'))
  } catch (e) {
    console.log(`${f}: cannot read or parse: ${e.message}`)
    process.exit(2)
  }
  bad += check(f, r)
  if (r.resourceType === 'Bundle' && Array.isArray(r.entry)) {
    r.entry.forEach((e, i) => {
      if (e && e.resource) bad += check(`${f} entry[${i}]`, e.resource)
    })
  }
}
process.exit(bad ? 1 : 0)
