// "Run in the Playground" links (added under runnable blocks by
// theme/run-links.py): the link carries the block's whole program, hidden
// lines included, exactly as the page shows it. It is filled in when the
// reader is about to follow it, so no page carries its code twice and
// nothing is fetched from the Playground when a page loads.
(() => {
    const fill = (link) => {
        if (link.dataset.filled) return;
        const code = link.closest('.run-link')?.previousElementSibling?.querySelector('code');
        if (!code) return;
        // The copy of the code without mdBook's buttons (they are outside <code>).
        link.href += `&code=${encodeURIComponent(code.textContent.trimEnd())}`;
        link.dataset.filled = 'yes';
    };
    for (const link of document.querySelectorAll('a.playground-link')) {
        for (const event of ['pointerdown', 'focus', 'mouseenter', 'touchstart']) {
            link.addEventListener(event, () => fill(link), { passive: true });
        }
        // A click that came without any of the above (e.g. from a script).
        link.addEventListener('click', () => fill(link));
    }
})();
