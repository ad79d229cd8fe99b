//! `cargo run --release --example profile [large]`: run the benchmark scenario in a loop (for perf/callgrind).
fn main() {
    let large = std::env::args().nth(1).as_deref() == Some("large");
    let s = if large {
        margin_cascade::engine::scenario::benchmark_large()
    } else {
        margin_cascade::engine::scenario::benchmark_default()
    };
    let m = margin_cascade::Model::from_scenario(&s).unwrap();
    let n = if large { 5 } else { 50 };
    let t = std::time::Instant::now();
    let mut ev = 0;
    for _ in 0..n {
        let o = margin_cascade::simulate(&m);
        ev += o.main.events.len();
    }
    eprintln!("{:.3} ms per simulate ({} events per run)", t.elapsed().as_secs_f64() * 1e3 / n as f64, ev / n);
}
