using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Cadenza.Music.Abc;

/// <summary>Options for <see cref="AbcWriter.Write"/>.</summary>
public sealed class AbcWriteOptions
{
    /// <summary>Index of the track to write; null chooses the melody by <see cref="AbcWriter.ChooseMelodyTrack"/>.</summary>
    public int? TrackIndex { get; init; }

    /// <summary>The <c>X:</c> reference number (default "1").</summary>
    public string ReferenceNumber { get; init; } = "1";

    /// <summary>Title to write; null uses <see cref="Score.Title"/>, else the track name, else "Untitled".</summary>
    public string? Title { get; init; }

    /// <summary>Bars per line of music (default 4).</summary>
    public int BarsPerLine { get; init; } = 4;

    /// <summary>Write chord symbols (default true): <see cref="TextKind.Text"/> events of the score that look like chord
    /// symbols (<c>Am</c>, <c>D7/f#</c>, <c>Bbmaj7</c>) and fall on the onset of a written note or rest.</summary>
    public bool WriteChordSymbols { get; init; } = true;
}

/// <summary>
/// Writes one voice of a <see cref="Score"/> as an ABC 2.1 tune.
/// </summary>
/// <remarks>
/// <para>The tune has X, T, (C), M, L, (Q) and K headers. The meter is the score's first time signature (4/4 when it has
/// none), later ones are written inline as <c>[M:n/d]</c>; the key is the first key signature, or when there is none, the
/// major key whose scale covers the most note time; later key changes are written inline as <c>[K:...]</c>, tempo changes
/// as <c>[Q:1/4=n]</c>. The unit length is 1/8 (1/16 for meters below 3/4).</para>
/// <para>Notes are spelled with the key's accidentals (sharps for chromatic notes in sharp keys and C, flats in flat keys),
/// with accidentals tracked through the bar as ABC reads them. Bar lines follow the time-signature map; a note crossing a
/// bar line, or whose length is not one plain or dotted note value, is written as tied notes. Lengths on a triplet grid are
/// written inside <c>(3:2:n</c> tuplets; any other length (quintuplets, ...) is written as its exact fraction of the unit
/// (<c>C2/5</c>), which the ABC 2.1 length syntax allows, so that reading the text back gives the same ticks.</para>
/// <para>The written voice is one line of notes and chords: time is cut at every onset, note end, bar line and change
/// point; each slice is written as a rest, a note or a chord of the pitches sounding in it, and a note that goes on into
/// the next slice is tied there (per note inside a chord, <c>[c-e]</c>). So every note of the track reads back with the same
/// pitch, onset and duration, polyphony included; the only loss is overlapping notes of the same pitch (the later onset
/// ends the earlier note) and zero-length notes (dropped). Velocities, grace notes and lyrics are not written.</para>
/// </remarks>
public static class AbcWriter
{
    private static readonly Regex ChordSymbolPattern = new(@"^[A-G][#b]?[^\s""]{0,12}$", RegexOptions.CultureInvariant);

    /// <summary>
    /// Chooses the melody track: the non-drum track named "melody" (case-insensitive) if there is one; otherwise, among the
    /// non-drum tracks that have at least half as many notes as the busiest one, the one with the highest average pitch
    /// (ties: more notes, then lower index). Returns -1 when no non-drum track has notes.
    /// </summary>
    /// <param name="score">The score.</param>
    /// <returns>The track index, or -1.</returns>
    public static int ChooseMelodyTrack(Score score)
    {
        ArgumentNullException.ThrowIfNull(score);
        var tracks = score.Tracks;
        for (int i = 0; i < tracks.Count; i++)
            if (!tracks[i].IsDrum && tracks[i].Notes.Count > 0 && tracks[i].Name.Trim().Equals("melody", StringComparison.OrdinalIgnoreCase))
                return i;
        int most = 0;
        foreach (var t in tracks) if (!t.IsDrum) most = Math.Max(most, t.Notes.Count);
        if (most == 0) return -1;
        int best = -1;
        double bestAvg = double.MinValue;
        for (int i = 0; i < tracks.Count; i++)
        {
            var t = tracks[i];
            if (t.IsDrum || t.Notes.Count * 2 < most) continue;
            double avg = t.Notes.Average(n => n.Pitch);
            if (best < 0 || avg > bestAvg || (avg == bestAvg && t.Notes.Count > tracks[best].Notes.Count))
            {
                best = i;
                bestAvg = avg;
            }
        }
        return best;
    }

