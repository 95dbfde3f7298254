// Draws the book's ```mermaid diagrams, in the colours of the current theme.
//
// mermaid.min.js is about 2.7 MB, so it is fetched only by pages that have a
// diagram (mdbook-mermaid turns each diagram into <pre class="mermaid">).
// The Makefile puts it in src/assets/, which mdBook copies to the site.
// When the reader switches between a light and a dark theme, the diagrams
// are drawn again from their source, which is kept before the first drawing.
//
// mermaid.js takes a second or more of main-thread work on a phone, so it is
// not fetched with the page: only when a diagram comes within a screen's
// height of the part the reader sees (diagrams below the first screen then
// cost nothing until the reader scrolls towards them), or at once on the
// print page, which is printed as soon as it has loaded.
(() => {
    const diagrams = Array.from(document.querySelectorAll('pre.mermaid'));
    if (diagrams.length === 0) {
        return;
    }
    for (const pre of diagrams) {
        pre.dataset.source = pre.textContent;
    }

    const darkThemes = ['coal', 'navy', 'ayu'];
    const isDark = () => darkThemes.some((t) => document.documentElement.classList.contains(t));

    let drawnDark = null;
    const draw = async () => {
        const dark = isDark();
        if (dark === drawnDark) {
            return;
        }
        drawnDark = dark;
        for (const pre of diagrams) {
            pre.removeAttribute('data-processed');
            pre.textContent = pre.dataset.source;
        }
        window.mermaid.initialize({
            startOnLoad: false,
            theme: dark ? 'dark' : 'default',
            // The dark theme's edge labels (#ccc on #585858) fall just short
            // of the 4.5:1 contrast WCAG asks for; this background gives 7.6:1.
            themeVariables: dark ? { edgeLabelBackground: '#3a3a3a' } : {},
        });
        try {
            await window.mermaid.run({ nodes: diagrams });
        } catch (error) {
            // Shown by the browser test, which fails on console errors.
            console.error(`mermaid could not draw a diagram: ${error}`);
        }
    };

    // This script is theme/mermaid-loader-<hash>.js on every page, so the
    // site's root, and assets/ in it, are one level up from its own URL.
    const src = new URL('../assets/mermaid.min.js', document.currentScript.src).href;
    const load = () => {
        const script = document.createElement('script');
        script.src = src;
        script.onload = () => {
            draw();
            // mdBook switches themes by changing the class of <html>.
            new MutationObserver(draw).observe(document.documentElement, {
                attributes: true,
                attributeFilter: ['class'],
            });
        };
        document.head.appendChild(script);
    };

    const printPage = document.querySelector('meta[name="robots"][content="noindex"]') !== null;
    if (printPage || !('IntersectionObserver' in window)) {
        load();
        return;
    }
    const near = new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) {
            near.disconnect();
            load();
        }
    }, { rootMargin: '0px 0px 100% 0px' });
    for (const pre of diagrams) {
        near.observe(pre);
    }
})();
