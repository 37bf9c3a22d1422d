using System.Globalization;

namespace Cadenza.Tokens;

/// <summary>
/// The REMI+ vocabulary laid out as contiguous id ranges, with per-id kind/value tables and the value tables
/// (time signatures, tempos, velocities, durations) that encoder, decoder and grammar share.
/// </summary>
internal sealed class RemiLayout
{
    public readonly TokenizerConfig Config;
    public readonly int R;                    // grid positions per quarter
    public readonly string[] Tokens;
    public readonly TokenKind[] Kinds;
    public readonly int[] Values;             // per id: the token's value (see TokenKind)
    public readonly int IdGenre0, IdBar, IdTimeSig0, IdPosition0, IdTempo0, IdProgram0, IdPitch0, IdVelocity0, IdDuration0;
    public readonly int PitchLo, PitchHi;
    public readonly int[] TimeSigNum, TimeSigDen, TimeSigLength; // length in grid positions
    public readonly int MaxBarLength;
    public readonly int[] TempoBpm;
    private readonly double[] _tempoBounds;    // geometric midpoints between bins
    public readonly int[] VelocityValues;
    private readonly byte[] _velocityIndex = new byte[128];
    public readonly int[] DurationGrid;        // ascending, grid positions
    public readonly int DefaultTimeSig;        // index of 4/4 (or nearest)

    public int Count => Tokens.Length;

    public RemiLayout(TokenizerConfig config)
    {
        config.Validate();
        Config = config;
        R = config.PositionsPerQuarter;
        PitchLo = Math.Min(config.PitchMin, config.DrumPitchMin);
        PitchHi = Math.Max(config.PitchMax, config.DrumPitchMax);

        int nts = config.TimeSignatures.Count;
        TimeSigNum = new int[nts]; TimeSigDen = new int[nts]; TimeSigLength = new int[nts];
        for (int i = 0; i < nts; i++)
        {
            TokenizerConfig.TryParseTimeSignature(config.TimeSignatures[i], out int n, out int d);
            TimeSigNum[i] = n; TimeSigDen[i] = d; TimeSigLength[i] = n * 4 * R / d;
            MaxBarLength = Math.Max(MaxBarLength, TimeSigLength[i]);
        }
        DefaultTimeSig = NearestTimeSig(4, 4);
        if ((long)config.MaxBars * MaxBarLength >= int.MaxValue)
            throw new ArgumentException("Invalid tokenizer config: MaxBars x longest bar exceeds 2^31 grid positions");

        int nt = config.TempoBins;
        TempoBpm = new int[nt];
        for (int i = 0; i < nt; i++)
        {
            double bpm = nt == 1 ? config.TempoMin : config.TempoMin * Math.Pow((double)config.TempoMax / config.TempoMin, (double)i / (nt - 1));
            TempoBpm[i] = i > 0 ? Math.Max((int)Math.Round(bpm), TempoBpm[i - 1] + 1) : (int)Math.Round(bpm);
        }
        // the bin nearest 120 BPM (the MIDI default) is made exactly 120, so default-tempo files come back unchanged
        if (nt > 2 && config.TempoMin < 120 && config.TempoMax > 120)
        {
            int near = 0;
            for (int i = 1; i < nt; i++) if (Math.Abs(TempoBpm[i] - 120) < Math.Abs(TempoBpm[near] - 120)) near = i;
            if ((near == 0 || TempoBpm[near - 1] < 120) && (near == nt - 1 || TempoBpm[near + 1] > 120)) TempoBpm[near] = 120;
        }
        _tempoBounds = new double[Math.Max(0, nt - 1)];
        for (int i = 0; i + 1 < nt; i++) _tempoBounds[i] = Math.Sqrt((double)TempoBpm[i] * TempoBpm[i + 1]);

        int nv = config.VelocityBins;
        VelocityValues = new int[nv];
        for (int i = 0; i < nv; i++) VelocityValues[i] = (int)Math.Round(127.0 * (i + 1) / nv);
        for (int v = 0; v < 128; v++)
        {
            int best = 0;
            for (int i = 1; i < nv; i++)
                if (Math.Abs(VelocityValues[i] - v) < Math.Abs(VelocityValues[best] - v)) best = i;
            _velocityIndex[v] = (byte)best;
        }

        var dur = new List<int>();
        var durNames = new List<string>();
        foreach (var range in config.Durations)
        {
            int step = R / range.Resolution;
            for (int g = range.FromBeats * R + step; g <= range.ToBeats * R; g += step)
            {
                dur.Add(g);
                durNames.Add($"Duration_{g / R}.{g % R / step}.{range.Resolution}");
            }
        }
        DurationGrid = dur.ToArray();
        if (DurationGrid.Length > 1023) throw new ArgumentException("Invalid tokenizer config: more than 1023 duration bins");

        var tokens = new List<string>(512);
        var kinds = new List<TokenKind>(512);
        var values = new List<int>(512);
        void Add(string t, TokenKind k, int v) { tokens.Add(t); kinds.Add(k); values.Add(v); }
        Add(Vocabulary.Pad, TokenKind.Pad, 0);
        Add(Vocabulary.Bos, TokenKind.Bos, 0);
        Add(Vocabulary.Eos, TokenKind.Eos, 0);
        Add(Vocabulary.Mask, TokenKind.Mask, 0);
        IdGenre0 = tokens.Count;
        for (int i = 0; i < config.Genres.Count; i++) Add("Genre_" + config.Genres[i], TokenKind.Genre, i);
        IdBar = tokens.Count;
        Add("Bar_None", TokenKind.Bar, 0);
        IdTimeSig0 = tokens.Count;
        for (int i = 0; i < nts; i++) Add("TimeSig_" + config.TimeSignatures[i], TokenKind.TimeSig, i);
        IdPosition0 = tokens.Count;
        for (int k = 0; k < MaxBarLength; k++) Add("Position_" + k.ToString(CultureInfo.InvariantCulture), TokenKind.Position, k);
        IdTempo0 = tokens.Count;
        for (int i = 0; i < nt; i++) Add("Tempo_" + TempoBpm[i].ToString(CultureInfo.InvariantCulture), TokenKind.Tempo, i);
        IdProgram0 = tokens.Count;
        for (int p = -1; p < 128; p++) Add("Program_" + p.ToString(CultureInfo.InvariantCulture), TokenKind.Program, p);
        IdPitch0 = tokens.Count;
        for (int p = PitchLo; p <= PitchHi; p++) Add("Pitch_" + p.ToString(CultureInfo.InvariantCulture), TokenKind.Pitch, p);
        IdVelocity0 = tokens.Count;
        for (int i = 0; i < nv; i++) Add("Velocity_" + VelocityValues[i].ToString(CultureInfo.InvariantCulture), TokenKind.Velocity, i);
        IdDuration0 = tokens.Count;
        for (int i = 0; i < DurationGrid.Length; i++) Add(durNames[i], TokenKind.Duration, i);
        Tokens = tokens.ToArray();
        Kinds = kinds.ToArray();
        Values = values.ToArray();
    }

