#!/usr/bin/env node
// Opens a submission package the way a reviewer would: index.html in
// headless Chromium, every link followed. Checks that each link resolves
// to a file inside the package, that each HTML document renders with its
// title and no script or outside resource, that PDFs are PDFs, JSON
// parses, and manifest.json's SHA-256 sums match the files.
//
//   node check_package.js PACKAGE_DIR [CHROMIUM]
//
// Exits 0 when all holds, 1 listing every failure.
'use strict';

const { execFileSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { pathToFileURL } = require('url');

const titles = {
  checklist: 'Checklist for Essential Principles of Cybersecurity of Medical Devices',
  'risk-management': 'Cybersecurity Risk Management Document',
  'verification-validation': 'Software Verification and Validation Report',
};

const dir = path.resolve(process.argv[2] || '.');
const chromium = process.argv[3] || process.env.MEDSEC_CHROMIUM || 'chromium';
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'medsec-browser-'));
const failures = [];

function fail(msg) {
  failures.push(msg);
}

// The DOM after Chromium has parsed and laid out the page.
function dom(file) {
  return execFileSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu',
    '--no-first-run', `--user-data-dir=${profile}`, '--dump-dom',
    pathToFileURL(file).href], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 120000,
    maxBuffer: 64 * 1024 * 1024,
  });
}

function unescapeHtml(s) {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function hrefs(html) {
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) => unescapeHtml(m[1]));
}

// A link must name a file in the package: no scheme, no absolute path,
// no way out of the directory.
function resolveLink(href) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('/') || href.startsWith('#')) {
    fail(`link ${href}: not a relative file link`);
    return null;
  }
  const file = path.resolve(dir, decodeURIComponent(href));
  if (path.dirname(file) !== dir) {
    fail(`link ${href}: leaves the package directory`);
    return null;
  }
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    fail(`link ${href}: no such file`);
    return null;
  }
  return file;
}

function checkHtml(file, stem) {
  const d = dom(file);
  if (!d.includes(`<h1>${titles[stem]}</h1>`)) fail(`${stem}.html: title not rendered`);
  if (!d.includes('</main>') || d.length < 2000) fail(`${stem}.html: document body missing`);
  if (/<script/i.test(d)) fail(`${stem}.html: contains a script element`);
  if (/\ssrc=/i.test(d)) fail(`${stem}.html: loads an outside resource`);
  if (/href="https?:/i.test(d)) fail(`${stem}.html: links outside the package`);
}

function checkFile(file) {
  const name = path.basename(file);
  const stem = name.replace(/\.[a-z]+$/, '');
  const ext = path.extname(name);
  const data = fs.readFileSync(file);
  if (ext === '.html') {
    checkHtml(file, stem);
  } else if (ext === '.pdf') {
    if (data.subarray(0, 5).toString('latin1') !== '%PDF-' || data.length < 1000) fail(`${name}: not a PDF`);
  } else if (ext === '.json') {
    let j;
    try {
      j = JSON.parse(data.toString('utf8'));
    } catch (e) {
      fail(`${name}: JSON does not parse: ${e.message}`);
      return;
    }
    if (name !== 'manifest.json' && j.document !== stem) fail(`${name}: document is ${j.document}`);
  } else if (ext === '.md') {
    if (!data.toString('utf8').startsWith(`# ${titles[stem]}\n`)) fail(`${name}: title line missing`);
  } else {
    fail(`${name}: unexpected file type`);
  }
}

function checkManifest() {
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  for (const f of m.files) {
    const file = path.join(dir, f.name);
    if (!fs.existsSync(file)) {
      fail(`manifest: ${f.name} missing`);
      continue;
    }
    const sum = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    if (sum !== f.sha256) fail(`manifest: ${f.name} checksum differs`);
  }
}

function main() {
  const index = dom(path.join(dir, 'index.html'));
  if (!index.includes('<h1>MFDS cybersecurity submission package</h1>')) fail('index.html: title not rendered');
  const links = hrefs(index);
  for (const stem of Object.keys(titles)) {
    for (const ext of ['html', 'md', 'json']) {
      if (!links.includes(`${stem}.${ext}`)) fail(`index.html: no link to ${stem}.${ext}`);
    }
  }
  for (const href of links) {
    const file = resolveLink(href);
    if (file) checkFile(file);
  }
  checkManifest();
  const pdfs = links.filter((l) => l.endsWith('.pdf')).length;
  console.log(`checked ${links.length} links (${pdfs} PDFs) in ${dir}`);
}

try {
  main();
} catch (e) {
  fail(`error: ${e.message}`);
} finally {
  fs.rmSync(profile, { recursive: true, force: true });
}
if (failures.length > 0) {
  for (const f of failures) console.error(`FAIL: ${f}`);
  process.exit(1);
}
