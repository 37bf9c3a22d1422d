#!/usr/bin/python3
"""Plot the loss curve of a Cadenza training run (metrics.jsonl) to a PNG.

Usage: /usr/bin/python3 tools/plot_metrics.py <run dir> [-o curve.png] [--baseline LOSS ...]
Needs Debian's python3-matplotlib (optional; nothing else in Cadenza uses it).
"""
import argparse, json, os, sys

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", help="run folder with metrics.jsonl")
    ap.add_argument("-o", "--output", help="PNG to write (default: <run>/loss.png)")
    ap.add_argument("--baseline", type=float, action="append", default=[], help="horizontal line, e.g. the 5-gram validation loss")
    ap.add_argument("--baseline-label", action="append", default=[], help="label of each --baseline")
    a = ap.parse_args()
    path = os.path.join(a.run, "metrics.jsonl")
    if not os.path.exists(path):
        sys.exit(f"{path}: no metrics log (is this a 'cadenza train' run folder?)")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("matplotlib is missing: apt-get install python3-matplotlib")
    train, val = [], []
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line:
            continue
        r = json.loads(line)
        (train if r.get("type") == "train" else val).append(r)
    # A resumed run appends: keep the last record of each step.
    train = sorted({r["step"]: r for r in train}.values(), key=lambda r: r["step"])
    val = sorted({r["step"]: r for r in val}.values(), key=lambda r: r["step"])
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    ax.plot([r["step"] for r in train], [r["loss"] for r in train], lw=0.8, alpha=0.7, label="training loss")
    if val:
        ax.plot([r["step"] for r in val], [r["loss"] for r in val], "o-", lw=1.5, label="validation loss")
        genres = sorted({g for r in val for g in r.get("by_genre", {})})
        if len(genres) > 1:
            for g in genres:
                pts = [(r["step"], r["by_genre"][g]["loss"]) for r in val if g in r.get("by_genre", {})]
                ax.plot([p[0] for p in pts], [p[1] for p in pts], "--", lw=0.9, label=f"validation: {g}")
    for i, b in enumerate(a.baseline):
        label = a.baseline_label[i] if i < len(a.baseline_label) else f"baseline {b:.3f}"
        ax.axhline(b, color="gray", ls=":", lw=1)
        ax.text(ax.get_xlim()[1], b, " " + label, va="center", fontsize=8, color="gray")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (nats per token)")
    ax.set_title(f"Cadenza training: {os.path.basename(os.path.abspath(a.run))}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = a.output or os.path.join(a.run, "loss.png")
    fig.savefig(out)
    print(out)

if __name__ == "__main__":
    main()
