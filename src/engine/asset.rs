//! An asset as the engine knows it, resolved from its spec: prices on a tick grid, volatility,
//! book depth, impact decay, haircut, maintenance brackets.

use super::margin::{AssetInfo, Brackets, Tiers};
use super::pricing::Source;
use crate::types::{Price, Ratio};

#[derive(Clone, Debug, PartialEq)]
pub struct Asset {
    pub symbol: String,
    pub price0: Price,
    pub tick: Price,
    pub tick_f: f64,
    pub sigma: f64,
    pub depth_usd: f64,
    /// Per-step decay factor of impact, `2^(−1/half_life)`; 1 for permanent impact.
    pub decay: f64,
    pub daily_volume_usd: f64,
    /// The first collateral tier's haircut.
    pub haircut: Ratio,
    /// Collateral tiers (a flat haircut is the one tier).
    pub tiers: Tiers,
    pub stable: bool,
    pub brackets: Brackets,
    /// The price a balance is valued at as collateral (`pricing.rs`).
    pub collateral_price: Source,
}

/// The assets' symbols, for messages: "BTC, ETH, USDC".
pub fn known(assets: &[Asset]) -> String {
    assets.iter().map(|a| a.symbol.as_str()).collect::<Vec<_>>().join(", ")
}

impl AssetInfo for [Asset] {
    fn brackets(&self, asset: usize) -> &Brackets {
        &self[asset].brackets
    }
    fn haircut(&self, asset: usize) -> Ratio {
        self[asset].haircut
    }
    fn stable(&self, asset: usize) -> bool {
        self[asset].stable
    }
    fn tiers(&self, asset: usize) -> &Tiers {
        &self[asset].tiers
    }
}
