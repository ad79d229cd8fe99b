//! Domain newtypes. Every amount of money, quantity, price and ratio is an exact
//! `rust_decimal::Decimal` behind a type that says what it is, so that a price can't be
//! added to a quantity by accident. Arithmetic between them is spelled out below
//! (quantity × price = money, money ÷ price = quantity, money ÷ money = ratio, …).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Div, Mul, Neg, Sub, SubAssign};

macro_rules! decimal_newtype {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Decimal);

        /// Serialised as an exact decimal string without trailing zeros ("1234.5").
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut buf = [0u8; DEC_BUF];
                s.serialize_str(decimal_str(self.0, &mut buf))
            }
        }

        impl $name {
            pub const ZERO: $name = $name(Decimal::ZERO);
            pub fn new(d: Decimal) -> Self { $name(d) }
            pub fn get(self) -> Decimal { self.0 }
            pub fn abs(self) -> Self { $name(self.0.abs()) }
            pub fn is_zero(self) -> bool { self.0.is_zero() }
            /// [`Self::is_zero`] by reference (for `skip_serializing_if`).
            pub fn is_zero_ref(&self) -> bool { self.0.is_zero() }
            pub fn is_sign_negative(self) -> bool { self.0 < Decimal::ZERO }
            pub fn is_sign_positive(self) -> bool { self.0 > Decimal::ZERO }
            pub fn max(self, o: Self) -> Self { if self >= o { self } else { o } }
            pub fn min(self, o: Self) -> Self { if self <= o { self } else { o } }
            pub fn round_dp(self, dp: u32) -> Self { $name(self.0.round_dp(dp)) }
            pub fn to_f64(self) -> f64 { use rust_decimal::prelude::ToPrimitive; self.0.to_f64().unwrap_or(0.0) }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { fmt::Display::fmt(&self.0.normalize(), f) }
        }
        impl Add for $name { type Output = $name; fn add(self, o: $name) -> $name { $name(self.0 + o.0) } }
        impl Sub for $name { type Output = $name; fn sub(self, o: $name) -> $name { $name(self.0 - o.0) } }
        impl Neg for $name { type Output = $name; fn neg(self) -> $name { $name(-self.0) } }
        impl AddAssign for $name { fn add_assign(&mut self, o: $name) { self.0 += o.0 } }
        impl SubAssign for $name { fn sub_assign(&mut self, o: $name) { self.0 -= o.0 } }
        impl std::iter::Sum for $name {
            fn sum<I: Iterator<Item = $name>>(it: I) -> $name { $name(it.map(|x| x.0).sum()) }
        }
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> { stringify!($name).into() }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "description": "An exact decimal number, written as a string (\"1234.56\") or a JSON number.",
                    "type": ["string", "number"],
                    "pattern": "^-?[0-9]+(\\.[0-9]+)?$"
                })
            }
        }
    };
}

decimal_newtype!(
    /// An amount of US dollars (the accounting currency).
    Money
);
decimal_newtype!(
    /// A signed quantity of an asset (long > 0, short < 0 for positions).
    Qty
);
decimal_newtype!(
    /// A price in USD per unit of an asset.
    Price
);
decimal_newtype!(
    /// A dimensionless ratio (0.005 = 0.5 %).
    Ratio
);

impl Mul<Price> for Qty {
    type Output = Money;
    fn mul(self, p: Price) -> Money {
        Money(self.0 * p.0)
    }
}
impl Mul<Ratio> for Money {
    type Output = Money;
    fn mul(self, r: Ratio) -> Money {
        Money(self.0 * r.0)
    }
}
impl Div<Price> for Money {
    type Output = Qty;
    fn div(self, p: Price) -> Qty {
        Qty(self.0 / p.0)
    }
}
impl Div<Money> for Money {
    type Output = Ratio;
    fn div(self, o: Money) -> Ratio {
        Ratio(self.0 / o.0)
    }
}
impl Div<Ratio> for Money {
    type Output = Money;
    fn div(self, r: Ratio) -> Money {
        Money(self.0 / r.0)
    }
}

impl Price {
    /// Round to the nearest multiple of `tick` (half away from zero), never below one tick.
    pub fn round_to_tick(self, tick: Price) -> Price {
        let n = (self.0 / tick.0).round();
        let p = n * tick.0;
        if p < tick.0 {
            tick
        } else {
            Price(p.normalize())
        }
    }
}

/// Room for any decimal written by [`decimal_str`]: a sign, 29 digits, a point and a leading zero.
pub const DEC_BUF: usize = 40;

