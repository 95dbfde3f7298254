#!/usr/bin/env python3
"""mdBook preprocessor (site and EPUB): a way to run each Rust block.

Under every ```rust block of a chapter it adds, on the site:

- "Run in the Playground" when the whole program uses nothing but std and
  crates the Rust Playground offers at a version compatible with the one
  the book uses (theme/playground-crates.txt, pinned in the repository, never
  fetched). theme/run-links.js fills the link with the block's code, hidden
  lines included, when the reader follows it;
- otherwise, when the block comes from a listing package, the
  `cargo run -p <package>` command to copy (with `--bin`/`--example` where
  the file is one; for an excerpt of a package's library, the package's
  program).

Blocks that must not compile (`ignore`) get neither. For the EPUB
(tests/epub.sh) it adds the commands only.

It also drops the introduction's paragraph of links to the PDF and EPUB
(`<p class="downloads">`) unless BOOK_DOWNLOADS=1, which `make downloads`
sets when it has built them: a site without the files has no links to them,
and the EPUB never has. It runs before mdBook's
`links` preprocessor, so it still sees which file a block includes. The
chapters that skeptic tests (the markdown renderer) never pass through it.
"""

import html
import json
import os
import re
import sys
from pathlib import Path

PLAYGROUND = 'https://play.rust-lang.org/?version=stable&amp;mode=debug&amp;edition=2024'
HERE = Path(__file__).resolve().parent

if len(sys.argv) > 1 and sys.argv[1] == 'supports':
    sys.exit(0 if sys.argv[2] in ('html', 'epub') else 1)


def playground_crates():
    crates = {}
    for line in (HERE / 'playground-crates.txt').read_text().splitlines():
        line = line.split('#', 1)[0].split()
        if line:
            crates[line[0].replace('-', '_')] = line[1]
    return crates


CRATES = playground_crates()
NOT_CRATES = {'std', 'core', 'alloc', 'crate', 'self', 'super', 'Self', 'u8', 'u16', 'u32', 'u64', 'u128',
              'usize', 'i8', 'i16', 'i32', 'i64', 'i128', 'isize', 'f32', 'f64', 'bool', 'char', 'str'}
FENCE = re.compile(r'^(\s*)(```+)rust([^\n`]*)$')
INCLUDE = re.compile(r'\{\{#(?:rustdoc_)?include\s+([^}:\s]+)(?::[^}]*)?\}\}')


def crates_used(code):
    """The external crates a program names, or None if it needs other files."""
    code = re.sub(r'//[^\n]*', '', code)
    code = re.sub(r'"(?:\\.|[^"\\])*"', '""', code)
    if re.search(r'^\s*(?:pub\s+)?mod\s+\w+\s*;', code, re.M):
        return None
    local = set(re.findall(r'\b(?:mod|fn|macro_rules!)\s+([a-z_][a-z0-9_]*)', code)) | {'clippy', 'rustfmt'}
    for use in re.findall(r'\buse\s+([^;]+);', code):
        # `use tokio::sync::{mpsc, oneshot};` makes `mpsc::` a local path.
        local |= set(re.findall(r'[a-z_][a-z0-9_]*', use)[1:])
    names = set(re.findall(r'(?<![\w.:])([a-z_][a-z0-9_]*)::(?!<)', code))
    names |= set(re.findall(r'\bextern\s+crate\s+([a-z_][a-z0-9_]*)', code))
    return names - NOT_CRATES - local


def playground_can_run(code, info):
    if 'no_run' in info:
        return False
    if 'fn main' not in code:
        return False
    used = crates_used(code)
    return used is not None and all(name in CRATES for name in used)


def cargo_command(include, chapter_dir):
    """`cargo run -p …` for a block that includes a listing's program."""
    path = (chapter_dir / include).resolve()
    if 'listings' not in path.parts:
        return None
    for parent in path.parents:
        manifest = parent / 'Cargo.toml'
        if manifest.exists():
            break
    else:
        return None
    name = re.search(r'^name\s*=\s*"([^"]+)"', manifest.read_text(), re.M)
    if not name:
        return None
    relative = path.relative_to(parent).as_posix()
    if relative == 'src/main.rs' or (relative == 'src/lib.rs' and (parent / 'src/main.rs').exists()):
        command = f'cargo run -p {name[1]}'
    elif m := re.fullmatch(r'src/bin/([^/]+)\.rs', relative):
        command = f'cargo run -p {name[1]} --bin {m[1]}'
    elif m := re.fullmatch(r'examples/([^/]+)\.rs', relative):
        command = f'cargo run -p {name[1]} --example {m[1]}'
    else:
        return None
    # A package that is a workspace of its own (Chapter 13's console demo,
    # built with its own flags) is run from its folder.
    for folder in [parent, *parent.parents]:
        if folder == ROOT:
            return command
        if re.search(r'^\[workspace\]', (folder / 'Cargo.toml').read_text() if (folder / 'Cargo.toml').exists() else '', re.M):
            return f'cd {folder.relative_to(ROOT).as_posix()} && {command}'
    return command


def block_code(body, chapter_dir):
    """The whole program a block shows (hidden lines included), as skeptic sees it."""
    includes = INCLUDE.findall(body)
    if includes:
        texts = []
        for include in includes:
            try:
                texts.append((chapter_dir / include).read_text())
            except OSError:
                return None, includes
        return '\n'.join(texts), includes
    lines = [re.sub(r'^(\s*)# ?', r'\1', line) if re.match(r'^\s*#(?: |$)', line) else line
             for line in body.splitlines()]
    return '\n'.join(lines), []


def process(content, chapter_dir):
    out = []
    lines = content.split('\n')
    i = 0
    while i < len(lines):
        line = lines[i]
        m = FENCE.match(line)
        out.append(line)
        i += 1
        if not m:
            continue
        indent, fence, info = m.groups()
        body = []
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i])
            out.append(lines[i])
            i += 1
        if i < len(lines):
            out.append(lines[i])
            i += 1
        if 'ignore' in info or indent:
            continue
        code, includes = block_code('\n'.join(body), chapter_dir)
        if code is None:
            continue
        if SITE and playground_can_run(code, info):
            out += ['', f'<p class="run-link"><a class="playground-link" href="{PLAYGROUND}" rel="external">'
                    'Run in the Playground</a></p>', '']
        elif includes and (command := cargo_command(includes[0], chapter_dir)):
            out += ['', f'<pre class="run-command"><code class="language-console">{html.escape(command)}</code></pre>', '']
    return '\n'.join(out)


DOWNLOADS = re.compile(r'^<p class="downloads">.*?</p>\n', re.M | re.S)


def walk(items, src):
    for item in items:
        chapter = item.get('Chapter') if isinstance(item, dict) else None
        if not chapter:
            continue
        if chapter.get('source_path'):
            chapter_dir = (src / chapter['source_path']).parent
            chapter['content'] = process(chapter['content'], chapter_dir)
            if not (SITE and os.environ.get('BOOK_DOWNLOADS') == '1'):
                chapter['content'] = DOWNLOADS.sub('', chapter['content'])
        walk(chapter.get('sub_items', []), src)


context, book = json.load(sys.stdin)
# The EPUB (tests/epub.sh) gets the commands only: a Playground link is
# filled by the site's script, and the book does not link to itself.
SITE = context['renderer'] == 'html'
# `make epub` builds from a folder of links to src/ and listings/: work
# with the real paths, as the commands are relative to the repository.
SRC = (Path(context['root']) / context['config']['book'].get('src', 'src')).resolve()
ROOT = SRC.parent
walk(book['items'], SRC)
json.dump(book, sys.stdout)
