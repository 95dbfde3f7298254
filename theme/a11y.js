// Accessibility fixes for mdBook's pages, checked with axe by the browser
// test (tests/browser/site.test.mjs).
(() => {
    // The sidebar toggle is a <label> carrying aria-label and aria-expanded,
    // which a plain label may not have; as a button (what it is) it may.
    const toggle = document.getElementById('mdbook-sidebar-toggle');
    if (toggle && !toggle.hasAttribute('role')) {
        toggle.setAttribute('role', 'button');
    }

    // A code block or table wider than the page scrolls sideways; keyboard
    // users can only scroll it if it can take the focus.
    const scrollable = () => {
        for (const box of document.querySelectorAll('pre > code, .table-wrapper')) {
            if (box.scrollWidth > box.clientWidth && !box.hasAttribute('tabindex')) {
                box.setAttribute('tabindex', '0');
            }
        }
    };
    // After highlighting, which runs on load and can change the widths.
    window.addEventListener('load', scrollable);
})();
