//! The one trybuild driver: compile-fail cases with checked-in `.stderr`, and compile-pass cases
//! for every option. One driver, so trybuild builds sea-orm once.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
