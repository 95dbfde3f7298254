// The reader's site, checked in a real browser (headless Chromium).
//
// Run by `make browser-test` (part of `make test`) after `make build`. It
// serves book/html on 127.0.0.1 and opens every page to check what a
// reader gets: no console errors or failed requests, nothing fetched from
// another origin, diagrams drawn in a light and a dark theme, search, the
// badges and the hidden-lines toggle, the print page, accessibility (axe)
// and page weight. Each failure names the page.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { extname, join, normalize } from 'node:path';
import { after, before, test } from 'node:test';

import { chromium } from 'playwright-core';

const SITE = process.env.SITE_DIR ?? 'book/html';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

// The CSS and JavaScript every page loads, in bytes (uncompressed), not
// counting the search index and mermaid.js (which only pages with diagrams
// load, when a diagram comes near). It was 270 KB when the budget was set
// (highlight.js is half of it); the budget leaves room for small fixes, not
// for another library on every page. The HTML itself grows with the text
// (up to 590 KB for Chapter 15, whose listings each carry their whole file,
// hidden, for the "show hidden lines" button); it is reported, and
// `make lighthouse` measures what a reader transfers (gzip).
const PAGE_BUDGET = 320_000;
const NOT_COUNTED = /searchindex-[0-9a-f]+\.js$|\/assets\/mermaid\.min\.js$/;

const TYPES = {
  '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2',
  '.woff': 'font/woff', '.ttf': 'font/ttf', '.json': 'application/json',
};

let server;
let origin;
let browser;
let pages;

