//! The exogenous market (correlated random walk plus scripted shocks) and price impact.
//!
//! Floating point is used only here, for the path and the impact state, and only with IEEE
//! operations and `libm` functions, so a seed gives the same bits natively and in wasm. Prices
//! leave this module as exact decimals on the asset's tick grid.

use super::model::{ImpactModel, Model};
use super::scenario::limits;
use crate::types::{dec_from_f64, Price};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// Exogenous prices, `prices[t][asset]`, t = 0 ..= steps (what the market would do with no
/// forced orders).
#[derive(Clone, Debug)]
pub struct ExoPath {
    pub prices: Vec<Vec<f64>>,
}

/// Standard normals by Box–Muller from a seeded ChaCha8 stream. Hand-written (instead of
/// `rand_distr`) so that the transcendental calls are `libm`'s and therefore identical on
/// every target.
struct Normals {
    rng: ChaCha8Rng,
    spare: Option<f64>,
}

impl Normals {
    fn new(seed: u64) -> Self {
        Normals { rng: ChaCha8Rng::seed_from_u64(seed), spare: None }
    }
    fn unit_open(&mut self) -> f64 {
        // (0, 1]: 53 random bits, shifted away from 0
        ((self.rng.next_u64() >> 11) as f64 + 1.0) * (1.0 / (1u64 << 53) as f64)
    }
    fn next(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let u1 = self.unit_open();
        let u2 = self.unit_open();
        let r = libm::sqrt(-2.0 * libm::log(u1));
        let th = 2.0 * std::f64::consts::PI * u2;
        self.spare = Some(r * libm::sin(th));
        r * libm::cos(th)
    }
}

pub fn exogenous_path(m: &Model) -> ExoPath {
    let n = m.assets.len();
    let mut normals = Normals::new(m.seed);
    let sqdt = libm::sqrt(m.dt);
    let shock = shock_moves(m);
    let mut prices = Vec::with_capacity(m.steps + 1);
    let mut cur: Vec<f64> = m.assets.iter().map(|a| crate::types::dec_to_f64(a.price0.0)).collect();
    prices.push(cur.clone());
    let mut z = vec![0.0; n];
    for shock_t in shock.iter().skip(1) {
        for zi in z.iter_mut() {
            *zi = normals.next(); // drawn even with noise off, so toggling noise keeps the stream aligned
        }
        for i in 0..n {
            let s = m.assets[i].sigma;
            let mut r = -s * s * m.dt / 2.0 + shock_t[i];
            if m.noise && s > 0.0 {
                let lz: f64 = (0..=i).map(|k| m.chol[i][k] * z[k]).sum();
                r += s * sqdt * lz;
            }
            cur[i] = (cur[i] * libm::exp(r)).clamp(1e-12, limits::MAX_PRICE as f64);
        }
        prices.push(cur.clone());
    }
    ExoPath { prices }
}

/// The scripted log-moves of the exogenous path `[step][asset]` (a venue shock is not one: it
/// moves this venue's market only, see `sim.rs`). A shock that is not the asset's own carries to every
/// other asset j as the joint model expects: `ρ_ij · σ_j / σ_i · r` (nothing when either σ is 0).
pub fn shock_moves(m: &Model) -> Vec<Vec<f64>> {
    let n = m.assets.len();
    let mut shock = vec![vec![0.0; n]; m.steps + 1];
    for sh in m.shocks.iter().filter(|s| !s.venue) {
        let row = &mut shock[sh.step];
        row[sh.asset] += sh.log_return;
        let si = m.assets[sh.asset].sigma;
        if sh.own || si <= 0.0 {
            continue;
        }
        for (j, x) in row.iter_mut().enumerate() {
            let sj = m.assets[j].sigma;
            if j != sh.asset && sj > 0.0 {
                *x += m.corr[sh.asset][j] * sj / si * sh.log_return;
            }
        }
    }
    shock
}

/// The scripted moves of this venue's market alone, `(step, asset, log move)` in step order,
/// from the shocks marked `venue`: they add to the asset's impact, so they fade with its half-life.
pub fn venue_moves(m: &Model) -> Vec<(usize, usize, f64)> {
    let mut moves: Vec<(usize, usize, f64)> =
        m.shocks.iter().filter(|s| s.venue).map(|s| (s.step, s.asset, s.log_return)).collect();
    moves.sort_by_key(|v| v.0); // stable: shocks of one step keep their order
    moves
}

/// A float price to an exact decimal on the tick grid, at least one tick, at most the ceiling:
/// `round(x / tick)` ticks (IEEE division and rounding: the same bits on every target).
pub fn to_tick(x: f64, tick: Price, tick_f: f64) -> Price {
    to_tick_f(x, tick, tick_f).0
}

