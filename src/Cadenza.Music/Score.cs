namespace Cadenza.Music;

/// <summary>
/// The in-memory music model every format reads into and writes out of: a time base in ticks per
/// quarter note, tempo / time-signature / key-signature maps, and tracks of notes and controllers.
/// All times are absolute ticks (<see cref="long"/>, so very long files never overflow).
/// </summary>
/// <remarks>
/// Maps are kept sorted by tick by the readers; call <see cref="Normalize"/> after editing by hand.
/// An empty tempo map means 120 bpm; an empty time-signature map means 4/4.
/// </remarks>
public sealed class Score
{
    /// <summary>Creates an empty score.</summary>
    /// <param name="ticksPerQuarter">Time base; must be positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="ticksPerQuarter"/> is not positive.</exception>
    public Score(int ticksPerQuarter = 480)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ticksPerQuarter);
        TicksPerQuarter = ticksPerQuarter;
    }

    /// <summary>Ticks per quarter note (PPQ). SMPTE-timed files are converted to a PPQ base on reading.</summary>
    public int TicksPerQuarter { get; set; }

    /// <summary>Title of the piece, if the source names one.</summary>
    public string? Title { get; set; }

    /// <summary>Composer or author, if known.</summary>
    public string? Composer { get; set; }

    /// <summary>Tempo changes, sorted by tick.</summary>
    public List<TempoChange> Tempos { get; } = new();

    /// <summary>Time-signature changes, sorted by tick.</summary>
    public List<TimeSignature> TimeSignatures { get; } = new();

    /// <summary>Key-signature changes, sorted by tick.</summary>
    public List<KeySignature> KeySignatures { get; } = new();

    /// <summary>Text, marker, lyric and cue events that belong to the whole piece.</summary>
    public List<TextEvent> Texts { get; } = new();

    /// <summary>The parts of the piece. Each track is one instrument on one channel.</summary>
    public List<Track> Tracks { get; } = new();

    /// <summary>Total number of notes over all tracks.</summary>
    public int NoteCount
    {
        get
        {
            int n = 0;
            foreach (var t in Tracks) n += t.Notes.Count;
            return n;
        }
    }

    /// <summary>The tick at which the last note ends (0 for a score without notes).</summary>
    public long EndTick
    {
        get
        {
            long end = 0;
            foreach (var t in Tracks)
                foreach (var n in t.Notes)
                    end = Math.Max(end, n.End);
            return end;
        }
    }

    /// <summary>Tempo in effect at <paramref name="tick"/>, in microseconds per quarter note (500,000 = 120 bpm when none is set).</summary>
    public int MicrosecondsPerQuarterAt(long tick)
    {
        int us = TempoChange.DefaultMicrosecondsPerQuarter;
        foreach (var t in Tempos)
        {
            if (t.Tick > tick) break;
            us = t.MicrosecondsPerQuarter;
        }
        return us;
    }

    /// <summary>Time signature in effect at <paramref name="tick"/> (4/4 when none is set).</summary>
    public TimeSignature TimeSignatureAt(long tick)
    {
        var ts = new TimeSignature(0, 4, 4);
        foreach (var t in TimeSignatures)
        {
            if (t.Tick > tick) break;
            ts = t;
        }
        return ts;
    }

    /// <summary>Converts a tick position to seconds using the tempo map.</summary>
    public double TicksToSeconds(long tick)
    {
        double seconds = 0;
        long prevTick = 0;
        double us = TempoChange.DefaultMicrosecondsPerQuarter;
        foreach (var t in Tempos)
        {
            if (t.Tick >= tick) break;
            seconds += (t.Tick - prevTick) * us / 1e6 / TicksPerQuarter;
            prevTick = t.Tick;
            us = t.MicrosecondsPerQuarter;
        }
        seconds += (tick - prevTick) * us / 1e6 / TicksPerQuarter;
        return seconds;
    }

    /// <summary>Duration of the piece in seconds, up to the end of the last note.</summary>
    public double DurationSeconds => TicksToSeconds(EndTick);

    /// <summary>
    /// Bar start ticks from 0 up to (and including the bar that contains) <paramref name="endTick"/>,
    /// following the time-signature map. A time-signature change always starts a new bar at its own
    /// tick, cutting the running bar short when it falls inside one.
    /// </summary>
    public List<long> BarStarts(long endTick)
    {
        var bars = new List<long>();
        var sigs = TimeSignatures.Count > 0 && TimeSignatures[0].Tick == 0
            ? TimeSignatures
            : new List<TimeSignature>(TimeSignatures.Prepend(new TimeSignature(0, 4, 4)));
        long tick = 0;
        for (int i = 0; i < sigs.Count; i++)
        {
            long barLen = Math.Max(1, sigs[i].TicksPerBar(TicksPerQuarter));
            long next = i + 1 < sigs.Count ? sigs[i + 1].Tick : long.MaxValue;
            tick = sigs[i].Tick;
            while (tick < next && tick <= endTick)
            {
                bars.Add(tick);
                tick += barLen;
            }
            if (tick > endTick && next > endTick) break;
        }
        return bars;
    }

    /// <summary>Sorts every map and every track's notes and controllers by time (stable).</summary>
    public void Normalize()
    {
        StableSort(Tempos, (a, b) => a.Tick.CompareTo(b.Tick));
        StableSort(TimeSignatures, (a, b) => a.Tick.CompareTo(b.Tick));
        StableSort(KeySignatures, (a, b) => a.Tick.CompareTo(b.Tick));
        StableSort(Texts, (a, b) => a.Tick.CompareTo(b.Tick));
        foreach (var t in Tracks) t.Normalize();
    }

    /// <summary>Stable sort: O(n) when already in order (the usual case for data read in time order), else a merge sort.</summary>
    internal static void StableSort<T>(List<T> list, Comparison<T> cmp)
    {
        int n = list.Count;
        if (n < 2) return;
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list);
        int i = 1;
        while (i < n && cmp(span[i - 1], span[i]) <= 0) i++;
        if (i == n) return;
        var a = span.ToArray();
        var tmp = new T[n];
        // Insertion-sort runs of 16, then merge runs bottom-up (stable: ties keep the left element first).
        const int Run = 16;
        for (int lo = 0; lo < n; lo += Run)
        {
            int hi = Math.Min(lo + Run, n);
            for (int j = lo + 1; j < hi; j++)
            {
                var x = a[j];
                int k = j - 1;
                while (k >= lo && cmp(a[k], x) > 0) { a[k + 1] = a[k]; k--; }
                a[k + 1] = x;
            }
        }
        for (int width = Run; width < n; width *= 2)
        {
            for (int lo = 0; lo < n; lo += 2 * width)
            {
                int mid = Math.Min(lo + width, n), hi = Math.Min(lo + 2 * width, n);
                if (mid >= hi || cmp(a[mid - 1], a[mid]) <= 0)
                {
                    Array.Copy(a, lo, tmp, lo, hi - lo);
                    continue;
                }
                int l = lo, r = mid, o = lo;
                while (l < mid && r < hi) tmp[o++] = cmp(a[r], a[l]) < 0 ? a[r++] : a[l++];
                while (l < mid) tmp[o++] = a[l++];
                while (r < hi) tmp[o++] = a[r++];
            }
            (a, tmp) = (tmp, a);
        }
        a.AsSpan().CopyTo(span);
    }
}

