#!/usr/bin/env bash
# scripts/gpu-check.sh OUT_DIR
#
# The webgpu backend on a real GPU (NVIDIA, through Vulkan): `sfn check-hvp` on every model (the
# engine against the float64 reference) and `npm run bench` (milliseconds per gradient and per
# Hessian-vector product), on a hardware adapter only: SFN_WEBGPU_ALLOW_SOFTWARE is unset, so a
# machine where Dawn finds only a software adapter fails with sfn's error instead of measuring the CPU.
# Writes into OUT_DIR: check-hvp-<model>.json, bench.json, a .log beside each (stderr), gpu.txt
# (nvidia-smi) and summary.json. Exit status 0 when every check passed on a hardware adapter.
# Self-contained: installs what is missing (npm packages; libvulkan1 when root on Debian/Ubuntu).
# Takes about 3-6 minutes: the five checks run side by side (their float64 references run on
# the CPU; ResNet-18's is the long one), then the benchmark alone.
set -euo pipefail
out=${1:?usage: scripts/gpu-check.sh OUT_DIR}
cd "$(dirname "$0")/.."
mkdir -p "$out"
out=$(cd "$out" && pwd)
unset SFN_WEBGPU_ALLOW_SOFTWARE SFN_BACKEND
SECONDS=0
say() { printf 'gpu-check [%3ds] %s\n' "$SECONDS" "$*"; }

# --- set-up, only what is missing ---
[ -d node_modules/@tensorflow/tfjs-core ] || npm install --no-audit --no-fund
[ -f dist/backend/backend-names.js ] || npm run --silent build
read -r -a webgpu_packages < <(node --input-type=module -e \
  "const m = await import('./dist/backend/backend-names.js'); console.log(Object.entries(m.WEBGPU_PACKAGES).map(([p, v]) => p + '@' + v).join(' '))")
if ! node -e "require.resolve('webgpu'); require.resolve('@tensorflow/tfjs-backend-webgpu')" 2>/dev/null; then
  say "installing ${webgpu_packages[*]}"
  npm install --no-save --no-audit --no-fund "${webgpu_packages[@]}"
fi
if ! ldconfig -p | grep -q 'libvulkan\.so\.1'; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say 'installing the Vulkan loader (libvulkan1)'
    apt-get update -qq && apt-get install -y -qq --no-install-recommends libvulkan1 >/dev/null
  else
    echo "gpu-check: the Vulkan loader libvulkan.so.1 is missing: install libvulkan1 (Debian/Ubuntu) and the GPU's Vulkan driver" >&2
    exit 1
  fi
fi
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$out/gpu.txt" || true
else
  echo 'nvidia-smi not found' > "$out/gpu.txt"
fi
say "GPU: $(cat "$out/gpu.txt")"

# --- a hardware adapter, or stop here with sfn's own error ---
check() { # model, time limit in seconds; the exit status also goes to check-hvp-<model>.status
  local rc=0
  timeout "$2" node bin/sfn.js check-hvp --model "$1" --backend webgpu --json > "$out/check-hvp-$1.json" 2> "$out/check-hvp-$1.log" || rc=$?
  echo "$rc" > "$out/check-hvp-$1.status"
  return "$rc"
}
if ! check uci-mlp 120; then
  say "check-hvp uci-mlp failed:"
  grep '^sfn: ' "$out/check-hvp-uci-mlp.log" >&2 || tail -n 20 "$out/check-hvp-uci-mlp.log" >&2
  exit 1
fi
say "adapter: $(node -e "const a = require('$out/check-hvp-uci-mlp.json').backend.adapter; console.log(JSON.stringify(a))")"

# --- the other checks side by side; each process holds its own device ---
for model in uci-mlp-tanh fmnist-mlp small-convnet resnet18; do
  check "$model" 330 &
done
wait || true
say "checks done (exit statuses: $(cd "$out" && grep -H . check-hvp-*.status | tr '\n' ' '))"

# --- the benchmark, alone on the GPU ---
rc=0
timeout 150 npm run --silent bench -- --backend webgpu > "$out/bench.json" 2> "$out/bench.log" || rc=$?
[ "$rc" = 0 ] || say "bench exited with status $rc (see bench.log; 124: out of time)"

# --- summary: passed when every check passed on a hardware adapter and the benchmark gave its JSON
# (a status of 124 beside a complete JSON means the process did not exit after finishing) ---
status=0
node --input-type=module - "$out" <<'EOF' || status=1
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
const out = process.argv[2];
const read = (f) => { try { return JSON.parse(readFileSync(`${out}/${f}`, 'utf8')); } catch { return undefined; } };
const checks = {};
let ok = true;
for (const model of ['uci-mlp', 'uci-mlp-tanh', 'fmnist-mlp', 'small-convnet', 'resnet18']) {
  const r = read(`check-hvp-${model}.json`);
  const hardware = r?.backend?.adapter?.software === false;
  const exit = existsSync(`${out}/check-hvp-${model}.status`) ? Number(readFileSync(`${out}/check-hvp-${model}.status`, 'utf8')) : undefined;
  checks[model] = r ? { passed: r.passed, maxRelError: r.maxRelError, hardware, exit } : { passed: false, exit, error: 'no result (see its .log)' };
  ok &&= Boolean(r?.passed && hardware);
}
const bench = read('bench.json');
const summary = { passed: ok && bench !== undefined, gpu: existsSync(`${out}/gpu.txt`) ? readFileSync(`${out}/gpu.txt`, 'utf8').trim() : undefined,
  adapter: read('check-hvp-uci-mlp.json')?.backend?.adapter, checks, bench: bench?.results };
writeFileSync(`${out}/summary.json`, `${JSON.stringify(summary, null, 2)}\n`);
console.log(JSON.stringify(summary, null, 2));
process.exit(summary.passed ? 0 : 1);
EOF
say "done: $out/summary.json"
exit "$status"
