using Cadenza.Audio;
using Cadenza.Audio.Effects;
using Xunit.Abstractions;

namespace Cadenza.Audio.Tests;

public class EffectsTests(ITestOutputHelper log)
{
    private static double RmsDb(ReadOnlySpan<float> s)
    {
        double acc = 0;
        foreach (float v in s) acc += (double)v * v;
        return 10 * Math.Log10(acc / s.Length + 1e-30);
    }

    /// <summary>Gain of a filter at <paramref name="hz"/>, measured by filtering a 1 s sine and comparing RMS over its last half.</summary>
    private static double Measured(Biquad f, int sr, double hz)
    {
        var x = LoudnessTests.Tone(sr, (hz, -20.0, 1));
        var y = (float[])x.Samples.Clone();
        f.Process(y, 2);
        int half = y.Length / 2;
        return RmsDb(y.AsSpan(half)) - RmsDb(x.Samples.AsSpan(half));
    }

    [Theory]
    [InlineData(true, 150, 6.0)]
    [InlineData(true, 150, -4.0)]
    [InlineData(false, 8000, 3.0)]
    [InlineData(false, 8000, -6.0)]
    public void ShelvesHaveTheirGainWhereTheyShouldAndNoneWhereTheyShouldNot(bool low, double f0, double gainDb)
    {
        const int sr = 44100;
        Biquad Make() => low ? Biquad.LowShelf(sr, f0, gainDb) : Biquad.HighShelf(sr, f0, gainDb);
        double inBand = Measured(Make(), sr, low ? 30 : 18000);
        double atCorner = Measured(Make(), sr, f0);
        double outBand = Measured(Make(), sr, low ? 5000 : 200);
        log.WriteLine($"{(low ? "low" : "high")} shelf {f0} Hz {gainDb:+0;-0} dB: {inBand:F2} dB in the shelf, {atCorner:F2} at the corner, {outBand:F2} outside");
        Assert.InRange(inBand, gainDb - 0.3, gainDb + 0.3);
        Assert.InRange(atCorner, gainDb / 2 - 0.3, gainDb / 2 + 0.3);  // RBJ shelves: half the gain (in dB) at f0
        Assert.InRange(outBand, -0.2, 0.2);
        // The measurement agrees with the transfer function.
        Assert.InRange(inBand - Make().GainDb(low ? 30 : 18000, sr), -0.1, 0.1);
    }

    [Fact]
    public void CompressorNarrowsTheDynamicRangeAndLeavesQuietPassagesAlone()
    {
        const int sr = 44100;
        var x = LoudnessTests.Tone(sr, (440, -30.0, 2), (440, -6.0, 2), (440, -30.0, 2));
        var y = (float[])x.Samples.Clone();
        double reduction = Compressor.Process(y, 2, sr, new CompressorSettings { ThresholdDb = -20, Ratio = 4, KneeDb = 0, AttackMs = 5, ReleaseMs = 50 });
        int seg = 2 * sr * 2;
        // Judge each segment by its last second (after attack and release settle).
        double QuietIn = RmsDb(x.Samples.AsSpan(seg / 2, seg / 2)), LoudIn = RmsDb(x.Samples.AsSpan(seg + seg / 2, seg / 2));
        double QuietOut = RmsDb(y.AsSpan(2 * seg + seg / 2, seg / 2)), LoudOut = RmsDb(y.AsSpan(seg + seg / 2, seg / 2));
        log.WriteLine($"range in {LoudIn - QuietIn:F2} dB, out {LoudOut - QuietOut:F2} dB; largest reduction {reduction:F2} dB");
        // Loud part: RMS -9 dB is 11 dB over -20; 4:1 keeps 2.75 of them: 8.25 dB of reduction.
        Assert.InRange(LoudIn - LoudOut, 8.25 - 0.3, 8.25 + 0.3);
        Assert.InRange(QuietOut - QuietIn, -0.05, 0.05);
        Assert.InRange(reduction, 8.0, 8.6);
    }

    [Theory]
    [InlineData(-14.0)]
    [InlineData(-23.0)]
    public void NormalizationHitsTheTargetWhenNoLimitingIsNeeded(double target)
    {
        // A quiet tone with a low peak-to-loudness ratio: normalizing it needs no limiting.
        var a = LoudnessTests.Tone(44100, (440, -40.0, 3), (660, -35.0, 3));
        var r = EffectsChain.Process(a, new EffectSettings { TargetLufs = target });
        log.WriteLine($"target {target}: in {r.InputLufs:F2}, gain {r.GainDb:F2} dB, out {r.OutputLufs:F3} LUFS, limiter {r.LimiterDb:F2} dB, peak {r.PeakDbfs:F2} dBFS");
        Assert.Equal(0, r.LimiterDb);
        Assert.InRange(r.OutputLufs, target - 0.1, target + 0.1);
        Assert.InRange(Loudness.Integrated(a), target - 0.1, target + 0.1); // the report is what the audio measures
    }