/// <summary>One instrument part: a program on a channel (or the drum kit), with its notes and controllers.</summary>
public sealed class Track
{
    /// <summary>Track or instrument name ("" when unnamed).</summary>
    public string Name { get; set; } = "";

    /// <summary>General MIDI program 0-127 (ignored for drums).</summary>
    public int Program { get; set; }

    /// <summary>MIDI channel 0-15 (9 is the General MIDI percussion channel).</summary>
    public int Channel { get; set; }

    /// <summary>MIDI port (from the port meta event 0x21), 0 when none is given.</summary>
    public int Port { get; set; }

    /// <summary>True for a percussion part: note numbers are drum keys, not pitches.</summary>
    public bool IsDrum { get; set; }

    /// <summary>Notes, sorted by onset then pitch.</summary>
    public List<Note> Notes { get; } = new();

    /// <summary>Controller changes (sustain pedal 64, volume 7, pan 10, ...), sorted by tick.</summary>
    public List<ControlChange> Controls { get; } = new();

    /// <summary>Pitch-bend changes, sorted by tick.</summary>
    public List<PitchBend> PitchBends { get; } = new();

    /// <summary>Sorts notes by (onset, pitch) and controllers / bends by tick, keeping equal items in order.</summary>
    public void Normalize()
    {
        Score.StableSort(Notes, (a, b) => a.Onset != b.Onset ? a.Onset.CompareTo(b.Onset) : a.Pitch.CompareTo(b.Pitch));
        Score.StableSort(Controls, (a, b) => a.Tick.CompareTo(b.Tick));
        Score.StableSort(PitchBends, (a, b) => a.Tick.CompareTo(b.Tick));
    }

