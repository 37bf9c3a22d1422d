using System.Globalization;
using Cadenza.Music;

namespace Cadenza.Tokens;

/// <summary>
/// REMI+ tokenizer (MidiTok-like): bars, positions within the bar, program before pitch for multi-track
/// music, drums as their own program (<c>Program_-1</c>), tempo and time-signature changes, genre controls.
/// </summary>
/// <remarks>
/// <para>Sequence: <c>BOS [Genre_x] (Bar_None [TimeSig_n/d] (Position_k [Tempo_x] (Program_p Pitch_n Velocity_v Duration_d)*)* [Position_cut])* EOS</c>.
/// A time signature token is written in the first bar and in every bar where the signature changes; a change
/// inside a bar cuts that bar short, which is written as an empty <c>Position_k</c> (k = the cut bar's length)
/// right before the next <c>Bar_None</c>. Notes at one position are ordered by program (drums first), then pitch,
/// velocity and duration. Bars run up to the one holding the last onset; tempo and time-signature changes after
/// the last onset are not written. A score without notes encodes to <c>BOS [controls] EOS</c>.</para>
/// <para>Quantization: onsets to the nearest of <see cref="TokenizerConfig.PositionsPerQuarter"/> grid positions
/// per quarter (halves up); durations to the nearest bin of the duration table (0-length notes become the shortest
/// bin, longer than the longest bin are clipped to it with a warning); velocities to the nearest of the
/// velocity bins; tempos to the nearest bin on a log scale. Decoded scores use
/// <see cref="TokenizerConfig.DecodeTicksPerQuarter"/>: grid position g is tick g × DecodeTicksPerQuarter / PositionsPerQuarter.</para>
/// <para>Instances are immutable; one tokenizer may encode and decode on many threads at once.
/// The full description (vocabulary, duration table, grammar) is in docs/formats.md, section "Tokens".</para>
/// </remarks>
public sealed class RemiTokenizer : Tokenizer
{
    private readonly RemiLayout _l;
    private readonly RemiGrammar _grammar;

    /// <summary>Builds the tokenizer with the default REMI+ config.</summary>
    public RemiTokenizer() : this(new TokenizerConfig()) { }

    /// <summary>Builds the tokenizer for a config.</summary>
    /// <exception cref="ArgumentException">When the config is invalid (see <see cref="TokenizerConfig.Validate"/>).</exception>
    public RemiTokenizer(TokenizerConfig config) : this(new RemiLayout(config ?? throw new ArgumentNullException(nameof(config)))) { }

    private RemiTokenizer(RemiLayout layout) : base(layout.Config, new Vocabulary(layout.Tokens))
    {
        _l = layout;
        _grammar = new RemiGrammar(layout);
    }

    /// <inheritdoc />
    public override TokenGrammar Grammar => _grammar;

    /// <summary>Ticks per grid position in decoded scores.</summary>
    public int DecodeTicksPerPosition => Config.DecodeTicksPerQuarter / Config.PositionsPerQuarter;

    // ---------------------------------------------------------------- quantization (public for corpus checks)

    /// <summary>The program a track is written with: -1 for drums, else its program (clamped to 0-127).</summary>
    public static int ProgramOf(Track track) => track.IsDrum ? -1 : Math.Clamp(track.Program, 0, 127);

    /// <summary>True when the note is kept: its pitch is in the pitch range, or for a drum track its key is in the drum range.</summary>
    public bool InRange(Track track, Note note) => _l.PitchAllowed(track.IsDrum ? -1 : 0, note.Pitch);

    /// <summary>The grid position (0, 1, 2 ... from the start of the piece) nearest to <paramref name="tick"/> at <paramref name="ticksPerQuarter"/> (halves round up, negative ticks give 0).</summary>
    public long QuantizeOnset(long tick, int ticksPerQuarter) => _l.QuantizeTick(tick, ticksPerQuarter);

    /// <summary>The length in grid positions of the duration bin for <paramref name="ticks"/> (nearest bin; 0 gives the shortest, over-long the longest).</summary>
    public int QuantizeDuration(long ticks, int ticksPerQuarter) => _l.DurationGrid[_l.DurationIndex(ticks, ticksPerQuarter, out _)];

