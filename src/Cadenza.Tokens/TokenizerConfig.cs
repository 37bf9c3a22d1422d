using System.Text.Json.Serialization;

namespace Cadenza.Tokens;

/// <summary>
/// One range of the duration table: durations from <see cref="FromBeats"/> (exclusive, except 0)
/// up to <see cref="ToBeats"/> (inclusive) in steps of 1/<see cref="Resolution"/> beat.
/// A beat is a quarter note.
/// </summary>
/// <param name="FromBeats">Lower bound in quarter notes (the first range starts at 0).</param>
/// <param name="ToBeats">Upper bound in quarter notes, included.</param>
/// <param name="Resolution">Steps per quarter note in this range; must divide <see cref="TokenizerConfig.PositionsPerQuarter"/>.</param>
public sealed record DurationRange(int FromBeats, int ToBeats, int Resolution);

/// <summary>
/// Every knob of a tokenizer, saved in <c>tokenizer.json</c> next to each model. Serializable with
/// System.Text.Json; two configs are equal when every value (list contents included) is equal.
/// The defaults are the REMI+ defaults of DESIGN.md §4.
/// </summary>
public sealed record TokenizerConfig
{
    /// <summary>Tokenization scheme: "remi" (REMI+, the default) or "abc" (ABC text, see <see cref="AbcTextTokenizer"/>;
    /// it uses <see cref="TimeSignatures"/>, <see cref="Genres"/>, <see cref="MaxBars"/> and <see cref="DecodeTicksPerQuarter"/>).</summary>
    public string Scheme { get; init; } = "remi";

    /// <summary>Grid positions per quarter note (12 catches sixteenths and eighth/sixteenth triplets).</summary>
    public int PositionsPerQuarter { get; init; } = 12;

    /// <summary>Lowest pitch kept for pitched (non-drum) tracks.</summary>
    public int PitchMin { get; init; } = 21;

    /// <summary>Highest pitch kept for pitched (non-drum) tracks.</summary>
    public int PitchMax { get; init; } = 108;

    /// <summary>Lowest drum key kept (22 keeps the Groove data's hi-hat edge notes 22 and 26).</summary>
    public int DrumPitchMin { get; init; } = 22;

    /// <summary>Highest drum key kept.</summary>
    public int DrumPitchMax { get; init; } = 88;

    /// <summary>Number of velocity bins spread evenly over 1-127.</summary>
    public int VelocityBins { get; init; } = 32;

    /// <summary>The duration table (beat-relative; fine steps for short notes, coarse for long ones).</summary>
    public IReadOnlyList<DurationRange> Durations { get; init; } =
        [new(0, 2, 12), new(2, 4, 6), new(4, 8, 4)];

    /// <summary>Number of tempo bins, spaced geometrically from <see cref="TempoMin"/> to <see cref="TempoMax"/> and rounded to whole BPM.</summary>
    public int TempoBins { get; init; } = 32;

    /// <summary>Slowest tempo bin in quarter notes per minute.</summary>
    public int TempoMin { get; init; } = 40;

    /// <summary>Fastest tempo bin in quarter notes per minute.</summary>
    public int TempoMax { get; init; } = 250;

    /// <summary>Time signatures that have a token ("n/d", d a power of two whose bar is a whole number of grid positions).</summary>
    public IReadOnlyList<string> TimeSignatures { get; init; } =
    [
        "1/4", "2/4", "3/4", "4/4", "5/4", "6/4", "7/4", "8/4",
        "2/2", "3/2", "4/2",
        "1/8", "2/8", "3/8", "4/8", "5/8", "6/8", "7/8", "8/8", "9/8", "10/8", "11/8", "12/8", "13/8", "15/8",
        "3/16", "5/16", "6/16", "7/16", "9/16", "11/16", "12/16", "13/16", "15/16",
    ];

    /// <summary>Genre control tokens (<c>Genre_x</c>), a prefix right after BOS.</summary>
    public IReadOnlyList<string> Genres { get; init; } = ["folk", "classical", "pop", "jazz", "rock"];

    /// <summary>Longest piece accepted, in bars; longer pieces are rejected with a <see cref="TokenizationException"/>.</summary>
    public int MaxBars { get; init; } = 4096;

    /// <summary>Time base of decoded scores; must be a multiple of <see cref="PositionsPerQuarter"/>.</summary>
    public int DecodeTicksPerQuarter { get; init; } = 480;

