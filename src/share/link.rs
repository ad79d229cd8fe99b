//! Share links: the whole scenario in a URL fragment, no server.
//!
//! ```text
//! #v=1&preset=contagion&seed=1&lev.0=12&mode=isolated&embed=1&controls=lev.0,mode&theme=dark&t=30
//! ```
//!
//! * `v` — the link format version (always written).
//! * `preset=NAME` — the base scenario; or `s=…`, a compact encoding (base64url of the scenario's
//!   JSON) for what the readable keys cannot say (hand-listed accounts, custom assets, …).
//! * the explorer's controls (`controls.rs`) as readable `key=value` pairs, only those that differ
//!   from the base — plus `seed`, always written;
//! * view parameters: `embed=1`, `controls=k1,k2` (which controls an embed shows),
//!   `charts=collateral,margin,impact` (which charts an embed shows; all when absent),
//!   `theme=light|dark|auto`, `t=STEP` (the time cursor), `win=FROM-TO` (the steps the time
//!   charts show), `vs=VENUE` (the summary compares the run with the same scenario under that
//!   venue's rules).
//!
//! Decoding never fails: every unknown key, malformed or out-of-range value or broken compact
//! part becomes a notice naming the parameter and what was used instead, and the rest is used.
//! Encoding is canonical (fixed key order, normalised numbers), so decode → encode → decode gives
//! the same link.
//!
//! Versions: a later format keeps decoding every older `v` by migrating its keys to the current
//! ones (a function per version, `migrate_vN`), so old links keep opening and, where the meaning
//! of a key changed, keep their numbers. `v=2` is the current format; a link without `v` is read
//! as the current format (with a notice).
//!
//! * `v=1` → `v=2` (`migrate_v1`): a link without a preset meant `contagion` (the default then);
//!   `depth=x` also scaled a crowd whose size the scenario derives from the depth, which is now
//!   `crowd.size=x`; a custom scenario (`s=`) of format 1 keeps its shocks as each asset's own
//!   moves (the scenario format's own migration). `mode=` converted the account in v1 (and counted
//!   an isolated book's margins twice); v2 margins one book both ways, so such a link's numbers
//!   differ, and it says so in a notice.

use super::controls::{self, Kind};
use crate::engine::scenario::{Scenario, Venue};
use base64::Engine as _;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;
use std::collections::BTreeMap;

pub const LINK_VERSION: u32 = 2;
/// Longest fragment read (characters); longer ones are ignored with a notice.
pub const MAX_LINK: usize = 64 * 1024;
pub const DEFAULT_PRESET: &str = super::presets::DEFAULT;
/// The default preset of format 1, which a v=1 link without a preset meant.
const V1_DEFAULT_PRESET: &str = "contagion";
/// At most this many notices are listed; the rest are counted.
pub const MAX_NOTICES: usize = 12;
/// The charts an embed can show (`charts=`), in the order the page draws them (`chart::CHARTS`).
fn charts() -> Vec<&'static str> {
    crate::output::chart::chart_names().collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    Light,
    Dark,
    #[default]
    Auto,
}

/// Everything a link says.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Link {
    /// The preset the scenario starts from (`None` when `scenario` is a custom base).
    pub preset: Option<String>,
    /// A custom base scenario (the `s` part).
    #[serde(skip)]
    pub scenario: Option<Scenario>,
    /// Control values that differ from the base (always including `seed` when encoded).
    pub controls: BTreeMap<String, String>,
    pub embed: bool,
    /// Controls an embed shows (`None`: none, the charts only).
    pub embed_controls: Option<Vec<String>>,
    /// Charts an embed shows, a subset of `chart::CHARTS` in its order (`None`: all of them).
    pub embed_charts: Option<Vec<String>>,
    pub theme: Theme,
    /// Time cursor step.
    pub step: Option<usize>,
    /// The steps the time charts show, `from..=to` (`None`: the whole run).
    pub window: Option<(usize, usize)>,
    /// The venue the summary compares the run with (`None`: no comparison).
    pub vs: Option<Venue>,
}

