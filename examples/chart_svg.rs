//! `cargo run --example chart_svg -- PRESET > out.svg`: the three charts as SVG (for looking at them).
fn main() {
    let name = std::env::args().nth(1).unwrap_or_else(|| "contagion".into());
    let o = margin_cascade::simulate_json(margin_cascade::presets::get(&name).unwrap().json).unwrap();
    let d = margin_cascade::chart::ChartData::from_outcome(&o);
    print!("{}", margin_cascade::chart::svg(&d, 900, 300, &margin_cascade::chart::LIGHT).unwrap());
}
