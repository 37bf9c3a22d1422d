#!/usr/bin/python3
"""Generate pieces for every genre with fixed seeds and compare their statistics with the training music.

Usage (from the repository root):
  /usr/bin/python3 tools/genre_report.py --model models/default --out runs/show [--data ../shared/data]
      [--pieces 4] [--bars 16] [--seed 1] [--wav]

For each genre it runs `cadenza generate --genre G --bars 16 --seed S --count 4` and `cadenza stats`
on the outputs and on that genre's training collection, and prints a Markdown table.
"""
import argparse, json, os, subprocess, sys

COLLECTIONS = {
    "folk": "nottingham/midi",
    "classical": "piano_midi_de/midi",
    "pop": "pop909/midi",
    "jazz": "wjazzd_solos/midi",
    "rock": "groove_rock/midi",
}

def cadenza(cli, *args):
    r = subprocess.run(["dotnet", cli, *args], capture_output=True, text=True)
    if r.returncode not in (0, 1):
        sys.exit(f"cadenza {' '.join(args)} failed ({r.returncode}):\n{r.stderr}")
    return r

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="models/default")
    ap.add_argument("--out", default="runs/show")
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--cli", default="src/Cadenza.Cli/bin/Release/net10.0/cadenza.dll")
    ap.add_argument("--pieces", type=int, default=4)
    ap.add_argument("--bars", type=int, default=16)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--wav", action="store_true", help="also render the first piece of each genre")
    a = ap.parse_args()
    if not os.path.exists(a.cli):
        subprocess.run(["dotnet", "build", "src/Cadenza.Cli", "-c", "Release"], check=True, capture_output=True)
    rows = []
    for genre, coll in COLLECTIONS.items():
        out = os.path.join(a.out, genre)
        os.makedirs(out, exist_ok=True)
        r = cadenza(a.cli, "generate", "--model", a.model, "--genre", genre, "--bars", str(a.bars), "--seed", str(a.seed),
                    "--count", str(a.pieces), "-o", os.path.join(out, f"{genre}.mid"))
        print(r.stderr.strip(), file=sys.stderr)
        if a.wav:
            cadenza(a.cli, "render", os.path.join(out, f"{genre}-1.mid" if a.pieces > 1 else f"{genre}.mid"), "-o", os.path.join(out, f"{genre}-1.wav"))
        gen = json.loads(cadenza(a.cli, "stats", out, "--summary", "--json").stdout)["mean"]
        train = json.loads(cadenza(a.cli, "stats", os.path.join(a.data, coll), "--summary", "--json").stdout)
        rows.append((genre, gen, train["mean"], train["count"]))
    def f(v, fmt):
        return "–" if v is None else format(v, fmt)
    print(f"| genre | music | notes/bar | pitch range | pitch-class entropy (bits) | in best major/minor scale | empty bars |")
    print("|---|---|---|---|---|---|---|")
    for genre, gen, train, n in rows:
        for label, m in ((f"generated ({a.pieces} × {a.bars} bars)", gen), (f"training ({n} files)", train)):
            fit = m.get("ScaleFit")
            print(f"| {genre} | {label} | {f(m.get('NotesPerBar'), '.2f')} | {f(m.get('PitchRange'), '.1f')} | "
                  f"{f(m.get('PitchClassEntropy'), '.2f')} | {f(None if fit is None else fit * 100, '.1f')}% | {f(m['EmptyBarShare'] * 100, '.1f')}% |")

if __name__ == "__main__":
    main()