impl Default for Link {
    fn default() -> Self {
        Link {
            preset: Some(DEFAULT_PRESET.into()),
            scenario: None,
            controls: BTreeMap::new(),
            embed: false,
            embed_controls: None,
            embed_charts: None,
            theme: Theme::Auto,
            step: None,
            window: None,
            vs: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decoded {
    pub link: Link,
    /// What was wrong with the link and what was used instead, one sentence each.
    pub notices: Vec<String>,
}

impl Link {
    /// The base scenario (preset or custom).
    pub fn base(&self) -> Scenario {
        match (&self.scenario, &self.preset) {
            (Some(s), _) => s.clone(),
            (None, Some(p)) => super::presets::get(p).map(|p| p.scenario()).unwrap_or_default(),
            (None, None) => Scenario::default(),
        }
    }

    /// The effective scenario: base plus controls (checked when the link was decoded).
    pub fn scenario(&self) -> crate::error::Result<Scenario> {
        controls::apply(&self.base(), &self.controls)
    }
}

/// Characters left as they are in a fragment value (besides alphanumerics).
const VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b',');

fn enc(s: &str) -> String {
    utf8_percent_encode(s, VALUE).to_string()
}

/// Canonical numbers: "12.50" → "12.5", "1e1" → "10".
fn canonical_number(v: f64) -> String {
    if v == v.trunc() && v.abs() < 9.007_199_254_740_992e15 {
        return format!("{}", v as i64);
    }
    crate::types::short(v, 10)
}

/// A control value as links write it: numbers normalised, the rest trimmed.
fn canonical_value(spec: &controls::Control, raw: &str) -> String {
    match spec.kind {
        Kind::Number { .. } => match raw.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => canonical_number(x),
            _ => raw.trim().to_string(),
        },
        _ => raw.trim().to_string(),
    }
}

/// Encode a link canonically. `base_seed` is the seed of the base scenario, written when the
/// controls do not set one (a link always carries its seed).
pub fn encode(link: &Link) -> String {
    let mut parts: Vec<String> = vec![format!("v={LINK_VERSION}")];
    match (&link.scenario, &link.preset) {
        (Some(s), _) => {
            let json = serde_json::to_string(s).unwrap_or_default();
            parts.push(format!("s={}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.as_bytes())));
        }
        (None, Some(p)) => parts.push(format!("preset={}", enc(p))),
        (None, None) => {}
    }
    // Only what differs from the base (in canonical form), as the decoder keeps it.
    let base = link.base();
    let specs = controls::baseline(&base, link.controls.get("venue").map(|v| v.as_str()));
    // (a loop, not `collect`: collecting into a map pulls a sort into the wasm)
    let mut controls: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in &link.controls {
        let spec = specs.iter().find(|c| c.key == *k);
        let v = spec.map_or_else(|| v.clone(), |spec| canonical_value(spec, v));
        if k == "seed" || spec.is_none_or(|c| v != c.value) {
            controls.insert(k.clone(), v);
        }
    }
    controls.entry("seed".into()).or_insert_with(|| base.seed.to_string());
    // seed first (it is always there), then the other controls in key order
    if let Some(seed) = controls.remove("seed") {
        parts.push(format!("seed={}", enc(&seed)));
    }
    for (k, v) in &controls {
        parts.push(format!("{}={}", enc(k), enc(v)));
    }
    if link.embed {
        parts.push("embed=1".into());
    }
    if let Some(c) = &link.embed_controls {
        parts.push(format!("controls={}", c.iter().map(|k| enc(k)).collect::<Vec<_>>().join(",")));
    }
    if let Some(c) = link.embed_charts.as_deref().filter(|_| link.embed).and_then(canonical_charts) {
        parts.push(format!("charts={}", c.join(",")));
    }
    match link.theme {
        Theme::Auto => {}
        Theme::Light => parts.push("theme=light".into()),
        Theme::Dark => parts.push("theme=dark".into()),
    }
    if let Some(t) = link.step {
        parts.push(format!("t={t}"));
    }
    if let Some((a, b)) = link.window {
        parts.push(format!("win={a}-{b}"));
    }
    if let Some(v) = link.vs {
        parts.push(format!("vs={}", v.key()));
    }
    parts.join("&")
}

/// The charts a link keeps of those named: only known ones, in the page's order, and none when
/// that would be all of them (or none of them).
fn canonical_charts(named: &[String]) -> Option<Vec<&'static str>> {
    let all = charts();
    let keep: Vec<&'static str> = all.iter().copied().filter(|k| named.iter().any(|x| x == k)).collect();
    (!keep.is_empty() && keep.len() < all.len()).then_some(keep)
}

fn short(s: &str) -> String {
    let mut t: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        t.push('…');
    }
    format!("{t:?}")
}

/// Decode a fragment (with or without the leading `#`). Never fails.
pub fn decode(fragment: &str) -> Decoded {
    let mut notices = vec![];
    let mut link = Link::default();
    let frag = fragment.strip_prefix('#').unwrap_or(fragment);
    if frag.len() > MAX_LINK {
        notices.push(format!(
            "The link is {} characters long, more than the {MAX_LINK} this page reads; the default scenario is shown.",
            frag.len()
        ));
        link.controls.insert("seed".into(), link.base().seed.to_string());
        return Decoded { link, notices };
    }
    let mut params = split_pairs(frag, &mut notices);
    read_version(&mut params, &mut link, &mut notices);
    read_base(&params, &mut link, &mut notices);
    let base = link.base();
    let venue = params.pairs.iter().rev().find(|(k, _)| k == "venue").map(|(_, v)| v.trim());
    let specs = controls::baseline(&base, venue);
    read_controls(&params.pairs, &base, &specs, &mut link, &mut notices);
    check_controls_together(&base, &specs, &mut link, &mut notices);
    // A link always carries its seed.
    link.controls.entry("seed".into()).or_insert_with(|| base.seed.to_string());
    read_view(&params, &base, &specs, &mut link, &mut notices);
    if notices.len() > MAX_NOTICES {
        let more = notices.len() - MAX_NOTICES;
        notices.truncate(MAX_NOTICES);
        notices.push(format!("…and {more} more problems with the link."));
    }
    Decoded { link, notices }
}

/// A fragment's key/value pairs in the order of their first appearance, and where each key is.
struct Params {
    pairs: Vec<(String, String)>,
    index: std::collections::HashMap<String, usize>,
}

impl Params {
    /// The value of parameter `k`, if the link has it.
    fn get(&self, k: &str) -> Option<String> {
        self.index.get(k).map(|&i| self.pairs[i].1.clone())
    }
}

/// Split a fragment into key/value pairs; the last value of a repeated key wins.
fn split_pairs(frag: &str, notices: &mut Vec<String>) -> Params {
    // (linear: a long link with many repeats must not be quadratic)
    let mut pairs: Vec<(String, String)> = vec![];
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut repeated: Vec<String> = vec![];
    let mut html_escaped = false;
    for part in frag.split('&').filter(|p| !p.is_empty()) {
        // a link copied out of HTML source (an iframe's src) has "&amp;" between its parameters
        let part = match part.strip_prefix("amp;") {
            Some(rest) => {
                html_escaped = true;
                rest
            }
            None => part,
        };
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let k = percent_decode_str(k).decode_utf8_lossy().to_string();
        let v = percent_decode_str(v).decode_utf8_lossy().to_string();
        match index.get(&k) {
            Some(&i) => {
                if !repeated.contains(&k) && repeated.len() < MAX_NOTICES {
                    repeated.push(k.clone());
                }
                pairs[i].1 = v;
            }
            None => {
                index.insert(k.clone(), pairs.len());
                pairs.push((k, v));
            }
        }
    }
    if html_escaped {
        notices.push(
            "The link was copied from HTML source (\"&amp;\" between its parameters); it is read as \"&\".".into(),
        );
    }
    for k in &repeated {
        notices.push(format!("The parameter {} appears more than once; the last value is used.", short(k)));
    }
    Params { pairs, index }
}

/// Read the format version (`v`), migrating an older link's keys to the current ones.
fn read_version(params: &mut Params, link: &mut Link, notices: &mut Vec<String>) {
    match params.get("v").as_deref() {
        None if params.pairs.is_empty() => {}
        None => notices.push(format!("The link has no format version (v); it is read as v={LINK_VERSION}.")),
        Some("1") => {
            // the default preset of format 1 (a link without one, or whose own one fails, shows it)
            link.preset = Some(V1_DEFAULT_PRESET.into());
            migrate_v1(&mut params.pairs, &mut params.index, notices)
        }
        Some("2") => {}
        Some(other) => notices.push(format!(
            "The link's format version {} is not one this page knows; it is read as v={LINK_VERSION}.",
            short(other)
        )),
    }
}

/// Read the base: a custom scenario (`s`) or a preset.
fn read_base(params: &Params, link: &mut Link, notices: &mut Vec<String>) {
    if let Some(s) = params.get("s") {
        match read_compact(&s) {
            Ok(sc) => {
                link.scenario = Some(sc);
                link.preset = None;
            }
            Err(e) => notices
                .push(format!(
                "The custom scenario in the link (s) is damaged and could not be read ({e}); the preset is shown instead."
            )),
        }
    }
    if let Some(p) = params.get("preset") {
        if link.scenario.is_some() {
            notices.push("The link has both a preset and a scenario (s); the scenario is used.".into());
        } else if super::presets::get(&p).is_ok() {
            link.preset = Some(p);
        } else {
            let known = super::presets::PRESETS.iter().map(|p| p.name).collect::<Vec<_>>().join(", ");
            let shown = link.preset.clone().unwrap_or_else(|| DEFAULT_PRESET.into());
            notices.push(format!("The preset {} is unknown (known: {known}); {shown} is shown.", short(&p)));
        }
    }
}

/// Read the controls, one at a time, so that one bad value does not take the others with it.
fn read_controls(
    pairs: &[(String, String)],
    base: &Scenario,
    specs: &[controls::Control],
    link: &mut Link,
    notices: &mut Vec<String>,
) {
    for (k, v) in pairs {
        if matches!(k.as_str(), "v" | "s" | "preset" | "embed" | "controls" | "charts" | "theme" | "t" | "win" | "vs") {
            continue;
        }
        let Some(spec) = specs.iter().find(|c| c.key == *k) else {
            notices.push(format!("The parameter {} is not one this page knows; it is ignored.", short(k)));
            continue;
        };
        let value = canonical_value(spec, v);
        // Range and kind first (cheap); the scenario as a whole is validated once below.
        match controls::check_one(base, k, &value) {
            Ok(_) => {
                if value != spec.value || k == "seed" {
                    link.controls.insert(k.clone(), value);
                }
            }
            Err(e) => notices.push(rejected(spec, &e)),
        }
    }
}

/// Check that the controls together make a valid scenario, dropping those that do not.
fn check_controls_together(base: &Scenario, specs: &[controls::Control], link: &mut Link, notices: &mut Vec<String>) {
    // If not, drop the settings that are invalid on their own; if the rest still fails, drop them all.
    let valid = |c: &BTreeMap<String, String>| {
        controls::apply(base, c).and_then(|s| crate::engine::model::Model::from_scenario(&s).map(|_| ()))
    };
    let only_seed = link.controls.len() == 1 && link.controls.contains_key("seed");
    if link.controls.is_empty() || only_seed {
        return;
    }
    let Err(all) = valid(&link.controls) else {
        return;
    };
    let keys: Vec<String> = link.controls.keys().cloned().collect();
    for k in keys {
        let one = BTreeMap::from([(k.clone(), link.controls[&k].clone())]);
        if let Err(e) = valid(&one) {
            if let Some(spec) = specs.iter().find(|c| c.key == k) {
                notices.push(rejected(spec, &e));
            }
            link.controls.remove(&k);
        }
    }
    if valid(&link.controls).is_err() {
        notices.push(format!(
            "Together, the link's settings make an invalid scenario ({}); the scenario's own values are used.",
            first_line(&all.to_string())
        ));
        link.controls.clear();
    }
}

/// Read the view parameters: embed, the controls and charts an embed shows, theme, cursor, window.
fn read_view(
    params: &Params,
    base: &Scenario,
    specs: &[controls::Control],
    link: &mut Link,
    notices: &mut Vec<String>,
) {
    if let Some(e) = params.get("embed") {
        match e.as_str() {
            "1" | "true" => link.embed = true,
            "0" | "false" | "" => {}
            other => notices
                .push(format!("The parameter embed must be 1 or 0, got {}; the full page is shown.", short(other))),
        }
    }
    if let Some(c) = params.get("controls") {
        link.embed_controls = Some(read_embed_controls(&c, specs, notices));
    }
    if let Some(c) = params.get("charts") {
        read_embed_charts(&c, link, notices);
    }
    if let Some(t) = params.get("theme") {
        link.theme = read_theme(&t, notices);
    }
    if let Some(t) = params.get("t") {
        match t.trim().parse::<usize>() {
            Ok(x) if x <= base.steps => link.step = Some(x),
            _ => notices.push(format!(
                "The parameter t must be a step between 0 and {}, got {}; the cursor is not set.",
                base.steps,
                short(&t)
            )),
        }
    }
    if let Some(w) = params.get("win") {
        match parse_window(&w, base.steps) {
            Ok(win) => link.window = win,
            Err(why) => notices.push(format!("The parameter win {why}, got {}; the whole run is shown.", short(&w))),
        }
    }
    if let Some(v) = params.get("vs") {
        match Venue::from_key(v.trim()) {
            Some(venue) => link.vs = Some(venue),
            None => {
                let keys: Vec<&str> = crate::engine::venues::ALL.iter().map(|v| v.key()).collect();
                notices.push(format!(
                    "The parameter vs must be a venue ({}), got {}; no comparison is shown.",
                    keys.join(", "),
                    short(&v)
                ))
            }
        }
    }
}

/// The known controls named in `controls=` (each once, in the order given).
fn read_embed_controls(c: &str, specs: &[controls::Control], notices: &mut Vec<String>) -> Vec<String> {
    let mut keep = vec![];
    for key in c.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        if specs.iter().any(|s| s.key == key) {
            if !keep.iter().any(|k: &String| k == key) {
                keep.push(key.to_string());
            }
        } else {
            notices
                .push(format!("The control {} in controls= is not one this page knows; it is left out.", short(key)));
        }
    }
    keep
}

