//! The `wacost` command: a thin shell over the library. Each command lives in `src/cli/`.

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    cli::run()
}
