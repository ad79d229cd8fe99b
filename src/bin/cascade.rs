//! `cascade`: the command-line shell over the engine.

use clap::{Parser, Subcommand};
use margin_cascade::error::Error;
use margin_cascade::{
    engine::ladder, engine::outcome, engine::scenario, engine::surface, engine::venues, load_scenario, output,
    output::chart, output::compare, output::report, share::controls, share::link, share::presets, share::safe,
    share::sweep, Model,
};

/// The engine's one error type, for what this shell reads and draws.
type Res<T> = margin_cascade::error::Result<T>;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "cascade", version, about = "Cross-margin liquidation cascade simulator")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a scenario and print the result. SOURCE: a JSON file, `-` for stdin, `preset:NAME`, or a
    /// share link (the page's URL, or just its fragment `v=1&preset=…`).
    Run {
        source: String,
        /// Print the whole result as one JSON object (the default prints a short text summary).
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Print the per-step series as CSV.
        #[arg(long)]
        csv: bool,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Refuse a link with any problem (exit 1) instead of using the rest of it, as the page does.
        #[arg(long)]
        strict: bool,
        /// Also run the same scenario under another venue's rules and print both side by side.
        #[arg(long, value_name = "VENUE", conflicts_with_all = ["json", "csv"], value_parser = venue_key)]
        vs: Option<scenario::Venue>,
        /// Also find each position's safe leverage (the highest, others unchanged, at which your
        /// account survives this scenario, with the crowd's feedback and without; to 0.1× by
        /// bisection over runs): a line each, or `summary.safe_leverage` in the JSON.
        #[arg(long, conflicts_with = "csv")]
        safe_leverage: bool,
    },
    /// List the venue rule packs, a line each; `--markdown`: every number of every pack with its
    /// source, date and status (the table in docs/venue-packs.md).
    Venues {
        #[arg(long)]
        markdown: bool,
    },
    /// Check a scenario (file, `-`, `preset:NAME` or link) and print every problem; exits non-zero
    /// if there is any (for a link, any notice counts).
    Validate { source: String },
    /// Draw the page's three charts (collateral, margin ratio, price impact) for a scenario (file,
    /// `-`, `preset:NAME` or link) as SVG and/or PNG, with the same chart code as the page.
    #[command(group(clap::ArgGroup::new("output").required(true).multiple(true).args(["svg", "png"])))]
    Render {
        source: String,
        /// Write the charts as SVG to this file.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
        /// Write the charts as PNG to this file.
        #[arg(long, value_name = "FILE")]
        png: Option<PathBuf>,
        /// Width in pixels.
        #[arg(long, default_value_t = 1200, value_parser = clap::value_parser!(u32).range(480..=8000))]
        width: u32,
        /// Height of each chart, in pixels.
        #[arg(long, default_value_t = 400, value_parser = clap::value_parser!(u32).range(200..=4000))]
        height: u32,
        /// The charts to draw, top to bottom in the page's order: collateral, margin, impact
        /// (default: those a link's charts= names, else all three).
        #[arg(long, value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(chart::CHARTS.map(|c| c.0)))]
        charts: Vec<String>,
        /// A title line above the charts (for a slide or a social preview image).
        #[arg(long, value_parser = title)]
        title: Option<String>,
        /// The steps the time charts show, FROM-TO (default: the link's win=, else the whole run).
        #[arg(long, value_name = "FROM-TO")]
        window: Option<String>,
        /// Device pixels per chart pixel in the PNG (2 for sharp slides and print).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=4))]
        scale: u32,
        /// Colours: light or dark (default: the link's theme when it says dark, else light).
        #[arg(long, value_parser = ["light", "dark"])]
        theme: Option<String>,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Refuse a link with any problem (exit 1) instead of using the rest of it, as the page does.
        #[arg(long)]
        strict: bool,
    },
    /// The liquidation surface: the scenario over a grid of two assets' own moves (a full
    /// simulation per cell, on every core), each cell what happened to your account; a text map,
    /// or `--json`, `--csv`, `--svg FILE`, `--png FILE`.
    Surface {
        source: String,
        /// The across axis, SYMBOL=MIN:MAX:N in percent (default: your largest position's asset,
        /// -60:20:25).
        #[arg(long, value_parser = axis)]
        x: Option<surface::Axis>,
        /// The down axis (default: your second largest position's asset, -60:20:25).
        #[arg(long, value_parser = axis)]
        y: Option<surface::Axis>,
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        #[arg(long)]
        csv: bool,
        /// Draw the heat map as SVG to this file.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
        /// Draw the heat map as PNG to this file.
        #[arg(long, value_name = "FILE")]
        png: Option<PathBuf>,
        /// Image width and height in pixels.
        #[arg(long, default_value_t = 900, value_parser = clap::value_parser!(u32).range(320..=8000))]
        width: u32,
        #[arg(long, default_value_t = 720, value_parser = clap::value_parser!(u32).range(240..=8000))]
        height: u32,
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=4))]
        scale: u32,
        #[arg(long, value_parser = ["light", "dark"])]
        theme: Option<String>,
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long)]
        strict: bool,
    },
    /// The Monte Carlo risk map: a grid over two numeric controls, `--paths` random paths per
    /// cell with noise on, the same seeds in every cell; per cell the probability of liquidation
    /// (95 % interval), the expected shortfall of final equity at 5 %, the crowd's
    /// liquidation-at-risk (95th percentile) and the probability the insurance fund runs out.
    /// Runs on every core, with a progress bar on a terminal.
    Sweep {
        source: String,
        /// The across axis, KEY=MIN:MAX:N (a numeric control: `cascade controls SOURCE` lists
        /// them; default lev.0=1:25:10, the first position's leverage).
        #[arg(long, value_parser = sweep_range)]
        x: Option<sweep::Range>,
        /// The down axis, KEY=MIN:MAX:N (default corr=0:0.9:10, the correlation of every pair).
        #[arg(long, value_parser = sweep_range)]
        y: Option<sweep::Range>,
        /// Random paths per cell.
        #[arg(long, default_value_t = 200)]
        paths: u32,
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        #[arg(long)]
        csv: bool,
        /// The seed the paths' seeds derive from (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long)]
        strict: bool,
    },
    /// List the page's controls for a scenario (file, `-`, `preset:NAME` or link): key, label, unit,
    /// range, value, and whether it can change this scenario's outcome (with the reason when not).
    /// The keys are those of share links.
    Controls {
        source: String,
        /// Print them as one JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Print the JSON Schema of the scenario format.
    Schema,
    /// List the bundled presets; with a NAME, print that preset's scenario JSON.
    Presets { name: Option<String> },
}

