using Cadenza.Audio.Dsp;

namespace Cadenza.Audio.Synth;

/// <summary>Sound source of a melodic patch.</summary>
internal enum OscKind { Table, Saw, Square, SawSquare, Fm, Pluck, Noise }

/// <summary>
/// One melodic instrument: oscillator, optional low-pass with envelope, ADSR amplitude envelope, vibrato and
/// attack noise. Times are seconds; decays and releases are exponential time constants (level falls to 1/e).
/// </summary>
internal sealed class Patch
{
    public OscKind Osc;
    public float[][]? Table;
    /// <summary>
    /// When set, brightness blends of two spectra (index 0 dull .. last bright, each mip-mapped): the oscillator moves from
    /// bright to dull as the filter envelope decays, instead of running a filter.
    /// </summary>
    public float[][][]? Levels;
    public int Unison = 1;
    public float DetuneCents;
    public float PulseWidth = 0.5f;
    public float SquareMix = 0.5f;
    public float FmRatio = 1, FmIndex, FmIndexDecay = 0.5f;
    public float PluckSeconds = 2.5f, PluckBrightness = 0.6f;

    public float Attack = 0.003f, Decay = 1f, Sustain = 1f, Release = 0.15f;
    /// <summary>When set, the decay time constant shrinks with pitch (halves every two octaves above middle C).</summary>
    public bool DecayKeyTrack;

    public bool Filter;
    public float CutoffBase = 6f, CutoffEnv, CutoffEnvDecay = 0.4f, FilterK = 1.2f;
    public bool CutoffFollowsAmp;
    public float VelBright = 0.5f;

    public float VibratoCents, VibratoRate = 5.5f, VibratoDelay = 0.25f;
    public float NoiseAttack, NoiseDecay = 0.01f;
    /// <summary>One-pole low-pass coefficient of the attack / breath noise (1 = white, smaller = darker).</summary>
    public float NoiseColor = 1f;
    public float Breath;
    public float Gain = 1f;
    public InstrumentFamily Family;

    private static readonly Patch[] All = Build();

    /// <summary>The patch for a General MIDI program (0-127; other values are clamped).</summary>
    public static Patch For(int program) => All[Math.Clamp(program, 0, 127)];

    private static Patch[] Build()
    {
        var p = new Patch[128];
        for (int i = 0; i < 128; i++) p[i] = Make(i);
        return p;
    }

    private static Patch Piano() => new()
    {
        Osc = OscKind.Table, Table = Tables.Piano, Levels = Tables.PianoLevels, Unison = 2, DetuneCents = 1.2f,
        Attack = 0.002f, Decay = 3.2f, Sustain = 0f, DecayKeyTrack = true, Release = 0.08f,
        CutoffEnvDecay = 0.5f,
        NoiseAttack = 0.3f, NoiseDecay = 0.006f, NoiseColor = 0.2f, Gain = 0.9f,
    };

    private static Patch Mallet(float ratio, float index, float idxDecay, float decay) => new()
    {
        Osc = OscKind.Fm, FmRatio = ratio, FmIndex = index, FmIndexDecay = idxDecay,
        Attack = 0.001f, Decay = decay, Sustain = 0f, DecayKeyTrack = true, Release = 0.12f, Gain = 0.8f,
    };

    private static Patch Pluck(float seconds, float bright, float release = 0.12f) => new()
    {
        Osc = OscKind.Pluck, PluckSeconds = seconds, PluckBrightness = bright,
        Attack = 0.0005f, Sustain = 1f, Release = release, Gain = 1.1f,
    };

    private static Patch WithFilter(Patch p, float cutoff, float env, float envDecay)
    {
        p.Filter = true; p.CutoffBase = cutoff; p.CutoffEnv = env; p.CutoffEnvDecay = envDecay; p.FilterK = 1.4f; p.VelBright = 0.5f;
        return p;
    }

    private static Patch Strings(float attack, float detune, float cutoff) => new()
    {
        Osc = OscKind.Saw, Unison = 2, DetuneCents = detune,
        Attack = attack, Decay = 1f, Sustain = 1f, Release = 0.12f,
        Filter = true, CutoffBase = cutoff, FilterK = 1.3f, VelBright = 0.5f,
        VibratoCents = 12, VibratoRate = 5.2f, VibratoDelay = 0.2f, Gain = 0.55f,
    };

