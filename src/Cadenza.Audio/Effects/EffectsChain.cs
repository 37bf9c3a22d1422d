using Cadenza.Audio.Dsp;

namespace Cadenza.Audio.Effects;

/// <summary>Named finishing presets: each sets the synthesizer's reverb/chorus (see <see cref="ScoreRenderer"/>) and the effects chain after it.</summary>
public enum EffectPreset
{
    /// <summary>No effects chain: the synthesizer's output as it comes (its default reverb and chorus), not normalized.</summary>
    None,
    /// <summary>No reverb or chorus; gentle compression; loudness-normalized and limited.</summary>
    Dry,
    /// <summary>A small room's reverb, a slight low and high lift, 2:1 compression; loudness-normalized and limited.</summary>
    Room,
    /// <summary>A large hall's reverb with chorus, a warmer low end, slower gentle compression; loudness-normalized and limited.</summary>
    Hall,
}

/// <summary>What the effects chain does after synthesis. Null parts are skipped.</summary>
public sealed record EffectSettings
{
    /// <summary>Low shelf (frequency Hz, gain dB), or null for none.</summary>
    public (double Frequency, double GainDb)? LowShelf { get; init; }

    /// <summary>High shelf (frequency Hz, gain dB), or null for none.</summary>
    public (double Frequency, double GainDb)? HighShelf { get; init; }

    /// <summary>Compressor settings, or null for none.</summary>
    public CompressorSettings? Compressor { get; init; }

    /// <summary>Integrated loudness (BS.1770, LUFS) to normalize to, or null to leave the level alone. Default −14.</summary>
    public double? TargetLufs { get; init; } = -14;

    /// <summary>Largest normalization gain, in dB (so near-silence is not raised into noise). Default 40.</summary>
    public double MaxGainDb { get; init; } = 40;

    /// <summary>Peak ceiling of the final limiter in dBFS, or null for no limiter. Default −1.</summary>
    public double? CeilingDb { get; init; } = -1;

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Naming the first setting out of range.</exception>
    public void Validate()
    {
        if (TargetLufs is { } t && !(t >= -70 && t <= 0)) throw new ArgumentOutOfRangeException(nameof(TargetLufs), t, "must be -70..0 LUFS");
        if (CeilingDb is { } c && !(c >= -40 && c <= 0)) throw new ArgumentOutOfRangeException(nameof(CeilingDb), c, "must be -40..0 dBFS");
        if (!(MaxGainDb >= 0 && MaxGainDb <= 80)) throw new ArgumentOutOfRangeException(nameof(MaxGainDb), MaxGainDb, "must be 0..80");
        if (LowShelf is { } l && !(Math.Abs(l.GainDb) <= 24)) throw new ArgumentOutOfRangeException(nameof(LowShelf), l.GainDb, "gain must be -24..24 dB");
        if (HighShelf is { } h && !(Math.Abs(h.GainDb) <= 24)) throw new ArgumentOutOfRangeException(nameof(HighShelf), h.GainDb, "gain must be -24..24 dB");
        Compressor?.Validate();
    }
}

/// <summary>What <see cref="EffectsChain.Process"/> did.</summary>
/// <param name="InputLufs">Integrated loudness after EQ and compression, before normalization (−∞ for silence).</param>
/// <param name="GainDb">Normalization gain applied, in dB (0 when not normalizing or silent).</param>
/// <param name="OutputLufs">Integrated loudness of the final audio, measured after the limiter (−∞ for silence).</param>
/// <param name="CompressionDb">Largest gain reduction of the compressor, in dB.</param>
/// <param name="LimiterDb">Largest gain reduction of the limiter, in dB.</param>
/// <param name="PeakDbfs">Final sample peak in dBFS.</param>
public sealed record EffectsReport(double InputLufs, double GainDb, double OutputLufs, double CompressionDb, double LimiterDb, double PeakDbfs);

