using Cadenza.Engine.Sampling;

namespace Cadenza.Engine.Tests;

public class SamplingSamplerTests
{
    private static float[] Softmax(float[] logits, float temperature = 1f)
    {
        float max = logits.Max();
        var e = logits.Select(x => Math.Exp((x - max) / temperature)).ToArray();
        double sum = e.Sum();
        return e.Select(x => (float)(x / sum)).ToArray();
    }

    private static double[] Frequencies(Sampler s, float[] logits, int draws)
    {
        var counts = new double[logits.Length];
        for (int i = 0; i < draws; i++) counts[s.Sample(logits)]++;
        return counts.Select(c => c / draws).ToArray();
    }

    private static int ArgMax(float[] x)
    {
        int best = 0;
        for (int i = 1; i < x.Length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    [Fact]
    public void TemperatureZero_IsArgMax()
    {
        var rng = new Random(1);
        var s = new Sampler(100, new SamplerOptions { Temperature = 0, Seed = 9 });
        for (int trial = 0; trial < 200; trial++)
        {
            var logits = Enumerable.Range(0, 100).Select(_ => (float)rng.NextDouble() * 10 - 5).ToArray();
            Assert.Equal(ArgMax(logits), s.Sample(logits));
        }
        Assert.Equal(1, s.Sample([0f, 3f, 3f, 1f, 0f, 0f, 0f, 0f, 0f, 0f, .. new float[90]])); // ties: lowest id
    }

    [Theory]
    [InlineData(1, 1f)]
    [InlineData(0, 1e-6f)]
    [InlineData(1, 1e-6f)]
    public void TopKOneOrTinyTopP_IsArgMax(int topK, float topP)
    {
        var rng = new Random(2);
        var s = new Sampler(50, new SamplerOptions { Temperature = 1.5f, TopK = topK, TopP = topP, Seed = 3 });
        for (int trial = 0; trial < 500; trial++)
        {
            var logits = Enumerable.Range(0, 50).Select(_ => (float)rng.NextDouble() * 2).ToArray();
            Assert.Equal(ArgMax(logits), s.Sample(logits));
        }
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(0.5f)]
    [InlineData(2f)]
    public void EmpiricalFrequencies_MatchSoftmaxWithTemperature(float temperature)
    {
        float[] logits = [1f, 2f, 0.5f, -1f, 3f, float.NegativeInfinity];
        var expected = Softmax(logits, temperature);
        var freq = Frequencies(new Sampler(logits.Length, new SamplerOptions { Temperature = temperature, Seed = 42 }), logits, 200_000);
        for (int i = 0; i < logits.Length; i++)
            Assert.True(Math.Abs(freq[i] - expected[i]) < 0.005, $"token {i}: {freq[i]:F4} vs {expected[i]:F4}");
        Assert.Equal(0, freq[5]);
    }

    [Fact]
    public void TopK_KeepsTheKMostLikely_Renormalized()
    {
        float[] logits = [1f, 2f, 0.5f, -1f, 3f];
        var freq = Frequencies(new Sampler(5, new SamplerOptions { TopK = 2, Seed = 5 }), logits, 100_000);
        double p4 = 1 / (1 + Math.Exp(-1)); // tokens 4 and 1 differ by one logit
        Assert.Equal(0, freq[0] + freq[2] + freq[3]);
        Assert.True(Math.Abs(freq[4] - p4) < 0.006, $"{freq[4]} vs {p4}");
    }

    [Fact]
    public void TopP_KeepsTheSmallestNucleus_Renormalized()
    {
        float[] logits = [MathF.Log(0.3f), MathF.Log(0.05f), MathF.Log(0.5f), MathF.Log(0.15f)];
        var freq = Frequencies(new Sampler(4, new SamplerOptions { TopP = 0.75f, Seed = 6 }), logits, 100_000);
        Assert.Equal(0, freq[1] + freq[3]);
        Assert.True(Math.Abs(freq[2] - 0.625) < 0.006, $"{freq[2]}");
        Assert.True(Math.Abs(freq[0] - 0.375) < 0.006, $"{freq[0]}");
    }

    [Fact]
    public void TopKThenTopP_AppliesBoth()
    {
        float[] logits = [MathF.Log(0.4f), MathF.Log(0.3f), MathF.Log(0.2f), MathF.Log(0.1f)];
        // top-k 3 renormalizes to 4/9, 3/9, 2/9; top-p 0.7 keeps 4/9 + 3/9 = 0.78.
        var freq = Frequencies(new Sampler(4, new SamplerOptions { TopK = 3, TopP = 0.7f, Seed = 7 }), logits, 100_000);
        Assert.Equal(0, freq[2] + freq[3]);
        Assert.True(Math.Abs(freq[0] - 4.0 / 7) < 0.006, $"{freq[0]}");
    }

    [Fact]
    public void SameSeed_SameTokens_DifferentSeed_DifferentTokens()
    {
        var rng = new Random(8);
        var steps = Enumerable.Range(0, 300).Select(_ => Enumerable.Range(0, 40).Select(_ => (float)rng.NextDouble() * 3).ToArray()).ToList();
        int[] Run(ulong seed)
        {
            var s = new Sampler(40, new SamplerOptions { Temperature = 0.9f, TopK = 20, TopP = 0.95f, Seed = seed });
            return steps.Select(l => s.Sample(l)).ToArray();
        }
        Assert.Equal(Run(123), Run(123));
        Assert.NotEqual(Run(123), Run(124));
        Assert.NotEqual(Run(0), Run(1));
    }

    [Fact]
    public void RngState_CanBeSavedAndRestored()
    {
        float[] logits = Enumerable.Range(0, 30).Select(i => (float)Math.Sin(i)).ToArray();
        var s = new Sampler(30, new SamplerOptions { Seed = 77 });
        for (int i = 0; i < 10; i++) s.Sample(logits);
        ulong saved = s.RngState;
        var first = Enumerable.Range(0, 50).Select(_ => s.Sample(logits)).ToArray();

        var other = new Sampler(30, new SamplerOptions { Seed = 1 }) { RngState = saved };
        Assert.Equal(first, Enumerable.Range(0, 50).Select(_ => other.Sample(logits)).ToArray());

        s.Reseed(77);
        var fresh = new Sampler(30, new SamplerOptions { Seed = 77 });
        Assert.Equal(s.RngState, fresh.RngState);
        Assert.Throws<ArgumentException>(() => s.RngState = 0);
    }

    [Fact]
    public void Sample_DoesNotModifyTheCallersLogits()
    {
        float[] logits = [1f, 2f, 3f];
        var s = new Sampler(3, new SamplerOptions { TopK = 2 });
        s.Processors.Add(MaskProcessor.Fixed([true, false, true]));
        s.Sample(logits);
        Assert.Equal([1f, 2f, 3f], logits);
    }

    [Fact]
    public void NoAllocationPerCall_AfterWarmUp()
    {
        const int V = 512;
        var rng = new Random(9);
        var logits = Enumerable.Range(0, V).Select(_ => (float)rng.NextDouble() * 4).ToArray();
        var context = Enumerable.Range(0, 64).Select(i => (i * 37) % V).ToArray();
        foreach (var options in new[]
                 {
                     new SamplerOptions { Temperature = 0 },
                     new SamplerOptions(),
                     new SamplerOptions { TopK = 40 },
                     new SamplerOptions { TopP = 0.9f },
                     new SamplerOptions { Temperature = 0.8f, TopK = 50, TopP = 0.95f },
                 })
        {
            var s = new Sampler(V, options);
            s.Processors.Add(new MaskProcessor(V, static (ctx, allowed) =>
            {
                for (int i = ctx.Length % 2; i < allowed.Length; i += 2) allowed[i] = true;
            }));
            s.Processors.Add(new RepetitionPenaltyProcessor(V, 1.2f, window: 32));
            // Warm up over the same calls as measured, so every code path (and its tiered re-compilation) has run once.
            for (int i = 0; i < 1000; i++) s.Sample(logits, context.AsSpan(0, 1 + i % 60));
            long before = GC.GetAllocatedBytesForCurrentThread();
            int sum = 0;
            for (int i = 0; i < 1000; i++) sum += s.Sample(logits, context.AsSpan(0, 1 + i % 60));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated == 0, $"{options}: {allocated} bytes allocated in 1000 calls");
            Assert.True(sum >= 0);
        }
    }

    [Fact]
    public void AllMasked_ThrowsClearInvalidOperation()
    {
        var s = new Sampler(4, new SamplerOptions());
        s.Processors.Add(new MaskProcessor(4, static (_, _) => { }));
        var e = Assert.Throws<InvalidOperationException>(() => s.Sample([1f, 2f, 3f, 4f]));
        Assert.Contains("every logit is -infinity", e.Message);
        var g = new Sampler(2, new SamplerOptions { Temperature = 0 });
        Assert.Throws<InvalidOperationException>(() => g.Sample([float.NegativeInfinity, float.NegativeInfinity]));
        Assert.Contains("NaN", Assert.Throws<InvalidOperationException>(() => g.Sample([0f, float.NaN])).Message);
    }

    [Fact]
    public void SubnormalTemperature_IsGreedy()
    {
        var s = new Sampler(3, new SamplerOptions { Temperature = float.Epsilon });
        for (int i = 0; i < 100; i++) Assert.Equal(2, s.Sample([1f, 2f, 2.5f]));
    }

    [Fact]
    public void WrongLogitsLength_Throws() =>
        Assert.Throws<ArgumentException>(() => new Sampler(4, new SamplerOptions()).Sample([1f, 2f]));

    [Theory]
    [InlineData(-1f, 0, 1f, "temperature must be a finite number >= 0 (0 = greedy), got -1")]
    [InlineData(float.NaN, 0, 1f, "temperature must be a finite number >= 0")]
    [InlineData(float.PositiveInfinity, 0, 1f, "temperature must be a finite number >= 0")]
    [InlineData(1f, -3, 1f, "top-k must be >= 0 (0 = off), got -3")]
    [InlineData(1f, 0, 1.5f, "top-p must be in (0, 1], got 1.5")]
    [InlineData(1f, 0, 0f, "top-p must be in (0, 1], got 0")]
    [InlineData(1f, 0, -0.2f, "top-p must be in (0, 1], got -0.2")]
    [InlineData(1f, 0, float.NaN, "top-p must be in (0, 1], got NaN")]
    public void InvalidOptions_ThrowWithCliMessages(float temperature, int topK, float topP, string message)
    {
        var options = new SamplerOptions { Temperature = temperature, TopK = topK, TopP = topP };
        Assert.StartsWith(message, Assert.Throws<ArgumentException>(() => new Sampler(10, options)).Message);
        Assert.StartsWith(message, Assert.Throws<ArgumentException>(options.Validate).Message);
    }

    [Fact]
    public void TopKLargerThanVocabulary_IsOff_AndVocabMustBePositive()
    {
        float[] logits = [0f, 1f];
        var a = new Sampler(2, new SamplerOptions { TopK = 10, Seed = 4 });
        var b = new Sampler(2, new SamplerOptions { Seed = 4 });
        for (int i = 0; i < 100; i++) Assert.Equal(b.Sample(logits), a.Sample(logits));
        Assert.Throws<ArgumentException>(() => new Sampler(0, new SamplerOptions()));
    }
}
