//! Progress bars for long replays (when the input files are large) and for simulation runs:
//! on standard error, only when it is a terminal; nothing at all when output is piped or
//! redirected.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use wacost::replay::{BytesRead, Source};

/// Inputs smaller than this finish before a bar would help.
pub const THRESHOLD: u64 = 50 * 1024 * 1024;

/// A bar following the bytes a replay reads. Dropping it (or [`Progress::finish`]) clears
/// the bar.
pub struct Progress {
    /// The counter to hand to the replay.
    pub bytes: BytesRead,
    bar: ProgressBar,
    done: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
}

/// The size of the files among `sources` (folders: their files, one level).
fn input_size(sources: &[Source]) -> u64 {
    sources
        .iter()
        .map(|s| match s {
            Source::Path(p) if p.is_dir() => std::fs::read_dir(p)
                .map(|d| {
                    d.filter_map(Result::ok)
                        .filter_map(|e| e.metadata().ok())
                        .filter(|m| m.is_file())
                        .map(|m| m.len())
                        .sum()
                })
                .unwrap_or(0),
            Source::Path(p) => std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
            _ => 0,
        })
        .sum()
}

impl Progress {
    /// A bar for replaying `sources`, if standard error is a terminal and the files add up
    /// to more than [`THRESHOLD`].
    pub fn for_sources(sources: &[Source]) -> Option<Progress> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let total = input_size(sources);
        (total > THRESHOLD).then(|| Progress::new(total))
    }

    fn new(total: u64) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} pricing {wide_bar} {bytes}/{total_bytes} ({eta} left)",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let bytes = BytesRead::new();
        let done = Arc::new(AtomicBool::new(false));
        let ticker = {
            let bar = bar.clone();
            let bytes = bytes.clone();
            let done = done.clone();
            std::thread::spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    bar.set_position(bytes.get().min(total));
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        };
        Progress {
            bytes,
            bar,
            done,
            ticker: Some(ticker),
        }
    }

    /// Stops and clears the bar.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A bar counting simulation runs, on standard error when it is a terminal (else `None`).
pub fn runs_bar(runs: u32) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(u64::from(runs));
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {pos}/{len} runs [{bar:40}] {eta} left")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    Some(bar)
}