/// What a source resolved to: the scenario, and the share link it came from (if it was one).
struct Source {
    scenario: scenario::Scenario,
    link: Option<link::Link>,
    /// How many problems the link had (each printed as a notice).
    notices: usize,
}

/// A share link rather than a file: a URL (`https://host/page#v=1&…`) or a bare fragment
/// (`#v=1&…` or `v=1&…`). An existing file of that name always wins.
fn is_link(source: &str) -> bool {
    !std::path::Path::new(source).exists()
        && (source.starts_with('#') || source.starts_with("v=") || source.contains("://"))
}

fn read_source(source: &str) -> Res<Source> {
    if source.starts_with("preset:") {
        return load_scenario(source).map(|scenario| Source { scenario, link: None, notices: 0 });
    }
    if is_link(source) {
        // Like the page: every problem in the link is a notice and the rest is used.
        let bare_address = source.contains("://") && !source.contains('#');
        let mut d = link::decode(if bare_address { "" } else { link::fragment_of(source) });
        if bare_address {
            d.notices
                .insert(0, "The address has no #fragment, so it names no scenario; the default one is used.".into());
        }
        for n in &d.notices {
            eprintln!("notice: {n}");
        }
        let scenario = d.link.scenario().map_err(|e| Error::Input(format!("the link's scenario: {e}")))?;
        return Ok(Source { scenario, link: Some(d.link), notices: d.notices.len() });
    }
    let text = if source == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| Error::Input(format!("cannot read standard input: {e}")))?;
        s
    } else {
        std::fs::read_to_string(source).map_err(|e| Error::Input(format!("cannot read {source}: {e}")))?
    };
    load_scenario(&text)
        .map(|scenario| Source { scenario, link: None, notices: 0 })
        .map_err(|e| Error::Input(format!("{source}: {e}")))
}

