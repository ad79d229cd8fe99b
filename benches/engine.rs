//! `cargo bench`: the default scenario (4 assets, 1 000 crowd accounts, 288 steps) and the large
//! one (8 assets, 10 000 accounts, 1 440 steps), each with both counterfactuals (three runs).
//! Targets on the 2-core reference machine: default ≤ 2 ms, large ≤ 100 ms (median), under the
//! scenario's own rules and under every venue rule pack (`venue/…`: the default scenario with
//! its shock under each pack; `venue_large/…`: the large one under each); `safe_leverage/…`: the
//! bisections of every position's safe leverage (tens of runs that stop at your liquidation).

use criterion::{criterion_group, criterion_main, Criterion};
use margin_cascade::{engine::scenario, simulate, Model};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let default = Model::from_scenario(&scenario::benchmark_default()).unwrap();
    let large = Model::from_scenario(&scenario::benchmark_large()).unwrap();
    let mut g = c.benchmark_group("simulate");
    g.bench_function("default_4x1000x288", |b| b.iter(|| simulate(black_box(&default))));
    g.sample_size(20);
    g.bench_function("large_8x10000x1440", |b| b.iter(|| simulate(black_box(&large))));
    g.finish();
    let mut g = c.benchmark_group("validate");
    g.bench_function("default", |b| {
        b.iter(|| Model::from_scenario(black_box(&scenario::benchmark_default())).unwrap())
    });
    g.finish();
    let mut g = c.benchmark_group("venue");
    for v in margin_cascade::engine::venues::ALL.into_iter().skip(1) {
        let m = Model::from_scenario(&scenario::benchmark_default().under(v)).unwrap();
        g.bench_function(v.key(), |b| b.iter(|| simulate(black_box(&m))));
    }
    g.finish();
    let mut g = c.benchmark_group("venue_large");
    g.sample_size(10);
    for v in margin_cascade::engine::venues::ALL.into_iter().skip(1) {
        let m = Model::from_scenario(&scenario::benchmark_large().under(v)).unwrap();
        g.bench_function(v.key(), |b| b.iter(|| simulate(black_box(&m))));
    }
    g.finish();
    // safe leverage: every position of the page's default preset, with feedback and without
    let mut g = c.benchmark_group("safe_leverage");
    g.sample_size(10);
    let loop_preset = margin_cascade::share::presets::get("loop").unwrap().scenario();
    g.bench_function("loop", |b| {
        b.iter(|| margin_cascade::share::safe::safe_leverage(black_box(&loop_preset)).unwrap())
    });
    g.bench_function("default", |b| {
        b.iter(|| margin_cascade::share::safe::safe_leverage(black_box(&scenario::benchmark_default())).unwrap())
    });
    g.finish();
    let o = simulate(&default);
    c.bench_function("report_json_default", |b| b.iter(|| margin_cascade::output::report::to_json_text(black_box(&o))));
}

criterion_group!(benches, bench);
criterion_main!(benches);
