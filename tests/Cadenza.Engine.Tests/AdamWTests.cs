namespace Cadenza.Engine.Tests;

public class AdamWTests
{
    private static readonly GptConfig Cfg = new(1, 2, 16, 8, 11);

    [Fact]
    public void DecaysOnlyMatrices()
    {
        var layout = new ParameterLayout(Cfg);
        var p = new float[layout.TotalLength];
        Array.Fill(p, 1f);
        var g = new float[p.Length]; // zero gradients: only weight decay moves parameters
        var opt = new AdamW(layout, learningRate: 0.1f, weightDecay: 0.5f);
        opt.Update(p, g);
        foreach (var t in layout.Tensors)
        {
            float expect = t.IsMatrix ? 1f - 0.1f * 0.5f : 1f;
            Assert.All(p.AsSpan((int)t.Offset, (int)t.Length).ToArray(), v => Assert.Equal(expect, v, 1e-6f));
        }
        Assert.Equal(1, opt.Step);
    }

    [Fact]
    public void FirstStepMovesByLearningRate_TimesSignOfGradient()
    {
        var layout = new ParameterLayout(Cfg);
        var p = new float[layout.TotalLength];
        var g = TestData.Randn(p.Length, 1);
        var opt = new AdamW(layout, learningRate: 0.01f, weightDecay: 0f);
        opt.Update(p, g);
        // bias-corrected m/sqrt(v) = g/|g| on the first step
        for (int i = 0; i < p.Length; i++) Assert.Equal(-0.01f * MathF.Sign(g[i]), p[i], 1e-5f);
    }

    [Fact]
    public void SavedStateResumesExactly()
    {
        var layout = new ParameterLayout(Cfg);
        var p1 = TestData.Randn((int)layout.TotalLength, 1);
        var p2 = (float[])p1.Clone();
        var a = new AdamW(layout, 1e-2f);
        for (int s = 0; s < 3; s++) a.Update(p1, TestData.Randn(p1.Length, (ulong)(10 + s)));
        // "checkpoint": copy m, v, step and the parameters into a fresh optimizer
        var b = new AdamW(layout, 1e-2f);
        a.M.CopyTo(b.M); a.V.CopyTo(b.V); b.Step = a.Step;
        p1.CopyTo(p2, 0);
        for (int s = 3; s < 6; s++)
        {
            var g = TestData.Randn(p1.Length, (ulong)(10 + s));
            a.Update(p1, g);
            b.Update(p2, g);
        }
        Assert.Equal(p1, p2);
        Assert.Throws<ArgumentException>(() => a.Update(new float[3], new float[3]));
    }

    [Fact]
    public void ClippingScalesToMaxNorm_AndReportsTheNormBefore()
    {
        var g = new float[] { 3f, 4f, 0f };
        float norm = GradientClipping.ClipGlobalNorm(g, 1f);
        Assert.Equal(5f, norm, 1e-6f);
        Assert.Equal(1.0, GradientClipping.GlobalNorm(g), 1e-5);
        var small = new float[] { 0.3f, 0.4f };
        GradientClipping.ClipGlobalNorm(small, 1f);
        Assert.Equal(new[] { 0.3f, 0.4f }, small);
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipGlobalNorm(g, 0f));
    }

    [Fact]
    public void ScheduleWarmsUpLinearly_ThenCosineToMin()
    {
        var s = new LearningRateSchedule(1f, 0.1f, 10, 110);
        Assert.Equal(0.1f, s.At(0), 1e-6f);
        Assert.Equal(1f, s.At(9), 1e-6f);
        Assert.Equal(1f, s.At(10), 1e-6f);
        Assert.Equal(0.55f, s.At(60), 1e-5f);
        Assert.Equal(0.1f, s.At(110), 1e-6f);
        Assert.Equal(0.1f, s.At(1000), 1e-6f);
        for (int i = 11; i < 110; i++) Assert.True(s.At(i) <= s.At(i - 1));
    }

    [Fact]
    public void RngStateSaveRestore_ReplaysTheSequence()
    {
        var r = new SplitMix64(99);
        for (int i = 0; i < 5; i++) r.NextUInt64();
        ulong saved = r.State;
        var a = Enumerable.Range(0, 10).Select(_ => r.NextInt(1000)).ToArray();
        var r2 = new SplitMix64(0) { State = saved };
        var b = Enumerable.Range(0, 10).Select(_ => r2.NextInt(1000)).ToArray();
        Assert.Equal(a, b);
        Assert.All(a, x => Assert.InRange(x, 0, 999));
        double mean = Enumerable.Range(0, 20000).Select(_ => r.NextGaussian()).Average();
        Assert.InRange(mean, -0.05, 0.05);
    }
}
