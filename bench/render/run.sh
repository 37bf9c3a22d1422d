#!/usr/bin/env bash
# Side-by-side render benchmark: `cadenza render` (FluidSynth through Cadenza's binding, then its effects chain)
# against the `fluidsynth` command line (fast render to WAV) on the same MIDI files and SoundFont, both as whole
# processes (start-up and SoundFont loading included), alternating per file, best of REPEAT runs each.
# Two settings: without reverb/chorus (cadenza --effects dry, fluidsynth -R 0 -C 0) and with them
# (cadenza --effects none: FluidSynth's default reverb + chorus, no effects chain; fluidsynth defaults), plus
# cadenza's default finished path (--effects room: reverb, EQ, compressor, loudness, limiter) for reference.
#
# usage: bench/render/run.sh [files.mid ...]     (default: 3 piano_midi_de pieces and 2 POP909 songs)
# env:   REPEAT (default 3), SF2 (default /usr/share/sounds/sf2/FluidR3_GM.sf2), OUT (scratch folder)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
DATA="$ROOT/../shared/data"
FILES=("$@")
if [ ${#FILES[@]} -eq 0 ]; then
  FILES=("$DATA/piano_midi_de/midi/Chopin/chpn-p15.mid" "$DATA/piano_midi_de/midi/Chopin/chpn_op66.mid"
         "$DATA/piano_midi_de/midi/Chopin/chpn_op53.mid" "$DATA/pop909/midi/001.mid" "$DATA/pop909/midi/002.mid")
fi
REPEAT="${REPEAT:-3}"
SF2="${SF2:-/usr/share/sounds/sf2/FluidR3_GM.sf2}"
OUT="${OUT:-$(mktemp -d)}"
dotnet build -c Release src/Cadenza.Cli -v q -nologo >/dev/null
CADENZA=(dotnet "$ROOT/src/Cadenza.Cli/bin/Release/net10.0/cadenza.dll")

best() { # best wall seconds of REPEAT runs of "$@"
  local b=999999 t s e
  for _ in $(seq "$REPEAT"); do
    s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l); if (( $(echo "$t < $b" | bc -l) )); then b=$t; fi
  done
  echo "$b"
}
secs() { python3 -c "import wave,sys; w=wave.open(sys.argv[1]); print(w.getnframes()/w.getframerate())" "$1"; }

echo "nproc=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg) repeat=$REPEAT (best of) fluidsynth $(fluidsynth --version | head -1 | awk '{print $NF}')"
printf "%-22s %-10s %9s %9s %8s %9s %8s %7s\n" file setting "audio s" "cli s" "cli xRT" "cadenza s" "cad xRT" "ratio"
declare -A SA SC SZ SAC
for f in "${FILES[@]}"; do
  name=$(basename "$f")
  for setting in dry reverb+chorus room; do
    case $setting in
      dry)           cli=(fluidsynth -ni -q -R 0 -C 0); cad=(--effects dry) ;;
      reverb+chorus) cli=(fluidsynth -ni -q);           cad=(--effects none) ;;
      room)          cli=(fluidsynth -ni -q -R 1 -C 0 -o synth.reverb.room-size=0.45 -o synth.reverb.damp=0.35 -o synth.reverb.width=0.8 -o synth.reverb.level=0.5); cad=(--effects room) ;;
    esac
    tc=$(best "${cli[@]}" -F "$OUT/cli.wav" -r 44100 "$SF2" "$f")
    tz=$(best "${CADENZA[@]}" render "$f" -o "$OUT/cad.wav" --synth fluidsynth --soundfont "$SF2" "${cad[@]}")
    ac=$(secs "$OUT/cli.wav"); az=$(secs "$OUT/cad.wav")
    SA[$setting]=$(echo "${SA[$setting]:-0} + $az" | bc -l)
    SAC[$setting]=$(echo "${SAC[$setting]:-0} + $ac" | bc -l)
    SC[$setting]=$(echo "${SC[$setting]:-0} + $tc" | bc -l)
    SZ[$setting]=$(echo "${SZ[$setting]:-0} + $tz" | bc -l)
    printf "%-22s %-10s %9.1f %9.2f %7.0fx %9.2f %7.0fx %6.2fx\n" "$name" "$setting" "$az" "$tc" "$(echo "$ac / $tc" | bc -l)" "$tz" "$(echo "$az / $tz" | bc -l)" "$(echo "($az / $tz) / ($ac / $tc)" | bc -l)"
  done
done
for setting in dry reverb+chorus room; do
  printf "total %-14s cli %.1f s audio in %.2f s (%.0fx), cadenza %.1f s in %.2f s (%.0fx): cadenza speed / cli speed %.2fx\n" "$setting" "${SAC[$setting]}" "${SC[$setting]}" "$(echo "${SAC[$setting]} / ${SC[$setting]}" | bc -l)" "${SA[$setting]}" "${SZ[$setting]}" "$(echo "${SA[$setting]} / ${SZ[$setting]}" | bc -l)" "$(echo "(${SA[$setting]} / ${SZ[$setting]}) / (${SAC[$setting]} / ${SC[$setting]})" | bc -l)"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
