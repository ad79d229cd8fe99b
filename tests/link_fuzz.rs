//! Fuzzing the share-link decoder: at least 1 000 000 inputs up to 64 KiB (deterministic, seeded),
//! from random text, random bytes, long inputs and mutations of valid links. For every input:
//! no panic, an answer whose scenario is valid, and a canonical encoding that is a fixed point.
//! Run in release (`scripts/test.sh` does); `LINK_FUZZ_CASES` changes the count.

use margin_cascade::share::link::{decode, encode};
use margin_cascade::Model;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

const CORPUS: &[&str] = &[
    "v=1&preset=contagion&seed=1&lev.0=12.5&mode=isolated&theme=dark&t=30",
    "v=1&preset=amplification&seed=7&crowd.lev_max=60&depth=0.5&feedback=false",
    "v=1&preset=depeg&seed=3&shock.asset=BTC&shock.pct=-20&shock.step=5&corr=0.9",
    "v=1&preset=cross-vs-isolated&seed=2025&rho.BTC.ETH=0.95&noise=false&embed=1&controls=lev.0,mode,corr",
    "v=1&preset=double-hit&seed=11&lev.0=4&crowd.lev_min=3",
    "#v=1&preset=contagion&seed=1&s=eyJ2ZXJzaW9uIjoxLCJzdGVwcyI6NX0",
];
const ALPHA: &[u8] = b"=&#%.,-_~+0123456789abcdefghijklmnopqrstuvwxyzABCDEFXYZv=&s=t=%3C%3E%00%FF";

fn len(rng: &mut ChaCha8Rng, max: usize) -> usize {
    // mostly short, sometimes long: geometric-ish
    let r = rng.next_u32();
    let cap = match r % 100 {
        0..=59 => 64,
        60..=89 => 512,
        90..=97 => 4096,
        _ => max,
    };
    (rng.next_u32() as usize) % (cap + 1)
}

fn gen(rng: &mut ChaCha8Rng, i: u64) -> String {
    const MAX: usize = 64 * 1024;
    match i % 20 {
        0..=7 => (0..len(rng, MAX)).map(|_| ALPHA[rng.next_u32() as usize % ALPHA.len()] as char).collect(),
        8..=10 => {
            let mut b = vec![0u8; len(rng, MAX)];
            rng.fill_bytes(&mut b);
            String::from_utf8_lossy(&b).into_owned()
        }
        11 => {
            // a long fragment: a valid link's parts repeated past the limit, or just under it
            let base = CORPUS[rng.next_u32() as usize % CORPUS.len()];
            let n = (MAX + 2 * base.len()) / base.len();
            let mut s = base.repeat(n);
            s.truncate(MAX - (rng.next_u32() as usize % 2) * 100);
            s
        }
        _ => {
            // structure-aware: mutate a valid link
            let mut s: Vec<u8> = CORPUS[rng.next_u32() as usize % CORPUS.len()].as_bytes().to_vec();
            for _ in 0..1 + rng.next_u32() % 6 {
                let at = if s.is_empty() { 0 } else { rng.next_u32() as usize % s.len() };
                match rng.next_u32() % 6 {
                    0 => {
                        s.insert(at, ALPHA[rng.next_u32() as usize % ALPHA.len()]);
                    }
                    1 if !s.is_empty() => {
                        s.remove(at);
                    }
                    2 if !s.is_empty() => s[at] = ALPHA[rng.next_u32() as usize % ALPHA.len()],
                    3 => {
                        let part = CORPUS[rng.next_u32() as usize % CORPUS.len()]
                            .split('&')
                            .nth(rng.next_u32() as usize % 4)
                            .unwrap_or("");
                        s.extend_from_slice(b"&");
                        s.extend_from_slice(part.as_bytes());
                    }
                    4 => {
                        let nums: &[&str] = &[
                            "-1",
                            "0",
                            "1e308",
                            "NaN",
                            "inf",
                            "-0",
                            "999999999999999999999",
                            "0.0000001",
                            "1.5",
                            "abc",
                            "",
                        ];
                        s.extend_from_slice(b"=");
                        s.extend_from_slice(nums[rng.next_u32() as usize % nums.len()].as_bytes());
                    }
                    _ => s.truncate(at),
                }
            }
            String::from_utf8_lossy(&s).into_owned()
        }
    }
}

#[test]
fn decoder_never_panics_and_always_answers() {
    // 1 000 000 in release (scripts/test.sh runs it so); a quick 2 000 in debug builds.
    let default = if cfg!(debug_assertions) { 2_000 } else { 1_000_000 };
    let cases: u64 = std::env::var("LINK_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let mut rng = ChaCha8Rng::seed_from_u64(0x11_4b);
    let (mut with_controls, mut longest) = (0u64, 0usize);
    for i in 0..cases {
        let mut input = gen(&mut rng, i);
        if input.len() > 64 * 1024 {
            let mut cut = 64 * 1024;
            while !input.is_char_boundary(cut) {
                cut -= 1;
            }
            input.truncate(cut);
        }
        longest = longest.max(input.len());
        let t0 = std::time::Instant::now();
        let d = decode(&input);
        if std::env::var("LINK_FUZZ_SLOW").is_ok() && t0.elapsed().as_millis() > 200 {
            eprintln!(
                "slow case {i}: {} ms, {} bytes: {:?}",
                t0.elapsed().as_millis(),
                input.len(),
                input.chars().take(120).collect::<String>()
            );
        }
        assert!(d.notices.len() <= margin_cascade::share::link::MAX_NOTICES + 1, "case {i}: unbounded notices");
        let settings = d.link.controls.len() > 1 || d.link.scenario.is_some();
        // Always: the settings apply to the base (ranges and kinds were checked).
        let s = d
            .link
            .scenario()
            .unwrap_or_else(|e| panic!("case {i}: decoded link is not applicable: {e}\ninput: {input:?}"));
        if settings {
            with_controls += 1;
        }
        // Every 8th input with settings (and every 64th without): the full scenario is valid, and
        // the canonical encoding is a fixed point.
        if (settings && with_controls % 8 == 0) || i % 64 == 0 {
            Model::from_scenario(&s)
                .unwrap_or_else(|e| panic!("case {i}: decoded scenario invalid: {e}\ninput: {input:?}"));
            let e = encode(&d.link);
            let again = decode(&e);
            assert!(
                again.notices.is_empty(),
                "case {i}: the canonical link has notices {:?}\ninput: {input:?}\nlink: {e}",
                again.notices
            );
            assert_eq!(again.link, d.link, "case {i}: decode(encode(x)) != x\ninput: {input:?}\nlink: {e}");
            assert_eq!(encode(&again.link), e, "case {i}: encoding is not canonical");
        }
    }
    eprintln!("{cases} inputs, longest {longest} bytes, {with_controls} decoded to settings");
    assert!(longest <= 64 * 1024);
    if cases >= 100_000 {
        assert!(longest >= 60 * 1024, "long inputs were generated");
    }
}
