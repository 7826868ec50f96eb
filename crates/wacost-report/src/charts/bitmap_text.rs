//! Text on PNG charts, set with every glyph where the font puts it.
//!
//! plotters 0.3.7 rasterises bitmap text in `src/style/font/ab_glyph.rs`
//! (`FontDataInternal::draw`): it puts each glyph's pixels at the pen position truncated to a
//! whole pixel and ignores the glyph's left side bearing (`px_bounds().min.x`). Glyphs with a
//! wide bearing (`1`, `.`) are drawn too far left and leave a hole after them: "1,713.45"
//! reads "1,71 3.45". The SVG backend only writes the string, so SVGs are not affected.
//!
//! [`TextBackend`] wraps a backend (a `BitMapBackend` for the charts), forwards every drawing
//! call to it, and draws text itself with ab_glyph and the embedded font ([`font`]): each
//! glyph at pen + its side bearing, the pen kept in fractions of a pixel and moved by the
//! advance and the font's kerning, coverage blended into the pixel as the colour's alpha
//! (as plotters does). Everything else is placed as plotters places it, so a chart's layout
//! does not move: the layout box is the advance width by `size / 1.24` (plotters'
//! `estimate_layout`), the anchors (`style.anchor()`) place that box against the anchor point
//! as plotters-backend's `DrawingBackend::draw_text` does, the baseline lies `ceil(size / 2)`
//! below the box's top, and a turned style
//! ([`FontTransform`](plotters::style::FontTransform), the y-axis descriptions) turns the
//! pixels about the anchor point with plotters' own `FontTransform::transform`.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};
use plotters::prelude::DrawingBackend;
use plotters::style::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontStyle,
};

use crate::font;

/// The embedded faces, parsed once.
pub(crate) struct Faces {
    pub(crate) regular: FontRef<'static>,
    pub(crate) bold: FontRef<'static>,
}

pub(crate) fn faces() -> Result<&'static Faces, ab_glyph::InvalidFont> {
    static FACES: OnceLock<Result<Faces, ab_glyph::InvalidFont>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            Ok(Faces {
                regular: FontRef::try_from_slice(font::REGULAR)?,
                bold: FontRef::try_from_slice(font::BOLD)?,
            })
        })
        .as_ref()
        .map_err(|e| *e)
}

/// The embedded face a style asks for, or `None` for a family that is not one of
/// [`font::FAMILIES`] (that text is left to the wrapped backend, which reports it the way
/// plotters does). Only bold has a face of its own: plotters falls back to the normal face
/// for italic and oblique, and so does this.
fn face_for<S: BackendTextStyle>(
    style: &S,
) -> Result<Option<&'static FontRef<'static>>, ab_glyph::InvalidFont> {
    if !font::FAMILIES.contains(&style.family().as_str()) {
        return Ok(None);
    }
    let faces = faces()?;
    Ok(Some(match style.style() {
        FontStyle::Bold => &faces.bold,
        FontStyle::Normal | FontStyle::Italic | FontStyle::Oblique => &faces.regular,
    }))
}

/// One line of text laid out at a pixel size: each glyph with its pen position (pixels from
/// the start of the line, fractional), and the line's advance width.
pub(crate) struct Line<'f> {
    pub(crate) face: &'f FontRef<'static>,
    pub(crate) scale: PxScale,
    pub(crate) glyphs: Vec<(GlyphId, f32)>,
    width: f32,
}

impl<'f> Line<'f> {
    /// Lays `text` out at `size` pixels (the size of a plotters `TextStyle`; ab_glyph scales
    /// it as ascent − descent, as plotters does): the pen moves by each glyph's advance and by
    /// the kerning between neighbours, never rounded.
    pub(crate) fn new(face: &'f FontRef<'static>, size: f64, text: &str) -> Line<'f> {
        let scale = PxScale::from(size as f32);
        let scaled = face.as_scaled(scale);
        let mut glyphs = Vec::with_capacity(text.len());
        let mut pen = 0f32;
        let mut prev: Option<GlyphId> = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                pen += scaled.kern(p, id);
            }
            glyphs.push((id, pen));
            pen += scaled.h_advance(id);
            prev = Some(id);
        }
        Line {
            face,
            scale,
            glyphs,
            width: pen,
        }
    }

    /// The advance width in pixels (fractional).
    pub(crate) fn width(&self) -> f32 {
        self.width
    }
}

/// The height of plotters' layout box for a size (`estimate_layout` in plotters'
/// `ab_glyph.rs`): the anchors are taken against it, so text sits where it sat before.
pub(crate) fn box_height(size: f64) -> i32 {
    (size / 1.24) as i32
}

