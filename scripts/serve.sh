#!/usr/bin/env bash
# Installs what is missing, builds everything, and serves the explorer on http://localhost:$PORT.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
PORT="${PORT:-8000}"
if [ -f src/web.rs ]; then
  ensure_wasm_target
  ensure_wasm_bindgen
  scripts/build-web.sh
  say "serving www/ on http://localhost:$PORT/ (Ctrl-C to stop)"
  exec python3 -m http.server "$PORT" --bind 127.0.0.1 --directory www
else
  ensure_cargo
  say "the page is not built yet; running the CLI on a preset instead"
  cargo run --release --locked --bin cascade -- run preset:contagion
fi