/// Read `charts=`: the known charts it names, for an embed only.
fn read_embed_charts(c: &str, link: &mut Link, notices: &mut Vec<String>) {
    let mut named = vec![];
    for key in c.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        if charts().contains(&key) {
            named.push(key.to_string());
        } else {
            notices.push(format!(
                "The chart {} in charts= is not one this page draws ({}); it is left out.",
                short(key),
                charts().join(", ")
            ));
        }
    }
    if !link.embed {
        notices.push("charts= only applies to an embed (embed=1); the full page shows every chart.".into());
    } else if named.is_empty() {
        notices.push(format!("charts= names no chart ({}); every chart is shown.", charts().join(", ")));
    } else {
        link.embed_charts = canonical_charts(&named).map(|c| c.into_iter().map(String::from).collect());
    }
}

/// Read `theme=` (auto, with a notice, when it is not one of light, dark or auto).
fn read_theme(t: &str, notices: &mut Vec<String>) -> Theme {
    match t {
        "light" => Theme::Light,
        "dark" => Theme::Dark,
        "auto" => Theme::Auto,
        other => {
            notices
                .push(format!("The parameter theme must be light, dark or auto, got {}; auto is used.", short(other)));
            Theme::Auto
        }
    }
}

/// Format 1 → 2: the keys whose meaning changed (see the module docs).
fn migrate_v1(
    pairs: &mut Vec<(String, String)>,
    index: &mut std::collections::HashMap<String, usize>,
    notices: &mut Vec<String>,
) {
    let mut put = |pairs: &mut Vec<(String, String)>, k: &str, v: String| match index.get(k) {
        Some(&i) => pairs[i].1 = v,
        None => {
            index.insert(k.to_string(), pairs.len());
            pairs.push((k.to_string(), v));
        }
    };
    let has = |pairs: &Vec<(String, String)>, k: &str| pairs.iter().any(|(key, _)| key == k);
    // depth also scaled a crowd whose open interest the scenario derives from the book's depth
    let depth = pairs.iter().find(|(k, _)| k == "depth").map(|(_, v)| v.clone());
    if let (Some(depth), false) = (depth, has(pairs, "crowd.size")) {
        let preset = pairs.iter().find(|(k, _)| k == "preset").map_or(V1_DEFAULT_PRESET.into(), |(_, v)| v.clone());
        let base = match pairs.iter().find(|(k, _)| k == "s") {
            Some((_, s)) => read_compact(s).ok(),
            None => super::presets::get(&preset).ok().map(|p| p.scenario()),
        };
        if base.is_some_and(|b| b.crowd.accounts > 0 && b.crowd.assets.is_none()) {
            put(pairs, "crowd.size", depth);
        }
    }
    if has(pairs, "mode") {
        notices.push(
            "This link is from an older format (v=1), in which switching the margin mode converted the account; \
             the same account is now margined both ways, so its numbers differ from when the link was made."
                .into(),
        );
    }
}

