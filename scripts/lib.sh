# Shared helpers for scripts/*.sh: each ensure_* installs what is missing and does nothing
# when it is already there (idempotent). Sourced, not run.

WASM_BINDGEN_VERSION=0.2.105   # must equal the exact wasm-bindgen version pinned in Cargo.toml

# Build outside the clone so a fresh clone (CI) reuses the compiled dependencies.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/margin-cascade/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

say() { printf '\n== %s\n' "$*"; }

ensure_cargo() {
  if ! command -v cargo >/dev/null 2>&1; then
    [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
  fi
  command -v cargo >/dev/null 2>&1 || { echo "cargo is missing: install Rust with rustup first" >&2; exit 1; }
}

ensure_wasm_target() {
  ensure_cargo
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_rust_components() {
  ensure_cargo
  for c in clippy rustfmt; do
    if ! cargo "${c/rustfmt/fmt}" --version >/dev/null 2>&1; then
      say "installing the $c component"
      rustup component add "$c"
    fi
  done
}

ensure_wasm_bindgen() {
  ensure_cargo
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
    cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION" --locked \
      || cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION"
  fi
}

ensure_chromium() {
  if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    say "installing Debian chromium and chromium-driver"
    local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}

ensure_node_modules() {
  command -v npm >/dev/null 2>&1 || { echo "node/npm are missing" >&2; exit 1; }
  # (again when package-lock.json lists what node_modules does not have)
  if [ ! -d tests/browser/node_modules/playwright-core ] || [ ! -d tests/browser/node_modules/eslint ] \
     || [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then
    say "installing npm packages for the browser tests"
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
