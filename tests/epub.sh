#!/usr/bin/env bash
# `make epub`: the book as an EPUB, with mdbook-epub (pinned in the
# Makefile) as the only renderer of a copy of book.toml, so building the
# site never needs it. mdBook runs the preprocessors for the "epub"
# renderer: includes are expanded as on the site, hidden lines are left out
# (theme/epub-hidden-lines.py), each listing's `cargo run -p` command is
# there but not the Playground links (they are for the site), and diagrams,
# which need JavaScript to be drawn, stay as their mermaid source text. (mdbook-epub's --standalone mode
# would skip the preprocessors, includes too.)
set -euo pipefail
out=${1:-book/async-rust-tested.epub}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A copy of the book's configuration that writes where we say, with the EPUB
# renderer's settings; src/ and listings/ are used in place.
ln -s "$PWD/src" "$tmp/src"
ln -s "$PWD/listings" "$tmp/listings"
ln -s "$PWD/theme" "$tmp/theme"
{
	sed -n '/^\[book\]/,/^$/p' book.toml
	printf '[build]\nbuild-dir = "out"\ncreate-missing = false\n\n'
	sed -n '/^\[preprocessor.mermaid\]/,/^$/p' book.toml
	# The commands to run the listings (no Playground links: those are
	# filled by the site's script), and no hidden lines.
	printf '[preprocessor.run-links]\ncommand = "python3 theme/run-links.py"\nbefore = ["links"]\nrenderers = ["epub"]\n\n'
	printf '[preprocessor.hidden-lines]\ncommand = "python3 theme/epub-hidden-lines.py"\nafter = ["links"]\nrenderers = ["epub"]\n\n'
	printf '[output.epub]\n'
} > "$tmp/book.toml"
mdbook build "$tmp" 2> >(grep -v 'mdbook-mermaid preprocessor was built against' >&2) >/dev/null
epub=$(find "$tmp/out" -name '*.epub' | head -n 1)
[ -n "$epub" ] || { echo "make: mdbook-epub wrote no .epub"; exit 1; }
mkdir -p "$(dirname "$out")"
cp "$epub" "$out"
# A sane EPUB: a zip with the EPUB mimetype, every chapter of SUMMARY.md.
python3 - "$out" <<'PY'
import re, sys, zipfile
epub = zipfile.ZipFile(sys.argv[1])
assert epub.read('mimetype') == b'application/epub+zip', 'not an EPUB'
text = ' '.join(epub.read(n).decode('utf-8', 'replace') for n in epub.namelist() if n.endswith(('.html', '.xhtml')))
titles = re.findall(r'\[([^\]]+)\]\([^)]+\.md\)', open('src/SUMMARY.md').read())
missing = [t for t in titles if t.replace('&', '&amp;') not in text and t not in text]
assert not missing, f'chapters missing from the EPUB: {missing}'
# What the site hides is hidden here too: no `# ` line in Rust code.
rust = re.findall(r'<code class="language-rust[^"]*">(.*?)</code>', text, re.S)
hidden = [l for block in rust for l in block.split('\n') if re.match(r'\s*#(?: |$)', l)]
assert rust and not hidden, f'{len(hidden)} hidden lines shown, e.g. {hidden[:3]}'
commands = re.findall(r'cargo run -p [\w-]+', text)
assert commands, 'no `cargo run -p` command'
assert 'play.rust-lang.org/?' not in text and 'async-rust-tested.pdf' not in text, 'a link that leads nowhere'
print(f'== {sys.argv[1]}: {len(epub.namelist())} files, all {len(titles)} chapters, '
      f'{len(rust)} Rust blocks without hidden lines, {len(commands)} commands')
PY