    /// <inheritdoc />
    public override string ToString() => $"Track '{Name}' ch{Channel} prog{Program}{(IsDrum ? " drums" : "")} notes={Notes.Count}";
}

/// <summary>A note: onset and duration in ticks, MIDI pitch (or drum key) 0-127, velocity 1-127.</summary>
/// <param name="Onset">Start tick.</param>
/// <param name="Duration">Length in ticks (0 allowed for zero-length notes).</param>
/// <param name="Pitch">MIDI note number 0-127.</param>
/// <param name="Velocity">Attack velocity 1-127.</param>
public readonly record struct Note(long Onset, long Duration, int Pitch, int Velocity)
{
    /// <summary>Tick at which the note ends.</summary>
    public long End => Onset + Duration;
}

/// <summary>A tempo change.</summary>
/// <param name="Tick">Where it takes effect.</param>
/// <param name="MicrosecondsPerQuarter">Length of a quarter note in microseconds.</param>
public readonly record struct TempoChange(long Tick, int MicrosecondsPerQuarter)
{
    /// <summary>120 bpm, the MIDI default.</summary>
    public const int DefaultMicrosecondsPerQuarter = 500_000;

    /// <summary>Quarter notes per minute.</summary>
    public double Bpm => 60_000_000.0 / MicrosecondsPerQuarter;

    /// <summary>Makes a tempo change from beats (quarter notes) per minute.</summary>
    public static TempoChange FromBpm(long tick, double bpm) => new(tick, (int)Math.Round(60_000_000.0 / bpm));
}

/// <summary>A time-signature change, e.g. 6/8.</summary>
/// <param name="Tick">Where it takes effect (it starts a new bar there).</param>
/// <param name="Numerator">Beats per bar.</param>
/// <param name="Denominator">Beat unit as a note value (4 = quarter, 8 = eighth); a power of two.</param>
public readonly record struct TimeSignature(long Tick, int Numerator, int Denominator)
{
    /// <summary>Length of one bar in ticks for the given time base.</summary>
    public long TicksPerBar(int ticksPerQuarter) => (long)Numerator * ticksPerQuarter * 4 / Denominator;

    /// <inheritdoc />
    public override string ToString() => $"{Numerator}/{Denominator}@{Tick}";
}

/// <summary>A key-signature change.</summary>
/// <param name="Tick">Where it takes effect.</param>
/// <param name="Fifths">Sharps (positive) or flats (negative), -7..7.</param>
/// <param name="IsMinor">True for a minor key.</param>
/// <param name="Mode">Optional mode name from ABC (e.g. "Dor", "Mix"); null for plain major/minor.</param>
public readonly record struct KeySignature(long Tick, int Fifths, bool IsMinor, string? Mode = null);

/// <summary>A controller change on a track's channel.</summary>
/// <param name="Tick">When.</param>
/// <param name="Controller">Controller number 0-127 (64 = sustain pedal).</param>
/// <param name="Value">Value 0-127.</param>
public readonly record struct ControlChange(long Tick, int Controller, int Value);

/// <summary>A pitch-bend change.</summary>
/// <param name="Tick">When.</param>
/// <param name="Value">Bend amount, -8192..8191 (0 = centre).</param>
public readonly record struct PitchBend(long Tick, int Value);

/// <summary>Kinds of text attached to a moment in the piece.</summary>
public enum TextKind
{
    /// <summary>Generic text (meta 0x01).</summary>
    Text,
    /// <summary>Copyright notice (0x02).</summary>
    Copyright,
    /// <summary>Lyric syllable (0x05).</summary>
    Lyric,
    /// <summary>Marker (0x06).</summary>
    Marker,
    /// <summary>Cue point (0x07).</summary>
    Cue,
}

/// <summary>A text event at a tick.</summary>
/// <param name="Tick">When.</param>
/// <param name="Kind">What kind of text.</param>
/// <param name="Text">The text itself.</param>
public readonly record struct TextEvent(long Tick, TextKind Kind, string Text);
