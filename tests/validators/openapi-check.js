#!/usr/bin/env node
// Checks docs/openapi.json, and optionally recorded exchanges against it.
//
//   node openapi-check.js OPENAPI.json [EXCHANGES.jsonl]
//
// (a) The document is valid OpenAPI 3.1 (the OpenAPI Initiative's schema,
//     through @seriousme/openapi-schema-validator), every $ref resolves, and
//     every schema in it compiles under JSON Schema 2020-12 in Ajv's strict
//     mode, so a misspelt keyword is an error rather than ignored.
// (b) Each line of EXCHANGES is {"method","path","status","body"}, one
//     request and its answer; body is the response body as JSON or as text
//     (null or "" for none). Each answer must be documented for its route,
//     method and status, and its body must match that response's schema.
//     A route the document does not have must be answered 404, a method it
//     does not have 405, both with an Error body. The first mismatch is
//     reported with its line number.
//     A line recorded from a running daemon also has "content_type", the
//     answer's Content-Type: it must be one the response documents (a
//     response without content has none), and the body is read as that
//     type. The answers the HTTP layer gives itself in HTML, listed in the
//     document's x-http-layer, are accepted on any route with text/html.
//
// Exit status: 0 all good; 1 a mismatch or an invalid document; 2 usage or
// an unreadable file.
'use strict';

const fs = require('fs');
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;

const COMPONENTS_ID = 'urn:medsec:openapi:components';

function fail(msg) {
	console.error('openapi-check: ' + msg);
	process.exit(1);
}

function readJson(file, what) {
	let text;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (e) {
		console.error(`openapi-check: ${file}: ${e.message}`);
		process.exit(2);
	}
	try {
		return JSON.parse(text);
	} catch (e) {
		fail(`${file}: ${what} is not JSON: ${e.message}`);
	}
}

// Component references become references into one schema registered
// under COMPONENTS_ID, which Ajv can resolve.
function rewriteRefs(node) {
	if (Array.isArray(node))
		return node.map(rewriteRefs);
	if (node === null || typeof node !== 'object')
		return node;
	const out = {};
	for (const [k, v] of Object.entries(node)) {
		if (k === '$ref' && typeof v === 'string') {
			const m = /^#\/components\/schemas\/([A-Za-z0-9_.-]+)$/.exec(v);
			if (!m)
				fail(`unsupported $ref '${v}' in a schema`);
			out[k] = `${COMPONENTS_ID}#/$defs/${m[1]}`;
		} else {
			out[k] = rewriteRefs(v);
		}
	}
	return out;
}

function makeAjv(doc) {
	const ajv = new Ajv2020({ strict: true, allErrors: false });
	addFormats(ajv);
	const schemas = (doc.components && doc.components.schemas) || {};
	ajv.addSchema({ $id: COMPONENTS_ID, $defs: rewriteRefs(schemas) });
	return ajv;
}

function resolveResponse(doc, r) {
	const seen = new Set();
	while (r && r.$ref) {
		const m = /^#\/components\/responses\/([A-Za-z0-9_.-]+)$/.exec(r.$ref);
		if (!m || seen.has(r.$ref))
			fail(`bad response reference '${r.$ref}'`);
		seen.add(r.$ref);
		r = doc.components.responses[m[1]];
		if (!r)
			fail(`response reference '${[...seen].pop()}' does not resolve`);
	}
	return r;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch',
	'trace'];

// Every operation's response schemas, compiled once: key "METHOD path status".
function compileResponses(doc, ajv) {
	const compiled = new Map();
	const schemas = (doc.components && doc.components.schemas) || {};
	for (const [path, item] of Object.entries(doc.paths || {})) {
		for (const method of METHODS) {
			const op = item[method];
			if (!op)
				continue;
			for (const [status, ref] of Object.entries(op.responses)) {
				const r = resolveResponse(doc, ref);
				const media = r.content && r.content['application/json'];
				const where = `${method.toUpperCase()} ${path} ${status}`;
				let validate = null;
				try {
					if (media && media.schema)
						validate = ajv.compile(rewriteRefs(media.schema));
				} catch (e) {
					fail(`${where}: schema does not compile: ${e.message}`);
				}
				compiled.set(where, { validate, hasBody: !!r.content,
				    media: Object.keys(r.content || {}) });
			}
		}
	}
	// A route or method the document does not name: 404 or 405 with an
	// Error body.
	if (!schemas.Error)
		fail('components.schemas.Error missing');
	compiled.set('refusal', { validate: ajv.compile({ $ref:
	    `${COMPONENTS_ID}#/$defs/Error` }), hasBody: true,
	    media: ['application/json'] });
	return compiled;
}

async function checkDocument(file, doc) {
	const { Validator } = await import('@seriousme/openapi-schema-validator');
	const validator = new Validator();
	const res = await validator.validate(doc);
	if (!res.valid)
		fail(`${file}: not valid OpenAPI: ` + JSON.stringify(res.errors, null, 1));
	if (validator.version !== '3.1')
		fail(`${file}: OpenAPI ${validator.version}, expected 3.1`);
	const ajv = makeAjv(doc);
	for (const name of Object.keys(doc.components.schemas || {})) {
		try {
			ajv.getSchema(`${COMPONENTS_ID}#/$defs/${name}`);
		} catch (e) {
			fail(`${file}: schema ${name} does not compile: ${e.message}`);
		}
	}
	return compileResponses(doc, ajv);
}

