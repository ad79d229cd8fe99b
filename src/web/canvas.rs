//! A plotters `DrawingBackend` over a 2D canvas context, drawn in CSS pixels on a backing
//! store scaled by `devicePixelRatio` (sharp on HiDPI screens).
//!
//! Unlike `plotters-canvas`, text is never measured through the DOM: the charts use a
//! monospace font whose advance is a known fraction of its size (`chart::MONO_ADVANCE`), so
//! `estimate_text_size` is arithmetic. Measuring through the DOM dominated redraw time.

use crate::output::chart::MONO_ADVANCE;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::FontTransform;
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

#[derive(Debug)]
pub struct CanvasError(String);

impl std::fmt::Display for CanvasError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "canvas: {}", self.0)
    }
}
impl std::error::Error for CanvasError {}

type Res = Result<(), DrawingErrorKind<CanvasError>>;

fn js(e: wasm_bindgen::JsValue) -> DrawingErrorKind<CanvasError> {
    DrawingErrorKind::DrawingError(CanvasError(format!("{e:?}")))
}

pub struct CanvasBackend {
    ctx: CanvasRenderingContext2d,
    width: u32,
    height: u32,
    // The context's current stroke/fill state, to skip redundant (costly) calls into JS.
    stroke: Option<(BackendColor, u32)>,
    fill: Option<BackendColor>,
    /// The context's font and text alignment as last set (setting a font makes the browser
    /// parse it: a third of the text's cost when it was set for every label).
    font: String,
    align: Option<(&'static str, &'static str)>,
    /// A path begun and not yet stroked: consecutive paths in one stroke style are stroked as
    /// one (a dashed line is hundreds of short paths, each a begin, a move, a line and a stroke
    /// in JS). Stroked before anything else is drawn, so what is drawn later stays on top. (Where
    /// two such paths overlap, a translucent stroke is blended once, not twice: the charts'
    /// translucent colours are all fills.)
    open_path: bool,
}

impl CanvasBackend {
    /// Size the canvas's backing store to `css_w × css_h × dpr` and draw in CSS pixels.
    pub fn new(canvas: &HtmlCanvasElement, css_w: u32, css_h: u32, dpr: f64) -> crate::error::Result<CanvasBackend> {
        let no_ctx = |why: String| crate::error::Error::Draw(format!("the canvas gives no 2D context: {why}"));
        let dpr = if dpr.is_finite() && dpr > 0.0 { dpr.min(4.0) } else { 1.0 };
        let (bw, bh) = ((css_w as f64 * dpr).round() as u32, (css_h as f64 * dpr).round() as u32);
        if canvas.width() != bw {
            canvas.set_width(bw);
        }
        if canvas.height() != bh {
            canvas.set_height(bh);
        }
        let ctx =
            canvas.get_context("2d").map_err(|e| no_ctx(format!("{e:?}")))?.ok_or_else(|| no_ctx("none".into()))?;
        let ctx: CanvasRenderingContext2d =
            wasm_bindgen::JsCast::dyn_into(ctx).map_err(|_| no_ctx("not a 2D context".into()))?;
        ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0).map_err(|e| no_ctx(format!("{e:?}")))?;
        ctx.set_line_cap("round");
        ctx.set_line_join("round");
        Ok(CanvasBackend {
            ctx,
            width: css_w,
            height: css_h,
            stroke: None,
            fill: None,
            font: String::new(),
            align: None,
            open_path: false,
        })
    }
}

impl CanvasBackend {
    fn set_stroke(&mut self, c: BackendColor, w: u32) {
        if self.stroke.is_some_and(|(sc, sw)| same(sc, c) && sw == w) {
            return;
        }
        self.flush();
        self.ctx.set_stroke_style_str(&css(c));
        self.ctx.set_line_width(w as f64);
        self.stroke = Some((c, w));
    }
    fn set_fill(&mut self, c: BackendColor) {
        if self.fill.is_some_and(|f| same(f, c)) {
            return;
        }
        self.ctx.set_fill_style_str(&css(c));
        self.fill = Some(c);
    }

    /// The font and the alignment of `style`, set only where they differ from the context's.
    fn set_text<T: BackendTextStyle>(&mut self, style: &T) {
        let font = format!("{}px {}", style.size(), style.family().as_str());
        if font != self.font {
            self.ctx.set_font(&font);
            self.font = font;
        }
        let a = style.anchor();
        let align = match a.h_pos {
            HPos::Left => "left",
            HPos::Center => "center",
            HPos::Right => "right",
        };
        let baseline = match a.v_pos {
            VPos::Top => "top",
            VPos::Center => "middle",
            VPos::Bottom => "bottom",
        };
        if self.align != Some((align, baseline)) {
            self.ctx.set_text_align(align);
            self.ctx.set_text_baseline(baseline);
            self.align = Some((align, baseline));
        }
    }

    /// Stroke the open path, if there is one.
    fn flush(&mut self) {
        if self.open_path {
            self.ctx.stroke();
            self.open_path = false;
        }
    }
}