    /// <summary>True when <paramref name="pitch"/> is in the range of the program (-1 = drums).</summary>
    public bool PitchAllowed(int program, int pitch) => program < 0
        ? pitch >= Config.DrumPitchMin && pitch <= Config.DrumPitchMax
        : pitch >= Config.PitchMin && pitch <= Config.PitchMax;

    /// <summary>Grid position nearest to a tick (halves round up); negative ticks give 0.</summary>
    public long QuantizeTick(long tick, int tpq)
    {
        if (tick <= 0) return 0;
        // floor((2*tick*R + tpq) / (2*tpq)), in 64 bits when it cannot overflow
        if (tick < (1L << 54)) return (tick * (2 * R) + tpq) / (2L * tpq);
        Int128 num = (Int128)tick * (2 * R) + tpq;
        Int128 g = num / (2 * tpq);
        return g > long.MaxValue / 4 ? long.MaxValue / 4 : (long)g; // far beyond any MaxBars: rejected later
    }

    /// <summary>Index of the duration bin nearest to <paramref name="ticks"/>; <paramref name="clipped"/> when longer than the last bin.</summary>
    public int DurationIndex(long ticks, int tpq, out bool clipped)
    {
        double g = (double)ticks * R / tpq;
        var grid = DurationGrid;
        clipped = g > grid[^1];
        if (clipped) return grid.Length - 1;
        int lo = 0, hi = grid.Length - 1;
        // find the first bin whose upper boundary (midpoint to the next bin) is above g
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (g < (grid[mid] + grid[mid + 1]) * 0.5) hi = mid; else lo = mid + 1;
        }
        return lo;
    }

    public int VelocityIndex(int velocity) => _velocityIndex[Math.Clamp(velocity, 0, 127)];

    public int TempoIndex(int microsecondsPerQuarter)
    {
        double bpm = 60_000_000.0 / Math.Max(1, microsecondsPerQuarter);
        int i = 0;
        while (i < _tempoBounds.Length && bpm >= _tempoBounds[i]) i++;
        return i;
    }

    /// <summary>The time-signature token index for n/d: exact when listed, else the one with the nearest bar length
    /// (ties: same denominator first, then the earlier in the list).</summary>
    public int NearestTimeSig(int n, int d)
    {
        double len = n * 4.0 / Math.Max(1, d);
        int best = -1;
        double bestDiff = double.MaxValue;
        for (int i = 0; i < TimeSigNum.Length; i++)
        {
            if (TimeSigNum[i] == n && TimeSigDen[i] == d) return i;
            double diff = Math.Abs(TimeSigNum[i] * 4.0 / TimeSigDen[i] - len);
            if (diff < bestDiff - 1e-9 || (Math.Abs(diff - bestDiff) <= 1e-9 && TimeSigDen[i] == d && TimeSigDen[best] != d))
            {
                best = i; bestDiff = diff;
            }
        }
        return best;
    }
}
