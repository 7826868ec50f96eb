//! Everything the command prints goes through here, for two promises:
//!
//! - control characters from logs and data files never reach the terminal as they are
//!   ([`wacost::text::printable_lines`]: only newlines and tabs pass), whatever printed them;
//! - a write that fails (a full disk, a closed stream) is an error of the run, exit code 1
//!   with a message, never a panic (`print!` panics on a write error). A reader that goes
//!   away (`wacost rates | head`) stops the program quietly: SIGPIPE does it on Unix (see
//!   `main.rs`), and a broken pipe reported as an error is ignored.
//!
//! Notes on standard error (where a report was written) are not worth failing a run that
//! has done its work: one that cannot be written is dropped. The exit code of a failed run
//! does not depend on its message being written.

use std::io::{ErrorKind, Write};

use wacost::text::printable_lines;

use super::Failure;

/// Writes `text` to standard output and flushes it.
pub fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    let result = out
        .write_all(printable_lines(text).as_bytes())
        .and_then(|()| out.flush());
    match result {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => {
            Err(Failure::input(format!("standard output: {e}")))
        }
        _ => Ok(()),
    }
}

/// Writes a line to standard error, prefixed with `wacost: `; a failure to write it is
/// ignored (see the module's documentation).
pub fn note(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "wacost: {}", printable_lines(text));
    let _ = err.flush();
}

/// `print!` that returns an error instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::terminal::print(&format!($($arg)*))
    };
}

/// `println!` that returns an error instead of panicking.
macro_rules! outln {
    () => {
        $crate::cli::terminal::print("\n")
    };
    ($($arg:tt)*) => {
        $crate::cli::terminal::print(&format!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {out, outln};
