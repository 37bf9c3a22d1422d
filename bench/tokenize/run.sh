#!/usr/bin/env bash
# Tokenize benchmark beside its anchor (mido), in one run. From the repository root:
#   bash bench/tokenize/run.sh [../shared/data]
# Needs /usr/bin/python3 with python3-mido (apt-get install python3-mido).
set -euo pipefail
data=${1:-../shared/data}
out=$(mktemp -d)
dotnet build -c Release bench/Cadenza.Bench.Tokenize -o "$out/bin" >/dev/null
for f in pop909/midi piano_midi_de/midi; do
  dotnet "$out/bin/Cadenza.Bench.Tokenize.dll" "$data/$f" --repeat 5 | tee -a "$out/cs.jsonl"
  /usr/bin/python3 bench/tokenize/mido_read.py "$data/$f" 2 | tee -a "$out/mido.jsonl"
done
/usr/bin/python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
cs = [json.loads(l) for l in open(f"{out}/cs.jsonl")]
mido = {r["folder"]: r for r in (json.loads(l) for l in open(f"{out}/mido.jsonl"))}
print()
print("| folder | mode | files | notes | files/s | notes/s | tokens/s | ms/file | peak MB | vs mido files/s |")
print("|---|---|---|---|---|---|---|---|---|---|")
for r in cs:
    m = mido[r["folder"]]
    print(f"| {r['folder']} | {r['mode']} | {r['files']} | {r['notes']:,} | {r['filesPerSec']:,.0f} | {r['notesPerSec']:,.0f} | "
          f"{r['tokensPerSec']:,.0f} | {r['msPerFile']:.3f} | {r['peakMB']:.0f} | {r['filesPerSec']/m['filesPerSec']:.0f}x |")
for f, m in mido.items():
    print(f"| {f} | mido read (anchor) | {m['files']} | {m['notes']:,} | {m['filesPerSec']:,.1f} | | | {1000/m['filesPerSec']:.2f} | {m['peakMB']:.0f} | 1x |")
PY
