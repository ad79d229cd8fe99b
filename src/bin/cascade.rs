//! `cascade`: the command-line shell over the engine.

use clap::{Parser, Subcommand};
use margin_cascade::{load_scenario, outcome, presets, report, scenario, Model};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "cascade", version, about = "Cross-margin liquidation cascade simulator")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a scenario (a JSON file, `-` for stdin, or `preset:NAME`) and print the result.
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
    },
    /// Check a scenario and print every problem; exits non-zero if there is any.
    Validate { source: String },
    /// Print the JSON Schema of the scenario format.
    Schema,
    /// List the bundled presets; with a NAME, print that preset's scenario JSON.
    Presets { name: Option<String> },
}

fn read_source(source: &str) -> Result<scenario::Scenario, String> {
    if source.starts_with("preset:") {
        return load_scenario(source).map_err(|e| e.to_string());
    }
    let text = if source == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        s
    } else {
        std::fs::read_to_string(source).map_err(|e| format!("cannot read {source}: {e}"))?
    };
    load_scenario(&text).map_err(|e| format!("{source}: {e}"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Schema => {
            println!("{}", serde_json::to_string_pretty(&scenario::json_schema()).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Cmd::Presets { name: None } => {
            for p in presets::PRESETS {
                println!("{:<20} {}", p.name, p.claim);
            }
            ExitCode::SUCCESS
        }
        Cmd::Presets { name: Some(n) } => match presets::get(&n) {
            Ok(p) => {
                print!("{}", p.json);
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Cmd::Validate { source } => {
            let s = match read_source(&source) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            match Model::from_scenario(&s) {
                Ok(m) => {
                    println!(
                        "{source}: valid ({} assets, {} steps, {} crowd accounts, {} hand-listed)",
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
                Err(e) => {
                    eprintln!("{source}: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Cmd::Run { source, json, csv, seed } => {
            let mut s = match read_source(&source) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            if let Some(seed) = seed {
                s.seed = seed;
            }
            let m = match Model::from_scenario(&s) {
                Ok(m) => m,
                Err(e) => {
                    eprintln!("{source}: {e}");
                    return ExitCode::from(1);
                }
            };
            let o = outcome::simulate(&m);
            if json {
                println!("{}", serde_json::to_string(&report::to_json(&o)).unwrap_or_default());
            } else if csv {
                print!("{}", report::to_csv(&o));
            } else {
                print!("{}", text_summary(&o));
            }
            ExitCode::SUCCESS
        }
    }
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
    for c in &s.focal_positions_closed {
        out += &format!("    closed {} at step {}\n", c.asset, c.step);
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
        "  crowd: {} accounts liquidated, {} USD notional; cascade depth {} steps\n",
        s.crowd_accounts_liquidated,
        s.crowd_liquidated_notional.round_dp(0),
        s.cascade_depth_steps
    );
    out += &format!(
        "  bad debt {} USD (uncovered {}); insurance fund {} USD\n",
        s.bad_debt.round_dp(2),
        s.uncovered_bad_debt.round_dp(2),
        s.insurance_fund_final.round_dp(2)
    );
    out
}