    /// <summary>Writes one voice of <paramref name="score"/> as an ABC tune (see the class remarks for the rules).</summary>
    /// <param name="score">The score; it is not modified.</param>
    /// <param name="options">Options, or null for the defaults.</param>
    /// <returns>The ABC text, ending with a newline.</returns>
    /// <exception cref="ArgumentNullException">When <paramref name="score"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <see cref="AbcWriteOptions.TrackIndex"/> names no track.</exception>
    public static string Write(Score score, AbcWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(score);
        options ??= new AbcWriteOptions();
        int ti = options.TrackIndex ?? ChooseMelodyTrack(score);
        if (options.TrackIndex is int given && (given < 0 || given >= score.Tracks.Count))
            throw new ArgumentOutOfRangeException(nameof(options), $"track {given} does not exist (the score has {score.Tracks.Count})");
        var track = ti >= 0 ? score.Tracks[ti] : null;
        return new Writer(score, track, options).Run();
    }

    internal static string TonicName(int fifths)
    {
        int idx = ((fifths + 1) % 7 + 7) % 7;
        int acc = (int)Math.Floor((fifths + 1) / 7.0);
        string letter = "FCGDAEB"[idx].ToString();
        return letter + (acc > 0 ? new string('#', acc) : new string('b', -acc));
    }

    internal static string KeyText(KeySignature k)
    {
        int f = Math.Clamp(k.Fifths, -7, 7);
        if (k.Mode is { } mode)
        {
            int shift = mode switch { "Dor" => 2, "Phr" => 4, "Lyd" => -1, "Mix" => 1, "Loc" => 5, "Aeo" => 3, _ => 0 };
            return TonicName(f + shift) + (shift == 0 ? "" : mode.ToLowerInvariant());
        }
        return k.IsMinor ? TonicName(f + 3) + "m" : TonicName(f);
    }

    private sealed class Writer
    {
        private readonly Score _score;
        private readonly Track? _track;
        private readonly AbcWriteOptions _opt;
        private readonly long _whole;
        private readonly StringBuilder _sb = new();
        private Rational _unit;
        private int[] _keyAcc = new int[7];
        private int _fifths;
        private readonly Dictionary<int, int> _barAcc = new();

        public Writer(Score score, Track? track, AbcWriteOptions opt)
        {
            _score = score;
            _track = track;
            _opt = opt;
            _whole = 4L * score.TicksPerQuarter;
        }

        private sealed record Piece(long S, long E, int[] P, bool[] TieOut);

