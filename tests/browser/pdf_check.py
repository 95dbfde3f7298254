"""`make pdf`'s check of the PDF it wrote: it exists, its size is sane, and
it has every chapter title of src/SUMMARY.md, in its bookmarks (the table of
contents a PDF reader shows) and in its text, page numbers, and links that
stay within it.

    python3 tests/browser/pdf_check.py book/async-rust-tested.pdf
"""

import re
import sys
from pathlib import Path

from pypdf import PdfReader

pdf = Path(sys.argv[1] if len(sys.argv) > 1 else 'book/async-rust-tested.pdf')
problems = []
if not pdf.exists():
    sys.exit(f'{pdf}: missing')
size = pdf.stat().st_size
# Measured at 11 MB for fifteen chapters (2026-12-01); a broken render
# (no diagrams, no code) is far smaller, a runaway one far larger.
if not 2_000_000 <= size <= 80_000_000:
    problems.append(f'size {size} bytes is outside 2 to 80 MB')

summary = Path('src/SUMMARY.md').read_text()
titles = re.findall(r'\[([^\]]+)\]\([^)]+\.md\)', summary)
reader = PdfReader(pdf)
pages = len(reader.pages)
if pages < 100:
    problems.append(f'only {pages} pages')


def outline_titles(items):
    for item in items:
        if isinstance(item, list):
            yield from outline_titles(item)
        else:
            yield item.title.strip()


bookmarks = set(outline_titles(reader.outline))
normal = lambda s: re.sub(r'\s+', ' ', s).strip()
text = normal(' '.join(reader.pages[i].extract_text() or '' for i in range(min(pages, 3))))
for title in titles:
    if normal(title) not in {normal(b) for b in bookmarks}:
        problems.append(f'no bookmark for the chapter "{title}"')
    if normal(title) not in text:
        problems.append(f'the table of contents does not list "{title}"')
# The footer's page numbers: "Async Rust, Tested — 2 / 412" on page 2.
second = normal(reader.pages[1].extract_text() or '')
if f'2 / {pages}' not in second:
    problems.append(f'page 2 has no page number "2 / {pages}"')

# Links: those between chapters go to a place in the PDF, none to the
# server the print page was loaded from, none to an empty Playground.
inside = 0
stray = []
for number, page in enumerate(reader.pages, 1):
    for annotation in page.get('/Annots') or []:
        annotation = annotation.get_object()
        if annotation.get('/Subtype') != '/Link':
            continue
        if '/Dest' in annotation:
            inside += 1
            continue
        uri = str((annotation.get('/A') or {}).get('/URI', ''))
        if uri.startswith(('http://127.0.0.1', 'http://localhost', 'file:')) or 'play.rust-lang.org' in uri:
            stray.append(f'page {number}: {uri}')
if stray:
    problems.append(f'{len(stray)} links out of the PDF that lead nowhere useful, e.g. ' + '; '.join(stray[:3]))
if inside < 10 * len(titles):
    problems.append(f'only {inside} links within the PDF')

if problems:
    sys.exit(f'{pdf}:\n  ' + '\n  '.join(problems))
print(f'== {pdf}: {pages} pages, {size / 1e6:.1f} MB, all {len(titles)} chapter titles in its contents and bookmarks, '
      f'{inside} links within it')
