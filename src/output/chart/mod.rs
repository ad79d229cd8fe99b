//! The charts, drawn once for every backend: plotters' canvas-like backend in the browser
//! (`web/canvas.rs`), SVG and PNG natively (`cascade render`, the chart tests). Pure: no web imports.
//!
//! 1. your account: collateral value and equity (the other margin mode dashed, no feedback dotted);
//! 2. its margin ratio with the 100 % liquidation line and a marker at each liquidation;
//! 3. price-impact feedback: market (solid) vs exogenous (dashed) price change per asset, and
//!    below it the impact in % with the forced-sale volume per step;
//! 4. the crowd: its liquidations per step, and its liquidation ladder at the time cursor;
//!
//! and, apart from the time charts, the liquidation surface (`surface.rs`): a heat map of what a
//! grid of two assets' moves does to your account, and the Monte Carlo risk map (`risk.rs`): the
//! probability of liquidation over a grid of two controls.
//!
//! The time charts share one time axis and the same left/right label widths, so a step is at the
//! same x on every chart. Legends are drawn above the plot area, never over the data. Text uses a
//! monospace font so its width is known without measuring (`format::MONO_ADVANCE`).
//!
//! Files: `draw.rs` (the list of charts and the dispatch), one file per chart (`account.rs`,
//! `impact.rs`, `crowd.rs`, `surface.rs`) over `frame.rs` (what they share), `data.rs` (what they draw, from an
//! outcome), `format.rs` and `theme.rs` (leaves), `sheet.rs` (stacking, SVG), `image.rs` and
//! `raster.rs` (PNG, native only).

mod account;
mod crowd;
mod data;
mod draw;
mod format;
mod frame;
#[cfg(not(target_arch = "wasm32"))]
mod image;
mod impact;
#[cfg(not(target_arch = "wasm32"))]
pub mod raster;
mod risk;
mod sheet;
mod surface;
mod theme;

