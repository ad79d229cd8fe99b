#!/usr/bin/env bash
# Builds the engine as WebAssembly and its JS bindings into www/pkg/, so that www/ is a complete,
# self-contained static site (publish the folder as it is). With --out DIR, also copies the site
# there. Tools: the wasm32 target and the wasm-bindgen CLI at the crate's exact version.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_wasm_target
ensure_wasm_bindgen
cargo build --profile wasm --lib --target wasm32-unknown-unknown --locked
rm -rf www/pkg
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
  --out-dir www/pkg "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm/margin_cascade.wasm"
if [ "${1:-}" = "--out" ] && [ -n "${2:-}" ]; then
  rm -rf "$2" && mkdir -p "$2" && cp -r www/. "$2"/
  echo "site copied to $2"
fi
ls -l www/pkg/*.wasm | awk '{print "wasm: " $5 " bytes"}'