/// [`to_tick`], also returning the price as f64 (for the engine's pre-filter).
pub fn to_tick_f(x: f64, tick: Price, tick_f: f64) -> (Price, f64) {
    let x = if x.is_finite() { x.clamp(0.0, limits::MAX_PRICE as f64) } else { limits::MAX_PRICE as f64 };
    let n = (x / tick_f).round();
    if n < 1.0 {
        return (tick, tick_f);
    }
    if n < 9.0e15 {
        return (Price(ticks(n as i64, tick)), n * tick_f);
    }
    match dec_from_f64(x) {
        Some(d) => (Price(d).round_to_tick(tick), x),
        None => (tick, tick_f),
    }
}

/// `n` ticks, `n × tick`, built from the tick's mantissa: the same decimal as the product
/// (mantissa `n·m`, the tick's scale) without a general multiplication.
fn ticks(n: i64, tick: Price) -> rust_decimal::Decimal {
    let t = tick.0;
    match (n as i128).checked_mul(t.mantissa()) {
        Some(m) if m.unsigned_abs() < 1 << 96 => rust_decimal::Decimal::from_i128_with_scale(m, t.scale()),
        _ => rust_decimal::Decimal::from(n) * t,
    }
}

/// Change in log impact caused by net selling `q_usd` (sold − bought, USD) of asset `i`.
pub fn impact_delta(m: &Model, i: usize, q_usd: f64) -> f64 {
    if q_usd == 0.0 {
        return 0.0;
    }
    let a = &m.assets[i];
    match m.impact {
        // ln(0.98) · q / D: selling D moves −2 %, 2D moves −3.96 %.
        ImpactModel::Depth => libm::log(0.98) * q_usd / a.depth_usd,
        ImpactModel::Sqrt { y } => {
            let sigma_daily = a.sigma * libm::sqrt(1.0 / 365.0);
            let mag = y * sigma_daily * libm::sqrt(q_usd.abs() / a.daily_volume_usd);
            if q_usd > 0.0 {
                -mag
            } else {
                mag
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_the_product_to_the_bit() {
        // the same value, scale and sign as `Decimal::from(n) * tick`, for ticks of every scale
        for tick in ["0.1", "0.01", "0.0001", "0.50", "1", "25", "0.00000001", "0.0000000000000000000000000001"] {
            let tick = Price(tick.parse().unwrap());
            for n in [1i64, 7, 10, 99, 100_000, 123_456_789, 8_999_999_999_999_999] {
                let want = rust_decimal::Decimal::from(n) * tick.0;
                let got = ticks(n, tick);
                assert_eq!(got.serialize(), want.serialize(), "{n} × {}", tick.0);
            }
        }
    }

    #[test]
    fn normals_look_standard() {
        let mut g = Normals::new(7);
        let xs: Vec<f64> = (0..20000).map(|_| g.next()).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / xs.len() as f64;
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "variance {var}");
    }

    #[test]
    fn a_shock_carries_to_correlated_assets_unless_it_is_the_assets_own() {
        // the default market (σ: BTC 0.50, ETH 0.68, SOL 0.85, USDC 0; ρ = 0.8 between volatile
        // assets). ETH −12 % at step 3: r = ln 0.88 = −0.1278334.
        let mut s = crate::engine::scenario::Scenario { steps: 5, ..Default::default() };
        s.shocks = vec![crate::engine::scenario::ShockSpec {
            step: 3,
            symbol: "ETH".into(),
            percent: -12.0,
            own: false,
            venue: false,
        }];
        let m = crate::engine::model::Model::from_scenario(&s).unwrap();
        let r = libm::log1p(-0.12);
        let row = &shock_moves(&m)[3];
        // (asset, expected log-move, arithmetic)
        for (i, want, how) in [
            (0, 0.8 * 0.50 / 0.68 * r, "BTC: 0.8 · 0.50 / 0.68 · r = −0.0751961 (−7.25 %)"),
            (1, r, "ETH: its own shock"),
            (2, 0.8 * 0.85 / 0.68 * r, "SOL: 0.8 · 0.85 / 0.68 = 1, the same −12 %"),
            (3, 0.0, "USDC: σ = 0, nothing"),
        ] {
            assert!((row[i] - want).abs() < 1e-15, "{how}: got {}", row[i]);
        }
        assert!((row[0] - -0.075_196_1).abs() < 1e-7);
        // own: ETH alone
        s.shocks[0].own = true;
        let m = crate::engine::model::Model::from_scenario(&s).unwrap();
        assert_eq!(shock_moves(&m)[3], vec![0.0, r, 0.0, 0.0]);
    }

    #[test]
    fn to_tick_floors_and_caps() {
        let t = Price("0.01".parse().unwrap());
        assert_eq!(to_tick(0.0, t, 0.01), t);
        assert_eq!(to_tick(-3.0, t, 0.01), t);
        assert_eq!(to_tick(f64::NAN, t, 0.01).0, rust_decimal::Decimal::from(limits::MAX_PRICE));
        assert_eq!(to_tick(123.456, t, 0.01).0, "123.46".parse().unwrap());
        assert_eq!(
            to_tick(1e12, Price("0.0001".parse().unwrap()), 0.0001).0,
            rust_decimal::Decimal::from(limits::MAX_PRICE)
        );
    }
}
