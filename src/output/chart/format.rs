//! Numbers and text as the charts write them, and the width of text in the chart font.

/// Advance width of the monospace font, in ems (DejaVu Sans Mono / Liberation Mono: 0.6): text
/// width is arithmetic, never measured (measuring through the DOM dominated the redraw).
pub const MONO_ADVANCE: f64 = 0.6;

/// Width of `text` at `size` px in the chart font.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * MONO_ADVANCE
}

/// Compact money: 12.3k, 4.56M, 1.2B.
pub fn fmt_usd(v: f64) -> String {
    let a = v.abs();
    let (d, s) = if a >= 1e9 {
        (v / 1e9, "B")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let digits = if d.abs() >= 100.0 {
        0
    } else if d.abs() >= 10.0 {
        1
    } else {
        2
    };
    let t = crate::types::fixed(d, digits);
    let t = if t.contains('.') { t.trim_end_matches('0').trim_end_matches('.').to_string() } else { t };
    format!("{t}{s}")
}

/// Time-axis labels: hours and minutes from the start, "1:05", as the page's text writes times.
pub fn fmt_hours(v: &f64) -> String {
    let m = (v * 60.0).round().max(0.0) as u64;
    format!("{}:{:02}", m / 60, m % 60)
}

/// A price with the decimals its size needs: 98 765, 3 456.78, 1.2345.
pub fn fmt_price(v: f64) -> String {
    let dp = if v.abs() >= 10_000.0 {
        0
    } else if v.abs() >= 100.0 {
        2
    } else if v.abs() >= 1.0 {
        4
    } else {
        6
    };
    crate::types::short(v, dp)
}

pub fn fmt_pct(v: f64) -> String {
    let a = v.abs();
    if a < 1e-9 {
        return "0%".into();
    }
    let dp = if a >= 10.0 || (a >= 1.0 && v == v.round()) {
        0
    } else if a >= 1.0 {
        1
    } else if a >= 0.1 {
        2
    } else {
        3
    };
    format!("{}%", crate::types::fixed(v, dp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_labels_are_compact() {
        let cases = [
            (0.0, "0"),
            (950.0, "950"),
            (12_345.0, "12.3k"),
            (4_560_000.0, "4.56M"),
            (-2.0e9, "-2B"),
            (100_000.0, "100k"),
        ];
        for (v, want) in cases {
            assert_eq!(fmt_usd(v), want, "{v}");
        }
    }

    #[test]
    fn percent_labels_keep_small_values_visible() {
        let cases = [
            (0.0, "0%"),
            (-1e-12, "0%"),
            (100.0, "100%"),
            (2.5, "2.5%"),
            (-0.04, "-0.040%"),
            (0.25, "0.25%"),
            (-15.0, "-15%"),
        ];
        for (v, want) in cases {
            assert_eq!(fmt_pct(v), want, "{v}");
        }
    }

    #[test]
    fn time_labels_are_hours_and_minutes() {
        for (h, want) in [(0.0, "0:00"), (1.0833333, "1:05"), (24.0, "24:00"), (0.4999, "0:30")] {
            assert_eq!(fmt_hours(&h), want, "{h}");
        }
    }
}
