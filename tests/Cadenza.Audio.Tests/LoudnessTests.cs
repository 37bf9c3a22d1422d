using Cadenza.Audio;
using Cadenza.Audio.Effects;
using Xunit.Abstractions;

namespace Cadenza.Audio.Tests;

/// <summary>
/// The BS.1770-4 meter against signals whose loudness follows from the standard: a sine of peak A on one channel
/// reads 20·log10(A) − 3.01 LUFS (the −0.691 offset cancels the K-weighting's +0.691 dB at 997 Hz, and a sine's mean
/// square is A²/2), on both channels of a stereo buffer 20·log10(A); plus the EBU Tech 3341 gating cases.
/// </summary>
public class LoudnessTests(ITestOutputHelper log)
{
    /// <summary>Segments of stereo sine (frequency, dBFS peak amplitude, seconds), both channels alike; amplitude null = silence.</summary>
    public static AudioBuffer Tone(int sr, params (double Hz, double? Dbfs, double Seconds)[] parts)
    {
        var s = new List<float>();
        foreach (var (hz, db, secs) in parts)
        {
            int n = (int)Math.Round(secs * sr);
            double a = db is { } d ? Math.Pow(10, d / 20) : 0;
            for (int i = 0; i < n; i++)
            {
                float v = (float)(a * Math.Sin(2 * Math.PI * hz * i / sr));
                s.Add(v); s.Add(v);
            }
        }
        return new AudioBuffer(sr, 2, s.ToArray());
    }

    private static AudioBuffer LeftOnly(AudioBuffer stereo)
    {
        var s = (float[])stereo.Samples.Clone();
        for (int i = 1; i < s.Length; i += 2) s[i] = 0;
        return new AudioBuffer(stereo.SampleRate, 2, s);
    }

    [Theory]
    [InlineData(48000, 997, -20.0)]
    [InlineData(44100, 997, -20.0)]
    [InlineData(48000, 1000, -23.0)]
    [InlineData(44100, 1000, -23.0)]
    [InlineData(44100, 1000, -33.0)]
    [InlineData(96000, 997, 0.0)]
    public void StereoSineReadsItsPeakLevel(int sr, double hz, double dbfs)
    {
        double lufs = Loudness.Integrated(Tone(sr, (hz, dbfs, 20)));
        log.WriteLine($"{hz} Hz at {dbfs} dBFS, stereo, {sr} Hz: {lufs:F3} LUFS (expected {dbfs:F3})");
        Assert.InRange(lufs, dbfs - 0.1, dbfs + 0.1);
        Assert.InRange(lufs, dbfs - 0.02, dbfs + 0.02); // what the implementation achieves
    }

    [Theory]
    [InlineData(48000)]
    [InlineData(44100)]
    public void ZeroDbfsSineOnOneChannelReadsMinus3Point01(int sr)
    {
        double lufs = Loudness.Integrated(LeftOnly(Tone(sr, (997, 0.0, 10))));
        log.WriteLine($"997 Hz 0 dBFS, left channel only, {sr} Hz: {lufs:F3} LUFS (BS.1770: -3.01)");
        Assert.InRange(lufs, -3.01 - 0.1, -3.01 + 0.1);
        Assert.InRange(lufs, -3.01 - 0.02, -3.01 + 0.02);
        var mono = new AudioBuffer(sr, 1, Tone(sr, (997, 0.0, 10)).Samples.Where((_, i) => i % 2 == 0).ToArray());
        Assert.Equal(lufs, Loudness.Integrated(mono), 3);
    }

    [Fact]
    public void KWeightingAt48kHzHasTheStandardsCoefficients()
    {
        // ITU-R BS.1770-4, Tables 1 and 2 (48 kHz).
        var shelf = Biquad.KWeightingShelf(48000);
        Assert.Equal(1.53512485958697, shelf.B0, 1e-6);
        Assert.Equal(-2.69169618940638, shelf.B1, 1e-6);
        Assert.Equal(1.19839281085285, shelf.B2, 1e-6);
        Assert.Equal(-1.69065929318241, shelf.A1, 1e-6);
        Assert.Equal(0.73248077421585, shelf.A2, 1e-6);
        var hp = Biquad.KWeightingHighPass(48000);
        Assert.Equal((1.0, -2.0, 1.0), (hp.B0, hp.B1, hp.B2));
        Assert.Equal(-1.99004745483398, hp.A1, 1e-6);
        Assert.Equal(0.99007225036621, hp.A2, 1e-6);
    }

