//! Native raster output (`cascade render --png`): plotters' bitmap backend behind a thin
//! wrapper that
//!
//! * draws at an integer `scale` (2 gives a sharp image for slides and print: every coordinate,
//!   stroke width and font size is multiplied, so the layout is the page's layout), and
//! * draws text with a bundled font — DejaVu Sans Mono, rasterised by `ab_glyph` — placed the way
//!   the browser's canvas places it (same anchors, same advance, `format::MONO_ADVANCE`), so the
//!   PNG matches the page and needs no fonts installed on the machine.
//!
//! Native only; the browser draws through `web/canvas.rs`.

use super::format::MONO_ADVANCE;
use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind, FontTransform,
};

pub struct Raster<DB> {
    inner: DB,
    k: i32,
    font: FontRef<'static>,
}

impl<DB: DrawingBackend> Raster<DB> {
    /// `inner` must be `scale` times the logical size in each direction.
    pub fn new(inner: DB, scale: u32) -> crate::error::Result<Self> {
        use crate::error::Error;
        if !(1..=8).contains(&scale) {
            return Err(Error::Draw(format!("scale {scale} is out of range (1 to 8)")));
        }
        let font = FontRef::try_from_slice(dejavu::sans_mono::regular())
            .map_err(|e| Error::Draw(format!("bundled font: {e}")))?;
        Ok(Raster { inner, k: scale as i32, font })
    }

    fn at(&self, (x, y): BackendCoord) -> BackendCoord {
        (x * self.k, y * self.k)
    }
}

/// A style with its stroke width multiplied by the scale.
struct Scaled<'a, S> {
    style: &'a S,
    k: u32,
}

impl<S: BackendStyle> BackendStyle for Scaled<'_, S> {
    fn color(&self) -> BackendColor {
        self.style.color()
    }
    fn stroke_width(&self) -> u32 {
        self.style.stroke_width() * self.k
    }
}

type Res<E> = Result<(), DrawingErrorKind<E>>;