        public string Run()
        {
            var notes = _track == null ? new List<Note>() : _track.Notes.Where(n => n.Duration > 0).OrderBy(n => n.Onset).ThenBy(n => n.Pitch).ToList();
            long end = notes.Count > 0 ? notes.Max(n => n.End) : 0;

            var sigs = _score.TimeSignatures.OrderBy(t => t.Tick).ToList();
            var first = sigs.Count > 0 && sigs[0].Tick == 0 ? sigs[0] : new TimeSignature(0, 4, 4);
            _unit = new Rational(first.Numerator, first.Denominator) < new Rational(3, 4) ? new Rational(1, 16) : new Rational(1, 8);
            var keys = _score.KeySignatures.OrderBy(k => k.Tick).ToList();
            var key0 = keys.Count > 0 && keys[0].Tick == 0 ? keys[0] : GuessKey(notes);
            SetKey(key0);

            _sb.Append("X:").Append(_opt.ReferenceNumber).Append('\n');
            string title = _opt.Title ?? _score.Title ?? (_track is { Name.Length: > 0 } ? _track.Name : "Untitled");
            _sb.Append("T:").Append(OneLine(title)).Append('\n');
            if (!string.IsNullOrWhiteSpace(_score.Composer)) _sb.Append("C:").Append(OneLine(_score.Composer!)).Append('\n');
            _sb.Append("M:").Append(first.Numerator).Append('/').Append(first.Denominator).Append('\n');
            _sb.Append("L:").Append(_unit.Num).Append('/').Append(_unit.Den).Append('\n');
            var tempos = _score.Tempos.OrderBy(t => t.Tick).ToList();
            if (tempos.Count > 0 && tempos[0].Tick == 0) _sb.Append("Q:1/4=").Append(Bpm(tempos[0])).Append('\n');
            _sb.Append("K:").Append(KeyText(key0)).Append('\n');

            // change points
            var bars = _score.BarStarts(Math.Max(end - 1, 0));
            var barSet = new HashSet<long>(bars);
            var chordSyms = new Dictionary<long, string>();
            if (_opt.WriteChordSymbols)
                foreach (var t in _score.Texts)
                    if (t.Kind == TextKind.Text && ChordSymbolPattern.IsMatch(t.Text)) chordSyms.TryAdd(t.Tick, t.Text);
            var changes = new SortedDictionary<long, List<string>>();
            void AddChange(long tick, string s) { if (!changes.TryGetValue(tick, out var l)) changes[tick] = l = new(); l.Add(s); }
            foreach (var ts in sigs) if (ts.Tick > 0 && ts.Tick < end) AddChange(ts.Tick, $"[M:{ts.Numerator}/{ts.Denominator}]");
            foreach (var k in keys) if (k.Tick > 0 && k.Tick < end) AddChange(k.Tick, "K");
            foreach (var t in tempos) if (t.Tick > 0 && t.Tick < end) AddChange(t.Tick, $"[Q:1/4={Bpm(t)}]");

            // pieces: time slices between every onset, note end, bar line and change point; in each, the pitches
            // sounding, each tied on when its note goes on past the slice
            var bounds = new SortedSet<long>(bars.Where(b => b > 0 && b < end)) { 0, end };
            foreach (var c in changes.Keys) bounds.Add(c);
            foreach (var n in notes) { bounds.Add(n.Onset); bounds.Add(n.End); }
            var pieces = BuildPieces(notes, bounds.ToList());

            // a rest that opens a first bar which has notes, with more bars after it, is written as a pickup (anacrusis):
            // readers place an incomplete first bar at the end of a whole one, which gives back the same ticks
            int firstPiece = 0;
            if (pieces.Count > 1 && pieces[0].P.Length == 0 && pieces[0].S == 0 && bars.Count > 1 && !changes.ContainsKey(pieces[0].E)
                && pieces.Any(x => x.S >= bars[1] && x.P.Length > 0) && pieces.Any(x => x.S < bars[1] && x.P.Length > 0)
                && !chordSyms.ContainsKey(0))
                firstPiece = 1;
            int barsOnLine = 0;
            for (int i = firstPiece; i < pieces.Count; i++)
            {
                var p = pieces[i];
                if (p.S > 0 && barSet.Contains(p.S))
                {
                    if (_sb.Length > 0 && _sb[^1] == ' ') _sb.Length--;
                    _sb.Append(" |");
                    _barAcc.Clear();
                    if (++barsOnLine >= Math.Max(1, _opt.BarsPerLine)) { _sb.Append('\n'); barsOnLine = 0; }
                    else _sb.Append(' ');
                }
                if (changes.TryGetValue(p.S, out var ch))
                {
                    foreach (var c in ch)
                    {
                        if (c == "K")
                        {
                            var k = keys.Last(x => x.Tick == p.S);
                            SetKey(k);
                            _sb.Append("[K:").Append(KeyText(k)).Append("] ");
                        }
                        else _sb.Append(c).Append(' ');
                    }
                    changes.Remove(p.S);
                }
                // tuplet run?
                var len = new Rational(p.E - p.S, _whole) / _unit;
                if (!len.IsDyadic && (len * new Rational(3, 2)).IsDyadic)
                {
                    int j = i;
                    var acc = Rational.Zero;
                    var startPos = new Rational(p.S, _whole);
                    while (j < pieces.Count)
                    {
                        var lj = new Rational(pieces[j].E - pieces[j].S, _whole) / _unit;
                        if (j > i && (barSet.Contains(pieces[j].S) || changes.ContainsKey(pieces[j].S))) break;
                        if (lj.IsDyadic || !(lj * new Rational(3, 2)).IsDyadic) break;
                        acc += lj;
                        j++;
                        if ((startPos + acc * _unit).IsDyadic && (acc * new Rational(3, 2)).IsDyadic) break;
                    }
                    int r = j - i;
                    if (r > 0)
                    {
                        _sb.Append(r == 3 ? "(3" : $"(3:2:{r}");
                        for (int k = i; k < j; k++) WritePiece(pieces[k], chordSyms, new Rational(3, 2), single: true);
                        i = j - 1;
                        continue;
                    }
                }
                WritePiece(p, chordSyms, Rational.One, single: false);
            }
            if (_sb.Length > 0 && _sb[^1] == ' ') _sb.Length--;
            _sb.Append(pieces.Count > 0 ? " |]\n" : "z |]\n");
            return _sb.ToString();
        }

