#!/usr/bin/env bash
# Side-by-side engine benchmark: Cadenza.Bench.Engine (C#) against the PyTorch anchor
# ../shared/bench/torch_gpt_bench.py at the same shapes (small = torch "S", medium = torch "M":
# batch 8, context 512, vocab 512), one process per run so peak memory is per configuration.
# PyTorch runs with OMP_WAIT_POLICY=PASSIVE (see ../shared/bench/RESULTS.md).
#
# usage: bench/engine/run.sh [presets...]       (default: small medium)
# env:   STEPS (timed training steps, default 5), GEN_TOKENS (default 512), GEN_REPS (default 3),
#        TORCH_BENCH (path to torch_gpt_bench.py), OUT (results folder, default bench/engine/results)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PRESETS=("${@:-small medium}")
read -r -a PRESETS <<< "${PRESETS[*]}"
STEPS="${STEPS:-5}"
GEN_TOKENS="${GEN_TOKENS:-512}"
GEN_REPS="${GEN_REPS:-3}"
TORCH_BENCH="${TORCH_BENCH:-$ROOT/../shared/bench/torch_gpt_bench.py}"
OUT="${OUT:-$ROOT/bench/engine/results}"
mkdir -p "$OUT"
CS_JSON="$OUT/engine.jsonl"; PT_JSON="$OUT/torch.jsonl"
: > "$CS_JSON"; : > "$PT_JSON"

dotnet build -c Release bench/Cadenza.Bench.Engine -v q -nologo >/dev/null
BENCH="dotnet bench/Cadenza.Bench.Engine/bin/Release/net10.0/Cadenza.Bench.Engine.dll"

torch_args() {
  case "$1" in
    tiny)   echo "--n_layer 2 --n_head 2 --n_embd 64 --block_size 64 --vocab 512 --batch 8" ;;
    small)  echo "--n_layer 4 --n_head 4 --n_embd 256 --block_size 512 --vocab 512 --batch 8" ;;
    medium) echo "--n_layer 6 --n_head 8 --n_embd 384 --block_size 512 --vocab 512 --batch 8" ;;
    large)  echo "--n_layer 8 --n_head 8 --n_embd 512 --block_size 1024 --vocab 1024 --batch 4" ;;
  esac
}
cs_args() {
  case "$1" in
    large) echo "--preset large --vocab 1024 --batch 4" ;;
    *)     echo "--preset $1 --vocab 512 --batch 8" ;;
  esac
}

for p in "${PRESETS[@]}"; do
  echo "=== $p: Cadenza (C#) ==="
  $BENCH $(cs_args "$p") --steps "$STEPS" --gen-tokens "$GEN_TOKENS" --gen-reps "$GEN_REPS" --json "$CS_JSON" | grep -v '^RESULT_JSON'
  echo "=== $p: PyTorch (OMP_WAIT_POLICY=PASSIVE) ==="
  if [ -f "$TORCH_BENCH" ]; then
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 "$TORCH_BENCH" --label "$p" $(torch_args "$p") \
      --steps "$STEPS" --gen_tokens "$GEN_TOKENS" --gen_reps "$GEN_REPS" --no_nocache --json "$PT_JSON" | grep -v '^RESULT_JSON'
  else
    echo "(no $TORCH_BENCH: skipped)"
  fi
done

/usr/bin/python3 - "$CS_JSON" "$PT_JSON" <<'PY'
import json, sys
cs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
pt = {r["label"]: r for r in (json.loads(l) for l in open(sys.argv[2]) if l.strip())}
print()
print("| preset | metric | Cadenza | PyTorch | ratio |")
print("|---|---|---|---|---|")
def row(p, name, a, b, fmt="%.0f"):
    ratio = ("%.2fx" % (a / b)) if (a is not None and b) else "-"
    print("| %s | %s | %s | %s | %s |" % (p, name, fmt % a if a is not None else "-", fmt % b if b else "-", ratio))
for r in cs:
    p = r["label"]; t = pt.get(p, {})
    row(p, "train tok/s", r.get("train_tok_s"), t.get("train_tok_s"))
    row(p, "train GFLOP/s", r.get("train_gflops"), t.get("train_gflops"), "%.1f")
    print("| %s | (Cadenza fwd/bwd/opt: %.3f / %.3f / %.4f s; PyTorch %s) | | | |" % (p, r.get("fwd_s", 0), r.get("bwd_s", 0), r.get("opt_s", 0),
          "%.3f / %.3f / %.4f s" % (t["fwd_s"], t["bwd_s"], t["opt_s"]) if "fwd_s" in t else "-"))
    row(p, "KV gen tok/s, batch 1", r.get("gen_kv_b1_tok_s"), t.get("gen_kv_tok_s"))
    row(p, "KV gen tok/s, batch 8 (vs torch batch 1)", r.get("gen_kv_b8_tok_s"), t.get("gen_kv_tok_s"))
    print("| %s | peak working set (Cadenza) | %.0f MiB | | |" % (p, r.get("peak_working_set_mb", 0)))
PY