/// <summary>
/// The finishing chain after synthesis, in order: low shelf and high shelf EQ (RBJ biquads), compressor, loudness
/// normalization to a BS.1770 integrated loudness target, and a look-ahead sample-peak limiter at the ceiling.
/// </summary>
/// <remarks>
/// The limiter runs after normalization: when the normalized audio has peaks above the ceiling, limiting them lowers
/// the loudness a little, so the final reading can come out somewhat under the target (loud targets with a high
/// peak-to-loudness ratio: up to a few LU). <see cref="EffectsReport.OutputLufs"/> is the loudness actually measured at the end.
/// </remarks>
public static class EffectsChain
{
    /// <summary>The chain of a preset with the loudness target <paramref name="targetLufs"/>.</summary>
    /// <param name="preset">The preset.</param>
    /// <param name="targetLufs">Integrated loudness target, LUFS (ignored by <see cref="EffectPreset.None"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">When the preset is unknown.</exception>
    public static EffectSettings For(EffectPreset preset, double targetLufs = -14) => preset switch
    {
        EffectPreset.None => new EffectSettings { TargetLufs = null, CeilingDb = null },
        EffectPreset.Dry => new EffectSettings
        {
            Compressor = new CompressorSettings { ThresholdDb = -24, Ratio = 1.5, AttackMs = 5, ReleaseMs = 120, KneeDb = 6 },
            TargetLufs = targetLufs,
        },
        EffectPreset.Room => new EffectSettings
        {
            LowShelf = (150, 1.5),
            HighShelf = (8000, 1.0),
            Compressor = new CompressorSettings { ThresholdDb = -20, Ratio = 2, AttackMs = 10, ReleaseMs = 150, KneeDb = 6 },
            TargetLufs = targetLufs,
        },
        EffectPreset.Hall => new EffectSettings
        {
            LowShelf = (120, 2.0),
            HighShelf = (9000, -1.0),
            Compressor = new CompressorSettings { ThresholdDb = -22, Ratio = 1.8, AttackMs = 20, ReleaseMs = 250, KneeDb = 8 },
            TargetLufs = targetLufs,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, "unknown preset"),
    };

    /// <summary>Runs the chain over <paramref name="audio"/> in place.</summary>
    /// <param name="audio">The synthesizer's output; changed in place.</param>
    /// <param name="settings">What to do.</param>
    /// <returns>Loudness before and after, gains applied and the final peak.</returns>
    /// <exception cref="ArgumentNullException">When an argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When a setting is out of range.</exception>
    public static EffectsReport Process(AudioBuffer audio, EffectSettings settings)
    {
        ArgumentNullException.ThrowIfNull(audio);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        int sr = audio.SampleRate, ch = audio.Channels;
        var s = audio.Samples;
        var lowShelf = settings.LowShelf is { } low ? Biquad.LowShelf(sr, Math.Min(low.Frequency, 0.45 * sr), low.GainDb) : null;
        var highShelf = settings.HighShelf is { } high ? Biquad.HighShelf(sr, Math.Min(high.Frequency, 0.45 * sr), high.GainDb) : null;
        if (lowShelf != null && highShelf != null) Biquad.ProcessCascade(lowShelf, highShelf, s, ch);
        else (lowShelf ?? highShelf)?.Process(s, ch);
        double comp = settings.Compressor != null ? Compressor.Process(s, ch, sr, settings.Compressor) : 0;
        double input = settings.TargetLufs != null || settings.CeilingDb == null ? Loudness.Integrated(audio) : double.NaN;
        double gainDb = 0;
        if (settings.TargetLufs is { } target && double.IsFinite(input))
        {
            gainDb = Math.Min(settings.MaxGainDb, target - input);
            float g = (float)Math.Pow(10, gainDb / 20);
            for (int i = 0; i < s.Length; i++) s[i] *= g;
        }
        double limiterDb = 0;
        if (settings.CeilingDb is { } ceiling)
        {
            float minGain = Limiter.Process(s, ch, sr, (float)Math.Pow(10, ceiling / 20));
            limiterDb = -20 * Math.Log10(minGain);
        }
        double output = settings.CeilingDb == null && settings.TargetLufs == null ? input : Loudness.Integrated(audio);
        return new EffectsReport(input, gainDb, output, comp, limiterDb, 20 * Math.Log10(Math.Max(audio.Peak(), 1e-10)));
    }
}