    /// <summary>
    /// Checks every value and throws <see cref="ArgumentException"/> naming the first bad one
    /// (ranges out of order, resolutions that do not divide the grid, malformed time signatures...).
    /// </summary>
    /// <exception cref="ArgumentException">When a value is invalid.</exception>
    public void Validate()
    {
        static void Fail(string msg) => throw new ArgumentException("Invalid tokenizer config: " + msg);
        if (Scheme is not ("remi" or "abc")) Fail($"unknown scheme '{Scheme}' (known: remi, abc)");
        if (PositionsPerQuarter < 1 || PositionsPerQuarter > 96) Fail("PositionsPerQuarter must be 1-96");
        if (PitchMin < 0 || PitchMax > 127 || PitchMin > PitchMax) Fail("pitch range must lie in 0-127, min <= max");
        if (DrumPitchMin < 0 || DrumPitchMax > 127 || DrumPitchMin > DrumPitchMax) Fail("drum range must lie in 0-127, min <= max");
        if (VelocityBins < 1 || VelocityBins > 127) Fail("VelocityBins must be 1-127");
        if (TempoBins < 1 || TempoBins > 1000 || TempoMin < 1 || TempoMax < TempoMin) Fail("tempo bins/range invalid");
        if (TempoBins > 1 && TempoMax - TempoMin + 1 < TempoBins) Fail("more tempo bins than whole BPM values in range");
        if (MaxBars < 1 || MaxBars > 1_000_000) Fail("MaxBars must be 1-1,000,000");
        if (DecodeTicksPerQuarter < 1 || DecodeTicksPerQuarter % PositionsPerQuarter != 0)
            Fail("DecodeTicksPerQuarter must be a positive multiple of PositionsPerQuarter");
        if (Durations is null || Durations.Count == 0) Fail("Durations is empty");
        int prev = 0;
        foreach (var r in Durations!)
        {
            if (r.FromBeats != prev || r.ToBeats <= r.FromBeats || r.Resolution < 1 || PositionsPerQuarter % r.Resolution != 0)
                Fail($"duration range {r} must start where the previous ends, be non-empty and have a resolution dividing {PositionsPerQuarter}");
            prev = r.ToBeats;
        }
        if (prev > 64) Fail("durations longer than 64 beats are not supported");
        if (TimeSignatures is null || TimeSignatures.Count == 0) Fail("TimeSignatures is empty");
        var seen = new HashSet<string>();
        foreach (var ts in TimeSignatures!)
        {
            if (!TryParseTimeSignature(ts, out int n, out int d)) Fail($"time signature '{ts}' is not n/d with n 1-64 and d a power of two 1-64");
            if (n * 4 * PositionsPerQuarter % d != 0) Fail($"time signature '{ts}' is not a whole number of grid positions");
            if (!seen.Add(ts)) Fail($"time signature '{ts}' listed twice");
        }
        if (Genres is null) Fail("Genres is null");
        var g = new HashSet<string>();
        foreach (var genre in Genres!)
            if (string.IsNullOrWhiteSpace(genre) || genre.Contains(' ') || !g.Add(genre)) Fail($"genre '{genre}' is empty, has a space or is listed twice");
    }

    /// <summary>Parses "n/d" (n 1-64, d a power of two 1-64).</summary>
    internal static bool TryParseTimeSignature(string s, out int n, out int d)
    {
        n = d = 0;
        int slash = s.IndexOf('/');
        if (slash <= 0) return false;
        if (!int.TryParse(s.AsSpan(0, slash), System.Globalization.NumberStyles.None, null, out n)) return false;
        if (!int.TryParse(s.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out d)) return false;
        return n >= 1 && n <= 64 && d >= 1 && d <= 64 && (d & (d - 1)) == 0;
    }

    /// <inheritdoc />
    public bool Equals(TokenizerConfig? other)
    {
        if (other is null) return false;
        if (ReferenceEquals(this, other)) return true;
        return Scheme == other.Scheme && PositionsPerQuarter == other.PositionsPerQuarter
            && PitchMin == other.PitchMin && PitchMax == other.PitchMax
            && DrumPitchMin == other.DrumPitchMin && DrumPitchMax == other.DrumPitchMax
            && VelocityBins == other.VelocityBins && TempoBins == other.TempoBins
            && TempoMin == other.TempoMin && TempoMax == other.TempoMax
            && MaxBars == other.MaxBars && DecodeTicksPerQuarter == other.DecodeTicksPerQuarter
            && Durations.SequenceEqual(other.Durations)
            && TimeSignatures.SequenceEqual(other.TimeSignatures)
            && Genres.SequenceEqual(other.Genres);
    }

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Scheme); h.Add(PositionsPerQuarter); h.Add(PitchMin); h.Add(PitchMax);
        h.Add(DrumPitchMin); h.Add(DrumPitchMax); h.Add(VelocityBins); h.Add(TempoBins);
        h.Add(TempoMin); h.Add(TempoMax); h.Add(MaxBars); h.Add(DecodeTicksPerQuarter);
        foreach (var r in Durations) h.Add(r);
        foreach (var t in TimeSignatures) h.Add(t);
        foreach (var g in Genres) h.Add(g);
        return h.ToHashCode();
    }

    [JsonIgnore]
    internal int LongestDurationBeats => Durations[^1].ToBeats;
}