/// `--vs`: a venue's key.
fn venue_key(s: &str) -> Res<scenario::Venue> {
    scenario::Venue::from_key(s).ok_or_else(|| {
        let keys: Vec<&str> = venues::ALL.iter().map(|v| v.key()).collect();
        Error::Input(format!("no venue {s:?}; one of {}", keys.join(", ")))
    })
}

/// What a source resolved to and validated into.
struct Loaded {
    m: Model,
    link: Option<link::Link>,
    scenario: scenario::Scenario,
}

/// Read, apply the seed override and validate: the model, or the exit code after an error.
/// `strict`: a link with any problem is an error (exit 1) instead of notices and the rest used.
fn model_of(source: &str, seed: Option<u64>, strict: bool) -> Result<(Model, Option<link::Link>), ExitCode> {
    load(source, seed, strict).map(|l| (l.m, l.link))
}

fn load(source: &str, seed: Option<u64>, strict: bool) -> Result<Loaded, ExitCode> {
    let mut src = read_source(source).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    if strict && src.notices > 0 {
        let n = src.notices;
        eprintln!("{}: the link has {n} problem{}, listed above", short_source(source), if n == 1 { "" } else { "s" });
        return Err(ExitCode::from(1));
    }
    if let Some(seed) = seed {
        src.scenario.seed = seed;
    }
    let m = Model::from_scenario(&src.scenario).map_err(|e| {
        eprintln!("{}: {e}", short_source(source));
        ExitCode::from(1)
    })?;
    Ok(Loaded { m, link: src.link, scenario: src.scenario })
}

/// Links can be long: name them by their start in messages.
fn short_source(source: &str) -> String {
    if source.chars().count() > 60 {
        format!("{}…", source.chars().take(60).collect::<String>())
    } else {
        source.to_string()
    }
}