    [Theory]
    [InlineData(48000)]
    [InlineData(44100)]
    public void KWeightingResponse(int sr)
    {
        double Gain(double f) => Biquad.KWeightingShelf(sr).GainDb(f, sr) + Biquad.KWeightingHighPass(sr).GainDb(f, sr);
        log.WriteLine($"{sr} Hz: K-weighting {Gain(20):F2} dB at 20 Hz, {Gain(100):F2} at 100 Hz, {Gain(997):F3} at 997 Hz, {Gain(10000):F2} at 10 kHz");
        Assert.InRange(Gain(997), 0.64, 0.74);     // the +0.691 dB that the -0.691 offset cancels
        Assert.InRange(Gain(10000), 3.8, 4.1);     // the +4 dB head shelf
        Assert.InRange(Gain(20), -16, -12);        // the RLB high-pass
        // The measured reading of a 100 Hz and a 10 kHz sine follows the filter's gain.
        double low = Loudness.Integrated(Tone(sr, (100, -20.0, 5))), high = Loudness.Integrated(Tone(sr, (10000, -20.0, 5)));
        Assert.InRange(low, -20 + Gain(100) - 0.691 - 0.05, -20 + Gain(100) - 0.691 + 0.05);
        Assert.InRange(high, -20 + Gain(10000) - 0.691 - 0.05, -20 + Gain(10000) - 0.691 + 0.05);
    }

    [Fact]
    public void SilenceReadsMinusInfinityAndSilentStretchesAreGatedOut()
    {
        Assert.Equal(double.NegativeInfinity, Loudness.Integrated(Tone(44100, (1000, null, 5))));
        Assert.Equal(double.NegativeInfinity, Loudness.Integrated(Tone(44100, (1000, -20.0, 0.3)))); // shorter than one block
        // 10 s of silence, 20 s of tone, 10 s of silence: the absolute gate drops the silent blocks.
        double lufs = Loudness.Integrated(Tone(44100, (1000, null, 10), (1000, -23.0, 20), (1000, null, 10)));
        log.WriteLine($"silence + -23 dBFS tone + silence: {lufs:F3} LUFS");
        Assert.InRange(lufs, -23.1, -22.9);
        // Below the absolute gate (-70 LUFS) everything is dropped.
        Assert.Equal(double.NegativeInfinity, Loudness.Integrated(Tone(44100, (1000, -75.0, 5))));
    }

    [Fact]
    public void RelativeGateFollowsEbuTech3341()
    {
        // Tech 3341 test 3: -36 dBFS 10 s, -23 dBFS 60 s, -36 dBFS 10 s -> -23.0 LUFS (the quiet parts are > 10 LU down).
        double t3 = Loudness.Integrated(Tone(48000, (1000, -36.0, 10), (1000, -23.0, 60), (1000, -36.0, 10)));
        // Test 4: -72, -36, -23, -36, -72 dBFS (10, 10, 60, 10, 10 s) -> -23.0.
        double t4 = Loudness.Integrated(Tone(48000, (1000, -72.0, 10), (1000, -36.0, 10), (1000, -23.0, 60), (1000, -36.0, 10), (1000, -72.0, 10)));
        // Test 5: -26, -20, -26 dBFS (20, 20.1, 20 s) -> -23.0 (everything passes the gate: a plain mean).
        double t5 = Loudness.Integrated(Tone(48000, (1000, -26.0, 20), (1000, -20.0, 20.1), (1000, -26.0, 20)));
        // Without the relative gate test 3 would read 10*log10 of the mean power, about -24.2.
        log.WriteLine($"Tech 3341 case 3: {t3:F3}, case 4: {t4:F3}, case 5: {t5:F3} LUFS (each -23.0 ± 0.1)");
        Assert.InRange(t3, -23.1, -22.9);
        Assert.InRange(t4, -23.1, -22.9);
        Assert.InRange(t5, -23.1, -22.9);
    }
}