pub use data::{AssetSeries, ChartData, LadderData, LiqMarker};
pub use draw::{chart_names, draw, Which, CHARTS};
pub use format::{fmt_pct, fmt_usd, text_width, MONO_ADVANCE};
pub use frame::{LEFT, RIGHT, TOP};
#[cfg(not(target_arch = "wasm32"))]
pub use image::{png, rgb, surface_png, MAX_PIXELS};
pub use risk::{risk_map, risk_svg, shade, RiskMap};
pub use sheet::{svg, Sheet, TITLE_BAND};
pub use surface::{boundary, fill, surface, surface_svg};
pub use theme::{Theme, DARK, LIGHT, LIQ_RED, PALETTE};

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::RGBColor;

    #[test]
    fn charts_draw_what_they_claim() {
        let o = crate::simulate_json(crate::share::presets::get("contagion").unwrap().json).unwrap();
        let mut d = ChartData::from_outcome(&o);
        let m =
            crate::engine::model::Model::from_scenario(&crate::share::presets::get("contagion").unwrap().scenario())
                .unwrap();
        d.ladder = Some(LadderData::at(&m, 0, 1));
        let svg = svg(&d, &Sheet::new(900, 300), &LIGHT).unwrap();
        // legends and titles name the series, with the modes
        for want in [
            "equity (cross)",
            "collateral (isolated)",
            "liquidation at 100%",
            "Margin ratio (%)",
            "ETH market",
            "ETH exogenous",
            "time (h:mm)",
            "The crowd: liquidations per step",
            "liquidation ladder: ETH",
        ] {
            assert!(svg.contains(want), "missing {want:?}");
        }
        // the liquidation marker names the healthy position that was closed: "BTC+ETH" at one step
        assert!(d.liquidations.iter().any(|m| m.label.contains("BTC")), "{:?}", d.liquidations);
        assert!(svg.contains("BTC+ETH"), "marker label");
        // dashed counterfactuals are drawn as many short segments; solid series as one polyline
        assert!(svg.matches("<polyline").count() >= 6);
        // BTC never moves in this preset except for drift, so chart 3 shows only assets that move
        assert!(d.assets.iter().any(|a| a.symbol == "ETH"));
    }

    #[test]
    fn the_bitmap_draws_the_series_colours_and_text() {
        let o = crate::simulate_json(crate::share::presets::get("contagion").unwrap().json).unwrap();
        let d = ChartData::from_outcome(&o);
        let count = |px: &[u8], c: RGBColor| px.chunks(3).filter(|p| p == &[c.0, c.1, c.2]).count();
        let sheet = Sheet::new(900, 300);
        let px = rgb(&d, &sheet, 1, &LIGHT).unwrap();
        // five panels: collateral, margin ratio, impact, crowd over time, crowd ladder
        assert_eq!(px.len(), 900 * 5 * 300 * 3);
        assert!(count(&px, LIGHT.background) > px.len() / 3 / 2, "mostly background");
        assert!(count(&px, PALETTE[0]) > 1000, "the blue equity/margin-ratio lines");
        assert!(count(&px, LIQ_RED) > 300, "the liquidation line and marker");
        // text: anti-aliased glyphs give many dark pixels in the title band of the first chart
        let dark_in_title = (0..TOP as usize * 900).filter(|i| px[i * 3] < 100 && px[i * 3 + 1] < 100).count();
        assert!(dark_in_title > 300, "title and legend text drawn ({dark_in_title} dark pixels)");
        let dark = rgb(&d, &Sheet::new(900, 300), 1, &DARK).unwrap();
        assert_eq!(&dark[..3], &[DARK.background.0, DARK.background.1, DARK.background.2]);
    }

    #[test]
    fn the_crowd_charts_draw_its_liquidations_and_its_ladder() {
        let p = crate::share::presets::get(crate::share::presets::DEFAULT).unwrap();
        let m = crate::engine::model::Model::from_scenario(&p.scenario()).unwrap();
        let o = crate::engine::outcome::simulate(&m);
        let mut d = ChartData::from_outcome(&o);
        assert!(d.crowd_notional.iter().any(|x| *x > 0.0) && d.crowd_accounts.iter().any(|x| *x > 0.0));
        let step = crate::engine::ladder::default_step(&m);
        let asset = crate::engine::ladder::default_asset(&m);
        assert_eq!((m.assets[asset].symbol.as_str(), step), ("ETH", 11), "ETH, just before its shock");
        d.ladder = Some(LadderData::at(&m, step, asset));
        let only = |w: Which| Sheet { charts: vec![w], title: None, width: 900, height_each: 320 };
        let svg_of = |d: &ChartData, w| svg(d, &only(w), &LIGHT).unwrap();
        let crowd = svg_of(&d, Which::Crowd);
        assert!(crowd.contains("notional liquidated (USD, bars)") && crowd.contains("accounts liquidated (right)"));
        let ladder = svg_of(&d, Which::Ladder);
        for want in [
            "liquidation ladder: ETH at step 11 (0:55)",
            "notional liquidated by a fall",
            "what its book absorbs (±2% depth 40M)",
        ] {
            assert!(ladder.contains(want), "missing {want:?}");
        }
        // the bars: long liquidations below the market (vermillion), in pixels
        let count = |px: &[u8], c: RGBColor| px.chunks(3).filter(|p| p == &[c.0, c.1, c.2]).count();
        let px = rgb(&d, &only(Which::Ladder), 1, &LIGHT).unwrap();
        assert!(count(&px, PALETTE[6]) > 100, "the absorption line is drawn");
        // without a crowd, the ladder says so instead of drawing an empty plot
        d.ladder = None;
        assert!(svg_of(&d, Which::Ladder).contains("No crowd in this scenario"));
    }

    #[test]
    fn an_unbounded_margin_ratio_is_drawn_as_such() {
        // contagion's cross account ends at equity 0 after closing everything; the double-hit one
        // goes through negative equity at its liquidation
        let o = crate::simulate_json(crate::share::presets::get("double-hit").unwrap().json).unwrap();
        let d = ChartData::from_outcome(&o);
        let unbounded = d.mr_pct.iter().any(Option::is_none) || d.liquidations.iter().any(|m| m.check_pct.is_none());
        let svg =
            svg(&d, &Sheet { charts: vec![Which::MarginRatio], title: None, width: 900, height_each: 300 }, &LIGHT)
                .unwrap();
        assert_eq!(svg.contains("unbounded (equity ≤ 0)"), unbounded);
    }

    #[test]
    fn a_window_draws_only_its_steps() {
        let o = crate::simulate_json(crate::share::presets::get("amplification").unwrap().json).unwrap();
        let mut d = ChartData::from_outcome(&o);
        let sheet = Sheet { charts: vec![Which::Impact], title: None, width: 900, height_each: 300 };
        let whole = svg(&d, &sheet, &LIGHT).unwrap();
        d.window = Some((4, 16));
        let zoomed = svg(&d, &sheet, &LIGHT).unwrap();
        assert_ne!(whole, zoomed);
        // every time label lies in the window, step 4 (0:20) to step 16 (1:20)
        let minutes = |svg: &str| -> Vec<u32> {
            svg.split('>')
                .filter_map(|p| p.trim().strip_suffix("</text"))
                .filter_map(|t| t.trim().split_once(':'))
                .filter_map(|(h, m)| Some(h.parse::<u32>().ok()? * 60 + m.parse::<u32>().ok()?))
                .collect()
        };
        let (z, w) = (minutes(&zoomed), minutes(&whole));
        assert!(z.len() >= 3 && z.iter().all(|m| (20..=80).contains(m)), "{z:?}");
        assert!(w.contains(&360), "the whole run reaches 6:00: {w:?}");
    }
}
