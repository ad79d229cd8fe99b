#!/usr/bin/env bash
# Runs every test: Rust unit/integration/property/golden tests, the wasm32 build check,
# the browser tests (among them `serve.sh`, run as a newcomer runs it). Installs its own tools.
# Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_wasm_target
ensure_rust_components

say "format"
cargo fmt --check

say "lints: clippy (native and wasm32) and rustdoc, warnings as errors"
cargo clippy --all-targets --locked -- -D warnings
cargo clippy --lib --target wasm32-unknown-unknown --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked --quiet

say "JS lint (ESLint: unused variables, undeclared globals, …)"
ensure_node_modules
tests/browser/node_modules/.bin/eslint .

say "the engine builds for wasm32 with no web imports"
cargo check --lib --target wasm32-unknown-unknown --locked
if grep -rlE 'wasm_bindgen|web_sys|js_sys' src --include='*.rs' | grep -vE '^src/web(\.rs|/)'; then
  echo "web imports outside src/web: the engine must stay pure" >&2; exit 1
fi

say "native tests (unit, integration, property, golden, CLI; benches compiled and run once)"
cargo test --all-targets --locked
cargo test --doc --locked

say "share-link decoder fuzz: 1 000 000 inputs up to 64 KiB (release build)"
cargo test --release --locked --test link_fuzz -- --nocapture

if [ -f tests/web.rs ]; then
  ensure_wasm_bindgen
  ensure_chromium
  say "wasm-bindgen-test in headless Chromium"
  CHROMEDRIVER="$(command -v chromedriver)" \
  WASM_BINDGEN_TEST_TIMEOUT=120 \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test --target wasm32-unknown-unknown --test web --locked
fi

if [ -d tests/browser ]; then
  ensure_wasm_bindgen
  ensure_chromium
  ensure_node_modules
  say "build the page"
  scripts/build-web.sh
  say "browser tests (Playwright + Debian chromium)"
  # the CLI the browser tests compare against (the release link-fuzz test built it above)
  export CASCADE_BIN="$CARGO_TARGET_DIR/release/cascade"
  [ -x "$CASCADE_BIN" ] || cargo build --release --locked --bin cascade
  (cd tests/browser && node --test --test-concurrency=1 ./*.test.mjs)
fi