/// A drawing backend that draws text itself (see the module documentation) and hands every
/// other call to the backend it wraps. The charts wrap their `BitMapBackend` in it.
pub struct TextBackend<B: DrawingBackend> {
    inner: B,
}

impl<B: DrawingBackend> TextBackend<B> {
    /// Wraps `inner`.
    pub fn new(inner: B) -> TextBackend<B> {
        TextBackend { inner }
    }
}

fn font_error<E: std::error::Error + Send + Sync>(e: ab_glyph::InvalidFont) -> DrawingErrorKind<E> {
    DrawingErrorKind::FontError(Box::new(e))
}

impl<B: DrawingBackend> DrawingBackend for TextBackend<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let Some(face) = face_for(style).map_err(font_error)? else {
            return self.inner.draw_text(text, style, pos);
        };
        let colour = style.color();
        if colour.alpha == 0.0 {
            return Ok(());
        }
        let size = style.size();
        let line = Line::new(face, size, text);
        let height = box_height(size);
        let anchor = style.anchor();
        // Offsets of the layout box from the anchor point, as in plotters-backend's
        // `DrawingBackend::draw_text`, except that the width keeps its fraction.
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Right => -line.width,
            HPos::Center => -line.width / 2.0,
        };
        let dy = match anchor.v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        // plotters puts the baseline `size / 2` below the box's top and truncates each glyph's
        // offset towards zero, which for every glyph reaching above the middle of the box
        // (capitals, digits, ascenders) comes to `ceil(size / 2)`. A whole-pixel baseline
        // keeps horizontal strokes sharp.
        let baseline = (dy + (size / 2.0).ceil() as i32) as f32;
        let transform = style.transform();
        let (w, h) = self.inner.get_size();
        let inner = &mut self.inner;
        for &(id, pen) in &line.glyphs {
            let glyph = id.with_scale_and_position(line.scale, point(dx + pen, baseline));
            let Some(outlined) = line.face.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outlined.px_bounds();
            let (x0, y0) = (bounds.min.x as i32, bounds.min.y as i32);
            let mut result = Ok(());
            outlined.draw(|x, y, coverage| {
                if result.is_err() || coverage <= 0.0 {
                    return;
                }
                let (tx, ty) = transform.transform(x0 + x as i32, y0 + y as i32);
                let (px, py) = (pos.0 + tx, pos.1 + ty);
                if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                    result = inner.draw_pixel((px, py), colour.mix(f64::from(coverage.min(1.0))));
                }
            });
            result?;
        }
        Ok(())
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let Some(face) = face_for(style).map_err(font_error)? else {
            return self.inner.estimate_text_size(text, style);
        };
        let size = style.size();
        let line = Line::new(face, size, text);
        Ok((line.width().ceil() as u32, box_height(size) as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::*;
    use plotters::style::FontTransform;
    use plotters::style::text_anchor::Pos;

    /// A white canvas with `text` drawn on it in black, either through [`TextBackend`]
    /// (`fixed`) or straight by plotters' `BitMapBackend`; returned as darkness per pixel
    /// (0 white to 255 black), row by row.
    struct Canvas {
        w: u32,
        h: u32,
        ink: Vec<u8>,
    }

    impl Canvas {
        fn at(&self, x: i32, y: i32) -> u8 {
            if x < 0 || y < 0 || x as u32 >= self.w || y as u32 >= self.h {
                return 0;
            }
            self.ink[(y as u32 * self.w + x as u32) as usize]
        }

        /// The darkest pixel of each column, as coverage (0 to 1).
        fn columns(&self) -> Vec<f32> {
            (0..self.w as i32)
                .map(|x| {
                    let dark = (0..self.h as i32).map(|y| self.at(x, y)).max();
                    f32::from(dark.unwrap_or(0)) / 255.0
                })
                .collect()
        }

        /// The inked pixels, as (x, y, darkness).
        fn inked(&self) -> Vec<(i32, i32, u8)> {
            let mut out = Vec::new();
            for y in 0..self.h as i32 {
                for x in 0..self.w as i32 {
                    if self.at(x, y) > 0 {
                        out.push((x, y, self.at(x, y)));
                    }
                }
            }
            out
        }

        /// The smallest box holding every inked pixel: (left, top, right, bottom).
        fn ink_box(&self) -> (i32, i32, i32, i32) {
            let ink = self.inked();
            assert!(!ink.is_empty(), "nothing drawn");
            let xs = ink.iter().map(|p| p.0);
            let ys = ink.iter().map(|p| p.1);
            (
                xs.clone().min().unwrap_or(0),
                ys.clone().min().unwrap_or(0),
                xs.max().unwrap_or(0),
                ys.max().unwrap_or(0),
            )
        }
    }

    struct Draw<'t> {
        text: &'t str,
        size: f64,
        pos: (i32, i32),
        anchor: Pos,
        transform: FontTransform,
        canvas: (u32, u32),
    }

    impl Draw<'_> {
        fn new(text: &str, size: f64, pos: (i32, i32)) -> Draw<'_> {
            Draw {
                text,
                size,
                pos,
                anchor: Pos::new(HPos::Left, VPos::Top),
                transform: FontTransform::None,
                canvas: (480, 160),
            }
        }

        fn style(&self) -> TextStyle<'static> {
            assert!(font::register());
            FontDesc::new(
                FontFamily::SansSerif,
                self.size,
                plotters::style::FontStyle::Normal,
            )
            .transform(self.transform.clone())
            .color(&BLACK)
            .pos(self.anchor)
        }

        fn render(&self, fixed: bool) -> Canvas {
            let (w, h) = self.canvas;
            let mut buf = vec![255u8; (w * h * 3) as usize];
            {
                let bitmap = BitMapBackend::with_buffer(&mut buf, (w, h));
                let style = self.style();
                if fixed {
                    let mut b = TextBackend::new(bitmap);
                    b.draw_text(self.text, &style, self.pos).expect("draws");
                    b.present().expect("presents");
                } else {
                    let mut b = bitmap;
                    b.draw_text(self.text, &style, self.pos).expect("draws");
                    b.present().expect("presents");
                }
            }
            Canvas {
                w,
                h,
                ink: buf.chunks(3).map(|p| 255 - p[0]).collect(),
            }
        }
    }

    /// Columns whose darkest pixel is at most this are taken as blank: the faint edges of two
    /// glyphs 1.5 px apart can share a column.
    const FAINT: f32 = 0.1;

    /// The ink of each glyph as (left, right) in pixels, found from the columns: runs of
    /// inked columns, each edge refined by the coverage of its outermost column (a column
    /// with coverage `c` at the left edge of a run is inked from `x + 1 - c`).
    fn ink_boxes(canvas: &Canvas) -> Vec<(f32, f32)> {
        let cols = canvas.columns();
        let mut boxes = Vec::new();
        let mut x = 0;
        while x < cols.len() {
            if cols[x] <= FAINT {
                x += 1;
                continue;
            }
            let start = x;
            while x < cols.len() && cols[x] > FAINT {
                x += 1;
            }
            let end = x - 1;
            boxes.push((start as f32 + 1.0 - cols[start], end as f32 + cols[end]));
        }
        boxes
    }

    /// What ab_glyph's own metrics predict, read straight from the font: each glyph's ink
    /// from pen + left side bearing to that + the outline's width, the pen moving by advance
    /// + kerning.
    fn predicted_ink(text: &str, size: f64) -> Vec<(f32, f32)> {
        let face = faces().expect("font parses").regular.clone();
        let scaled = face.as_scaled(size as f32);
        let mut pen = 0f32;
        let mut prev = None;
        let mut out = Vec::new();
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                pen += scaled.kern(p, id);
            }
            let outline = face.outline(id).expect("glyph has an outline");
            let width = (outline.bounds.max.x - outline.bounds.min.x) * scaled.h_scale_factor();
            let left = pen + scaled.h_side_bearing(id);
            out.push((left, left + width));
            pen += scaled.h_advance(id);
            prev = Some(id);
        }
        out
    }

    /// Each glyph's measured ink: the run of [`ink_boxes`] that holds the centre the font
    /// predicts for the glyph (`want`, drawn from `x0`), or `None` when that run holds
    /// another glyph's centre as well (the two touch) or there is none.
    fn glyph_boxes(canvas: &Canvas, x0: f32, want: &[(f32, f32)]) -> Vec<Option<(f32, f32)>> {
        let runs = ink_boxes(canvas);
        let centres: Vec<f32> = want.iter().map(|(l, r)| x0 + (l + r) / 2.0).collect();
        let run_of = |c: f32| runs.iter().position(|&(l, r)| l - 1.0 <= c && c <= r + 1.0);
        centres
            .iter()
            .map(|&c| {
                let run = run_of(c)?;
                let alone = centres.iter().filter(|&&o| run_of(o) == Some(run)).count() == 1;
                alone.then_some(runs[run])
            })
            .collect()
    }

    fn gaps(boxes: &[(f32, f32)]) -> Vec<f32> {
        boxes.windows(2).map(|b| b[1].0 - b[0].1).collect()
    }

    const AMOUNT: &str = "1,713.45";

    /// Checks the spacing of [`AMOUNT`] drawn from x = 20: every glyph apart from its
    /// neighbours, the first one where its bearing puts it, every gap between two glyphs'
    /// ink within 1 px of what the font says, and the gaps even (their errors within 1 px
    /// of each other). Returns the measured gaps.
    fn check_spacing(canvas: &Canvas, size: f64) -> Result<Vec<f32>, String> {
        let want = predicted_ink(AMOUNT, size);
        let mut got = Vec::new();
        for (i, b) in glyph_boxes(canvas, 20.0, &want).into_iter().enumerate() {
            got.push(b.ok_or_else(|| format!("glyph {i} touches a neighbour"))?);
        }
        if (got[0].0 - (20.0 + want[0].0)).abs() > 1.0 {
            return Err(format!(
                "first ink at {}, not {}",
                got[0].0,
                20.0 + want[0].0
            ));
        }
        let (got, want) = (gaps(&got), gaps(&want));
        let errors: Vec<f32> = got.iter().zip(&want).map(|(g, w)| g - w).collect();
        for (i, e) in errors.iter().enumerate() {
            if e.abs() > 1.0 {
                return Err(format!(
                    "the gap after glyph {i} is {:.2} px, the font says {:.2}",
                    got[i], want[i]
                ));
            }
        }
        let spread = errors.iter().cloned().fold(f32::MIN, f32::max)
            - errors.iter().cloned().fold(f32::MAX, f32::min);
        if spread > 1.0 {
            return Err(format!("uneven gaps {got:?}, the font says {want:?}"));
        }
        Ok(got)
    }

    /// Chart sizes and two larger ones. (At 14 px the `4` and `5` are 1.7 px apart and their
    /// faint edges share a column, so columns cannot tell them apart.)
    const SIZES: [f64; 8] = [15.0, 16.0, 17.0, 20.0, 24.0, 28.0, 32.0, 40.0];

    #[test]
    fn glyph_gaps_follow_the_font_metrics() {
        for size in SIZES {
            let canvas = Draw::new(AMOUNT, size, (20, 40)).render(true);
            if let Err(e) = check_spacing(&canvas, size) {
                panic!("size {size}: {e}");
            }
        }
    }

    #[test]
    fn plotters_own_bitmap_text_fails_the_spacing_check() {
        // The same check on plotters' own rendering fails at every size, so the test above
        // can fail.
        for size in SIZES {
            let canvas = Draw::new(AMOUNT, size, (20, 40)).render(false);
            assert!(
                check_spacing(&canvas, size).is_err(),
                "size {size}: plotters' text passes"
            );
        }
    }

    #[test]
    fn the_gap_after_the_one_is_the_fonts() {
        // At the size of the chart labels plotters draws "1,71 3.45": the `1` without its
        // wide bearing, a hole after it. Gap 3 is the one between that `1` and the `3`.
        let size = 15.0;
        let draw = Draw::new(AMOUNT, size, (20, 40));
        let want = predicted_ink(AMOUNT, size);
        let font = want[4].0 - want[3].1;
        let gap_after_one = |fixed: bool| {
            let b = glyph_boxes(&draw.render(fixed), 20.0, &want);
            b[4].expect("3 apart").0 - b[3].expect("1 apart").1
        };
        let (old, new) = (gap_after_one(false), gap_after_one(true));
        assert!(old - font > 0.9, "plotters: {old:.2} px, font {font:.2}");
        assert!((new - font).abs() < 0.5, "now {new:.2} px, font {font:.2}");
    }

    #[test]
    fn text_sits_where_plotters_put_it() {
        // Every anchor, straight and turned as the y-axis description is: the ink lies where
        // plotters' own rendering puts it, the rows exactly (the baseline is plotters'), the
        // columns within the side bearings plotters left out and its truncated width.
        let anchors = [HPos::Left, HPos::Center, HPos::Right]
            .into_iter()
            .flat_map(|h| [VPos::Top, VPos::Center, VPos::Bottom].map(|v| Pos::new(h, v)));
        for anchor in anchors {
            for (transform, pos) in [
                (FontTransform::None, (300, 80)),
                (FontTransform::Rotate270, (80, 300)),
                (FontTransform::Rotate90, (80, 300)),
            ] {
                for size in [14.0, 15.0, 17.0, 28.0] {
                    let mut draw = Draw::new("Spend 1,713.45 (USD)", size, pos);
                    draw.anchor = anchor;
                    draw.transform = transform.clone();
                    draw.canvas = (600, 600);
                    let (new, old) = (draw.render(true).ink_box(), draw.render(false).ink_box());
                    let along = |b: (i32, i32, i32, i32)| match transform {
                        FontTransform::None => ((b.0, b.2), (b.1, b.3)),
                        _ => ((b.1, b.3), (b.0, b.2)),
                    };
                    let ((new_a, new_across), (old_a, old_across)) = (along(new), along(old));
                    assert_eq!(
                        new_across, old_across,
                        "size {size}: rows of {new:?} vs {old:?}"
                    );
                    assert!(
                        (new_a.0 - old_a.0).abs() <= 2 && (new_a.1 - old_a.1).abs() <= 2,
                        "size {size}: columns of {new:?} vs {old:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn anchors_place_the_advance_box() {
        // Left at x, centred on x, right at x: the first glyph's ink starts at its bearing
        // from the start of the box, which lies at x, x - width / 2 and x - width.
        let size = 17.0;
        let want = predicted_ink(AMOUNT, size);
        let face = faces().expect("font parses");
        let width = Line::new(&face.regular, size, AMOUNT).width();
        for (h, start) in [
            (HPos::Left, 200.0),
            (HPos::Center, 200.0 - width / 2.0),
            (HPos::Right, 200.0 - width),
        ] {
            let mut draw = Draw::new(AMOUNT, size, (200, 40));
            draw.anchor = Pos::new(h, VPos::Top);
            let boxes = ink_boxes(&draw.render(true));
            let (first, last) = (boxes[0], boxes[boxes.len() - 1]);
            assert!(
                (first.0 - (start + want[0].0)).abs() <= 0.5,
                "{first:?} vs {start}"
            );
            assert!(
                (last.1 - (start + want[7].1)).abs() <= 0.5,
                "{last:?} vs {start}"
            );
        }
    }

    #[test]
    fn turned_text_is_the_same_pixels_turned() {
        // plotters turns text about the anchor point with `FontTransform::transform`; so does
        // the wrapper: the turned rendering is the straight one, pixel for pixel, turned.
        let mut straight = Draw::new("Spend (USD) 1,713.45", 17.0, (200, 100));
        straight.anchor = Pos::new(HPos::Center, VPos::Top);
        straight.canvas = (400, 400);
        let flat = straight.render(true);
        let flat_ink = flat.inked();
        assert!(flat_ink.len() > 200, "text drawn");
        for transform in [FontTransform::Rotate90, FontTransform::Rotate270] {
            let mut turned = Draw::new(straight.text, 17.0, (200, 200));
            turned.anchor = straight.anchor;
            turned.transform = transform.clone();
            turned.canvas = (400, 400);
            let canvas = turned.render(true);
            assert_eq!(canvas.inked().len(), flat_ink.len());
            for &(x, y, ink) in &flat_ink {
                let (tx, ty) = transform.transform(x - 200, y - 100);
                assert_eq!(canvas.at(200 + tx, 200 + ty), ink, "pixel ({x}, {y})");
            }
        }
    }

    #[test]
    fn estimated_size_is_the_drawn_advance_box() {
        let face = faces().expect("font parses");
        for size in [14.0, 15.0, 17.0, 28.0] {
            let draw = Draw::new(AMOUNT, size, (0, 0));
            let style = draw.style();
            let mut buf = [255u8; 12];
            let backend = TextBackend::new(BitMapBackend::with_buffer(&mut buf, (2, 2)));
            let (w, h) = backend
                .estimate_text_size(AMOUNT, &style)
                .expect("measures");
            let width = Line::new(&face.regular, size, AMOUNT).width();
            assert_eq!(w, width.ceil() as u32);
            assert_eq!(h, (size / 1.24) as u32);
            // plotters' own estimate truncates the same advance sum.
            let (pw, ph) = style.font.box_size(AMOUNT).expect("plotters measures");
            assert_eq!((pw, ph), (width as u32, h));
        }
    }

    #[test]
    fn an_unknown_family_fails_as_in_plotters() {
        assert!(font::register());
        let style = FontDesc::new(
            FontFamily::Name("No Such Font"),
            15.0,
            plotters::style::FontStyle::Normal,
        )
        .color(&BLACK);
        let mut buf = [255u8; 300];
        let mut backend = TextBackend::new(BitMapBackend::with_buffer(&mut buf, (10, 10)));
        let e = backend
            .draw_text("1", &style, (0, 0))
            .expect_err("no such font");
        assert_eq!(e.to_string(), "Font loading error: FontUnavailable");
        let e = backend
            .estimate_text_size("1", &style)
            .expect_err("no such font");
        assert_eq!(e.to_string(), "Font loading error: FontUnavailable");
    }
}
