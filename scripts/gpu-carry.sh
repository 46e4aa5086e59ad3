#!/usr/bin/env bash
# Prepares one GPU-machine call of `webdnn bench --engine node` for several models (docs/benchmarks.md, "WebGPU on a
# real GPU"): compiles our webgpu package and writes the peers' inputs for each model, bundles TF.js with its webgpu
# backend for Node.js, and packs everything small enough to travel with one call of the device tool (64 MiB together
# with .webgpu-node). Usage:
#   scripts/gpu-carry.sh NAME MODEL...        MODEL: a zoo name (resnet50, vgg16, ...) or a path to .onnx / .onnx.gz
# writes .gpu-carry/NAME/MODEL.tar.xz (one per model) and .gpu-carry/NAME/tfjs-node.mjs; on the GPU machine
#   bash .gpu-carry/NAME/on-device.sh [bench|profile|breakdown]...   (unpacks, runs, leaves results in $OUT/NAME.tar.xz)
# and here, once $OUT's archive is unpacked into .gpu-carry/NAME/back/:
#   cp .gpu-carry/NAME/back/MODEL/page*.json .gpu-carry/NAME.prepared/MODEL/
#   webdnn bench MODEL --engine node --node-dir .gpu-carry/NAME.prepared/MODEL --assemble --json bench/results/h200/...
# (NAME.prepared keeps each model's prepared folder, outside the carried one, so --assemble can check the outputs
# against native ONNX Runtime.)
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: scripts/gpu-carry.sh NAME MODEL..." >&2; exit 2; }
name=$1; shift
shared=${WEBDNN_SHARED:-$(cd .. && pwd)/shared}
[ -d "$shared/models" ] || shared=/work/shared
[ -d .webgpu-node ] || { echo "no .webgpu-node: run bash $shared/gpu/prepare.sh first" >&2; exit 2; }
cli=(dotnet run --project src/WebDnn.Cli -c Release --no-build --)

# .webgpu-node as prepare.sh builds it is ~38 MB; keep only what the bench runs (onnxruntime-web's webgpu build and
# its wasm, the webgpu package), once.
if [ ! -f .webgpu-node/.trimmed ]; then
  tmp=$(mktemp -d)
  tar -C "$tmp" -xJf .webgpu-node/node_modules.tar.xz
  find "$tmp/node_modules/onnxruntime-web/dist" -type f ! -name 'ort.webgpu*.mjs' ! -name 'ort-wasm-simd-threaded.asyncify.*' -delete
  find "$tmp/node_modules" \( -name '*.map' -o -name '*.d.ts' -o -name '*.md' \) -type f -delete
  rm -rf "$tmp/node_modules/@types" "$tmp/node_modules/undici-types" "$tmp/node_modules/onnxruntime-web/lib"
  tar -C "$tmp" -cf - node_modules | xz -9 -T2 > .webgpu-node/node_modules.tar.xz
  rm -rf "$tmp"; touch .webgpu-node/.trimmed
fi

out=.gpu-carry/$name
work=$(mktemp -d)
prepared=.gpu-carry/$name.prepared
rm -rf "$out" "$prepared"; mkdir -p "$out" "$prepared"
for m in "$@"; do
  model=$m; [ -f "$model" ] || model=$shared/models/$m.onnx.gz
  base=$(basename "$model"); base=${base%.gz}; base=${base%.onnx}
  echo "[gpu-carry] $base" >&2
  "${cli[@]}" bench "$model" --backends webgpu --vs onnxruntime-web,tfjs --engine node --node-dir "$work/$base" >/dev/null
  tar -C "$work" -cf - "$base" | xz -6 -T2 > "$out/$base.tar.xz"
  mv "$work/$base" "$prepared/$base"
done
rmdir "$work"

# TF.js + its webgpu backend as one file for Node.js (bench-node.mjs picks up the first tfjs-node.mjs it finds).
peers=$(ls -d "${WEBDNN_CACHE:-$HOME/.cache/webdnn}"/peers/*/node_modules 2>/dev/null | head -1 || true)
if [ -n "$peers" ] && [ -x runtime/node_modules/.bin/esbuild ]; then
  entry=$(dirname "$peers")/tfjs-node-entry.mjs
  printf "import * as tf from '@tensorflow/tfjs'; import '@tensorflow/tfjs-backend-webgpu'; globalThis.tf = { ...tf };\n" > "$entry"
  runtime/node_modules/.bin/esbuild "$entry" --bundle --platform=node --format=esm --minify --external:webgpu \
    --banner:js="import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" --log-level=warning --outfile="$out/tfjs-node.mjs"
else
  echo "[gpu-carry] no TF.js peers installed (run one 'webdnn bench ... --vs tfjs' first): TF.js rows will say n/a" >&2
fi

cat > "$out/on-device.sh" <<'EOF'
#!/usr/bin/env bash
# GPU machine: unpack this folder's models, then run each mode given (bench: all engines alternating; profile: our
# per-kernel GPU times; breakdown: where our run's wall time goes), and pack the results into $OUT.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd); name=$(basename "$here")
run=/tmp/gpu-run/$name; rm -rf "$run"; mkdir -p "$run"
for a in "$here"/*.tar.xz; do tar -C "$run" -xJf "$a"; done
[ -f "$here/tfjs-node.mjs" ] && for d in "$run"/*/; do cp "$here/tfjs-node.mjs" "$d"; break; done
dirs=("$run"/*/)
first=${dirs[0]}
for mode in "${@:-bench}"; do
  case $mode in
    bench) bash .webgpu-node/on-device.sh node "$first/bench-node.mjs" "${dirs[@]}" ;;
    profile) DAWN_FLAGS=disable-dawn-features=timestamp_quantization WEBDNN_PROFILE=1 \
      bash .webgpu-node/on-device.sh node "$first/bench-node.mjs" "${dirs[@]}" ;;
    breakdown) DAWN_FLAGS=disable-dawn-features=timestamp_quantization \
      bash .webgpu-node/on-device.sh node bench/node/run-breakdown.mjs "$first/webdnn.mjs" 20 "${dirs[@]}" \
      | tee "$run/breakdown.jsonl" ;;
  esac
done
(cd "$run" && find . -name 'page*.json' -o -name breakdown.jsonl | tar -cf - -T - | xz -6 > "${OUT:-/tmp}/$name.tar.xz")
echo "results: ${OUT:-/tmp}/$name.tar.xz"
EOF
chmod +x "$out/on-device.sh"
du -sh .webgpu-node "$out" >&2
echo "carry: [\".webgpu-node\", \"$out\"]   command: bash $out/on-device.sh bench profile breakdown" >&2