        private static string OneLine(string s) => s.Replace('\n', ' ').Replace('\r', ' ');

        private static string Bpm(TempoChange t) => Math.Round(t.Bpm).ToString(CultureInfo.InvariantCulture);

        private void SetKey(KeySignature k)
        {
            _fifths = Math.Clamp(k.Fifths, -7, 7);
            _keyAcc = AbcKey.FromFifths(_fifths, false, null).Acc;
        }

        private static KeySignature GuessKey(List<Note> notes)
        {
            int[] major = { 0, 2, 4, 5, 7, 9, 11 };
            var weight = new long[12];
            foreach (var n in notes) weight[n.Pitch % 12] += n.Duration;
            int best = 0;
            long bestOut = long.MaxValue;
            foreach (int f in new[] { 0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6 })
            {
                int tonic = ((f * 7) % 12 + 12) % 12;
                long outside = 0;
                for (int pc = 0; pc < 12; pc++)
                    if (Array.IndexOf(major, ((pc - tonic) % 12 + 12) % 12) < 0) outside += weight[pc];
                if (outside < bestOut) { bestOut = outside; best = f; }
            }
            return new KeySignature(0, best, false, null);
        }

        private static List<Piece> BuildPieces(List<Note> notes, List<long> bounds)
        {
            var pieces = new List<Piece>();
            var active = new List<Note>();
            var onsets = new HashSet<(long, int)>(notes.Select(n => (n.Onset, n.Pitch)));
            int next = 0;
            for (int b = 0; b + 1 < bounds.Count; b++)
            {
                long s = bounds[b], e = bounds[b + 1];
                active.RemoveAll(n => n.End <= s);
                while (next < notes.Count && notes[next].Onset <= s)
                {
                    if (notes[next].End > s) active.Add(notes[next]);
                    next++;
                }
                var byPitch = new SortedDictionary<int, bool>();
                foreach (var n in active)
                {
                    bool tie = n.End > e;
                    byPitch[n.Pitch] = byPitch.TryGetValue(n.Pitch, out bool t) ? t || tie : tie;
                }
                var p = byPitch.Keys.ToArray();
                var ties = byPitch.Values.ToArray();
                // a note re-struck at the next boundary must not be joined to this one
                for (int k = 0; k < p.Length; k++)
                    if (ties[k] && onsets.Contains((e, p[k]))) ties[k] = false;
                pieces.Add(new Piece(s, e, p, ties));
            }
            return pieces;
        }

        private void WritePiece(Piece piece, Dictionary<long, string> chordSyms, Rational scale, bool single)
        {
            if (chordSyms.TryGetValue(piece.S, out var sym))
            {
                _sb.Append('"').Append(sym).Append('"');
                chordSyms.Remove(piece.S);
            }
            var units = new Rational(piece.E - piece.S, _whole) / _unit * scale;
            var parts = single || !units.IsDyadic ? new List<Rational> { units } : Decompose(units);
            for (int k = 0; k < parts.Count; k++)
            {
                bool last = k == parts.Count - 1;
                string len = LengthText(parts[k]);
                if (piece.P.Length == 0) _sb.Append('z').Append(len);
                else if (piece.P.Length == 1)
                {
                    bool tie = !last || piece.TieOut[0];
                    _sb.Append(Spell(piece.P[0], tie)).Append(len);
                    if (tie) _sb.Append('-');
                }
                else
                {
                    bool all = !last || piece.TieOut.All(x => x);
                    _sb.Append('[');
                    for (int q = 0; q < piece.P.Length; q++)
                    {
                        bool tie = all || piece.TieOut[q];
                        _sb.Append(Spell(piece.P[q], tie));
                        if (!all && tie) _sb.Append('-');
                    }
                    _sb.Append(']').Append(len);
                    if (all) _sb.Append('-');
                }
                _sb.Append(' ');
                (_carrySlots, _nextCarry) = (_nextCarry, _carrySlots);
                _nextCarry.Clear();
            }
        }