    /// <summary>The velocity a note of velocity <paramref name="velocity"/> decodes to (the value of its bin).</summary>
    public int VelocityBin(int velocity) => _l.VelocityValues[_l.VelocityIndex(velocity)];

    /// <summary>The tempo in BPM a tempo of <paramref name="microsecondsPerQuarter"/> decodes to (the value of its bin).</summary>
    public int TempoBin(int microsecondsPerQuarter) => _l.TempoBpm[_l.TempoIndex(microsecondsPerQuarter)];

    /// <summary>
    /// The note the decoder gives back for <paramref name="note"/> of <paramref name="track"/> in <paramref name="source"/>,
    /// in decoded ticks (<see cref="TokenizerConfig.DecodeTicksPerQuarter"/>): same pitch, onset and duration quantized
    /// to the grid, velocity binned. Null when the note is out of range and is dropped. (It comes back in the track of
    /// program <see cref="ProgramOf"/>, drum flag unchanged.)
    /// </summary>
    public Note? ExpectedRoundTrip(Score source, Track track, Note note)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(track);
        if (!InRange(track, note)) return null;
        int tpq = source.TicksPerQuarter, scale = DecodeTicksPerPosition;
        return new Note(QuantizeOnset(note.Onset, tpq) * scale, (long)QuantizeDuration(note.Duration, tpq) * scale,
            note.Pitch, VelocityBin(note.Velocity));
    }

    // ---------------------------------------------------------------- encoding

    private readonly record struct Segment(long Start, int TimeSig);

    /// <inheritdoc />
    public override TokenSequence Encode(Score score, IReadOnlyList<string>? controls = null)
    {
        ArgumentNullException.ThrowIfNull(score);
        var l = _l;
        int tpq = score.TicksPerQuarter;
        if (tpq <= 0) throw new ArgumentOutOfRangeException(nameof(score), tpq, "the score's TicksPerQuarter must be positive");
        List<string>? warnings = null;
        void Warn(string w) => (warnings ??= new()).Add(w);

        // controls
        int nControls = controls?.Count ?? 0;
        Span<int> controlIds = nControls <= 16 ? stackalloc int[nControls] : new int[nControls];
        bool genre = false;
        for (int i = 0; i < nControls; i++)
        {
            var c = controls![i];
            if (c is null || !Vocabulary.TryGetId(c, out int id) || l.Kinds[id] != TokenKind.Genre)
                throw new TokenizationException("bad-control", $"'{c}' is not a control token of this tokenizer (known: {string.Join(", ", Config.Genres.Select(g => "Genre_" + g))})");
            if (genre) throw new TokenizationException("bad-control", "at most one Genre control token may be given");
            genre = true;
            controlIds[i] = id;
        }

        // pass 1: quantize onsets of kept notes (into keys), find the last onset
        var keys = new long[score.NoteCount];
        int kept = 0, dropped = 0;
        long maxG = -1;
        foreach (var track in score.Tracks)
        {
            int lo = track.IsDrum ? Config.DrumPitchMin : Config.PitchMin, hi = track.IsDrum ? Config.DrumPitchMax : Config.PitchMax;
            var notes = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(track.Notes);
            for (int i = 0; i < notes.Length; i++)
            {
                int pitch = notes[i].Pitch;
                if (pitch < lo || pitch > hi) { dropped++; continue; }
                long g = l.QuantizeTick(notes[i].Onset, tpq);
                keys[kept++] = g;
                if (g > maxG) maxG = g;
            }
        }
        if (dropped > 0) Warn($"{dropped} note(s) outside the pitch range {Config.PitchMin}-{Config.PitchMax} (drums {Config.DrumPitchMin}-{Config.DrumPitchMax}) dropped");
        if (kept == 0)
        {
            var empty = new int[2 + nControls];
            empty[0] = 1;
            controlIds.CopyTo(empty.AsSpan(1));
            empty[^1] = 2;
            return new TokenSequence(empty, (IReadOnlyList<string>?)warnings ?? Array.Empty<string>(), Vocabulary) { DroppedNotes = dropped };
        }

        // time-signature segments on the grid
        var segs = BuildSegments(score, maxG, tpq, Warn);
        long bars = 0;
        for (int i = 0; i < segs.Count; i++)
        {
            long s = segs[i].Start;
            long e = Math.Min(i + 1 < segs.Count ? segs[i + 1].Start : long.MaxValue, maxG + 1);
            int len = l.TimeSigLength[segs[i].TimeSig];
            bars += (e - s + len - 1) / len;
            if (bars > Config.MaxBars) break;
        }
        if (bars > Config.MaxBars)
            throw new TokenizationException("too-many-bars",
                $"the piece is longer than MaxBars = {Config.MaxBars} bars (its last note starts at quarter note {(double)maxG / l.R:F0}, about {maxG / (4 * l.R)} bars of 4/4); it is rejected rather than tokenized");

        // tempo changes on the grid
        var tempos = BuildTempos(score, maxG, tpq);

        // pass 2: sort keys (onset, program, pitch, velocity, duration)
        int k = 0, clipped = 0;
        foreach (var track in score.Tracks)
        {
            int lo = track.IsDrum ? Config.DrumPitchMin : Config.PitchMin, hi = track.IsDrum ? Config.DrumPitchMax : Config.PitchMax;
            long progKey = track.IsDrum ? 0 : Math.Clamp(track.Program, 0, 127) + 1;
            var notes = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(track.Notes);
            for (int i = 0; i < notes.Length; i++)
            {
                ref readonly var n = ref notes[i];
                if (n.Pitch < lo || n.Pitch > hi) continue;
                int di = l.DurationIndex(n.Duration, tpq, out bool clip);
                if (clip) clipped++;
                keys[k] = (keys[k] << 32) | (progKey << 24) | ((long)n.Pitch << 17) | ((long)l.VelocityIndex(n.Velocity) << 10) | (long)di;
                k++;
            }
        }
        if (clipped > 0) Warn($"{clipped} note(s) longer than {Config.LongestDurationBeats} beats clipped to the longest duration");
        Array.Sort(keys, 0, kept);

        // emit
        var ids = new int[3 + nControls + 3 * (int)bars + 6 * kept + 2 * tempos.Count];
        int w = 0;
        ids[w++] = 1; // BOS
        for (int i = 0; i < nControls; i++) ids[w++] = controlIds[i];
        int ni = 0, ti = 0;
        for (int si = 0; si < segs.Count; si++)
        {
            long s = segs[si].Start;
            if (s > maxG) break;
            int len = l.TimeSigLength[segs[si].TimeSig];
            long segEnd = si + 1 < segs.Count ? segs[si + 1].Start : long.MaxValue;
            for (long barStart = s; barStart <= maxG && barStart < segEnd; barStart += len)
            {
                ids[w++] = l.IdBar;
                if (barStart == s) ids[w++] = l.IdTimeSig0 + segs[si].TimeSig;
                long barEnd = Math.Min(barStart + len, segEnd);
                while (true)
                {
                    long pn = ni < kept ? keys[ni] >> 32 : long.MaxValue;
                    long pt = ti < tempos.Count ? tempos[ti].Start : long.MaxValue;
                    long p = Math.Min(pn, pt);
                    if (p >= barEnd) break;
                    ids[w++] = l.IdPosition0 + (int)(p - barStart);
                    if (pt == p) ids[w++] = l.IdTempo0 + tempos[ti++].TimeSig;
                    while (ni < kept && (keys[ni] >> 32) == p)
                    {
                        long key = keys[ni++];
                        ids[w++] = l.IdProgram0 + (int)((key >> 24) & 0xFF);
                        ids[w++] = l.IdPitch0 + (int)((key >> 17) & 0x7F) - l.PitchLo;
                        ids[w++] = l.IdVelocity0 + (int)((key >> 10) & 0x7F);
                        ids[w++] = l.IdDuration0 + (int)(key & 0x3FF);
                    }
                }
                if (barEnd < barStart + len && barEnd <= maxG)
                    ids[w++] = l.IdPosition0 + (int)(barEnd - barStart); // cut marker: the bar ends here
            }
        }
        ids[w++] = 2; // EOS
        Array.Resize(ref ids, w);
        return new TokenSequence(ids, (IReadOnlyList<string>?)warnings ?? Array.Empty<string>(), Vocabulary)
        {
            DroppedNotes = dropped, ClippedDurations = clipped,
        };
    }

    private List<Segment> BuildSegments(Score score, long maxG, int tpq, Action<string> warn)
    {
        var l = _l;
        var segs = new List<Segment>(4) { new(0, l.DefaultTimeSig) };
        var sigs = score.TimeSignatures;
        bool sorted = true;
        for (int i = 1; i < sigs.Count; i++) if (sigs[i].Tick < sigs[i - 1].Tick) { sorted = false; break; }
        IEnumerable<TimeSignature> ordered = sorted ? sigs : sigs.OrderBy(t => t.Tick);
        foreach (var ts in ordered)
        {
            long g = l.QuantizeTick(ts.Tick, tpq);
            if (g > maxG) break;
            int idx = l.NearestTimeSig(ts.Numerator, ts.Denominator);
            if (l.TimeSigNum[idx] != ts.Numerator || l.TimeSigDen[idx] != ts.Denominator)
                warn($"time signature {ts.Numerator}/{ts.Denominator} at tick {ts.Tick} has no token; written as {Config.TimeSignatures[idx]} (nearest bar length)");
            var last = segs[^1];
            if (g <= last.Start) { segs[^1] = new(last.Start, idx); continue; }
            int lastLen = l.TimeSigLength[last.TimeSig];
            if (idx == last.TimeSig && (g - last.Start) % lastLen == 0) continue; // no change
            segs.Add(new(g, idx));
        }
        // merging may have made neighbours identical and aligned
        for (int i = segs.Count - 1; i >= 1; i--)
            if (segs[i].TimeSig == segs[i - 1].TimeSig && (segs[i].Start - segs[i - 1].Start) % l.TimeSigLength[segs[i].TimeSig] == 0)
                segs.RemoveAt(i);
        return segs;
    }

    private List<Segment> BuildTempos(Score score, long maxG, int tpq)
    {
        var l = _l;
        var list = new List<Segment>(4) { new(0, l.TempoIndex(TempoChange.DefaultMicrosecondsPerQuarter)) };
        var tempos = score.Tempos;
        bool sorted = true;
        for (int i = 1; i < tempos.Count; i++) if (tempos[i].Tick < tempos[i - 1].Tick) { sorted = false; break; }
        IEnumerable<TempoChange> ordered = sorted ? tempos : tempos.OrderBy(t => t.Tick);
        foreach (var t in ordered)
        {
            long g = l.QuantizeTick(t.Tick, tpq);
            if (g > maxG) break;
            int idx = l.TempoIndex(t.MicrosecondsPerQuarter);
            if (g == list[^1].Start) list[^1] = new(g, idx);
            else list.Add(new(g, idx));
        }
        // drop changes that do not change the bin
        int w = 1;
        for (int i = 1; i < list.Count; i++)
            if (list[i].TimeSig != list[w - 1].TimeSig) list[w++] = list[i];
        list.RemoveRange(w, list.Count - w);
        return list;
    }

    // ---------------------------------------------------------------- decoding

    /// <inheritdoc />
    public override DecodeResult Decode(ReadOnlySpan<int> ids) => DecodeCore(ids, null);

    /// <inheritdoc />
    public override DecodeResult DecodeText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 6 + 1);
        Dictionary<int, string>? unknown = null;
        var span = text.AsSpan();
        int i = 0;
        while (i < span.Length)
        {
            while (i < span.Length && char.IsWhiteSpace(span[i])) i++;
            int start = i;
            while (i < span.Length && !char.IsWhiteSpace(span[i])) i++;
            if (i == start) break;
            var tok = span[start..i];
            if (Vocabulary.TryGetId(tok, out int id)) ids.Add(id);
            else
            {
                (unknown ??= new())[ids.Count] = tok.Length > 40 ? tok[..40].ToString() + "..." : tok.ToString();
                ids.Add(-1);
            }
        }
        return DecodeCore(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(ids), unknown);
    }

    private DecodeResult DecodeCore(ReadOnlySpan<int> ids, Dictionary<int, string>? unknownText)
    {
        var l = _l;
        var g = _grammar;
        int scale = DecodeTicksPerPosition;
        var score = new Score(Config.DecodeTicksPerQuarter);
        var tracks = new Track?[129];
        int errors = 0;
        var described = new List<string>();
        void Error(int at, string what)
        {
            errors++;
            if (described.Count < DecodeResult.MaxDescribedErrors) described.Add($"token {at}: {what}");
        }

        var state = g.Start();
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if ((uint)id >= (uint)l.Count)
            {
                Error(i, unknownText != null && unknownText.TryGetValue(i, out var s) ? $"unknown token '{s}'" : $"unknown token id {id}");
                continue;
            }
            if (!g.IsAllowed(state, id))
            {
                if (state.phase == GrammarPhase.Start)
                {
                    var afterBos = state;
                    g.AdvanceUnchecked(ref afterBos, 1);
                    if (g.IsAllowed(afterBos, id))
                    {
                        Error(i, "sequence does not start with BOS (assumed)");
                        state = afterBos;
                        goto allowed;
                    }
                }
                Error(i, $"'{l.Tokens[id]}' not allowed in phase {state.phase}; skipped");
                continue;
            }
        allowed:
            g.AdvanceUnchecked(ref state, id);
            switch (l.Kinds[id])
            {
                case TokenKind.TimeSig:
                {
                    long tick = state.barStart * scale;
                    int v = l.Values[id];
                    var ts = new TimeSignature(tick, l.TimeSigNum[v], l.TimeSigDen[v]);
                    if (score.TimeSignatures.Count > 0 && score.TimeSignatures[^1].Tick == tick) score.TimeSignatures[^1] = ts;
                    else score.TimeSignatures.Add(ts);
                    break;
                }
                case TokenKind.Tempo:
                {
                    long tick = (state.barStart + state.position) * scale;
                    var t = TempoChange.FromBpm(tick, l.TempoBpm[l.Values[id]]);
                    if (score.Tempos.Count > 0 && score.Tempos[^1].Tick == tick) score.Tempos[^1] = t;
                    else score.Tempos.Add(t);
                    break;
                }
                case TokenKind.Duration:
                {
                    int prog = state.program;
                    var track = tracks[prog + 1] ??= new Track
                    {
                        IsDrum = prog < 0, Program = Math.Max(0, prog), Name = prog < 0 ? "Drums" : "",
                    };
                    track.Notes.Add(new Note((state.barStart + state.position) * scale, (long)l.DurationGrid[l.Values[id]] * scale,
                        state.pitch, l.VelocityValues[state.velocity]));
                    break;
                }
            }
        }
        if (state.phase is GrammarPhase.AfterProgram or GrammarPhase.AfterPitch or GrammarPhase.AfterVelocity)
            Error(ids.Length, "sequence ends inside a note; the unfinished note is dropped");

        int channel = 0;
        for (int p = 1; p < tracks.Length; p++)
        {
            var t = tracks[p];
            if (t is null) continue;
            t.Channel = channel;
            channel = channel == 8 ? 10 : channel == 15 ? 0 : channel + 1;
            SortIfNeeded(t);
            score.Tracks.Add(t);
        }
        if (tracks[0] is { } drums)
        {
            drums.Channel = 9;
            SortIfNeeded(drums);
            score.Tracks.Add(drums);
        }
        return new DecodeResult(score, errors, described);
    }

    private static void SortIfNeeded(Track t)
    {
        var notes = t.Notes;
        for (int i = 1; i < notes.Count; i++)
        {
            var a = notes[i - 1];
            var b = notes[i];
            if (b.Onset < a.Onset || (b.Onset == a.Onset && b.Pitch < a.Pitch)) { t.Normalize(); return; }
        }
    }
}
