//! The Okabe–Ito palette (Okabe & Ito, 2008), distinguishable with every common form of
//! colour blindness, plus a neutral grey; and the colour each series keeps on every chart.

use plotters::style::RGBColor;

/// Black.
pub const BLACK: RGBColor = RGBColor(0x00, 0x00, 0x00);
/// Orange.
pub const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
/// Sky blue.
pub const SKY_BLUE: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
/// Bluish green.
pub const BLUISH_GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
/// Yellow.
pub const YELLOW: RGBColor = RGBColor(0xF0, 0xE4, 0x42);
/// Blue.
pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
/// Vermillion.
pub const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
/// Reddish purple.
pub const REDDISH_PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
/// Grey, for "rest" and "other".
pub const GREY: RGBColor = RGBColor(0x99, 0x99, 0x99);

/// Series colours in the order they are handed out.
pub const SERIES: [RGBColor; 8] = [
    BLUE,
    ORANGE,
    BLUISH_GREEN,
    VERMILLION,
    SKY_BLUE,
    REDDISH_PURPLE,
    YELLOW,
    BLACK,
];

/// The colour of a series: pricing categories and fee kinds keep one colour on every chart;
/// other series take the palette in order.
pub fn series_colour(name: &str, index: usize) -> RGBColor {
    match name {
        "marketing" => ORANGE,
        "utility" => BLUE,
        "authentication" => BLUISH_GREEN,
        "authentication_international" => SKY_BLUE,
        "service" => REDDISH_PURPLE,
        "Meta fees" => BLUE,
        "provider fees" => ORANGE,
        "rest" | "other" => GREY,
        _ => SERIES[index % SERIES.len()],
    }
}
