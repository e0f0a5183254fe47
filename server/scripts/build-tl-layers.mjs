#!/usr/bin/env node
// Builds src/sandbox/mtproto/tl-layers/layers-data.ts: every API layer the sandbox serves, merged into one
// file of TL combinators, each listed with the published layers it exists in. The schemas are data taken
// from published client packages (see SOURCES and tl-layers/README.md); this script only reshapes them.
//
// Usage: node scripts/build-tl-layers.mjs <dir>
//   <dir> holds the tarballs named below (`npm pack telegram@2.26.22`, `npm pack @mtcute/tl@223.0.0`, ...)
//   and telegram-2.11.0-api.tl (the api.tl that telegram@2.11.0 was generated from).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** One published schema per layer. gramjs ships TL text, mtcute ships its schema as JSON. */
const SOURCES = [
  { layer: 135, pkg: 'telegram', version: '2.0.12' },
  { layer: 137, pkg: 'telegram', version: '2.4.6' },
  { layer: 138, pkg: 'telegram', version: '2.6.21' },
  { layer: 140, pkg: 'telegram', version: '2.8.11' },
  { layer: 143, pkg: 'telegram', version: '2.10.10' },
  { layer: 144, pkg: 'telegram', version: '2.11.0', file: 'telegram-2.11.0-api.tl' },
  { layer: 145, pkg: 'telegram', version: '2.12.8' },
  { layer: 146, pkg: 'telegram', version: '2.13.6' },
  { layer: 148, pkg: 'telegram', version: '2.14.9' },
  { layer: 150, pkg: 'telegram', version: '2.15.5' },
  { layer: 152, pkg: 'telegram', version: '2.16.4' },
  { layer: 158, pkg: 'telegram', version: '2.17.4' },
  { layer: 160, pkg: 'telegram', version: '2.19.4' },
  { layer: 166, pkg: 'telegram', version: '2.19.9' },
  { layer: 167, pkg: '@mtcute/tl', version: '167.0.0' },
  { layer: 174, pkg: 'telegram', version: '2.19.20' },
  { layer: 177, pkg: 'telegram', version: '2.20.14' },
  { layer: 179, pkg: 'telegram', version: '2.21.2' },
  { layer: 181, pkg: 'telegram', version: '2.22.2' },
  { layer: 184, pkg: 'telegram', version: '2.24.11' },
  { layer: 185, pkg: '@mtcute/tl', version: '185.1.0' },
  { layer: 189, pkg: '@mtcute/tl', version: '189.0.0' },
  { layer: 193, pkg: 'telegram', version: '2.26.8' },
  { layer: 198, pkg: 'telegram', version: '2.26.22', service: true },
  { layer: 204, pkg: '@mtcute/tl', version: '204.0.0' },
  { layer: 216, pkg: '@mtcute/tl', version: '216.0.0' },
  { layer: 218, pkg: '@mtcute/tl', version: '218.0.1' },
  { layer: 220, pkg: '@mtcute/tl', version: '220.0.0' },
  { layer: 221, pkg: '@mtcute/tl', version: '221.0.0' },
  { layer: 223, pkg: '@mtcute/tl', version: '223.0.0' },
  { layer: 227, pkg: '@mtcute/core', version: '0.30.3' },
];

const LINE_RE = /^([\w.]+)#([0-9a-f]{1,8})\s+(.*?)=\s*([\w.<>!%]+);\s*$/;

const canonical = (name, id, params, type) =>
  `${name}#${(id >>> 0).toString(16).padStart(8, '0')}${params.map((p) => ` ${p}`).join('')} = ${type}`;

/** gramjs's TL text → canonical lines (`C name#id a:t = T` / `F ...`), generic declarations dropped. */
function fromTlText(text) {
  const out = [];
  let kind = 'C';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '---functions---') kind = 'F';
    else if (line === '---types---') kind = 'C';
    const m = LINE_RE.exec(line);
    if (!m || m[1] === 'vector') continue;
    const params = m[3].split(/\s+/).filter((t) => t && !t.startsWith('{') && t.includes(':'));
    out.push(`${kind} ${canonical(m[1], parseInt(m[2], 16), params, m[4])}`);
  }
  return out;
}

