namespace Cadenza.Audio.Effects;

/// <summary>Settings of <see cref="Compressor"/>.</summary>
public sealed record CompressorSettings
{
    /// <summary>Level (dBFS, of the RMS detector; a sine of peak 1.0 reads −3 dB) above which gain is reduced. Default −20.</summary>
    public double ThresholdDb { get; init; } = -20;
    /// <summary>Input dB over the threshold per output dB over it, 1-100 (1 = no compression). Default 2.</summary>
    public double Ratio { get; init; } = 2;
    /// <summary>Time for the gain to fall toward a new, lower value (63 %), in ms. Default 10.</summary>
    public double AttackMs { get; init; } = 10;
    /// <summary>Time for the gain to recover (63 %), in ms. Default 150.</summary>
    public double ReleaseMs { get; init; } = 150;
    /// <summary>Width of the soft knee around the threshold, in dB (0 = hard knee). Default 6.</summary>
    public double KneeDb { get; init; } = 6;
    /// <summary>Averaging time of the RMS detector, in ms. Default 10.</summary>
    public double RmsMs { get; init; } = 10;
    /// <summary>Gain added after compression, in dB. Default 0.</summary>
    public double MakeupDb { get; init; } = 0;

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Naming the first setting out of range.</exception>
    public void Validate()
    {
        if (!(ThresholdDb >= -80 && ThresholdDb <= 0)) throw new ArgumentOutOfRangeException(nameof(ThresholdDb), ThresholdDb, "must be -80..0");
        if (!(Ratio >= 1 && Ratio <= 100)) throw new ArgumentOutOfRangeException(nameof(Ratio), Ratio, "must be 1..100");
        if (!(AttackMs >= 0.01 && AttackMs <= 1000)) throw new ArgumentOutOfRangeException(nameof(AttackMs), AttackMs, "must be 0.01..1000");
        if (!(ReleaseMs >= 1 && ReleaseMs <= 5000)) throw new ArgumentOutOfRangeException(nameof(ReleaseMs), ReleaseMs, "must be 1..5000");
        if (!(KneeDb >= 0 && KneeDb <= 40)) throw new ArgumentOutOfRangeException(nameof(KneeDb), KneeDb, "must be 0..40");
        if (!(RmsMs >= 0.1 && RmsMs <= 1000)) throw new ArgumentOutOfRangeException(nameof(RmsMs), RmsMs, "must be 0.1..1000");
        if (!(MakeupDb >= -40 && MakeupDb <= 40)) throw new ArgumentOutOfRangeException(nameof(MakeupDb), MakeupDb, "must be -40..40");
    }
}

/// <summary>
/// A feed-forward, stereo-linked compressor: an RMS detector (one-pole mean square of the loudest channel's square,
/// time constant <see cref="CompressorSettings.RmsMs"/>) feeds, every 16 frames, a soft-knee gain computer
/// (over the knee: gain = −(level − threshold)·(1 − 1/ratio) dB), whose output is smoothed with separate attack and
/// release times in the dB domain; the gain is ramped linearly across each 16 frames and applied to every channel, with the makeup gain.
/// </summary>
public static class Compressor
{
    /// <summary>Compresses interleaved <paramref name="io"/> in place.</summary>
    /// <param name="io">Interleaved samples.</param>
    /// <param name="channels">Channels per frame, positive.</param>
    /// <param name="sampleRate">Frames per second, positive.</param>
    /// <param name="settings">The compressor's settings.</param>
    /// <returns>The largest gain reduction applied, in dB (0 or positive; the makeup gain not counted).</returns>
    /// <exception cref="ArgumentNullException">When <paramref name="settings"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When a setting, the channel count or the rate is out of range.</exception>
    public static double Process(Span<float> io, int channels, int sampleRate, CompressorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        const int Step = 16; // the gain is computed every 16 frames (0.36 ms at 44.1 kHz) and ramped linearly in between
        double rmsC = Math.Exp(-1.0 / (settings.RmsMs * 1e-3 * sampleRate));
        double att = Math.Exp(-Step / (settings.AttackMs * 1e-3 * sampleRate));
        double rel = Math.Exp(-Step / (settings.ReleaseMs * 1e-3 * sampleRate));
        double thr = settings.ThresholdDb, slope = 1 - 1 / settings.Ratio, knee = settings.KneeDb;
        double makeup = Math.Pow(10, settings.MakeupDb / 20);
        double ms = 0, gDb = 0, maxReduction = 0, gPrev = makeup;
        int frames = io.Length / channels;
        for (int start = 0; start < frames; start += Step)
        {
            int end = Math.Min(frames, start + Step);
            if (channels == 2)
            {
                // Stereo, the common case, without the channel loop (the same arithmetic in the same order).
                var frame = io.Slice(start * 2, (end - start) * 2);
                for (int i = 0; i + 1 < frame.Length; i += 2)
                {
                    double l = frame[i], r = frame[i + 1];
                    l *= l; r *= r;
                    double sq = l > 0 ? l : 0;
                    if (r > sq) sq = r;
                    ms = rmsC * ms + (1 - rmsC) * sq;
                }
            }
            else
            {
                for (int f = start, i = start * channels; f < end; f++, i += channels)
                {
                    double sq = 0;
                    for (int c = 0; c < channels; c++) { double v = io[i + c]; v *= v; if (v > sq) sq = v; }
                    ms = rmsC * ms + (1 - rmsC) * sq;
                }
            }
            double level = 10 * Math.Log10(ms + 1e-20);
            double over = level - thr;
            double target;
            if (knee > 0 && 2 * over > -knee && 2 * over < knee) target = -slope * (over + knee / 2) * (over + knee / 2) / (2 * knee);
            else target = over > 0 ? -slope * over : 0;
            gDb = target < gDb ? att * gDb + (1 - att) * target : rel * gDb + (1 - rel) * target;
            if (-gDb > maxReduction) maxReduction = -gDb;
            double g = Math.Pow(10, gDb / 20) * makeup;
            double dg = (g - gPrev) / (end - start);
            double gg = gPrev;
            if (channels == 2)
            {
                var frame = io.Slice(start * 2, (end - start) * 2);
                for (int i = 0; i + 1 < frame.Length; i += 2)
                {
                    gg += dg;
                    frame[i] = (float)(frame[i] * gg);
                    frame[i + 1] = (float)(frame[i + 1] * gg);
                }
            }
            else
            {
                for (int f = start, i = start * channels; f < end; f++, i += channels)
                {
                    gg += dg;
                    for (int c = 0; c < channels; c++) io[i + c] = (float)(io[i + c] * gg);
                }
            }
            gPrev = g;
        }
        return maxReduction;
    }
}
