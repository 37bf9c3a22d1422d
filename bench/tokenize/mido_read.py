#!/usr/bin/python3
"""Anchor for bench/tokenize: parse every MIDI file of a folder with mido (Debian python3-mido).

Prints one JSON line: files, notes (note-ons with velocity > 0), best seconds of N passes,
files/s and peak memory. Files are read into memory first, as in the C# benchmark.
"""
import io, json, os, resource, sys, time
import mido

def main():
    folder = sys.argv[1]
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    paths = sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs if f.endswith('.mid'))
    blobs = [open(p, 'rb').read() for p in paths]
    best, notes, failed = float('inf'), 0, 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        notes, failed = 0, 0
        for b in blobs:
            try:
                m = mido.MidiFile(file=io.BytesIO(b))
            except Exception:
                failed += 1
                continue
            for tr in m.tracks:
                for msg in tr:
                    if msg.type == 'note_on' and msg.velocity > 0:
                        notes += 1
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({"folder": os.path.basename(os.path.dirname(folder.rstrip('/'))), "mode": "mido read",
                      "files": len(paths), "failed": failed, "notes": notes, "seconds": best,
                      "filesPerSec": len(paths) / best,
                      "peakMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))

if __name__ == '__main__':
    main()