/// `d` without trailing zeros, as `d.normalize().to_string()` writes it ("1234.5", "-0.001",
/// "0"), into `buf` and without allocating: the result document writes tens of thousands of them.
pub fn decimal_str(d: Decimal, buf: &mut [u8; DEC_BUF]) -> &str {
    let m = d.mantissa();
    if m == 0 {
        return "0"; // (the commonest value in the result document: a third of them)
    }
    let neg = m < 0;
    let (i, len) = match u64::try_from(m.unsigned_abs()) {
        // (the common case, in 64-bit arithmetic: 128-bit division is several times slower)
        Ok(u) if d.scale() <= 19 => digits_u64(u, d.scale(), buf),
        _ => digits(m.unsigned_abs(), d.scale(), buf),
    };
    let mut i = i;
    if neg && !(len == 1 && buf[i] == b'0') {
        i -= 1;
        buf[i] = b'-';
    }
    std::str::from_utf8(&buf[i..]).unwrap_or("0")
}

/// Pairs of digits, "00" to "99".
const PAIRS: &[u8; 200] =
    b"0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849\
5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";

/// `u`'s decimal digits, at least `width` of them (zero-padded), written to end at `buf[end]`:
/// the new start.
fn put_u64(mut u: u64, width: usize, buf: &mut [u8; DEC_BUF], end: usize) -> usize {
    let mut i = end;
    while u >= 100 {
        let r = (u % 100) as usize * 2;
        u /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[r..r + 2]);
    }
    if u >= 10 {
        let r = u as usize * 2;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[r..r + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + u as u8;
    }
    while end - i < width {
        i -= 1;
        buf[i] = b'0';
    }
    i
}

/// [`digits`] for a 64-bit mantissa and a scale of at most 19, two digits at a time.
fn digits_u64(mut u: u64, mut scale: u32, buf: &mut [u8; DEC_BUF]) -> (usize, usize) {
    while scale > 0 && u % 10 == 0 {
        u /= 10;
        scale -= 1;
    }
    if scale == 0 {
        let i = put_u64(u, 1, buf, DEC_BUF);
        return (i, DEC_BUF - i);
    }
    let p = 10u64.pow(scale);
    let i = put_u64(u % p, scale as usize, buf, DEC_BUF);
    buf[i - 1] = b'.';
    let i = put_u64(u / p, 1, buf, i - 1);
    (i, DEC_BUF - i)
}

/// The digits of `u / 10^scale` without trailing zeros, right-aligned in `buf`: (start, length).
/// A mantissa of up to 96 bits is split once into two halves of at most 19 digits, each then
/// written in 64-bit arithmetic (a 128-bit division per digit was the document's slowest part).
fn digits(u: u128, scale: u32, buf: &mut [u8; DEC_BUF]) -> (usize, usize) {
    const E19: u128 = 10_000_000_000_000_000_000;
    // every digit of `u`, right-aligned in `all[start..]`
    let mut all = [0u8; DEC_BUF];
    let (hi, lo) = ((u / E19) as u64, (u % E19) as u64);
    let start = match hi {
        0 => put_u64(lo, 1, &mut all, DEC_BUF),
        _ => {
            let mid = put_u64(lo, 19, &mut all, DEC_BUF);
            put_u64(hi, 1, &mut all, mid)
        }
    };
    // trailing zeros of the fraction dropped (`u` = 0 keeps its one digit)
    let (mut end, mut scale) = (DEC_BUF, scale as usize);
    while scale > 0 && end - start > 1 && all[end - 1] == b'0' {
        end -= 1;
        scale -= 1;
    }
    if u == 0 {
        scale = 0;
    }
    let n = end - start;
    let mut i = DEC_BUF;
    if scale > 0 {
        let take = scale.min(n);
        buf[i - take..i].copy_from_slice(&all[end - take..end]);
        i -= take;
        for _ in take..scale {
            i -= 1;
            buf[i] = b'0';
        }
        i -= 1;
        buf[i] = b'.';
    }
    if n > scale {
        let k = n - scale;
        buf[i - k..i].copy_from_slice(&all[start..start + k]);
        i -= k;
    } else {
        i -= 1;
        buf[i] = b'0';
    }
    (i, DEC_BUF - i)
}

/// Convert a finite f64 to a Decimal; `None` for NaN/infinite/out of range.
pub fn dec_from_f64(x: f64) -> Option<Decimal> {
    use rust_decimal::prelude::FromPrimitive;
    if !x.is_finite() {
        return None;
    }
    Decimal::from_f64(x)
}

/// `x` with exactly `dp` decimals, by integer arithmetic (f64 `{:.N}` formatting pulls ~18 KB
/// of float-printing code into the wasm build). Huge values print their integer part only.
pub fn fixed(x: f64, dp: usize) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let dp = dp.min(12);
    let scale = 10u64.pow(dp as u32);
    let n = (x * scale as f64).round();
    if n.abs() >= 9.0e15 {
        return dec_from_f64(x.round()).map(|d| d.round_dp(0).to_string()).unwrap_or_else(|| "out of range".into());
    }
    let n = n as i64;
    let a = n.unsigned_abs();
    let mut s = String::new();
    if n < 0 {
        s.push('-');
    }
    s.push_str(&(a / scale).to_string());
    if dp > 0 {
        s.push('.');
        let frac = (a % scale).to_string();
        for _ in frac.len()..dp {
            s.push('0');
        }
        s.push_str(&frac);
    }
    s
}