/// A time window `FROM-TO` (steps, FROM < TO ≤ steps); the whole run reads as none.
pub fn parse_window(text: &str, steps: usize) -> crate::error::Result<Option<(usize, usize)>> {
    let bad = |why: String| crate::error::Error::Input(why);
    let pair = text.trim().split_once('-').map(|(a, b)| (a.trim().parse::<usize>(), b.trim().parse::<usize>()));
    let Some((Ok(a), Ok(b))) = pair else {
        return Err(bad("must be two steps, FROM-TO".into()));
    };
    if a >= b || b > steps {
        return Err(bad(format!("must be two steps with FROM < TO ≤ {steps}")));
    }
    Ok(if a == 0 && b == steps { None } else { Some((a, b)) })
}

/// A rejected control value, named as the page names the control (and by its link key).
fn rejected(spec: &controls::Control, e: &crate::error::Error) -> String {
    let why = e.problems().first().map(|p| p.message.clone()).unwrap_or_else(|| first_line(&e.to_string()));
    format!("{} ({}): {why}; the scenario's value ({}) is used.", spec.label, spec.key, spec.value)
}

fn first_line(s: &str) -> String {
    s.lines().take(2).collect::<Vec<_>>().join(" ")
}

fn read_compact(s: &str) -> crate::error::Result<Scenario> {
    use crate::error::Error;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim().trim_end_matches('=').as_bytes())
        .map_err(|e| Error::Input(format!("not base64url: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|_| Error::Input("not UTF-8 text".into()))?;
    let sc = Scenario::from_json(&text)?;
    crate::engine::model::Model::from_scenario(&sc).map_err(|e| Error::Input(first_line(&e.to_string())))?;
    Ok(sc)
}

/// A fragment from a full URL or a bare fragment (`https://host/page#v=1&…` or `v=1&…`).
pub fn fragment_of(url_or_fragment: &str) -> &str {
    match url_or_fragment.split_once('#') {
        Some((_, f)) => f,
        None => url_or_fragment,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_copied_from_html_source_still_opens() {
        let d = decode("#v=2&amp;preset=amplification&amp;seed=7&amp;depth=0.5");
        assert_eq!(d.link.preset.as_deref(), Some("amplification"));
        assert_eq!(d.link.controls.get("depth").map(String::as_str), Some("0.5"));
        assert_eq!(d.notices.len(), 1, "{:?}", d.notices);
        assert!(d.notices[0].contains("&amp;"), "{:?}", d.notices);
        assert_eq!(encode(&d.link), "v=2&preset=amplification&seed=7&depth=0.5");
    }

    #[test]
    fn encoding_writes_only_what_differs_from_the_base_in_canonical_form() {
        // contagion's lev.0 default and mode are its own values: an explorer that moved a slider
        // away and back holds them, and the link must not carry them (the decoder drops them).
        let base = crate::share::presets::get("contagion").unwrap().scenario();
        let spec = |k: &str| controls::describe(&base).into_iter().find(|c| c.key == k).unwrap().value;
        let mut l = Link { preset: Some("contagion".into()), ..Link::default() };
        l.controls.insert("lev.0".into(), spec("lev.0"));
        l.controls.insert("mode".into(), spec("mode"));
        l.controls.insert("depth".into(), "0.50".into());
        l.controls.insert("seed".into(), "0012".into());
        let e = encode(&l);
        assert_eq!(e, "v=2&preset=contagion&seed=12&depth=0.5");
        assert_eq!(encode(&decode(&e).link), e);
    }

    #[test]
    fn readable_and_canonical() {
        let d = decode("#v=2&preset=contagion&seed=1&lev.0=12.50&mode=isolated&t=30&theme=dark");
        assert!(d.notices.is_empty(), "{:?}", d.notices);
        let e = encode(&d.link);
        assert_eq!(e, "v=2&preset=contagion&seed=1&lev.0=12.5&mode=isolated&theme=dark&t=30");
        assert_eq!(encode(&decode(&e).link), e);
    }

    #[test]
    fn an_embed_names_its_charts_in_the_page_order() {
        // (given, canonical charts= part or none): order and repeats do not matter, and all three
        // is the same as none
        for (given, want) in [
            ("impact,collateral", Some("charts=collateral,impact")),
            ("margin,margin", Some("charts=margin")),
            ("%20impact%20", Some("charts=impact")),
            ("impact,margin,collateral", Some("charts=collateral,margin,impact")),
            ("crowd,impact,margin,collateral", None),
        ] {
            let d = decode(&format!("v=2&preset=contagion&seed=1&embed=1&charts={given}"));
            assert!(d.notices.is_empty(), "{given}: {:?}", d.notices);
            let e = encode(&d.link);
            assert_eq!(
                e,
                format!("v=2&preset=contagion&seed=1&embed=1{}", want.map(|w| format!("&{w}")).unwrap_or_default())
            );
            assert_eq!(encode(&decode(&e).link), e);
        }
        // a full page shows every chart: nothing to keep
        let l = Link { embed_charts: Some(vec!["impact".into()]), ..Link::default() };
        assert!(!encode(&l).contains("charts"));
    }

    #[test]
    fn a_time_window_is_a_view_parameter() {
        let d = decode("v=2&preset=amplification&seed=7&win=4-20&t=9");
        assert!(d.notices.is_empty(), "{:?}", d.notices);
        assert_eq!(d.link.window, Some((4, 20)));
        assert_eq!(encode(&d.link), "v=2&preset=amplification&seed=7&t=9&win=4-20");
        // the whole run is no window
        assert_eq!(decode("v=2&preset=amplification&win=0-72").link.window, None);
    }

    #[test]
    fn values_equal_to_the_base_are_left_out_but_the_seed_stays() {
        let d = decode("v=2&preset=contagion&corr=0.8&mode=cross");
        assert_eq!(d.link.controls.keys().collect::<Vec<_>>(), vec!["seed"]);
        assert_eq!(encode(&d.link), "v=2&preset=contagion&seed=1");
    }

    #[test]
    fn bad_links_give_notices_and_a_working_scenario() {
        let cases = [
            ("v=2&preset=nope", "The preset \"nope\" is unknown"),
            ("v=2&bogus=3", "The parameter \"bogus\" is not one this page knows"),
            (
                "v=2&depth=99",
                "Market depth, times the scenario's (depth): must be between 0.05 and 5, got 99; the scenario's value (1) is used.",
            ),
            ("v=2&corr=abc", "Correlation, all pairs (corr): must be a number"),
            ("v=2&s=%%%%", "The custom scenario in the link (s) is damaged and could not be read"),
            ("v=2&s=eyJ2ZXJzaW9uIjogOSB9", "could not be read"),
            ("v=7", "format version \"7\" is not one this page knows"),
            ("preset=contagion", "no format version"),
            ("v=2&theme=purple", "theme must be light, dark or auto"),
            ("v=2&t=99999", "The parameter t must be a step"),
            ("v=2&embed=maybe", "embed must be 1 or 0"),
            ("v=2&controls=lev.0,evil", "The control \"evil\""),
            ("v=2&embed=1&charts=impact,pie", "The chart \"pie\" in charts= is not one this page draws"),
            ("v=2&embed=1&charts=,", "charts= names no chart"),
            ("v=2&charts=impact", "charts= only applies to an embed"),
            ("v=2&seed=1&seed=2", "appears more than once"),
            ("v=2&preset=contagion&win=30-10", "The parameter win must be two steps with FROM < TO ≤ 60"),
            ("v=2&preset=contagion&win=abc", "The parameter win must be two steps, FROM-TO"),
        ];
        for (l, want) in cases {
            let d = decode(l);
            assert!(d.notices.iter().any(|n| n.contains(want)), "{l}: {:?}", d.notices);
            d.link
                .scenario()
                .and_then(|s| crate::engine::model::Model::from_scenario(&s))
                .unwrap_or_else(|e| panic!("{l}: {e}"));
        }
    }

    #[test]
    fn custom_scenarios_travel_in_the_compact_part() {
        let mut s = Scenario::from_json(crate::share::presets::get("depeg").unwrap().json).unwrap();
        s.accounts.truncate(1);
        let link = Link { preset: None, scenario: Some(s.clone()), ..Link::default() };
        let e = encode(&link);
        assert!(e.starts_with("v=2&s="));
        let d = decode(&e);
        assert!(d.notices.is_empty(), "{:?}", d.notices);
        assert_eq!(d.link.base().accounts.len(), 1);
        assert_eq!(encode(&d.link), e);
    }

    #[test]
    fn script_in_every_field_is_inert_text() {
        let x = "%3Cscript%3Ealert(1)%3C%2Fscript%3E";
        let l = format!("v={x}&preset={x}&{x}={x}&controls={x}&theme={x}&t={x}&embed={x}&s={x}&mode={x}");
        let d = decode(&l);
        // everything is reported, nothing is used, and what is written back is the default
        assert!(d.notices.len() >= 8, "{:?}", d.notices);
        assert_eq!(encode(&d.link), format!("v=2&preset={DEFAULT_PRESET}&seed=7&controls="));
    }
}