impl<DB: DrawingBackend> DrawingBackend for Raster<DB> {
    type ErrorType = DB::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        let (w, h) = self.inner.get_size();
        (w / self.k as u32, h / self.k as u32)
    }
    fn ensure_prepared(&mut self) -> Res<DB::ErrorType> {
        self.inner.ensure_prepared()
    }
    fn present(&mut self) -> Res<DB::ErrorType> {
        self.inner.present()
    }
    fn draw_pixel(&mut self, p: BackendCoord, c: BackendColor) -> Res<DB::ErrorType> {
        if self.k == 1 {
            return self.inner.draw_pixel(p, c);
        }
        let (x, y) = self.at(p);
        self.inner.draw_rect((x, y), (x + self.k - 1, y + self.k - 1), &c, true)
    }
    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, s: &S) -> Res<DB::ErrorType> {
        let k = self.k as u32;
        self.inner.draw_line(self.at(from), self.at(to), &Scaled { style: s, k })
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        ul: BackendCoord,
        br: BackendCoord,
        s: &S,
        fill: bool,
    ) -> Res<DB::ErrorType> {
        let k = self.k as u32;
        let br = if fill { (br.0 * self.k + self.k - 1, br.1 * self.k + self.k - 1) } else { self.at(br) };
        self.inner.draw_rect(self.at(ul), br, &Scaled { style: s, k }, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        s: &S,
    ) -> Res<DB::ErrorType> {
        let k = self.k;
        self.inner.draw_path(path.into_iter().map(|(x, y)| (x * k, y * k)), &Scaled { style: s, k: k as u32 })
    }
    fn draw_circle<S: BackendStyle>(&mut self, c: BackendCoord, r: u32, s: &S, fill: bool) -> Res<DB::ErrorType> {
        let k = self.k as u32;
        self.inner.draw_circle(self.at(c), r * k, &Scaled { style: s, k }, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        s: &S,
    ) -> Res<DB::ErrorType> {
        let k = self.k;
        self.inner.fill_polygon(vert.into_iter().map(|(x, y)| (x * k, y * k)), &Scaled { style: s, k: k as u32 })
    }
    fn blit_bitmap(&mut self, pos: BackendCoord, (w, h): (u32, u32), src: &[u8]) -> Res<DB::ErrorType> {
        if self.k == 1 {
            return self.inner.blit_bitmap(pos, (w, h), src);
        }
        // nearest-neighbour upscaling of an RGB image
        let k = self.k as usize;
        let (w, h) = (w as usize, h as usize);
        let mut big = vec![0u8; w * k * h * k * 3];
        for y in 0..h * k {
            for x in 0..w * k {
                let from = ((y / k) * w + x / k) * 3;
                let to = (y * w * k + x) * 3;
                if let (Some(a), Some(b)) = (src.get(from..from + 3), big.get_mut(to..to + 3)) {
                    b.copy_from_slice(a);
                }
            }
        }
        self.inner.blit_bitmap(self.at(pos), ((w * k) as u32, (h * k) as u32), &big)
    }

    /// The same arithmetic as the browser's canvas backend: a monospace font of known advance.
    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), DrawingErrorKind<DB::ErrorType>> {
        let w = (text.chars().count() as f64 * style.size() * MONO_ADVANCE).ceil() as u32;
        let h = style.size().ceil() as u32;
        Ok(match style.transform() {
            FontTransform::Rotate90 | FontTransform::Rotate270 => (h, w),
            _ => (w, h),
        })
    }

    /// Text anchored like canvas `textAlign`/`textBaseline` (`top`/`middle`/`bottom` are the edges
    /// and middle of the em box), rotated about the anchor, blended by glyph coverage.
    fn draw_text<T: BackendTextStyle>(&mut self, text: &str, style: &T, pos: BackendCoord) -> Res<DB::ErrorType> {
        let c = style.color();
        if c.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let em = (style.size() * self.k as f64) as f32;
        let units = self.font.units_per_em().unwrap_or(2048.0);
        let (asc, desc) = (self.font.ascent_unscaled() / units, self.font.descent_unscaled() / units);
        // ab_glyph's scale is the ascent-to-descent height in pixels
        let scale = PxScale::from(em * (asc - desc));
        let sf = self.font.as_scaled(scale);
        // the em box, normalised to one em, split at the baseline like the font's ascent/descent
        let above = em * asc / (asc - desc);
        let anchor = style.anchor();
        let baseline = match anchor.v_pos {
            VPos::Top => above,
            VPos::Center => above - em / 2.0,
            VPos::Bottom => above - em,
        };
        let width: f32 = text.chars().map(|ch| sf.h_advance(sf.glyph_id(ch))).sum();
        let mut x = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let origin = self.at(pos);
        let transform = style.transform();
        let mut pixels: Vec<(BackendCoord, f32)> = vec![];
        for ch in text.chars() {
            let id = sf.glyph_id(ch);
            if let Some(outline) = self.font.outline_glyph(id.with_scale_and_position(scale, point(x, baseline))) {
                let b = outline.px_bounds();
                outline.draw(|gx, gy, coverage| {
                    if coverage > 0.0 {
                        let (tx, ty) = transform.transform(b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32);
                        pixels.push(((origin.0 + tx, origin.1 + ty), coverage.min(1.0)));
                    }
                });
            }
            x += sf.h_advance(id);
        }
        for (p, coverage) in pixels {
            self.inner.draw_pixel(p, BackendColor { alpha: c.alpha * coverage as f64, rgb: c.rgb })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::*;

    fn ink(buf: &[u8]) -> usize {
        buf.chunks(3).filter(|p| p[0] < 128).count()
    }

    #[test]
    fn text_sits_on_one_baseline_and_scales() {
        // "0.5" at 20 px, top-left anchor on a white 100×40 image: the period's lowest ink row is
        // the digits' lowest ink row (the baseline), and at scale 2 the ink grows about 4×.
        let draw = |k: u32| {
            let mut buf = vec![255u8; (100 * k * 40 * k * 3) as usize];
            {
                let root = Raster::new(BitMapBackend::with_buffer(&mut buf, (100 * k, 40 * k)), k)
                    .unwrap()
                    .into_drawing_area();
                root.draw(&Text::new("0.5", (2, 2), ("monospace", 20).into_font().color(&BLACK))).unwrap();
                root.present().unwrap();
            }
            buf
        };
        let one = draw(1);
        let rows_with_ink = |buf: &[u8], x0: usize, x1: usize| -> Vec<usize> {
            (0..40).filter(|y| (x0..x1).any(|x| buf[(y * 100 + x) * 3] < 128)).collect()
        };
        // advance 0.6 em = 12 px per glyph: columns 2..14 '0', 14..26 '.', 26..38 '5'
        let digit = rows_with_ink(&one, 2, 14);
        let dot = rows_with_ink(&one, 16, 24);
        assert!(!digit.is_empty() && !dot.is_empty(), "ink drawn");
        assert!(digit.last().unwrap().abs_diff(*dot.last().unwrap()) <= 1, "baseline: {digit:?} vs {dot:?}");
        assert!(dot.len() < digit.len() / 2, "the period is short: {dot:?}");
        let two = draw(2);
        let ratio = ink(&two) as f64 / ink(&one) as f64;
        assert!((3.0..5.0).contains(&ratio), "ink ratio at scale 2: {ratio}");
    }

    #[test]
    fn bad_scale_is_an_error() {
        let mut buf = vec![0u8; 30];
        assert!(Raster::new(BitMapBackend::with_buffer(&mut buf, (10, 1)), 0).is_err());
    }
}