/** mtcute's api-schema.json → canonical lines. mtcute writes 64-bit ids as `int53`; on the wire they are `long`. */
function fromMtcuteJson(json) {
  const out = [];
  for (const e of json.e) {
    if (e.name.startsWith('mtcute.')) continue;
    const params = e.arguments.map((a) => {
      let type = a.type === 'int53' ? 'long' : a.type;
      if (a.typeModifiers?.isVector) type = `Vector<${type}>`;
      if (a.typeModifiers?.isBareVector) type = `vector<${type}>`;
      if (a.typeModifiers?.predicate) type = `${a.typeModifiers.predicate}?${type}`;
      return `${a.name}:${type}`;
    });
    const type = e.typeModifiers?.isVector ? `Vector<${e.type}>` : e.type;
    out.push(`${e.kind === 'method' ? 'F' : 'C'} ${canonical(e.name, e.id, params, type)}`);
  }
  return out;
}

function loadModule(file) {
  const mod = { exports: {} };
  new Function('module', 'exports', readFileSync(file, 'utf8'))(mod, mod.exports);
  return mod.exports;
}

function main() {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: build-tl-layers.mjs <dir with the package tarballs>');
  const work = mkdtempSync(path.join(tmpdir(), 'tl-layers-'));
  const byLine = new Map();
  let service = '';
  try {
    SOURCES.forEach((src, index) => {
      let lines;
      if (src.file) {
        lines = fromTlText(readFileSync(path.join(dir, src.file), 'utf8'));
      } else {
        const tgz = `${src.pkg.replace('@', '').replace('/', '-')}-${src.version}.tgz`;
        const into = path.join(work, String(index));
        execFileSync('mkdir', ['-p', into]);
        execFileSync('tar', ['xzf', path.join(dir, tgz), '-C', into]);
        const root = path.join(into, 'package');
        const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
        if (pkg.version !== src.version) throw new Error(`${tgz}: version ${pkg.version}`);
        if (src.pkg === 'telegram') {
          const layer = /LAYER = (\d+)/.exec(readFileSync(path.join(root, 'tl/AllTLObjects.js'), 'utf8'))?.[1];
          if (Number(layer) !== src.layer) throw new Error(`${tgz}: layer ${layer}, expected ${src.layer}`);
          lines = fromTlText(loadModule(path.join(root, 'tl/apiTl.js')));
          if (src.service) service = loadModule(path.join(root, 'tl/schemaTl.js'));
        } else {
          const file = src.pkg === '@mtcute/core' ? 'tl/api-schema.json' : 'api-schema.json';
          const json = JSON.parse(readFileSync(path.join(root, file), 'utf8'));
          if (json.l !== src.layer) throw new Error(`${tgz}: layer ${json.l}, expected ${src.layer}`);
          lines = fromMtcuteJson(json);
        }
      }
      for (const line of new Set(lines)) {
        const layers = byLine.get(line) ?? [];
        layers.push(index);
        byLine.set(line, layers);
      }
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  // Index lists as ranges ("0-12,14") keep the file small: most combinators live through many layers.
  const ranges = (idx) => {
    const parts = [];
    for (let i = 0; i < idx.length; i++) {
      let j = i;
      while (j + 1 < idx.length && idx[j + 1] === idx[j] + 1) j++;
      parts.push(i === j ? `${idx[i]}` : `${idx[i]}-${idx[j]}`);
      i = j;
    }
    return parts.join(',');
  };
  const data = {
    layers: SOURCES.map((s) => ({ layer: s.layer, source: `${s.pkg}@${s.version}` })),
    service: fromTlText(service),
    combinators: [...byLine].map(([line, idx]) => [line, ranges(idx)]),
  };
  // Gzipped JSON as base64 in a module: it ships inside the compiled code, with no file to find at run time.
  const packed = gzipSync(JSON.stringify(data), { level: 9 }).toString('base64');
  const out = path.resolve(import.meta.dirname, '../src/sandbox/mtproto/tl-layers/layers-data.ts');
  writeFileSync(
    out,
    '// Generated by scripts/build-tl-layers.mjs from published client packages (see README.md beside it).\n' +
      '// Gzipped JSON: { layers, service, combinators }, read by tl-schema.ts.\n' +
      `export const TL_LAYERS_GZIP_BASE64 =\n  '${packed}';\n`,
  );
  process.stdout.write(`${out}: ${SOURCES.length} layers, ${byLine.size} combinators\n`);
}

main();
