#!/usr/bin/env node
// Opens a submission package the way a reviewer would: index.html in
// headless Chromium, every link followed. Checks that each link resolves
// to a file inside the package, that each HTML document renders with its
// title in its language and no script or outside resource, that PDFs are
// PDFs, JSON parses and names its document and language, and
// manifest.json's SHA-256 sums match the files. Documents are named
// <stem>.<lang>.<ext>; every language the index links has every document.
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
  en: {
    checklist: 'Checklist for Essential Principles of Cybersecurity of Medical Devices',
    'risk-management': 'Cybersecurity Risk Management Document',
    'verification-validation': 'Software Verification and Validation Report',
  },
  ko: {
    checklist: '의료기기 사이버보안 필수원칙 체크리스트',
    'risk-management': '사이버보안 위험관리 문서',
    'verification-validation': '소프트웨어 검증 및 유효성 확인 보고서',
  },
};
const indexTitles = {
  en: 'MFDS cybersecurity submission package',
  ko: '의료기기 사이버보안 허가·심사 제출 자료',
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

function checkHtml(file, stem, lang) {
  const d = dom(file);
  const name = `${stem}.${lang}.html`;
  if (!d.includes(`<html lang="${lang}"`)) fail(`${name}: page language is not ${lang}`);
  if (!d.includes(`<h1>${titles[lang][stem]}</h1>`)) fail(`${name}: title not rendered`);
  if (!d.includes('</main>') || d.length < 2000) fail(`${name}: document body missing`);
  if (/<script/i.test(d)) fail(`${name}: contains a script element`);
  if (/\ssrc=/i.test(d)) fail(`${name}: loads an outside resource`);
  if (/href="https?:/i.test(d)) fail(`${name}: links outside the package`);
}

// "checklist.ko.html" -> { stem, lang, ext }; null for manifest.json.
function parseName(name) {
  const m = /^([a-z-]+)\.(en|ko)\.([a-z]+)$/.exec(name);
  return m ? { stem: m[1], lang: m[2], ext: `.${m[3]}` } : null;
}

function checkFile(file) {
  const name = path.basename(file);
  if (name === 'manifest.json') {
    try {
      JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      fail(`${name}: JSON does not parse: ${e.message}`);
    }
    return;
  }
  const parsed = parseName(name);
  if (!parsed || !titles[parsed.lang][parsed.stem]) {
    fail(`${name}: not a document of the package (<stem>.<lang>.<ext>)`);
    return;
  }
  const { stem, lang, ext } = parsed;
  const data = fs.readFileSync(file);
  if (ext === '.html') {
    checkHtml(file, stem, lang);
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
    if (j.document !== stem) fail(`${name}: document is ${j.document}`);
    if (j.lang !== lang) fail(`${name}: lang is ${j.lang}`);
  } else if (ext === '.md') {
    if (!data.toString('utf8').startsWith(`# ${titles[lang][stem]}\n`)) fail(`${name}: title line missing`);
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
  const links = hrefs(index);
  const langs = Object.keys(titles).filter((l) => links.some((h) => parseName(h)?.lang === l));
  if (langs.length === 0) fail('index.html: links no document in any language');
  const h1 = /<h1>([^<]*)<\/h1>/.exec(index);
  for (const lang of langs) {
    if (!h1 || !h1[1].includes(indexTitles[lang])) fail(`index.html: ${lang} title not rendered`);
    for (const stem of Object.keys(titles[lang])) {
      for (const ext of ['html', 'md', 'json']) {
        if (!links.includes(`${stem}.${lang}.${ext}`)) fail(`index.html: no link to ${stem}.${lang}.${ext}`);
      }
    }
  }
  for (const href of links) {
    const file = resolveLink(href);
    if (file) checkFile(file);
  }
  checkManifest();
  const pdfs = links.filter((l) => l.endsWith('.pdf')).length;
  console.log(`checked ${links.length} links (${pdfs} PDFs; ${langs.join(', ')}) in ${dir}`);
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
