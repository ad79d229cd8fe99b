//! Fuzzing the share-link decoder: at least 1 000 000 inputs up to 64 KiB (deterministic, seeded),
//! from random text, random bytes, long inputs and mutations of valid links. For every input:
//! no panic, an answer whose scenario is valid, and a canonical encoding that is a fixed point.
//! Run in release (`scripts/test.sh` does); `LINK_FUZZ_CASES` changes the count.

use margin_cascade::link::{decode, encode};
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
        0..=7 => (0..len(rng, MAX))
            .map(|_| ALPHA[rng.next_u32() as usize % ALPHA.len()] as char)
            .collect(),
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
            let mut s: Vec<u8> = CORPUS[rng.next_u32() as usize % CORPUS.len()]
                .as_bytes()
                .to_vec();
            for _ in 0..1 + rng.next_u32() % 6 {
                let at = if s.is_empty() {
                    0
                } else {
                    rng.next_u32() as usize % s.len()
                };
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
    let cases: u64 = std::env::var("LINK_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let mut rng = ChaCha8Rng::seed_from_u64(0x11_4b);
    let (mut with_controls, mut longest) = (0u64, 0usize);
    for i in 0..cases {
        let input = gen(&mut rng, i);
        longest = longest.max(input.len());
        let d = decode(&input);
        if d.link.controls.len() > 1 || d.link.scenario.is_some() {
            with_controls += 1;
            let s = d.link.scenario().unwrap_or_else(|e| {
                panic!("case {i}: decoded link is not applicable: {e}\ninput: {input:?}")
            });
            Model::from_scenario(&s).unwrap_or_else(|e| {
                panic!("case {i}: decoded scenario invalid: {e}\ninput: {input:?}")
            });
        }
        if i % 16 == 0 || d.link.controls.len() > 1 {
            let e = encode(&d.link);
            let again = decode(&e);
            assert!(
                again.notices.is_empty(),
                "case {i}: the canonical link has notices {:?}\ninput: {input:?}\nlink: {e}",
                again.notices
            );
            assert_eq!(
                again.link, d.link,
                "case {i}: decode(encode(x)) != x\ninput: {input:?}\nlink: {e}"
            );
            assert_eq!(
                encode(&again.link),
                e,
                "case {i}: encoding is not canonical"
            );
        }
    }
    eprintln!("{cases} inputs, longest {longest} bytes, {with_controls} decoded to settings");
    assert!(longest >= 60 * 1024);
}
