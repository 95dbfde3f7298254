#!/usr/bin/env python3
"""mdBook preprocessor for the EPUB only (tests/epub.sh): leaves out the
hidden lines of Rust blocks, as the site does.

On the site, mdBook's HTML renderer hides the lines of a Rust block that
start with `# ` (or are `#` alone) behind a toggle; mdbook-epub has no such
toggle and would print them, `# ` and all, so a listing shown in part
(`{{#rustdoc_include file:anchor}}`) would carry the rest of its file. This
runs after mdBook's `links` preprocessor, so included text is seen too, and
turns `##` at the start of a line into `#`, as mdBook does.
"""

import json
import re
import sys

if len(sys.argv) > 1 and sys.argv[1] == 'supports':
    sys.exit(0 if sys.argv[2] == 'epub' else 1)

FENCE = re.compile(r'^\s*(```+)(.*)$')
HIDDEN = re.compile(r'^\s*#(?: |$)')
ESCAPED = re.compile(r'^(\s*)##')


def strip(content):
    out, fence, rust = [], None, False
    for line in content.split('\n'):
        m = FENCE.match(line)
        if fence is None and m:
            fence, rust = m[1], re.match(r'rust\b', m[2].strip()) is not None
        elif fence is not None and line.strip() == fence:
            fence = None
        elif fence is not None and rust:
            if HIDDEN.match(line):
                continue
            line = ESCAPED.sub(r'\1#', line)
        out.append(line)
    return '\n'.join(out)


def walk(items):
    for item in items:
        chapter = item.get('Chapter') if isinstance(item, dict) else None
        if chapter:
            chapter['content'] = strip(chapter['content'])
            walk(chapter.get('sub_items', []))


context, book = json.load(sys.stdin)
walk(book['items'])
json.dump(book, sys.stdout)
