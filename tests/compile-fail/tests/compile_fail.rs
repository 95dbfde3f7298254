//! Every does-not-compile listing must fail to compile with exactly the
//! error the chapter shows: `listings/chNN-*/does-not-compile/X.rs` is
//! compiled against this crate's dependencies and its compiler output must
//! equal `X.stderr`, which the chapter includes right below the listing.
//! `make bless` (TRYBUILD=overwrite) rewrites the `.stderr` files.

#[test]
fn does_not_compile_listings_fail_with_the_shown_error() {
    // `make test` builds the workspace with clippy-driver in place of rustc
    // (RUSTC_WORKSPACE_WRAPPER in the Makefile), and trybuild's cargo would
    // use it for the listings too: its errors name paths in full
    // (`std::future::Future`), and the chapters show rustc's.
    // SAFETY: this binary's only test, so no other thread reads the
    // environment while it changes.
    unsafe {
        std::env::remove_var("RUSTC_WORKSPACE_WRAPPER");
        std::env::remove_var("CLIPPY_ARGS");
    }
    let cases = trybuild::TestCases::new();
    cases.compile_fail("../../listings/*/does-not-compile/*.rs");
}