impl Drop for CanvasBackend {
    fn drop(&mut self) {
        self.flush();
    }
}

fn same(a: BackendColor, b: BackendColor) -> bool {
    a.rgb == b.rgb && a.alpha == b.alpha
}

fn css(c: BackendColor) -> String {
    let (r, g, b) = c.rgb;
    format!("rgba({r},{g},{b},{})", c.alpha)
}

impl DrawingBackend for CanvasBackend {
    type ErrorType = CanvasError;

    fn get_size(&self) -> (u32, u32) {
        (self.width, self.height)
    }
    fn ensure_prepared(&mut self) -> Res {
        Ok(())
    }
    fn present(&mut self) -> Res {
        self.flush();
        Ok(())
    }

    fn draw_pixel(&mut self, p: BackendCoord, color: BackendColor) -> Res {
        if color.alpha > 0.0 {
            self.flush();
            self.set_fill(color);
            self.ctx.fill_rect(p.0 as f64, p.1 as f64, 1.0, 1.0);
        }
        Ok(())
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Res {
        self.draw_path([from, to], style)
    }

    fn draw_rect<S: BackendStyle>(&mut self, ul: BackendCoord, br: BackendCoord, style: &S, fill: bool) -> Res {
        let c = style.color();
        if c.alpha == 0.0 {
            return Ok(());
        }
        let (x, y, w, h) = (ul.0 as f64, ul.1 as f64, (br.0 - ul.0) as f64, (br.1 - ul.1) as f64);
        self.flush();
        if fill {
            self.set_fill(c);
            self.ctx.fill_rect(x, y, w, h);
        } else {
            self.set_stroke(c, style.stroke_width());
            self.ctx.stroke_rect(x + 0.5, y + 0.5, w, h);
        }
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, style: &S) -> Res {
        let c = style.color();
        if c.alpha == 0.0 {
            return Ok(());
        }
        let w = style.stroke_width().max(1);
        // odd widths on the half pixel so 1-px lines are crisp
        let off = if w % 2 == 1 { 0.5 } else { 0.0 };
        self.set_stroke(c, w); // (strokes the open path if the style changes)
        if !self.open_path {
            self.ctx.begin_path();
            self.open_path = true;
        }
        let mut first = true;
        for (x, y) in path {
            if first {
                self.ctx.move_to(x as f64 + off, y as f64 + off);
                first = false;
            } else {
                self.ctx.line_to(x as f64 + off, y as f64 + off);
            }
        }
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, vert: I, style: &S) -> Res {
        let c = style.color();
        if c.alpha == 0.0 {
            return Ok(());
        }
        self.flush();
        self.set_fill(c);
        self.ctx.begin_path();
        let mut first = true;
        for (x, y) in vert {
            if first {
                self.ctx.move_to(x as f64, y as f64);
                first = false;
            } else {
                self.ctx.line_to(x as f64, y as f64);
            }
        }
        self.ctx.close_path();
        self.ctx.fill();
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(&mut self, center: BackendCoord, radius: u32, style: &S, fill: bool) -> Res {
        let c = style.color();
        if c.alpha == 0.0 {
            return Ok(());
        }
        self.flush();
        self.ctx.begin_path();
        self.ctx.arc(center.0 as f64, center.1 as f64, radius as f64, 0.0, std::f64::consts::TAU).map_err(js)?;
        if fill {
            self.set_fill(c);
            self.ctx.fill();
        } else {
            self.set_stroke(c, style.stroke_width());
            self.ctx.stroke();
        }
        Ok(())
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), DrawingErrorKind<CanvasError>> {
        let w = (text.chars().count() as f64 * style.size() * MONO_ADVANCE).ceil() as u32;
        let h = style.size().ceil() as u32;
        Ok(match style.transform() {
            FontTransform::Rotate90 | FontTransform::Rotate270 => (h, w),
            _ => (w, h),
        })
    }

    fn draw_text<T: BackendTextStyle>(&mut self, text: &str, style: &T, pos: BackendCoord) -> Res {
        let c = style.color();
        if c.alpha == 0.0 {
            return Ok(());
        }
        self.flush();
        self.set_fill(c);
        self.set_text(style);
        let angle = match style.transform() {
            FontTransform::Rotate90 => std::f64::consts::FRAC_PI_2,
            FontTransform::Rotate180 => std::f64::consts::PI,
            FontTransform::Rotate270 => -std::f64::consts::FRAC_PI_2,
            FontTransform::None => 0.0,
        };
        let ctx = &self.ctx;
        if angle == 0.0 {
            return ctx.fill_text(text, pos.0 as f64, pos.1 as f64).map_err(js);
        }
        // (`save` keeps the fill, font and alignment just set: `restore` brings back the same;
        // restored whatever happens, so a failed call leaves no turned transform behind)
        ctx.save();
        let drawn = ctx
            .translate(pos.0 as f64, pos.1 as f64)
            .and_then(|()| ctx.rotate(angle))
            .and_then(|()| ctx.fill_text(text, 0.0, 0.0));
        ctx.restore();
        drawn.map_err(js)
    }
}
