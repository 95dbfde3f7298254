//! Every does-not-compile listing must fail to compile with exactly the
//! error the chapter shows: `listings/chNN-*/does-not-compile/X.rs` is
//! compiled against this crate's dependencies and its compiler output must
//! equal `X.stderr`, which the chapter includes right below the listing.
//! `make bless` (TRYBUILD=overwrite) rewrites the `.stderr` files.

#[test]
fn does_not_compile_listings_fail_with_the_shown_error() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("../../listings/*/does-not-compile/*.rs");
}
