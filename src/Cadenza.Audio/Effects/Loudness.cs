namespace Cadenza.Audio.Effects;

/// <summary>
/// Integrated loudness by ITU-R BS.1770-4 (the measure behind EBU R 128 and streaming targets), in LUFS (= LKFS).
/// </summary>
/// <remarks>
/// Each channel is K-weighted (<see cref="Biquad.KWeightingShelf"/> then <see cref="Biquad.KWeightingHighPass"/>, designed
/// for the buffer's sample rate); mean squares are taken over 400 ms blocks that start every 100 ms (75 % overlap;
/// a block is 4 hops of round(0.1 × rate) frames, and an incomplete last block is dropped); a block's loudness is
/// −0.691 + 10·log10(Σ channels Gᵢ·zᵢ) with weights Gᵢ = 1 (mono, stereo, L/R/C; every channel counts 1.0 here).
/// Blocks below the absolute gate (−70 LUFS) are dropped, then blocks more than 10 LU below the mean of the rest
/// (the relative gate), and the integrated loudness is −0.691 + 10·log10 of the mean of what remains.
/// A 0 dBFS 997 Hz sine (peak 1.0) in one channel reads −3.01 LUFS; the same sine in both channels of a stereo
/// buffer reads 0.0 LUFS, so a stereo sine of peak amplitude A reads 20·log10(A) LUFS.
/// </remarks>
public static class Loudness
{
    /// <summary>The absolute gate of BS.1770-4, in LUFS.</summary>
    public const double AbsoluteGate = -70.0;

    /// <summary>The relative gate of BS.1770-4, in LU below the absolutely-gated mean.</summary>
    public const double RelativeGate = -10.0;

    /// <summary>Integrated loudness of <paramref name="audio"/> in LUFS.</summary>
    /// <param name="audio">Any sample rate and channel count.</param>
    /// <returns>The loudness, or <see cref="double.NegativeInfinity"/> when no block passes the gates (silence, or shorter than 400 ms).</returns>
    /// <exception cref="ArgumentNullException">When <paramref name="audio"/> is null.</exception>
    public static double Integrated(AudioBuffer audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        double[] power = BlockPowers(audio);
        double sum = 0;
        int count = 0;
        double absPower = PowerOf(AbsoluteGate);
        foreach (double p in power) if (p > absPower) { sum += p; count++; }
        if (count == 0) return double.NegativeInfinity;
        double relPower = sum / count * Math.Pow(10, RelativeGate / 10);
        double gateP = Math.Max(absPower, relPower);
        sum = 0; count = 0;
        foreach (double p in power) if (p > gateP) { sum += p; count++; }
        return count == 0 ? double.NegativeInfinity : LufsOf(sum / count);
    }

    /// <summary>Loudness in LUFS of a K-weighted, channel-weighted mean square: −0.691 + 10·log10(<paramref name="power"/>).</summary>
    public static double LufsOf(double power) => power > 0 ? -0.691 + 10 * Math.Log10(power) : double.NegativeInfinity;

    private static double PowerOf(double lufs) => Math.Pow(10, (lufs + 0.691) / 10);

    /// <summary>The K-weighted mean square Σ Gᵢ zᵢ of every complete 400 ms block (hop 100 ms).</summary>
    internal static double[] BlockPowers(AudioBuffer audio)
    {
        int ch = audio.Channels, sr = audio.SampleRate;
        int hop = Math.Max(1, (int)Math.Round(0.1 * sr));
        long frames = audio.FrameCount;
        int hops = (int)(frames / hop);
        var shelf = Biquad.KWeightingShelf(sr);
        var hp = Biquad.KWeightingHighPass(sr);
        var s = audio.Samples;
        // Each channel is filtered on its own (in parallel for long audio: the samples are only read), then the
        // channels' sums are added in channel order, so the result does not depend on the threads.
        var perChannel = new double[ch][];
        void Channel(int c)
        {
            var sums = perChannel[c] = new double[hops];
            double p0 = shelf.B0, p1 = shelf.B1, p2 = shelf.B2, pa1 = shelf.A1, pa2 = shelf.A2;
            double q0 = hp.B0, q1 = hp.B1, q2 = hp.B2, qa1 = hp.A1, qa2 = hp.A2;
            double u1 = 0, u2 = 0, v1 = 0, v2 = 0;
            long i = c;
            for (int h = 0; h < hops; h++)
            {
                double acc = 0;
                for (int f = 0; f < hop; f++, i += ch)
                {
                    double x = s[i];
                    double y = p0 * x + u1;
                    u1 = p1 * x - pa1 * y + u2;
                    u2 = p2 * x - pa2 * y;
                    double z = q0 * y + v1;
                    v1 = q1 * y - qa1 * z + v2;
                    v2 = q2 * y - qa2 * z;
                    acc += z * z;
                }
                sums[h] = acc;
            }
        }
        if (ch > 1 && frames >= 10L * sr) Parallel.For(0, ch, Channel);
        else for (int c = 0; c < ch; c++) Channel(c);
        var hopSum = new double[hops];
        for (int c = 0; c < ch; c++)
            for (int h = 0; h < hops; h++) hopSum[h] += perChannel[c][h];
        int blocks = Math.Max(0, hops - 3);
        var power = new double[blocks];
        for (int b = 0; b < blocks; b++)
            power[b] = (hopSum[b] + hopSum[b + 1] + hopSum[b + 2] + hopSum[b + 3]) / (4.0 * hop);
        return power;
    }
}
