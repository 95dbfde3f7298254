// `make pdf`: the whole book as one PDF, from the site's print page
// (book/html/print.html) rendered by the system's headless Chromium through
// playwright-core (the browser test's packages; nothing else is needed).
//
// The PDF gets a table of contents on its first page (links to each
// chapter), PDF bookmarks from the headings, page numbers in the footer,
// working links between chapters (the print page turns them into links
// within the page), highlighted code and every diagram drawn.
//
//   node tests/browser/pdf.mjs [site dir] [output file]

import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';

import { chromium } from 'playwright-core';

const SITE = process.argv[2] ?? 'book/html';
const OUT = process.argv[3] ?? 'book/async-rust-tested.pdf';
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

const server = createServer(async (request, response) => {
  const path = decodeURIComponent(new URL(request.url, 'http://x').pathname);
  const file = normalize(join(SITE, path));
  try {
    const body = await readFile(file);
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
  } catch {
    response.writeHead(404).end();
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
});
try {
  const context = await browser.newContext();
  // The print page opens the print dialog once loaded; not here.
  await context.addInitScript(() => { window.print = () => {}; });
  const tab = await context.newPage();
  const foreign = [];
  tab.on('request', (r) => { if (!r.url().startsWith(origin)) foreign.push(r.url()); });
  await tab.goto(`${origin}/print.html`, { waitUntil: 'load' });
  await tab.waitForFunction(
    () => [...document.querySelectorAll('pre.mermaid')].every((p) => p.querySelector('svg')),
    null, { timeout: 120_000 },
  );
  await tab.evaluate(() => {
    // Finish any highlighting still queued (theme/index.hbs does it on beforeprint).
    window.dispatchEvent(new Event('beforeprint'));
    // A table of contents: every chapter's title, linked to it.
    const main = document.querySelector('main');
    const toc = document.createElement('nav');
    toc.id = 'pdf-contents';
    toc.innerHTML = '<h1>Contents</h1><ol></ol>';
    for (const h1 of main.querySelectorAll('h1')) {
      const anchor = h1.id || h1.querySelector('[id]')?.id || h1.closest('[id]')?.id;
      const li = document.createElement('li');
      li.innerHTML = anchor ? `<a href="#${anchor}"></a>` : '<span></span>';
      li.firstChild.textContent = h1.textContent.trim();
      toc.querySelector('ol').append(li);
    }
    const style = document.createElement('style');
    style.textContent = '#pdf-contents { break-after: page; } #pdf-contents ol { line-height: 1.8; }'
      + ' main h1:not(#pdf-contents h1) { break-before: page; }';
    document.head.append(style);
    main.prepend(toc);
  });
  if (foreign.length > 0) throw new Error(`the print page fetched from another origin: ${foreign}`);
  await tab.emulateMedia({ media: 'print' });
  await tab.pdf({
    path: OUT,
    format: 'A4',
    margin: { top: '18mm', bottom: '18mm', left: '16mm', right: '16mm' },
    printBackground: true,
    displayHeaderFooter: true,
    headerTemplate: '<span></span>',
    footerTemplate: '<div style="font-size:8px; width:100%; text-align:center; color:#555;">'
      + 'Async Rust, Tested — <span class="pageNumber"></span> / <span class="totalPages"></span></div>',
    outline: true,
    tagged: true,
  });
  console.log(`== ${OUT} written`);
} finally {
  await browser.close();
  server.close();
}
