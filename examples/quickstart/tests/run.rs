//! `cargo run -p quickstart` runs to the end on embedded SQLite and prints what it did.

#[test]
fn the_quickstart_runs_on_embedded_sqlite() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_quickstart"))
        .env_remove("DATABASE_URL")
        .output()
        .expect("the quickstart binary starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("refused: "), "{stdout}");
    assert!(
        stdout.contains("live links: prod_cap → brand_acme, prod_shirt → brand_zeta"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Shirt (prod_shirt) is made by Zeta"),
        "{stdout}"
    );
}