    [Fact]
    public void LimiterAfterNormalizationKeepsPeaksUnderTheCeilingAndReportsTheFinalLoudness()
    {
        // Sparse clicks over a quiet bed: the peak-to-loudness ratio is high, so -8 LUFS forces the limiter to act.
        var s = LoudnessTests.Tone(44100, (220, -40.0, 5)).Samples;
        for (int i = 0; i < s.Length; i += 44100) { s[i] = 0.9f; s[i + 1] = -0.9f; }
        var a = new AudioBuffer(44100, 2, s);
        var r = EffectsChain.Process(a, new EffectSettings { TargetLufs = -8 });
        log.WriteLine($"in {r.InputLufs:F2}, gain {r.GainDb:F2} dB, out {r.OutputLufs:F2} LUFS, limiter {r.LimiterDb:F2} dB, peak {r.PeakDbfs:F2} dBFS");
        Assert.True(r.LimiterDb > 1, "the limiter had to act");
        Assert.True(a.Peak() <= (float)Math.Pow(10, -1 / 20.0) + 1e-6f, "peaks stay at or under -1 dBFS");
        Assert.Equal(Loudness.Integrated(a), r.OutputLufs, 6);
        Assert.True(r.OutputLufs <= -8 + 0.1, "limiting can only lower the loudness");
    }

    [Fact]
    public void PresetsDiffer()
    {
        var dry = EffectsChain.For(EffectPreset.Dry, -16);
        Assert.Equal(-16, dry.TargetLufs);
        Assert.Null(dry.LowShelf);
        Assert.NotNull(EffectsChain.For(EffectPreset.Room).LowShelf);
        Assert.Null(EffectsChain.For(EffectPreset.None).TargetLufs);
        Assert.False(ScoreRenderer.FluidSynthOptionsFor(EffectPreset.Dry).Reverb.Active);
        Assert.True(ScoreRenderer.FluidSynthOptionsFor(EffectPreset.Hall).Reverb.RoomSize > ScoreRenderer.FluidSynthOptionsFor(EffectPreset.Room).Reverb.RoomSize);
        Assert.True(ScoreRenderer.FluidSynthOptionsFor(EffectPreset.Hall).Chorus.Active);
        Assert.Equal(0, ScoreRenderer.BuiltInOptionsFor(EffectPreset.Dry).ReverbWet);
    }
}

public class Pcm16ConversionTests
{
    [Fact]
    public void TheBlockConversionEqualsTheOneSampleConversion()
    {
        var rng = new Random(3);
        var src = new float[10_007];
        for (int i = 0; i < src.Length; i++) src[i] = (float)(rng.NextDouble() * 2.6 - 1.3);
        // Edge values: NaN, infinities, the clamp limits, exact halves between PCM steps (round half to even), tiny values.
        float[] edges = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1f, -1f, 1.0001f, -1.0001f,
            0.5f / 32767f, 1.5f / 32767f, 2.5f / 32767f, -0.5f / 32767f, -2.5f / 32767f, 1e-30f, -0f, 0.99999f];
        edges.CopyTo(src, 0);
        edges.CopyTo(src, 5000);
        var fast = new short[src.Length];
        Cadenza.Audio.WavWriter.ToPcm16(src, fast);
        for (int i = 0; i < src.Length; i++)
            Assert.True(fast[i] == Cadenza.Audio.WavWriter.ToPcm16(src[i]), $"sample {i} = {src[i]:R}: {fast[i]} vs {Cadenza.Audio.WavWriter.ToPcm16(src[i])}");
    }
}

public class EffectsSpeedPathTests
{
    private static float[] Noise(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 2 - 1) * (i % 9000 < 4500 ? 0.9f : 0.05f);
        return x;
    }

    [Fact]
    public void TheCascadeEqualsTwoPasses()
    {
        var a = Noise(30_002, 1);
        var b = (float[])a.Clone();
        Cadenza.Audio.Effects.Biquad.LowShelf(44100, 150, 1.5).Process(a, 2);
        Cadenza.Audio.Effects.Biquad.HighShelf(44100, 8000, 1.0).Process(a, 2);
        Cadenza.Audio.Effects.Biquad.ProcessCascade(Cadenza.Audio.Effects.Biquad.LowShelf(44100, 150, 1.5), Cadenza.Audio.Effects.Biquad.HighShelf(44100, 8000, 1.0), b, 2);
        Assert.Equal(a, b);
    }

    [Fact]
    public void TheStereoCompressorEqualsTheGeneralOne()
    {
        // The same stereo signal as 2 channels (fast path) and as 2 of 3 channels with a silent third (general path).
        var st = Noise(40_000, 2);
        var three = new float[st.Length / 2 * 3];
        for (int f = 0; f < st.Length / 2; f++) { three[3 * f] = st[2 * f]; three[3 * f + 1] = st[2 * f + 1]; }
        var s = new Cadenza.Audio.Effects.CompressorSettings { ThresholdDb = -20, Ratio = 2, AttackMs = 10, ReleaseMs = 150, KneeDb = 6 };
        double r2 = Cadenza.Audio.Effects.Compressor.Process(st, 2, 44100, s);
        double r3 = Cadenza.Audio.Effects.Compressor.Process(three, 3, 44100, s);
        Assert.True(r2 > 1, "it compressed");
        Assert.Equal(r3, r2);
        for (int f = 0; f < st.Length / 2; f++)
        {
            Assert.Equal(three[3 * f], st[2 * f]);
            Assert.Equal(three[3 * f + 1], st[2 * f + 1]);
        }
    }
}
