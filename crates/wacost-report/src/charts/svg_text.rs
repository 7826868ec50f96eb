//! Text on SVG charts as outlines of the embedded font, so an SVG looks the same as its PNG
//! on any machine, with or without DejaVu Sans installed.
//!
//! plotters' SVG backend writes each label as a `<text>` element naming a generic family
//! (`sans-serif`): a viewer then sets it in whatever font it has, with other widths, and
//! labels drift off their bars. [`outline_text`] goes through the finished SVG and puts,
//! before each `<text>`, a `<path>` holding the glyph outlines of the embedded face
//! ([`crate::font`]), laid out exactly as the PNG's text ([`super::bitmap_text`]): same scale,
//! pen advances, kerning, anchors and baseline. The `<text>` element stays, made transparent
//! (`opacity="0"`), so the words can still be searched, selected and read by a screen reader.

use std::fmt::Write as _;

use ab_glyph::{Font, OutlineCurve, ScaleFont};

use super::bitmap_text::{Line, box_height, faces};

/// Where plotters anchors a label vertically, read back from the `dy` it wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Vertical {
    Top,
    Center,
    Bottom,
}

/// One `<text>` element's attributes and words, as plotters writes them.
#[derive(Debug, Default)]
struct Label {
    x: f64,
    y: f64,
    size: f64,
    anchor: String,
    dy: String,
    bold: bool,
    fill: String,
    opacity: String,
    transform: Option<String>,
    text: String,
}