// The path template of the document that matches a concrete path; literal
// segments win over parameters (/v1/users/x/unlock is not /v1/users/{name}).
function matchPath(doc, path) {
	const bare = path.split('?')[0];
	let best = null, bestParams = Infinity;
	for (const template of Object.keys(doc.paths)) {
		const params = (template.match(/\{/g) || []).length;
		const re = new RegExp('^' + template.replace(/[.*+?^$()|[\]\\]/g,
		    '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+') + '$');
		if (re.test(bare) && params < bestParams) {
			best = template;
			bestParams = params;
		}
	}
	return best;
}

function responseFor(compiled, method, template, status) {
	const exact = `${method} ${template} ${status}`;
	const range = `${method} ${template} ${String(status)[0]}XX`;
	const dflt = `${method} ${template} default`;
	return compiled.get(exact) || compiled.get(range) || compiled.get(dflt);
}

// The media type of a Content-Type header, lowercased, without parameters.
function mediaType(ct) {
	return ct.split(';')[0].trim().toLowerCase();
}

// An HTML answer of the HTTP layer (x-http-layer): accepted on any route.
function httpLayerAnswer(doc, ex) {
	const layer = doc['x-http-layer'];
	if (typeof ex.content_type !== 'string' ||
	    mediaType(ex.content_type) !== 'text/html' || !layer ||
	    !Array.isArray(layer.answers))
		return false;
	return layer.answers.some((a) => a.status === ex.status);
}

function checkExchange(doc, compiled, ex, where) {
	if (typeof ex.method !== 'string' || typeof ex.path !== 'string' ||
	    !Number.isInteger(ex.status))
		return `${where}: needs "method", "path" and an integer "status"`;
	if (ex.content_type !== undefined && typeof ex.content_type !== 'string')
		return `${where}: "content_type" must be a string`;
	const method = ex.method.toUpperCase();
	if (httpLayerAnswer(doc, ex)) {
		if (typeof ex.body !== 'string' || !/^\s*<html/i.test(ex.body))
			return `${where}: ${method} ${ex.path} ${ex.status}: ` +
			    'text/html without an HTML body';
		return null;
	}
	const template = matchPath(doc, ex.path);
	let r;
	if (!template || !doc.paths[template][method.toLowerCase()]) {
		// What the document does not name is refused, with an Error.
		const refusal = template ? 405 : 404;
		if (ex.status !== refusal)
			return `${where}: ${method} ${ex.path}: not in the document, ` +
			    `so ${refusal} is expected, not ${ex.status}`;
		r = compiled.get('refusal');
		return checkBody(r, ex, `${where}: ${method} ${ex.path} ${ex.status}`);
	}
	r = responseFor(compiled, method, template, ex.status);
	if (!r)
		return `${where}: ${method} ${template}: status ${ex.status} not documented`;
	return checkBody(r, ex, `${where}: ${method} ${template} ${ex.status}`);
}

function checkBody(r, ex, where) {
	let body = ex.body;
	const ct = typeof ex.content_type === 'string' && ex.content_type !== '' ?
	    mediaType(ex.content_type) : null;
	if (body === undefined || body === null || body === '') {
		if (r.validate)
			return `${where}: body missing`;
		if (ct !== null && !r.media.includes(ct))
			return `${where}: Content-Type ${ct} without a body`;
		return null;
	}
	if (!r.hasBody)
		return `${where}: documented without a body, got one`;
	if (ex.content_type !== undefined && !r.media.includes(ct))
		return `${where}: Content-Type ${ct === null ? '(none)' : ct}, ` +
		    `documented: ${r.media.join(', ')}`;
	if (typeof body === 'string') {
		try {
			body = JSON.parse(body);
		} catch (e) {
			return `${where}: body is not JSON: ${e.message}`;
		}
	}
	if (r.validate && !r.validate(body)) {
		const e = r.validate.errors[0];
		return `${where}: body${e.instancePath} ${e.message}` +
		    (e.params && Object.keys(e.params).length ? ' ' + JSON.stringify(e.params) : '') +
		    `: ${JSON.stringify(body).slice(0, 200)}`;
	}
	return null;
}

function checkExchanges(doc, compiled, file) {
	let text;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (e) {
		console.error(`openapi-check: ${file}: ${e.message}`);
		process.exit(2);
	}
	const lines = text.split('\n');
	let n = 0;
	for (let i = 0; i < lines.length; i++) {
		if (lines[i].trim() === '')
			continue;
		let ex;
		try {
			ex = JSON.parse(lines[i]);
		} catch (e) {
			fail(`${file}:${i + 1}: not JSON: ${e.message}`);
		}
		const problem = checkExchange(doc, compiled, ex, `${file}:${i + 1}`);
		if (problem)
			fail(problem);
		n++;
	}
	if (n === 0)
		fail(`${file}: no exchanges`);
	return n;
}

async function main() {
	const args = process.argv.slice(2);
	if (args.length < 1 || args.length > 2) {
		console.error('usage: openapi-check.js OPENAPI.json [EXCHANGES.jsonl]');
		process.exit(2);
	}
	const doc = readJson(args[0], 'the document');
	const compiled = await checkDocument(args[0], doc);
	let routes = 0;
	for (const item of Object.values(doc.paths))
		routes += METHODS.filter((m) => item[m]).length;
	console.log(`${args[0]}: valid OpenAPI 3.1, ${routes} operations`);
	if (args.length === 2) {
		const n = checkExchanges(doc, compiled, args[1]);
		console.log(`${args[1]}: ${n} exchanges match the document`);
	}
}

main().catch((e) => fail(e.stack || String(e)));
