using Cadenza.Audio.Dsp;

namespace Cadenza.Audio.Tests;

public sealed class LimiterTests
{
    [Fact]
    public void OutputNeverExceedsTheCeiling()
    {
        var rng = new Random(5);
        var x = new float[2 * 44100];
        for (int i = 0; i < x.Length; i++) x[i] = (float)((rng.NextDouble() * 2 - 1) * (i % 7000 < 300 ? 8 : 0.5));
        Limiter.Process(x, 2, 44100, 0.8913f);
        Assert.All(x, v => Assert.True(Math.Abs(v) <= 0.8913f));
    }

    [Fact]
    public void QuietSignalIsUntouched()
    {
        var x = new float[2000];
        for (int i = 0; i < x.Length; i++) x[i] = 0.5f * MathF.Sin(i * 0.05f);
        var copy = (float[])x.Clone();
        Assert.Equal(1f, Limiter.Process(x, 2, 44100, 0.8913f));
        Assert.Equal(copy, x);
    }

    [Fact]
    public void GainRampsDownBeforeASpikeInsteadOfJumping()
    {
        var x = new float[4000];
        for (int i = 0; i < x.Length; i++) x[i] = 0.5f;
        x[2000] = 4f;
        Limiter.Process(x, 1, 44100, 0.8913f);
        Assert.True(x[2000] <= 0.8913f);
        Assert.True(x[1990] < 0.5f && x[1990] > x[1999]); // attenuation starts ahead of the spike, gradually
        Assert.True(x[1900] > 0.49f);
    }
}