    private static Patch Make(int program)
    {
        var family = (InstrumentFamily)(program / 8);
        Patch p = family switch
        {
            InstrumentFamily.Piano => program switch
            {
                4 or 5 => Mallet(1f, 1.8f, 0.6f, 1.6f),
                6 => Pluck(1.2f, 0.95f, 0.08f),
                7 => new Patch { Osc = OscKind.Square, PulseWidth = 0.25f, Attack = 0.001f, Decay = 0.9f, Sustain = 0.2f, Release = 0.08f, Filter = true, CutoffBase = 3f, CutoffEnv = 12f, CutoffEnvDecay = 0.12f, FilterK = 0.8f, Gain = 0.5f },
                _ => Piano(),
            },
            InstrumentFamily.ChromaticPercussion => program switch
            {
                11 => Mallet(1f, 0.8f, 1.2f, 2.5f),               // vibraphone
                12 => Mallet(4f, 1.2f, 0.05f, 0.35f),             // marimba
                13 => Mallet(3f, 1.5f, 0.04f, 0.25f),             // xylophone
                14 => Mallet(2.76f, 3f, 0.8f, 3.5f),              // tubular bells
                _ => Mallet(3.5f, 2.2f, 0.25f, 1.2f),             // celesta, glockenspiel, music box, dulcimer
            },
            InstrumentFamily.Organ => new Patch
            {
                Osc = OscKind.Table, Table = Tables.Organ, Attack = 0.008f, Sustain = 1f, Release = 0.06f,
                VibratoCents = program is >= 16 and <= 18 ? 6 : 0, VibratoRate = 6.5f, VibratoDelay = 0f, Gain = 0.55f,
            },
            InstrumentFamily.Guitar => program switch
            {
                29 or 30 => Pluck(4f, 0.98f, 0.1f),
                24 or 25 => Pluck(2.8f, 0.75f),
                _ => Pluck(3f, 0.85f),
            },
            InstrumentFamily.Bass => program switch
            {
                38 or 39 => new Patch { Osc = OscKind.Saw, Attack = 0.002f, Decay = 0.6f, Sustain = 0.6f, Release = 0.08f, Filter = true, CutoffBase = 1.5f, CutoffEnv = 10f, CutoffEnvDecay = 0.15f, FilterK = 0.6f, Gain = 0.7f },
                _ => WithFilter(Pluck(1.8f, 0.4f, 0.08f), 2f, 5f, 0.08f), // round, dark fingered / picked bass
            },
            InstrumentFamily.Strings => program switch
            {
                45 => Pluck(0.6f, 0.5f),
                46 => Pluck(3.5f, 0.6f, 0.2f),
                47 => Mallet(1f, 1.0f, 0.1f, 1.0f),
                _ => Strings(0.08f, 6f, 4f),
            },
            InstrumentFamily.Ensemble => program switch
            {
                52 or 53 or 54 => new Patch { Osc = OscKind.Table, Table = Tables.Choir, Unison = 2, DetuneCents = 8, Attack = 0.12f, Sustain = 1f, Release = 0.15f, VibratoCents = 15, VibratoRate = 5f, VibratoDelay = 0.15f, Gain = 0.6f },
                55 => new Patch { Osc = OscKind.Saw, Unison = 2, DetuneCents = 10, Attack = 0.002f, Decay = 0.25f, Sustain = 0f, Release = 0.2f, Filter = true, CutoffBase = 3f, CutoffEnv = 20f, CutoffEnvDecay = 0.1f, Gain = 0.6f },
                _ => Strings(0.15f, 10f, 3.5f),
            },
            InstrumentFamily.Brass => new Patch
            {
                Osc = OscKind.Saw, Attack = 0.03f, Decay = 0.4f, Sustain = 0.8f, Release = 0.12f,
                Filter = true, CutoffBase = 1.2f, CutoffEnv = 7f, CutoffFollowsAmp = true, FilterK = 1.0f, VelBright = 0.7f,
                VibratoCents = 8, VibratoRate = 5.5f, VibratoDelay = 0.35f, Gain = 0.55f,
            },
            InstrumentFamily.Reed => new Patch
            {
                Osc = OscKind.Square, PulseWidth = program is >= 64 and <= 67 ? 0.35f : 0.5f,
                Attack = 0.02f, Decay = 0.5f, Sustain = 0.85f, Release = 0.08f,
                Filter = true, CutoffBase = 3f, CutoffEnv = 3f, CutoffFollowsAmp = true, FilterK = 1.2f,
                VibratoCents = 10, VibratoRate = 5f, VibratoDelay = 0.3f, Breath = 0.03f, Gain = 0.5f,
            },
            InstrumentFamily.Pipe => new Patch
            {
                Osc = OscKind.Table, Table = Tables.Flute, Attack = 0.04f, Sustain = 1f, Release = 0.1f,
                VibratoCents = 10, VibratoRate = 5f, VibratoDelay = 0.3f, Breath = 0.06f, NoiseAttack = 0.1f, NoiseDecay = 0.03f, Gain = 0.6f,
            },
            InstrumentFamily.SynthLead => new Patch
            {
                Osc = OscKind.SawSquare, SquareMix = 0.4f, Unison = 1, Attack = 0.004f, Decay = 0.5f, Sustain = 0.85f, Release = 0.1f,
                Filter = true, CutoffBase = 6f, CutoffEnv = 10f, CutoffEnvDecay = 0.3f, FilterK = 0.7f,
                VibratoCents = 10, VibratoRate = 6f, VibratoDelay = 0.4f, Gain = 0.4f,
            },
            InstrumentFamily.SynthPad or InstrumentFamily.SynthEffects => new Patch
            {
                Osc = OscKind.Saw, Unison = 2, DetuneCents = 12, Attack = family == InstrumentFamily.SynthPad ? 0.35f : 0.15f,
                Decay = 1f, Sustain = 1f, Release = 0.3f,
                Filter = true, CutoffBase = family == InstrumentFamily.SynthPad ? 2.5f : 5f, FilterK = 1.0f, VelBright = 0.3f, Gain = 0.45f,
            },
            InstrumentFamily.Ethnic => program switch
            {
                108 => Mallet(4f, 1.5f, 0.1f, 0.9f),
                109 or 111 => new Patch { Osc = OscKind.Square, PulseWidth = 0.3f, Attack = 0.02f, Sustain = 1f, Release = 0.08f, Filter = true, CutoffBase = 5f, FilterK = 1f, Gain = 0.45f },
                110 => Strings(0.05f, 4f, 5f),
                _ => Pluck(2.2f, 0.9f),
            },
            InstrumentFamily.Percussive => Mallet(2.4f, 2f, 0.06f, 0.35f),
            _ => new Patch { Osc = OscKind.Noise, Attack = 0.02f, Decay = 1.5f, Sustain = 0.5f, Release = 0.15f, Filter = true, FilterK = 0.15f, Gain = 2.0f },
        };
        p.Family = family;
        return p;
    }
}
