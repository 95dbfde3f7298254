// `make lighthouse`: Lighthouse (mobile preset, default simulated
// throttling) on four pages of the built site, served with gzip on
// 127.0.0.1 as a real host serves it, three runs each; fails when the
// median of a page is under the budget. The same pages of a default mdBook
// build of the same text (book/lighthouse-default/, made by default-book.sh)
// are measured in the same run, interleaved, for comparison only.
//
// Lighthouse's performance score comes from timings taken on this machine
// (main-thread work is multiplied by the simulated 4x CPU slowdown), so it
// drops when the machine is busy: the load average is printed with the
// figures, and the budget applies to the median of three runs.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { gzipSync } from 'node:zlib';

import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';

const SITES = {
  site: process.env.SITE_DIR ?? 'book/html',
  default: process.env.DEFAULT_SITE_DIR ?? 'book/lighthouse-default',
};
const PAGES = (process.env.PAGES ?? 'index.html ch11-pitfalls.html ch03-state-machines.html ch15-capstone.html').split(' ');
const RUNS = Number(process.env.RUNS ?? 3);
const BUDGET = { performance: 95, accessibility: 100, 'best-practices': 100 };
const CHROME = process.env.CHROMIUM || '/usr/bin/chromium';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2',
  '.woff': 'font/woff', '.ttf': 'font/ttf', '.json': 'application/json', '.txt': 'text/plain',
};
const COMPRESSED = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

/** Serves `root` as a static host does: gzip for text, a short cache time. */
async function serve(root) {
  const cache = new Map();
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://x').pathname);
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(normalize(root))) return response.writeHead(403).end();
    let body;
    try {
      body = await readFile(file);
    } catch {
      return response.writeHead(404).end();
    }
    const headers = {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'max-age=600',
    };
    if (COMPRESSED.has(extname(file)) && /\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) {
      if (!cache.has(file)) cache.set(file, gzipSync(body, { level: 9 }));
      body = cache.get(file);
      headers['content-encoding'] = 'gzip';
      headers.vary = 'accept-encoding';
    }
    response.writeHead(200, headers).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/** One Lighthouse run in a fresh browser, as Lighthouse recommends. */
async function audit(url) {
  const chrome = await chromeLauncher.launch({
    chromePath: CHROME,
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  try {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance', 'accessibility', 'best-practices'],
    });
    const { categories, audits } = result.lhr;
    const failed = (id) => Object.values(audits)
      .filter((a) => a.score !== null && a.score < 1 && categories[id].auditRefs.some((r) => r.id === a.id && r.weight > 0))
      .map((a) => a.id);
    return {
      performance: Math.round(categories.performance.score * 100),
      accessibility: Math.round(categories.accessibility.score * 100),
      'best-practices': Math.round(categories['best-practices'].score * 100),
      kib: audits['total-byte-weight'].numericValue / 1024,
      metrics: Object.fromEntries(['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time',
        'cumulative-layout-shift', 'speed-index'].map((m) => [m, audits[m].numericValue])),
      notPassed: [...failed('accessibility'), ...failed('best-practices')],
      lhr: result.lhr,
    };
  } finally {
    await chrome.kill();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs, digits = 0) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${median(xs).toFixed(digits)} (${s[0].toFixed(digits)}–${s.at(-1).toFixed(digits)})`;
};

const servers = {};
for (const [name, root] of Object.entries(SITES)) servers[name] = await serve(root);
const results = {};
const loads = [loadavg()[0]];
console.log(`Lighthouse, mobile preset, ${RUNS} runs per page; ${CHROME}; load average ${loads[0].toFixed(1)} on a machine with ${(await import('node:os')).cpus().length} CPUs`);
for (let run = 1; run <= RUNS; run++) {
  for (const page of PAGES) {
    for (const name of Object.keys(SITES)) {
      const r = await audit(`${servers[name].origin}/${page}`);
      (results[`${name} ${page}`] ??= []).push(r);
      console.log(`  run ${run} ${name.padEnd(7)} ${page.padEnd(26)} perf ${r.performance} a11y ${r.accessibility} bp ${r['best-practices']} `
        + `${r.kib.toFixed(0)} KiB  FCP ${r.metrics['first-contentful-paint'].toFixed(0)} LCP ${r.metrics['largest-contentful-paint'].toFixed(0)} `
        + `TBT ${r.metrics['total-blocking-time'].toFixed(0)} CLS ${r.metrics['cumulative-layout-shift'].toFixed(3)}`
        + (r.notPassed.length ? `  not passed: ${r.notPassed.join(', ')}` : ''));
    }
  }
  loads.push(loadavg()[0]);
}
for (const { server } of Object.values(servers)) server.close();

await mkdir('target/lighthouse', { recursive: true });
const failures = [];
const lines = [`| site | page | performance | accessibility | best practices | transferred KiB |`, `| --- | --- | --- | --- | --- | --- |`];
for (const name of Object.keys(SITES)) {
  for (const page of PAGES) {
    const rs = results[`${name} ${page}`];
    const pick = (k) => rs.map((r) => r[k]);
    lines.push(`| ${name} | ${page} | ${fmt(pick('performance'))} | ${fmt(pick('accessibility'))} | ${fmt(pick('best-practices'))} | ${fmt(pick('kib'))} |`);
    await writeFile(`target/lighthouse/${name}-${page.replace('.html', '')}.json`, JSON.stringify(rs.map((r) => r.lhr)));
    if (name !== 'site') continue;
    for (const [k, min] of Object.entries(BUDGET)) {
      if (median(pick(k)) < min) failures.push(`${page}: median ${k} ${median(pick(k))} < ${min}`);
    }
  }
}
console.log('\nmedian (range) of the runs; "default" is a default mdBook 0.5.4 + mdbook-mermaid build of the same text');
console.log(lines.join('\n'));
console.log(`load average (1 min) at the start and after each round: ${loads.map((l) => l.toFixed(1)).join(', ')}`);
console.log('reports: target/lighthouse/*.json (open one at https://googlechrome.github.io/lighthouse/viewer/)');
if (failures.length) {
  console.log(`\nmake lighthouse: under budget:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('make lighthouse: every page within budget');
