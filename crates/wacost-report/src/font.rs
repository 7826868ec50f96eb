//! The font every chart is drawn with: DejaVu Sans (regular and bold), embedded in the
//! binary (licence: `assets/fonts/LICENSE-DejaVu.txt`).
//!
//! plotters' `ab_glyph` backend never looks at the fonts installed on the machine: it only
//! knows the families registered with [`plotters::style::register_font`]. Charts therefore
//! render the same everywhere, including on a server with no fonts at all, and a family that
//! was not registered fails with `FontUnavailable`. [`register`] registers the embedded font
//! under every generic family name (`sans-serif`, `serif`, `monospace`) in both styles used
//! (normal and bold), once per process.

use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use plotters::style::{FontStyle, register_font};

/// DejaVu Sans.
pub static REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold.
pub static BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

/// The family charts name in their text styles.
pub const FAMILY: &str = "sans-serif";

/// Family names the embedded font is registered under (plotters' defaults use `sans-serif`;
/// the others are registered so that no style can ask for a family that is missing).
pub const FAMILIES: [&str; 3] = ["sans-serif", "serif", "monospace"];

static ONCE: Once = Once::new();
static OK: AtomicBool = AtomicBool::new(false);

/// Registers the embedded font with plotters (once; later calls are free). Returns whether
/// every registration succeeded (it can only fail if the embedded files were corrupt).
pub fn register() -> bool {
    ONCE.call_once(|| {
        let mut ok = true;
        for family in FAMILIES {
            ok &= register_font(family, FontStyle::Normal, REGULAR).is_ok();
            ok &= register_font(family, FontStyle::Bold, BOLD).is_ok();
        }
        OK.store(ok, Ordering::SeqCst);
    });
    OK.load(Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_font_registers() {
        assert!(register());
        assert!(register(), "a second call is harmless");
        assert!(REGULAR.len() > 100_000 && BOLD.len() > 100_000);
    }
}