/// [`fixed`] without trailing zeros ("2.5", "10", "0.125").
pub fn short(x: f64, dp: usize) -> String {
    let s = fixed(x, dp);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Convert an f64 to an exact decimal at `dp` places (for leverage quantiles and the like).
pub fn dec_dp(x: f64, dp: u32) -> Option<Decimal> {
    // Fast, exact path: round(x · 10^dp) as an integer (IEEE, the same on every target).
    if dp <= 9 {
        let scaled = (x * 10f64.powi(dp as i32)).round();
        if scaled.is_finite() && scaled.abs() < 9.0e15 {
            return Some(Decimal::new(scaled as i64, dp).normalize());
        }
    }
    dec_from_f64(x).map(|d| d.round_dp(dp))
}
/// Thousands separated by commas, as the page writes them: 150,000, 6,666.67.
pub fn group(d: Decimal) -> String {
    let s = d.normalize().to_string();
    let (sign, s) = s.strip_prefix('-').map_or(("", s.as_str()), |r| ("-", r));
    let (int, frac) = s.split_once('.').map_or((s, None), |(a, b)| (a, Some(b)));
    let mut out = String::new();
    for (k, c) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}{}", frac.map(|f| format!(".{f}")).unwrap_or_default())
}

pub fn dec_to_f64(d: Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    d.to_f64().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros_free::d;

    mod rust_decimal_macros_free {
        pub fn d(s: &str) -> rust_decimal::Decimal {
            s.parse().unwrap()
        }
    }

    #[test]
    fn tick_rounding() {
        // (price, tick, expected)
        let cases = [
            ("45323.2323", "0.01", "45323.23"),
            ("45323.235", "0.01", "45323.24"), // half away from zero
            ("0.004", "0.01", "0.01"),         // never below one tick
            ("-5", "0.5", "0.5"),
            ("101.26", "0.5", "101.5"),
        ];
        for (p, t, want) in cases {
            assert_eq!(Price(d(p)).round_to_tick(Price(d(t))), Price(d(want)), "{p} at tick {t}");
        }
    }

    #[test]
    fn fixed_point_formatting() {
        let cases = [
            (2.5, 2, "2.50"),
            (-0.04, 3, "-0.040"),
            (0.0, 0, "0"),
            (1234.5678, 1, "1234.6"),
            (-0.0001, 2, "0.00"),
            (1e20, 2, "100000000000000000000"),
        ];
        for (x, dp, want) in cases {
            assert_eq!(fixed(x, dp), want, "{x} to {dp}");
        }
        assert_eq!(short(12.50, 6), "12.5");
        assert_eq!(short(-3.0, 6), "-3");
    }

    #[test]
    fn decimals_are_written_as_normalize_writes_them() {
        let mut buf = [0u8; DEC_BUF];
        for t in [
            "0",
            "-0",
            "0.000",
            "1",
            "-1",
            "10",
            "100.500",
            "1234.5",
            "-0.001",
            "0.1",
            "0.0000000000000000000000000001",
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "7.9228162514264337593543950335",
            "-0.0000000000000000000000000001",
            "123456789.123456789",
            "1e-5",
            "5000000000000.00000001",
        ] {
            let x: Decimal = if t.contains('e') { Decimal::from_scientific(t).unwrap() } else { t.parse().unwrap() };
            assert_eq!(decimal_str(x, &mut buf), x.normalize().to_string(), "{t}");
        }
        // and over many values of every scale
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let m = (state as i64) as i128 * ((state >> 40) as i128 % 1000 + 1);
            let x = Decimal::from_i128_with_scale(m % 10i128.pow(27), (state % 29) as u32);
            assert_eq!(decimal_str(x, &mut buf), x.normalize().to_string(), "{x:?}");
            // and mantissas of up to 96 bits, with trailing zeros (the 128-bit path)
            let wide = ((state as i128) << 32 | (state >> 17) as i128) % (1i128 << 96);
            let zeros = 10i128.pow((state % 7) as u32);
            let x = Decimal::from_i128_with_scale(wide / zeros * zeros, (state >> 3) as u32 % 29);
            assert_eq!(decimal_str(x, &mut buf), x.normalize().to_string(), "{x:?}");
        }
    }

    #[test]
    fn unit_arithmetic() {
        // 10 BTC × 50 000 = 500 000 USD; 500 000 × 1 % = 5 000; 5 000 / 50 000 = 0.1 BTC
        let n = Qty(d("10")) * Price(d("50000"));
        assert_eq!(n, Money(d("500000")));
        assert_eq!(n * Ratio(d("0.01")), Money(d("5000")));
        assert_eq!(Money(d("5000")) / Price(d("50000")), Qty(d("0.1")));
    }
}