before(async () => {
  server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://x').pathname);
    const file = normalize(join(SITE, path.endsWith('/') ? `${path}index.html` : path));
    try {
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    // No background traffic: this machine, like CI, has no internet.
    args: ['--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  // toc.html is the sidebar for readers without JavaScript, not a page.
  pages = (await readdir(SITE)).filter((f) => f.endsWith('.html') && f !== 'toc.html').sort();
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** Opens a page in a fresh context and records what it does. */
async function open(page, { theme } = {}) {
  const context = await browser.newContext();
  // Waits end on events, so their limits only bound a broken page: keep
  // them far above what a page takes on a busy 2-core machine (the print
  // page, the whole book at once, once took over 30 s to load there).
  context.setDefaultNavigationTimeout(180_000);
  context.setDefaultTimeout(60_000);
  if (theme) {
    await context.addInitScript((t) => localStorage.setItem('mdbook-theme', t), theme);
  }
  const tab = await context.newPage();
  const problems = [];
  const requests = [];
  tab.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`));
  tab.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  tab.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  tab.on('response', (r) => {
    requests.push(r);
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await tab.goto(`${origin}/${page}`);
  return { context, tab, problems, requests };
}

/**
 * Scrolls to the first diagram (mermaid.js is fetched only when one comes
 * near), waits until every diagram on the page is an SVG; returns their styles.
 */
async function drawnDiagrams(tab) {
  await tab.locator('pre.mermaid').first().scrollIntoViewIfNeeded();
  try {
    await tab.waitForFunction(
      () => [...document.querySelectorAll('pre.mermaid')].every((p) => p.querySelector('svg')),
      null,
      { timeout: 60_000 },
    );
  } catch {
    const undrawn = await tab.$$eval('pre.mermaid:not(:has(svg))', (ps) => ps.map((p) => p.textContent.trim().slice(0, 60)));
    assert.fail(`${tab.url()}: diagrams not drawn after 15 s: ${JSON.stringify(undrawn)}`);
  }
  return tab.$$eval('pre.mermaid svg', (svgs) => svgs.map((s) => s.querySelector('style')?.textContent ?? ''));
}

/**
 * Everything checked on one page in one theme, from a single load: errors,
 * origins, mermaid, diagrams, weight (light only) and axe. Returns the
 * findings as sentences, and the diagrams' styles for the theme comparison.
 */
async function checkPage(page, theme) {
  const { context, tab, problems, requests } = await open(page, { theme });
  const findings = problems.map((p) => `${page} [${theme}]: ${p}`);
  const foreign = requests.map((r) => r.url()).filter((u) => !u.startsWith(origin));
  if (foreign.length > 0) findings.push(`${page} [${theme}]: fetched from another origin: ${foreign}`);

  const hasDiagram = (await tab.locator('pre.mermaid').count()) > 0;
  const styles = hasDiagram ? await drawnDiagrams(tab) : [];
  const loadedMermaid = requests.some((r) => r.url().endsWith('/assets/mermaid.min.js'));
  if (loadedMermaid !== hasDiagram) {
    findings.push(`${page}: mermaid.js must load exactly when the page has a diagram`);
  }

  if (theme === 'light') {
    let weight = 0;
    let html = 0;
    for (const r of requests) {
      const kind = r.request().resourceType();
      if (kind === 'document') {
        html += (await r.body()).length;
      } else if (['stylesheet', 'script'].includes(kind) && !NOT_COUNTED.test(r.url())) {
        weight += (await r.body()).length;
      }
    }
    console.log(`${page}: ${(html / 1000).toFixed(1)} KB of HTML, ${(weight / 1000).toFixed(1)} KB of CSS and JS`);
    if (weight > PAGE_BUDGET) {
      findings.push(`${page} loads ${weight} bytes of CSS and JS, over the budget of ${PAGE_BUDGET}`);
    }
  }

  // Every axe rule in the light theme; in navy only the rules that depend
  // on colours (the rest would find the same as in light, and axe's
  // contrast check is most of its time: about 1 s of a page's 3 s).
  await tab.addScriptTag({ path: AXE });
  const violations = await tab.evaluate(async (rules) => {
    const result = await window.axe.run(document, { resultTypes: ['violations'], ...(rules && { runOnly: rules }) });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  }, theme === 'light' ? null : ['color-contrast', 'link-in-text-block']);
  findings.push(...violations.map((v) => `${page} [${theme}] axe: ${v}`));
  await context.close();
  return { findings, styles };
}

/** Runs `work` on every item, two at a time (the machines have two cores). */
async function inPairs(items, work) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

test('every page: no errors, local only, mermaid only where needed, within budget, axe clean, diagrams in both themes', async () => {
  // The print page is every chapter at once (80 s of axe per theme on 2
  // cores): each chapter is checked here on its own page, and the print
  // page by the print test below.
  const runs = pages.filter((page) => page !== 'print.html').flatMap((page) => [
    { page, theme: 'light' },
    { page, theme: 'navy' },
  ]);
  const results = await inPairs(runs, ({ page, theme }) => checkPage(page, theme));
  const findings = results.flatMap((r) => r.findings);
  let pagesWithDiagrams = 0;
  for (let i = 0; i < runs.length; i += 2) {
    const [light, navy] = [results[i].styles, results[i + 1].styles];
    if (light.length > 0) pagesWithDiagrams++;
    light.forEach((style, d) => {
      if (style === navy[d]) findings.push(`${runs[i].page}: diagram ${d + 1} looks the same in navy as in light`);
    });
  }
  assert.ok(pagesWithDiagrams > 0, 'no page has a diagram; the diagram checks would check nothing');
  assert.deepEqual(findings, []);
});

test('diagrams are drawn again in the new colours when the reader switches theme', async () => {
  const { context, tab, problems } = await open('ch01-why-async.html');
  const [before] = await drawnDiagrams(tab);
  await tab.click('#mdbook-theme-toggle');
  await tab.click('#mdbook-theme-navy');
  await tab.waitForFunction(
    (old) => document.querySelector('pre.mermaid svg style')?.textContent !== old,
    before,
    { timeout: 60_000 },
  );
  assert.deepEqual(problems, []);
  await context.close();
});

test('search finds a term the book uses', async () => {
  const { context, tab } = await open('introduction.html');
  await tab.click('#mdbook-search-toggle');
  // Typed key by key: mdBook searches on key presses.
  await tab.locator('#mdbook-searchbar').pressSequentially('cooperatively');
  await tab.waitForSelector('#mdbook-searchresults li a', { timeout: 60_000 });
  const hits = await tab.$$eval('#mdbook-searchresults li a', (links) => links.map((a) => a.getAttribute('href')));
  assert.ok(hits.some((h) => h.startsWith('ch01-why-async.html')), `search hits: ${hits}`);
  await context.close();
});

test('badges show, and hidden lines can be revealed', async () => {
  const { context, tab } = await open('ch01-why-async.html');
  const badge = await tab.$eval('pre:has(> code.does_not_compile)', (pre) => getComputedStyle(pre, '::before').content);
  assert.equal(badge, '"Does not compile"');
  assert.ok(await tab.locator('pre:has(> code.does_not_compile)').first().isVisible());

  // Pin the block down first: the selector stops matching it once clicked.
  const block = await tab.locator('pre:has(button[title="Show hidden lines"])').first().elementHandle();
  // Highlighting a block replaces its lines with new elements: let it
  // happen (the block has to come near) before holding on to one.
  await block.scrollIntoViewIfNeeded();
  await tab.waitForFunction((pre) => pre.querySelector('code .hljs-keyword'), block, { timeout: 60_000 });
  const line = await block.$('.boring:has-text("use")');
  assert.equal(await line.isVisible(), false, 'hidden lines are visible before the toggle');
  // The block's buttons appear when the pointer is over it, as for a reader.
  // The click is dispatched to the button itself: a real pointer click can
  // be taken by the sticky menu bar, or land after the hover has ended,
  // when a slow machine scrolls in between.
  await block.evaluate((pre) => pre.scrollIntoView({ block: 'center' }));
  await block.hover();
  await (await block.$('button[title="Show hidden lines"]')).dispatchEvent('click');
  assert.equal(await line.isVisible(), true, 'the toggle did not reveal the hidden lines');
  await context.close();
});

test('the print page has every chapter, draws its diagrams, and loads without errors', async () => {
  const { context, tab, problems, requests } = await open('print.html');
  const foreign = requests.map((r) => r.url()).filter((u) => !u.startsWith(origin));
  assert.deepEqual(foreign, [], 'print.html fetched from another origin');
  const summary = await readFile(join(SITE, '..', '..', 'src', 'SUMMARY.md'), 'utf8');
  const titles = [...summary.matchAll(/\[([^\]]+)\]\([^)]+\.md\)/g)].map((m) => m[1]);
  const headings = await tab.$$eval('main h1', (hs) => hs.map((h) => h.textContent.trim()));
  for (const title of titles) {
    assert.ok(headings.includes(title), `print.html has no chapter titled "${title}"`);
  }
  await drawnDiagrams(tab);
  assert.deepEqual(problems, []);
  await context.close();
});

test('mermaid.js is fetched only when a diagram comes near, and the page is otherwise idle', async () => {
  // Chapter 3's first diagram is several screens down.
  const { context, tab, problems, requests } = await open('ch03-state-machines.html');
  await tab.waitForLoadState('load');
  await tab.waitForTimeout(500);
  const mermaid = () => requests.some((r) => r.url().endsWith('/assets/mermaid.min.js'));
  assert.equal(mermaid(), false, 'mermaid.js was fetched before any diagram came near');
  assert.ok(await tab.$eval('pre.mermaid', (p) => p.getBoundingClientRect().top > 2 * innerHeight),
    'the first diagram of chapter 3 is no longer far down; pick another page for this test');
  // Code is highlighted as it comes near: the first block soon, the last
  // only once the reader scrolls to it.
  const highlighted = (which) => tab.$eval(`pre > code.language-rust >> nth=${which}`, (c) => c.querySelector('.hljs-keyword') !== null);
  await tab.waitForFunction(() => document.querySelector('pre > code.language-rust .hljs-keyword'), null, { timeout: 60_000 });
  assert.equal(await highlighted(-1), false, 'the last code block was highlighted before the reader came near');
  // The last block is an exercise's solution, in a closed <details>: open
  // it as a reader does, then go to it.
  const last = tab.locator('pre > code.language-rust').last();
  await last.evaluate((c) => c.closest('details:not([open])')?.querySelector('summary').click());
  await last.scrollIntoViewIfNeeded();
  await tab.waitForFunction(() => [...document.querySelectorAll('pre > code.language-rust')].at(-1).querySelector('.hljs-keyword'), null, { timeout: 60_000 });
  await drawnDiagrams(tab);
  assert.ok(mermaid());
  assert.deepEqual(problems, []);
  await context.close();
});

test('run links: the Playground link carries the whole program, other listings give the cargo command', async () => {
  const { context, tab, problems, requests } = await open('ch02-futures.html');
  const link = tab.locator('a.playground-link').first();
  await link.focus();
  const href = new URL(await link.getAttribute('href'));
  assert.equal(href.origin, 'https://play.rust-lang.org');
  assert.equal(href.searchParams.get('edition'), '2024');
  const code = href.searchParams.get('code');
  const block = await link.evaluate((a) => a.closest('.run-link').previousElementSibling.querySelector('code').textContent.trimEnd());
  assert.equal(code, block, 'the link does not carry the block above it');
  assert.match(code, /fn main/);
  // The block's hidden lines are in the link too.
  const hidden = await link.evaluate((a) => a.closest('.run-link').previousElementSibling.querySelectorAll('.boring').length);
  if (hidden > 0) assert.ok(code.length > (await link.evaluate((a) => a.closest('.run-link').previousElementSibling.querySelector('code').innerText.length)) - 1);
  // Nothing was fetched from the Playground.
  assert.ok(requests.every((r) => new URL(r.url()).hostname === '127.0.0.1'));
  assert.deepEqual(problems, []);
  await context.close();

  // Every page: the commands name a listing's package, and no block that
  // needs a crate the Playground lacks (theme/playground-crates.txt) has a
  // link to it.
  let commands = 0;
  for (const page of pages) {
    const html = await readFile(join(SITE, page), 'utf8');
    for (const [, command] of html.matchAll(/<pre class="run-command"><code class="language-console">([^<]*)<\/code><\/pre>/g)) {
      commands += 1;
      assert.match(command.replaceAll('&amp;', '&'), /^(cd listings\/[\w/-]+ && )?cargo run -p ((listing|exercise)-\d\d-\d\d[\w-]*|[\w-]+-demo)( --(bin|example) [\w-]+)?$/, page);
    }
    for (const [, code] of html.matchAll(/<code class="language-rust[^"]*">((?:(?!<\/code>)[\s\S])*)<\/code><\/pre>\s*<p class="run-link">/g)) {
      assert.doesNotMatch(code.replace(/<[^>]+>/g, ''), /\b(support|reqwest|axum|rusqlite|tokio_stream|tracing_subscriber|tracing)::/,
        `${page}: a Playground link under a block that needs a crate the Playground lacks`);
    }
  }
  assert.ok(commands > 0, 'no `cargo run -p` command on any page');
});

test('edit links point at each page\'s source, when the site was built with a repository', async () => {
  const edits = [];
  for (const page of pages.filter((p) => !['print.html', '404.html', 'index.html'].includes(p))) {
    const html = await readFile(join(SITE, page), 'utf8');
    const edit = html.match(/<a href="([^"]+)" title="Suggest an edit"/);
    edits.push(edit ? edit[1] : null);
  }
  if (edits.every((e) => e === null)) {
    console.log('no "Suggest an edit" links: the site was built without a git remote (see Makefile)');
    return;
  }
  edits.forEach((e, i) => {
    const page = pages.filter((p) => !['print.html', '404.html', 'index.html'].includes(p))[i];
    assert.ok(e?.endsWith(`/src/${page.replace(/\.html$/, '.md')}`), `${page}: edit link ${e}`);
  });
});
