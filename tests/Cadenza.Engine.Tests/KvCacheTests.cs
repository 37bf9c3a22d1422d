using Cadenza.Engine.Kernels;
using Xunit.Abstractions;

namespace Cadenza.Engine.Tests;

[Collection("Engine")]
public class KvCacheTests(ITestOutputHelper output)
{
    private static GptModel Model(GptConfig cfg, int maxB, int maxT, ulong seed = 3)
    {
        var m = new GptModel(cfg, maxB, maxT);
        m.InitializeWeights(seed);
        for (int i = 0; i < m.Parameters.Length; i++) m.Parameters[i] *= 4f; // sharper attention, bigger activations
        return m;
    }

    private double MaxRel(ReadOnlySpan<float> got, ReadOnlySpan<float> expect)
    {
        var (rel, _, _) = TestData.Compare(got, TestData.ToDouble(expect), 1e-3);
        return rel;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 1)]
    [InlineData(2, 5)]
    [InlineData(5, 20)]  // prefill through the GEMM path
    public void StepLogits_EqualFullForward_AtEveryPosition(int B, int prompt)
    {
        var cfg = new GptConfig(2, 4, 64, 48, 37);
        int T = 40;
        var m = Model(cfg, B, T);
        var seq = TestData.Tokens(B * T, 37, 17);
        m.Forward(seq, B, T);
        var full = m.Logits.ToArray(); // (B, T, V)
        var cache = new KvCache(m, B, T);
        var prompts = new int[B * prompt];
        for (int b = 0; b < B; b++) Array.Copy(seq, b * T, prompts, b * prompt, prompt);
        double worst = 0;
        var logits = cache.Prefill(prompts, B, prompt);
        for (int pos = prompt - 1; pos < T; pos++)
        {
            for (int b = 0; b < B; b++)
                worst = Math.Max(worst, MaxRel(logits.Slice(b * 37, 37), full.AsSpan((b * T + pos) * 37, 37)));
            if (pos + 1 == T) break;
            var next = new int[B];
            for (int b = 0; b < B; b++) next[b] = seq[b * T + pos + 1];
            logits = cache.Step(next);
        }
        output.WriteLine($"B={B} prompt={prompt}: max rel diff vs full forward over {T - prompt + 1} positions: {worst:E2}");
        Assert.True(worst < 1e-4, $"{worst}");
        Assert.Equal(T, cache.Length);
        Assert.Throws<InvalidOperationException>(() => cache.Step(new int[B]));
    }

    [Fact]
    public void ManagedGemmPrefill_AlsoMatches()
    {
        bool saved = Gemm.ForceManaged;
        Gemm.ForceManaged = true;
        try { StepLogits_EqualFullForward_AtEveryPosition(2, 30); }
        finally { Gemm.ForceManaged = saved; }
    }

    [Fact]
    public void ColumnStripKernel_AlsoMatches()
    {
        int saved = KvCache.SmallKernel;
        KvCache.SmallKernel = 1;
        try { StepLogits_EqualFullForward_AtEveryPosition(3, 2); }
        finally { KvCache.SmallKernel = saved; }
    }

    [Fact]
    public void SplitKKernel_AlsoMatches()
    {
        int saved = KvCache.SmallKernel;
        KvCache.SmallKernel = 2;
        try { StepLogits_EqualFullForward_AtEveryPosition(3, 2); }
        finally { KvCache.SmallKernel = saved; }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void SingleThreadDecode_AlsoMatches(int B)
    {
        int saved = KvCache.DecodeThreads;
        KvCache.DecodeThreads = 1;
        try { StepLogits_EqualFullForward_AtEveryPosition(B, 2); }
        finally { KvCache.DecodeThreads = saved; }
    }

    [Fact]
    public void WideKernel_HeadSize64AndWideStrips_Match()
    {
        // C = 256: whole 128-column strips everywhere and the hs == 64 attention path
        var cfg = new GptConfig(1, 4, 256, 24, 41);
        int B = 3, T = 24;
        var m = Model(cfg, B, T);
        var seq = TestData.Tokens(B * T, 41, 5);
        m.Forward(seq, B, T);
        var full = m.Logits.ToArray();
        var cache = new KvCache(m, B, T);
        var prompts = new int[B];
        for (int b = 0; b < B; b++) prompts[b] = seq[b * T];
        var logits = cache.Prefill(prompts, B, 1);
        double worst = 0;
        for (int pos = 0; pos < T; pos++)
        {
            for (int b = 0; b < B; b++)
                worst = Math.Max(worst, MaxRel(logits.Slice(b * 41, 41), full.AsSpan((b * T + pos) * 41, 41)));
            if (pos + 1 == T) break;
            var next = new int[B];
            for (int b = 0; b < B; b++) next[b] = seq[b * T + pos + 1];
            logits = cache.Step(next);
        }
        output.WriteLine($"C=256 B={B}: max rel diff vs full forward: {worst:E2}");
        Assert.True(worst < 1e-4, $"{worst}");
    }

    [Fact]
    public void BatchRowsAreIndependent()
    {
        var cfg = new GptConfig(1, 2, 32, 16, 19);
        var m = Model(cfg, 3, 16);
        var one = new KvCache(m, 1, 16);
        var three = new KvCache(m, 3, 16);
        var l1 = one.Prefill(new[] { 4, 5 }, 1, 2).ToArray();
        var l3 = three.Prefill(new[] { 1, 2, 4, 5, 7, 8 }, 3, 2).ToArray();
        Assert.True(MaxRel(l3.AsSpan(19, 19), l1) < 1e-5);
        l1 = one.Step(new[] { 9 }).ToArray();
        l3 = three.Step(new[] { 3, 9, 11 }).ToArray();
        Assert.True(MaxRel(l3.AsSpan(19, 19), l1) < 1e-5);
    }

    [Fact]
    public void RejectsBadUse()
    {
        var m = Model(new GptConfig(1, 2, 32, 16, 19), 2, 8);
        var c = new KvCache(m, 2, 8);
        Assert.Throws<InvalidOperationException>(() => c.Step(new[] { 1, 2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => c.Prefill(new int[9], 1, 9));
        Assert.Throws<ArgumentOutOfRangeException>(() => c.Prefill(new int[3], 3, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => c.Prefill(new[] { 19 }, 1, 1));
        c.Prefill(new[] { 1, 2 }, 2, 1);
        Assert.Throws<ArgumentException>(() => c.Step(new[] { 1 }));
        Assert.Throws<ArgumentException>(() => new KvCache(new GptConfig(1, 2, 32, 16, 19), new float[10], 1, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KvCache(m, 1, 17));
    }
}