fn main() -> ExitCode {
    match Cli::parse().cmd {
        Cmd::Schema => {
            println!("{}", serde_json::to_string_pretty(&scenario::json_schema()).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Cmd::Presets { name } => presets_cmd(name),
        Cmd::Validate { source } => validate(&source),
        Cmd::Controls { source, json } => controls_cmd(&source, json),
        Cmd::Sweep { source, x, y, paths, json, csv, seed, strict } => {
            sweep_cmd(&source, x, y, paths, (json, csv), (seed, strict))
        }
        Cmd::Surface { source, x, y, json, csv, svg, png, width, height, scale, theme, seed, strict } => {
            let l = match load(&source, seed, strict) {
                Ok(l) => l,
                Err(code) => return code,
            };
            let out = SurfaceOut { json, csv, svg, png, width, height, scale, dark: theme.as_deref() == Some("dark") };
            surface_cmd(&l.scenario, x, y, out)
        }
        Cmd::Run { source, json, csv, seed, strict, vs, safe_leverage } => {
            run(&source, RunOpts { json, csv, seed, strict, vs, safe_leverage })
        }
        Cmd::Venues { markdown } => {
            if markdown {
                print!("{}", venues::markdown());
            } else {
                for v in venues::ALL {
                    println!("{:<12} {}", v.key(), v.line());
                }
            }
            ExitCode::SUCCESS
        }
        Cmd::Render { source, svg, png, width, height, charts, title, window, scale, theme, seed, strict } => {
            let (m, link) = match model_of(&source, seed, strict) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let window = match window.map(|w| link::parse_window(&w, m.steps)) {
                Some(Ok(w)) => w,
                Some(Err(why)) => {
                    eprintln!("error: --window {why}");
                    return ExitCode::from(2);
                }
                None => link.as_ref().and_then(|l| l.window),
            };
            let look = Look { width, height, charts, title, scale, theme, window };
            render(&m, link.as_ref(), look, svg, png)
        }
    }
}

fn presets_cmd(name: Option<String>) -> ExitCode {
    let Some(n) = name else {
        for p in presets::PRESETS {
            println!("{:<20} {}", p.name, p.claim);
        }
        return ExitCode::SUCCESS;
    };
    match presets::get(&n) {
        Ok(p) => {
            print!("{}", p.json);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn validate(source: &str) -> ExitCode {
    let m = match model_of(source, None, true) {
        Ok((m, _)) => m,
        Err(code) => return code,
    };
    println!(
        "{}: valid ({} assets, {} steps, {} crowd accounts, {} hand-listed)",
        short_source(source),
        m.assets.len(),
        m.steps,
        m.crowd_accounts,
        m.explicit.len()
    );
    for n in &m.notices {
        println!("notice: {n}");
    }
    ExitCode::SUCCESS
}

fn controls_cmd(source: &str, json: bool) -> ExitCode {
    let (m, link) = match model_of(source, None, false) {
        Ok(x) => x,
        Err(code) => return code,
    };
    // a link: its base scenario and its control values; a file or preset: the scenario itself
    let (base, values) = match &link {
        Some(l) => (l.base(), l.controls.clone()),
        None => match read_source(source) {
            Ok(src) => (src.scenario, Default::default()),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let apart = outcome::simulate(&m).rules_matter;
    let list = controls::describe_with(&base, &values, Some(&m), Some(apart));
    if json {
        println!("{}", serde_json::to_string_pretty(&list).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    for c in &list {
        let range = match &c.kind {
            controls::Kind::Number { min, max, .. } => {
                format!("{min} to {max}{}", if c.unit.is_empty() { String::new() } else { format!(" {}", c.unit) })
            }
            controls::Kind::Toggle => "true, false".into(),
            controls::Kind::Choice { options } => options.join(", "),
        };
        let state = match (&c.reason, &c.note) {
            (Some(why), _) => format!("  (disabled: {why})"),
            (None, Some(note)) => format!("  ({note})"),
            _ => String::new(),
        };
        println!("{:<14} {:<12} {}  [{range}]{state}", c.key, c.value, c.label);
    }
    ExitCode::SUCCESS
}

fn axis(s: &str) -> Result<surface::Axis, String> {
    surface::Axis::parse(s).map_err(|e| e.to_string())
}

/// Cells `0..n` on every core (rayon), with a progress bar on a terminal (indicatif draws
/// nothing when standard error is not one); the first error stops the rest.
#[cfg(not(target_arch = "wasm32"))]
fn every_cell<T: Send>(n: usize, cell: impl Fn(usize) -> Res<T> + Sync) -> Res<Vec<T>> {
    use rayon::prelude::*;
    let bar = indicatif::ProgressBar::new(n as u64);
    let out = (0..n)
        .into_par_iter()
        .map(|k| {
            let c = cell(k);
            bar.inc(1);
            c
        })
        .collect();
    bar.finish_and_clear();
    out
}

/// The WebAssembly build of the CLI (built only by the wasm tests): one cell after another.
#[cfg(target_arch = "wasm32")]
fn every_cell<T: Send>(n: usize, cell: impl Fn(usize) -> Res<T> + Sync) -> Res<Vec<T>> {
    (0..n).map(cell).collect()
}

#[cfg(not(target_arch = "wasm32"))]
fn surface_png(s: &surface::Surface, w: u32, h: u32, scale: u32, th: &chart::Theme) -> Res<Vec<u8>> {
    chart::surface_png(s, w, h, scale, th)
}

#[cfg(target_arch = "wasm32")]
fn surface_png(_: &surface::Surface, _: u32, _: u32, _: u32, _: &chart::Theme) -> Res<Vec<u8>> {
    Err(Error::Draw("PNG output is not available in the WebAssembly build".into()))
}

fn sweep_range(s: &str) -> Result<sweep::Range, String> {
    sweep::Range::parse(s).map_err(|e| e.to_string())
}

/// `cascade sweep`: the map's cells on every core, with a progress bar on a terminal.
fn sweep_cmd(
    source: &str,
    x: Option<sweep::Range>,
    y: Option<sweep::Range>,
    paths: u32,
    (json, csv): (bool, bool),
    (seed, strict): (Option<u64>, bool),
) -> ExitCode {
    // a link's base and values (the grid's controls apply on top); a file or preset as it is
    let (base, values) = match read_source(source) {
        Ok(src) if strict && src.notices > 0 => {
            eprintln!("{}: the link has problems, listed above", short_source(source));
            return ExitCode::from(1);
        }
        Ok(src) => match src.link {
            Some(l) => (l.base(), l.controls.clone()),
            None => (src.scenario, Default::default()),
        },
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut values: std::collections::BTreeMap<String, String> = values;
    if let Some(s) = seed {
        values.insert("seed".into(), s.to_string());
    }
    let axes = x
        .map_or_else(|| sweep::default_range(&base, &values, "lev.0"), Ok)
        .and_then(|x| Ok((x, y.map_or_else(|| sweep::default_range(&base, &values, "corr"), Ok)?)));
    let plan = match axes.and_then(|(x, y)| sweep::Plan::new(&base, &values, x, y, paths)) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let nx = plan.x.n;
    match every_cell(plan.cells(), |k| plan.cell(k % nx, k / nx)) {
        Ok(cells) if csv => print!("{}", sweep::to_csv(&plan, &cells)),
        Ok(cells) if json => println!("{}", sweep::to_json(&plan, &cells)),
        Ok(cells) => print!("{}", sweep::text(&plan, &cells)),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}

/// Where `cascade surface` writes.
struct SurfaceOut {
    json: bool,
    csv: bool,
    svg: Option<PathBuf>,
    png: Option<PathBuf>,
    width: u32,
    height: u32,
    scale: u32,
    dark: bool,
}

/// Every cell of the grid on every core (rayon), with a progress bar on a terminal.
fn surface_cmd(
    s: &scenario::Scenario,
    x: Option<surface::Axis>,
    y: Option<surface::Axis>,
    out: SurfaceOut,
) -> ExitCode {
    let plan = match surface::Plan::new(s, x, y) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let nx = plan.x.n;
    let cells = match every_cell(plan.cells(), |k| plan.cell(k % nx, k / nx)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let sf = surface::Surface { plan, cells };
    if out.json {
        println!("{}", output::surface::to_json(&sf));
    } else if out.csv {
        print!("{}", output::surface::to_csv(&sf));
    } else {
        print!("{}", output::surface::text(&sf));
    }
    let th = if out.dark { &chart::DARK } else { &chart::LIGHT };
    let mut files = vec![];
    if let Some(p) = out.svg {
        files.push((p, chart::surface_svg(&sf, out.width, out.height, th).map(String::into_bytes)));
    }
    if let Some(p) = out.png {
        files.push((p, surface_png(&sf, out.width, out.height, out.scale, th)));
    }
    for (path, bytes) in files {
        let written = bytes.and_then(|b| {
            std::fs::write(&path, b).map_err(|e| Error::Input(format!("cannot write {}: {e}", path.display())))
        });
        if let Err(e) = written {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        eprintln!("wrote {}", path.display());
    }
    ExitCode::SUCCESS
}

/// What `cascade run` prints besides the run.
struct RunOpts {
    json: bool,
    csv: bool,
    seed: Option<u64>,
    strict: bool,
    vs: Option<scenario::Venue>,
    safe_leverage: bool,
}

fn run(source: &str, opts: RunOpts) -> ExitCode {
    let RunOpts { json, csv, seed, strict, vs, safe_leverage } = opts;
    let l = match load(source, seed, strict) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let o = outcome::simulate(&l.m);
    let safe = match safe_leverage.then(|| safe::safe_leverage(&l.scenario)).transpose() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    if json {
        let more = safe.map(|s| ("safe_leverage".to_string(), safe_json(&s))).into_iter().collect();
        println!("{}", report::to_json_text_with(&o, more));
    } else if csv {
        print!("{}", report::to_csv(&o));
    } else {
        print!("{}", text_summary(&o));
        for s in safe.iter().flatten() {
            println!("  safe leverage, {} {} ({}): {}", s.side, s.asset, s.key, s.words());
        }
    }
    if let Some(venue) = vs {
        // a link: its base and its values, the rules changed by hand left out on the other side
        let (chosen, other) = match &l.link {
            Some(k) => {
                (controls::chosen_venue(&k.base(), &k.controls), controls::under_venue(&k.base(), &k.controls, venue))
            }
            None => (l.scenario.venue, Ok(l.scenario.under(venue))),
        };
        let this = compare::rules_title(&l.m, chosen);
        match other.and_then(|other| compare::compare(&l.m, &o, &this, &other, venue)) {
            Ok(c) => print!("\n{}:\n{}", c.caption, compare::text(&c)),
            Err(e) => {
                eprintln!("error: under {}'s rules the scenario is not valid: {e}", venue.title());
                return ExitCode::from(1);
            }
        }
    }
    ExitCode::SUCCESS
}

/// How `render` draws: size, charts, title, scale and theme.
struct Look {
    width: u32,
    height: u32,
    charts: Vec<String>,
    title: Option<String>,
    scale: u32,
    theme: Option<String>,
    window: Option<(usize, usize)>,
}

fn render(m: &Model, link: Option<&link::Link>, look: Look, svg: Option<PathBuf>, png: Option<PathBuf>) -> ExitCode {
    if svg.is_some() && svg == png {
        eprintln!("error: --svg and --png name the same file");
        return ExitCode::from(2);
    }
    let dark = match look.theme.as_deref() {
        Some(t) => t == "dark",
        None => link.is_some_and(|l| l.theme == link::Theme::Dark),
    };
    let th = if dark { &chart::DARK } else { &chart::LIGHT };
    let names = match (look.charts.is_empty(), link.and_then(|l| l.embed_charts.clone())) {
        (false, _) => look.charts,
        (true, Some(from_link)) => from_link,
        (true, None) => chart::chart_names().map(String::from).collect(),
    };
    let sheet = chart::Sheet {
        charts: chart::Which::of_charts(&names),
        title: look.title,
        width: look.width,
        height_each: look.height,
    };
    let mut d = chart::ChartData::from_outcome(&outcome::simulate(m));
    d.window = look.window;
    if sheet.charts.contains(&chart::Which::Ladder) {
        // the ladder at the link's time cursor, else just before the first shock
        let step = link.and_then(|l| l.step).unwrap_or_else(|| ladder::default_step(m));
        d.ladder = Some(chart::LadderData::at(m, step, ladder::default_asset(m)));
    }
    // draw everything first, so that an error leaves no file half-done
    let mut files: Vec<(PathBuf, Vec<u8>)> = vec![];
    if let Some(path) = svg {
        match chart::svg(&d, &sheet, th) {
            Ok(text) => files.push((path, text.into_bytes())),
            Err(e) => {
                eprintln!("error: drawing the SVG: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if let Some(path) = png {
        match png_bytes(&d, &sheet, look.scale, th) {
            Ok(bytes) => files.push((path, bytes)),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    for (path, bytes) in files {
        if let Err(e) = std::fs::write(&path, bytes) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
        println!("wrote {}", path.display());
    }
    ExitCode::SUCCESS
}

#[cfg(not(target_arch = "wasm32"))]
fn png_bytes(d: &chart::ChartData, sheet: &chart::Sheet, scale: u32, th: &chart::Theme) -> Res<Vec<u8>> {
    chart::png(d, sheet, scale, th)
}

/// `--title`: one line of at most 120 characters, not blank.
fn title(s: &str) -> Res<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::Input("the title is empty".into()));
    }
    if t.chars().any(char::is_control) {
        return Err(Error::Input("the title must be one line (no line breaks or control characters)".into()));
    }
    match t.chars().count() {
        n if n > 120 => Err(Error::Input(format!("the title is {n} characters long; at most 120"))),
        _ => Ok(t.to_string()),
    }
}

/// The bitmap backend is native only (this binary is compiled for wasm32 only as part of the
/// package's browser tests, and never run there).
#[cfg(target_arch = "wasm32")]
fn png_bytes(_: &chart::ChartData, _: &chart::Sheet, _: u32, _: &chart::Theme) -> Res<Vec<u8>> {
    Err(Error::Draw("PNG output is not available in the WebAssembly build".into()))
}

/// "  liquidation price at the opening: BTC 87370.1; ETH none: …" (nothing without positions).
fn opening_liquidation_prices(s: &outcome::RunSummary) -> String {
    if s.liquidation_price_at_open.is_empty() {
        return String::new();
    }
    let list: Vec<String> = s
        .liquidation_price_at_open
        .iter()
        .map(|(sym, l)| match (&l.price, &l.why_none) {
            (Some(p), _) => format!("{sym} {p}"),
            (None, why) => format!("{sym} none: {}", why.as_deref().unwrap_or("")),
        })
        .collect();
    format!("  liquidation price at the opening: {}\n", list.join("; "))
}

/// Safe leverage in the JSON summary: an object by symbol.
fn safe_json(s: &[safe::SafeLeverage]) -> serde_json::Value {
    serde_json::Value::Object(
        s.iter().map(|x| (x.asset.clone(), serde_json::to_value(x).unwrap_or_default())).collect(),
    )
}

fn text_summary(o: &margin_cascade::Outcome) -> String {
    let s = &o.summary;
    let mut out = format!("{}\n", o.name);
    for n in &o.notices {
        out += &format!("notice: {n}\n");
    }
    for (sym, a) in &s.assets {
        if a.exogenous_drawdown_pct > 0.0 {
            out += &format!(
                "  {sym:<6} exogenous drawdown {:>7.3}%  realised {:>7.3}%  amplification {}\n",
                a.exogenous_drawdown_pct,
                a.realized_drawdown_pct,
                a.amplification.map(|x| format!("{x:.2}×")).unwrap_or("-".into())
            );
        }
    }
    let liq = |x: Option<usize>| x.map(|t| format!("at step {t}")).unwrap_or("never".into());
    out += &format!(
        "  focal ({}) liquidated: {}; other mode: {}\n",
        s.focal_mode.name(),
        liq(s.focal_liquidated_step),
        liq(o.other_mode_summary.focal_liquidated_step)
    );
    out += &opening_liquidation_prices(s);
    for c in &s.focal_positions_closed {
        let what = if c.partial { "sold a chunk of" } else { "closed" };
        out += &format!("    {what} {} at step {}\n", c.asset, c.step);
    }
    for c in &s.healthy_positions_closed {
        out += &format!("    healthy position closed: {} at step {} (the other mode kept it)\n", c.asset, c.step);
    }
    out += &format!(
        "  final equity {} USD (other mode {}, no feedback {})\n",
        s.final_equity.round_dp(2),
        o.other_mode_summary.final_equity.round_dp(2),
        o.no_feedback_summary.final_equity.round_dp(2)
    );
    out += &format!(
        "  crowd: {} accounts liquidated ({} liquidations), {} USD notional; cascade depth {} step{}\n",
        o.main.crowd_accounts_hit(),
        s.crowd_accounts_liquidated,
        s.crowd_liquidated_notional.round_dp(0),
        s.cascade_depth_steps,
        if s.cascade_depth_steps == 1 { "" } else { "s" }
    );
    out += &format!(
        "  bad debt {} USD (uncovered {}); insurance fund {} USD\n",
        s.bad_debt.round_dp(2),
        s.uncovered_bad_debt.round_dp(2),
        s.insurance_fund_final.round_dp(2)
    );
    if let Some(b) = &s.backstop {
        out += &format!(
            "  backstop vault: {} takeover{}, {} USD at the mark, {} USD of cash with them; its result {} USD{}\n",
            b.takeovers,
            if b.takeovers == 1 { "" } else { "s" },
            b.notional.round_dp(0),
            b.transferred.round_dp(2),
            b.result.round_dp(2),
            b.focal_step.map(|t| format!("; yours at step {t}")).unwrap_or_default()
        );
    }
    if let Some(a) = &s.adl {
        out += &format!(
            "  auto-deleveraging paid {} USD: {} position{} of {} account{}, {} USD at bankruptcy prices; yours paid {} USD\n",
            a.paid.round_dp(2),
            a.positions,
            if a.positions == 1 { "" } else { "s" },
            a.accounts,
            if a.accounts == 1 { "" } else { "s" },
            a.notional.round_dp(0),
            a.focal_paid.round_dp(2)
        );
    }
    out
}