/// The SVG with every `<text>` element doubled by its outlines (see the module
/// documentation). Text the embedded face cannot set (a family other than the embedded one)
/// and anything that is not a plotters label are left as they are.
pub fn outline_text(svg: &str) -> String {
    let Ok(faces) = faces() else {
        return svg.to_string();
    };
    let mut out = String::with_capacity(svg.len() * 3);
    let mut rest = svg;
    while let Some(start) = rest.find("<text ") {
        let Some(len) = rest[start..].find("</text>") else {
            break;
        };
        let end = start + len + "</text>".len();
        let element = &rest[start..end];
        out.push_str(&rest[..start]);
        match parse(element) {
            Some(label) => {
                let face = if label.bold {
                    &faces.bold
                } else {
                    &faces.regular
                };
                out.push_str(&path_of(&label, face));
                out.push_str(&element.replacen(" opacity=\"1\"", " opacity=\"0\"", 1));
            }
            None => out.push_str(element),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The value of `name="…"` in an opening tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let from = tag.find(&key)? + key.len();
    let len = tag[from..].find('"')?;
    Some(&tag[from..from + len])
}

/// A plotters `<text>` element, or `None` for anything else.
fn parse(element: &str) -> Option<Label> {
    let open_end = element.find('>')?;
    let tag = &element[..open_end];
    let family = attribute(tag, "font-family")?;
    if !crate::font::FAMILIES.contains(&family) {
        return None;
    }
    let body = &element[open_end + 1..element.len() - "</text>".len()];
    Some(Label {
        x: attribute(tag, "x")?.parse().ok()?,
        y: attribute(tag, "y")?.parse().ok()?,
        // plotters writes `font-size` as the style's size / 1.24 (its em estimate); the PNG
        // sets glyphs at the style's size itself.
        size: attribute(tag, "font-size")?.parse::<f64>().ok()? * 1.24,
        anchor: attribute(tag, "text-anchor").unwrap_or("start").to_string(),
        dy: attribute(tag, "dy").unwrap_or("").to_string(),
        bold: attribute(tag, "font-weight") == Some("bold"),
        fill: attribute(tag, "fill").unwrap_or("#000000").to_string(),
        opacity: attribute(tag, "opacity").unwrap_or("1").to_string(),
        transform: attribute(tag, "transform").map(str::to_string),
        text: unescape(body.trim_matches(|c| c == '\n' || c == '\r')),
    })
}

/// The words of an element: XML's five entities and numeric references undone.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let Some(semi) = after.find(';') else {
            out.push_str(after);
            return out;
        };
        let entity = &after[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

impl Label {
    /// The vertical anchor plotters wrote as `dy` (`0.76em` top, `0.5ex` centre, `-0.5ex`
    /// bottom; anything else is taken as the top).
    fn vertical(&self) -> Vertical {
        match self.dy.as_str() {
            "0.5ex" => Vertical::Center,
            "-0.5ex" => Vertical::Bottom,
            _ => Vertical::Top,
        }
    }
}

/// The `<path>` of a label's glyph outlines, placed as [`super::bitmap_text`] places the
/// PNG's text: the advance box against the anchor, the baseline `ceil(size / 2)` below the
/// box's top, turned by the element's own `transform`.
fn path_of(label: &Label, face: &ab_glyph::FontRef<'static>) -> String {
    let line = Line::new(face, label.size, &label.text);
    let scaled = face.as_scaled(line.scale);
    let (hs, vs) = (
        f64::from(scaled.h_scale_factor()),
        f64::from(scaled.v_scale_factor()),
    );
    let width = f64::from(line.width());
    let dx = match label.anchor.as_str() {
        "middle" => -width / 2.0,
        "end" => -width,
        _ => 0.0,
    };
    let height = box_height(label.size);
    let dy = match label.vertical() {
        Vertical::Top => 0,
        Vertical::Center => -height / 2,
        Vertical::Bottom => -height,
    };
    let baseline = label.y + f64::from(dy + (label.size / 2.0).ceil() as i32);
    let mut d = String::new();
    for &(id, pen) in &line.glyphs {
        let Some(outline) = face.outline(id) else {
            continue;
        };
        let origin = label.x + dx + f64::from(pen);
        let at =
            |p: ab_glyph::Point| (origin + f64::from(p.x) * hs, baseline - f64::from(p.y) * vs);
        let mut last: Option<ab_glyph::Point> = None;
        for curve in &outline.curves {
            let start = match curve {
                OutlineCurve::Line(a, _)
                | OutlineCurve::Quad(a, _, _)
                | OutlineCurve::Cubic(a, _, _, _) => *a,
            };
            if last != Some(start) {
                if last.is_some() {
                    d.push('Z');
                }
                let (x, y) = at(start);
                let _ = write!(d, "M{x:.2} {y:.2}");
            }
            last = Some(match curve {
                OutlineCurve::Line(_, b) => {
                    let (x, y) = at(*b);
                    let _ = write!(d, "L{x:.2} {y:.2}");
                    *b
                }
                OutlineCurve::Quad(_, c, b) => {
                    let ((cx, cy), (x, y)) = (at(*c), at(*b));
                    let _ = write!(d, "Q{cx:.2} {cy:.2} {x:.2} {y:.2}");
                    *b
                }
                OutlineCurve::Cubic(_, c1, c2, b) => {
                    let ((ax, ay), (bx, by), (x, y)) = (at(*c1), at(*c2), at(*b));
                    let _ = write!(d, "C{ax:.2} {ay:.2} {bx:.2} {by:.2} {x:.2} {y:.2}");
                    *b
                }
            });
        }
        if last.is_some() {
            d.push('Z');
        }
    }
    let mut path = format!(
        "<path d=\"{d}\" fill=\"{}\" opacity=\"{}\"",
        label.fill, label.opacity
    );
    if let Some(t) = &label.transform {
        let _ = write!(path, " transform=\"{t}\"");
    }
    path.push_str("/>\n");
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    const TITLE: &str = "<text x=\"500\" y=\"14\" dy=\"0.76em\" text-anchor=\"middle\" \
        font-family=\"sans-serif\" font-size=\"25\" opacity=\"1\" fill=\"#222222\" \
        font-weight=\"bold\">\nSpend &amp; &lt;fees&gt;\n</text>";

    #[test]
    fn a_label_gets_its_outlines_and_stays_as_hidden_text() {
        let svg = format!("<svg>\n{TITLE}\n</svg>");
        let out = outline_text(&svg);
        assert_eq!(out.matches("<path d=\"M").count(), 1, "{out}");
        assert!(out.contains("fill=\"#222222\" opacity=\"1\"/>"), "{out}");
        // The words stay, escaped, invisible.
        assert!(out.contains("opacity=\"0\" fill=\"#222222\" font-weight=\"bold\">\nSpend &amp; &lt;fees&gt;\n</text>"));
        assert!(out.starts_with("<svg>\n<path") && out.ends_with("</text>\n</svg>"));
    }

    #[test]
    fn outlines_lie_in_the_advance_box_against_the_anchor() {
        // Centred on x = 500, top at y = 14: every point of the outline lies within the
        // advance box (half its width either side) and between the box's top and the
        // baseline plus the descent.
        let label = parse(TITLE).expect("a plotters label");
        assert_eq!(label.text, "Spend & <fees>");
        assert_eq!(label.vertical(), Vertical::Top);
        let face = &faces().expect("font").bold;
        // 25 × 1.24 = 31 px, as plotters' style said.
        assert_eq!(label.size, 31.0);
        let width = f64::from(Line::new(face, 31.0, &label.text).width());
        let path = path_of(&label, face);
        let d = attribute(&path, "d").expect("d");
        let numbers: Vec<f64> = d
            .split(|c: char| c.is_ascii_alphabetic() || c == ' ')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().expect("a number"))
            .collect();
        let (xs, ys): (Vec<f64>, Vec<f64>) = numbers.chunks(2).map(|p| (p[0], p[1])).unzip();
        let min_x = xs.iter().cloned().fold(f64::MAX, f64::min);
        let max_x = xs.iter().cloned().fold(f64::MIN, f64::max);
        let min_y = ys.iter().cloned().fold(f64::MAX, f64::min);
        let max_y = ys.iter().cloned().fold(f64::MIN, f64::max);
        assert!(min_x >= 500.0 - width / 2.0 - 0.01, "{min_x} {width}");
        assert!(max_x <= 500.0 + width / 2.0 + 0.01, "{max_x} {width}");
        // Baseline at 14 + ceil(31 / 2) = 30: the ink lies between the face's ascent above
        // it and its descent below, and the `p` reaches below it.
        let scaled = face.as_scaled(31f32);
        let (ascent, descent) = (f64::from(scaled.ascent()), f64::from(scaled.descent()));
        assert!(
            min_y >= 30.0 - ascent && min_y < 30.0 - ascent / 2.0,
            "{min_y}"
        );
        assert!(
            max_y > 30.0 && max_y <= 30.0 - descent,
            "descender of p: {max_y}"
        );
    }

    #[test]
    fn turned_labels_keep_their_transform_and_anchors_move_the_box() {
        let turned = "<text x=\"10\" y=\"323\" dy=\"0.76em\" text-anchor=\"middle\" \
            font-family=\"sans-serif\" font-size=\"13.7\" opacity=\"1\" fill=\"#222222\" \
            transform=\"rotate(270, 10, 323)\">\nSpend (USD)\n</text>";
        let out = outline_text(turned);
        assert!(
            out.contains("opacity=\"1\" transform=\"rotate(270, 10, 323)\"/>"),
            "{out}"
        );
        for (dy, v) in [
            ("0.5ex", Vertical::Center),
            ("-0.5ex", Vertical::Bottom),
            ("0.76em", Vertical::Top),
        ] {
            let label = parse(&turned.replace("0.76em", dy)).expect("label");
            assert_eq!(label.vertical(), v);
        }
    }

    #[test]
    fn other_families_and_broken_elements_are_left_alone() {
        let other = TITLE.replace("sans-serif", "Comic Sans");
        assert_eq!(outline_text(&other), other);
        let cut = "<svg><text x=\"1\" y=\"2\" font-family=\"sans-serif\">never closed";
        assert_eq!(outline_text(cut), cut);
        assert_eq!(unescape("a &#233; &#x41; &bogus; &"), "a é A &bogus; &");
    }
}
