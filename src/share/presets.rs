//! Bundled scenarios. Each demonstrates one claim; its `description` explains it, with every
//! figure a placeholder that the run fills in ([`crate::output::story`]), and a test in
//! `tests/presets.rs` checks that the run shows what it says. The first one is the default: the
//! page opens on it.

use crate::engine::scenario::Scenario;
use crate::error::{Error, Result};

pub struct Preset {
    pub name: &'static str,
    /// The claim the preset demonstrates, in one line.
    pub claim: &'static str,
    pub json: &'static str,
}

impl Preset {
    /// The preset as a scenario. Bundled presets are checked by tests to parse and validate.
    pub fn scenario(&self) -> Scenario {
        Scenario::from_json(self.json).unwrap_or_default()
    }
}

pub const PRESETS: &[Preset] = &[
    Preset {
        name: "loop",
        claim: "The whole loop: a correlated sell-off, a leveraged crowd on a thin book, and a cross account that loses a position isolated margin keeps.",
        json: include_str!("../../presets/loop.json"),
    },
    Preset {
        name: "contagion",
        claim: "A loss in one asset makes the cross account close a healthy position in another; isolated keeps it.",
        json: include_str!("../../presets/contagion.json"),
    },
    Preset {
        name: "amplification",
        claim: "A small shock that a leveraged crowd turns into a much larger fall.",
        json: include_str!("../../presets/amplification.json"),
    },
    Preset {
        name: "double-hit",
        claim: "Collateral that moves with the positions: the account is hit twice.",
        json: include_str!("../../presets/double-hit.json"),
    },
    Preset {
        name: "depeg",
        claim: "A stable-looking collateral asset depegs on the venue, as in the crash of October 2025.",
        json: include_str!("../../presets/depeg.json"),
    },
    Preset {
        name: "venue-depeg",
        claim: "A collateral asset dumped on the venue's own thin book: priced at that market it takes every holder down, priced at the index it does not.",
        json: include_str!("../../presets/venue-depeg.json"),
    },
    Preset {
        name: "collateral-loop",
        claim: "Forced sales of a collateral asset nobody trades cut every holder's collateral value and liquidate them in turn.",
        json: include_str!("../../presets/collateral-loop.json"),
    },
    Preset {
        name: "partial-liquidation",
        claim: "Liquidating large positions a chunk at a time softens the same cascade.",
        json: include_str!("../../presets/partial-liquidation.json"),
    },
    Preset {
        name: "hyperliquid",
        claim: "Under Hyperliquid's rules, liquidating large positions in chunks softens the same cascade, and your account survives it.",
        json: include_str!("../../presets/hyperliquid.json"),
    },
    Preset {
        name: "adl",
        claim: "When the insurance fund runs out, the venue closes profitable positions to cover the losses: a winning hedge pays, and what it hedged is left exposed.",
        json: include_str!("../../presets/adl.json"),
    },
    Preset {
        name: "cross-vs-isolated",
        claim: "The same book in cross and isolated mode, side by side.",
        json: include_str!("../../presets/cross-vs-isolated.json"),
    },
];

/// The preset the page opens on (the first).
pub const DEFAULT: &str = "loop";

/// A scenario's description with its figures filled in from a run of the scenario (no run when
/// it has no placeholder; another run for each alternative it quotes, [`crate::output::story::ALTERNATIVES`]).
pub fn description(s: &Scenario) -> Result<String> {
    use crate::output::story;
    if !story::has_placeholders(&s.description) {
        return Ok(s.description.clone());
    }
    let run = |s: &Scenario| -> Result<story::Run> {
        let m = crate::engine::model::Model::from_scenario(s)?;
        let o = crate::engine::outcome::simulate(&m);
        // (the figures read the rules the run followed: a venue's pack written out)
        Ok(story::Run { s: crate::engine::venues::resolved(&s.upgraded()), m, o })
    };
    let main = run(s)?;
    let keys = story::placeholders(&s.description);
    let mut alts = vec![];
    for (prefix, make) in story::ALTERNATIVES {
        let quoted = keys.iter().any(|k| k.starts_with(prefix));
        alts.push(if quoted { Some(run(&make(s))?) } else { None });
    }
    Ok(story::render(&s.description, &main, &alts))
}

pub fn get(name: &str) -> Result<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name).ok_or_else(|| Error::UnknownPreset {
        name: name.to_string(),
        known: PRESETS.iter().map(|p| p.name).collect::<Vec<_>>().join(", "),
    })
}
