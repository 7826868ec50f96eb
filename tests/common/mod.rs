//! What the integration tests that run the binary share.

#![allow(dead_code)]

use std::process::{Command, Output};

/// Runs `wacost ARGS` from the crate's folder (so `data/` and `tests/data/` paths work), as
/// a user would.
pub fn wacost(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wacost"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("wacost runs")
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
