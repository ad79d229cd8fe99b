//! Bitmaps (`cascade render --png`, `cascade surface --png`): a drawing through plotters' bitmap
//! backend, at an integer scale, with text from a bundled font (`raster.rs`), encoded as PNG.
//! Native only.

use super::data::ChartData;
use super::raster::Raster;
use super::sheet::{stack, Sheet};
use super::theme::Theme;
use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Largest bitmap drawn (pixels): 100 MP is 300 MB of RGB, already more than any slide needs.
pub const MAX_PIXELS: u64 = 100_000_000;

/// The drawing area a bitmap is drawn on.
pub type Area<'a> = DrawingArea<Raster<BitMapBackend<'a>>, Shift>;

/// `draw` on a `width × height` area at `scale` image pixels per chart pixel, as RGB pixels (3
/// bytes each, row-major).
pub fn bitmap(width: u32, height: u32, scale: u32, draw: impl FnOnce(&Area) -> Result<()>) -> Result<Vec<u8>> {
    let (w, h) = (width as u64 * scale as u64, height as u64 * scale as u64);
    let pixels = w * h;
    if pixels > MAX_PIXELS || w == 0 || h == 0 {
        return Err(Error::Draw(format!(
            "a {w}×{h} image ({} megapixels) is outside what this renders (1 to {} megapixels); use a smaller size or scale",
            pixels / 1_000_000,
            MAX_PIXELS / 1_000_000
        )));
    }
    let size = (w as u32, h as u32);
    let mut buf = vec![0u8; size.0 as usize * size.1 as usize * 3];
    let backend = Raster::new(BitMapBackend::with_buffer(&mut buf, size), scale)?;
    draw(&backend.into_drawing_area())?;
    Ok(buf)
}

/// The sheet as RGB pixels (3 bytes each, row-major), as [`png()`] encodes them.
pub fn rgb(d: &ChartData, sheet: &Sheet, scale: u32, th: &Theme) -> Result<Vec<u8>> {
    if sheet.charts.is_empty() {
        return Err(Error::Draw("no charts to draw".into()));
    }
    bitmap(sheet.width, sheet.height(), scale, |area| stack(area, d, sheet, th))
}

/// RGB pixels of a `width × height` image as a PNG file.
pub fn encode(pixels: &[u8], width: u32, height: u32) -> Result<Vec<u8>> {
    let mut out = vec![];
    let mut enc = ::png::Encoder::new(&mut out, width, height);
    enc.set_color(::png::ColorType::Rgb);
    enc.set_depth(::png::BitDepth::Eight);
    enc.set_compression(::png::Compression::Best);
    let e = |e: ::png::EncodingError| Error::Draw(format!("encoding the PNG: {e}"));
    let mut w = enc.write_header().map_err(e)?;
    w.write_image_data(pixels).map_err(e)?;
    w.finish().map_err(e)?;
    Ok(out)
}

/// The sheet as a PNG file: `width × height()` chart pixels drawn at `scale` image pixels each (2
/// for sharp slides), text in the bundled font (`cascade render --png`).
pub fn png(d: &ChartData, sheet: &Sheet, scale: u32, th: &Theme) -> Result<Vec<u8>> {
    encode(&rgb(d, sheet, scale, th)?, sheet.width * scale, sheet.height() * scale)
}

/// The liquidation surface as a PNG file (`cascade surface --png`).
pub fn surface_png(
    s: &crate::engine::surface::Surface,
    width: u32,
    height: u32,
    scale: u32,
    th: &Theme,
) -> Result<Vec<u8>> {
    let e = |e: DrawingAreaErrorKind<_>| Error::Draw(e.to_string());
    let px = bitmap(width, height, scale, |area| {
        super::surface::surface(area, s, th).map_err(e)?;
        area.present().map_err(e)
    })?;
    encode(&px, width * scale, height * scale)
}