        /// <summary>Splits a dyadic length (in units) into plain or dotted note values, longest first.</summary>
        private static List<Rational> Decompose(Rational units)
        {
            var list = new List<Rational>();
            var rest = units;
            int guard = 0;
            while (rest.IsPositive && guard++ < 64)
            {
                // largest power of two <= rest
                var p = Rational.One;
                while (p * new Rational(2, 1) <= rest) p *= new Rational(2, 1);
                while (p > rest) p /= new Rational(2, 1);
                var dotted = p * new Rational(3, 2);
                var dd = p * new Rational(7, 4);
                var take = dd <= rest && (rest - dd).IsZero ? dd : dotted <= rest ? dotted : p;
                list.Add(take);
                rest -= take;
            }
            if (rest.IsPositive) list.Add(rest);
            return list;
        }

        private static string LengthText(Rational r)
        {
            if (r.Num == 1 && r.Den == 1) return "";
            if (r.Den == 1) return r.Num.ToString(CultureInfo.InvariantCulture);
            if (r.Num == 1 && r.Den == 2) return "/";
            return (r.Num == 1 ? "" : r.Num.ToString(CultureInfo.InvariantCulture)) + "/" + r.Den.ToString(CultureInfo.InvariantCulture);
        }

        // Slots (letter and octave) and pitches of the notes tied out of the last written piece: ABC readers carry a tied
        // note's accidental over the bar line into the next note on the same staff position, so a different pitch there
        // gets an explicit accidental.
        private Dictionary<int, int> _carrySlots = new();
        private Dictionary<int, int> _nextCarry = new();

        private string Spell(int pitch, bool tiedOut = false)
        {
            int pc = pitch % 12;
            int letter = -1, acc = 0;
            for (int l = 0; l < 7; l++)
                if ((AbcKey.Natural[l] + _keyAcc[l] + 12) % 12 == pc) { letter = l; acc = _keyAcc[l]; break; }
            if (letter < 0)
            {
                for (int l = 0; l < 7 && letter < 0; l++) if (AbcKey.Natural[l] == pc) { letter = l; acc = 0; }
                int d = _fifths >= 0 ? 1 : -1;
                for (int l = 0; l < 7 && letter < 0; l++) if ((AbcKey.Natural[l] + d + 12) % 12 == pc) { letter = l; acc = d; }
                for (int l = 0; l < 7 && letter < 0; l++) if ((AbcKey.Natural[l] - d + 12) % 12 == pc) { letter = l; acc = -d; }
            }
            int basePitch = pitch - acc;
            int octave = basePitch / 12 - 1;
            int slot = letter * 32 + octave + 8;
            int effective = _barAcc.TryGetValue(slot, out int b) ? b : _keyAcc[letter];
            var sb = new StringBuilder();
            if (tiedOut) _nextCarry[slot] = pitch;
            bool carried = !_barAcc.ContainsKey(slot) && _carrySlots.TryGetValue(slot, out int cp) && cp != pitch;
            if (effective != acc || carried)
            {
                sb.Append(acc switch { 2 => "^^", 1 => "^", 0 => "=", -1 => "_", _ => "__" });
                _barAcc[slot] = acc;
            }
            char c = "CDEFGAB"[letter];
            if (octave >= 5)
            {
                sb.Append(char.ToLowerInvariant(c));
                sb.Append('\'', octave - 5);
            }
            else
            {
                sb.Append(c);
                sb.Append(',', 4 - octave);
            }
            return sb.ToString();
        }
    }
}
