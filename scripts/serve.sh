#!/usr/bin/env bash
# Installs what is missing (the wasm32 target, the wasm-bindgen CLI at the crate's version),
# builds the engine as WebAssembly and the page's bindings into www/pkg/, and serves the explorer
# on http://localhost:$PORT/ (default 8000) until Ctrl-C. Idempotent: a second run rebuilds only
# what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
PORT="${PORT:-8000}"
case "$PORT" in ''|*[!0-9]*) echo "error: PORT must be a port number, got '$PORT'" >&2; exit 2 ;; esac
command -v python3 >/dev/null 2>&1 || { echo "error: python3 is missing (it serves the page)" >&2; exit 1; }
# Fail before a long build if the port is taken.
python3 scripts/serve.py --check "$PORT"
ensure_wasm_target
ensure_wasm_bindgen
say "building the page (engine → WebAssembly, bindings → www/pkg/)"
scripts/build-web.sh
exec python3 scripts/serve.py "$PORT" www
