using Cadenza.Engine.Sampling;

namespace Cadenza.Engine.Tests;

public class SamplingProcessorTests
{
    [Fact]
    public void MaskProcessor_NeverYieldsAMaskedId()
    {
        const int V = 64;
        var rng = new Random(11);
        // Allowed next: ids congruent to the context length mod 3 (a stand-in for a grammar).
        var mask = new MaskProcessor(V, static (ctx, allowed) =>
        {
            for (int i = ctx.Length % 3; i < allowed.Length; i += 3) allowed[i] = true;
        });
        foreach (var options in new[] { new SamplerOptions { Temperature = 0 }, new SamplerOptions { Temperature = 2f }, new SamplerOptions { TopK = 5, TopP = 0.9f } })
        {
            var s = new Sampler(V, options);
            s.Processors.Add(mask);
            var context = new List<int>();
            for (int step = 0; step < 3000; step++)
            {
                var logits = Enumerable.Range(0, V).Select(_ => (float)rng.NextDouble() * 8).ToArray();
                int id = s.Sample(logits, context.ToArray());
                Assert.Equal(context.Count % 3, id % 3);
                context.Add(id);
                if (context.Count > 10) context.Clear();
            }
        }
    }

    [Fact]
    public void MaskProcessor_Greedy_PicksTheBestAllowed()
    {
        var s = new Sampler(4, new SamplerOptions { Temperature = 0 });
        s.Processors.Add(MaskProcessor.Fixed([true, true, false, false]));
        Assert.Equal(1, s.Sample([0f, 1f, 5f, 9f]));
    }

    [Fact]
    public void MaskProcessor_SetsMinusInfinityAndStartsFromNothingAllowed()
    {
        var p = new MaskProcessor(4, static (ctx, allowed) => allowed[ctx[0]] = true);
        var logits = new float[] { 1f, 2f, 3f, 4f };
        p.Process(logits, [2]);
        Assert.Equal([float.NegativeInfinity, float.NegativeInfinity, 3f, float.NegativeInfinity], logits);
        logits = [1f, 2f, 3f, 4f];
        p.Process(logits, [0]); // the previous step's mask does not leak
        Assert.Equal([1f, float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity], logits);
        Assert.Throws<ArgumentException>(() => p.Process(new float[3], [0]));
    }

    [Fact]
    public void RepetitionPenalty_DividesPositiveMultipliesNegative_OncePerDistinctId()
    {
        var p = new RepetitionPenaltyProcessor(5, 2f);
        var logits = new float[] { 2f, -2f, 1f, 4f, -1f };
        p.Process(logits, [0, 1, 0, 0, 3]);
        Assert.Equal([1f, -4f, 1f, 2f, -1f], logits);
    }

    [Fact]
    public void RepetitionPenalty_WindowCountsOnlyRecentTokens()
    {
        var p = new RepetitionPenaltyProcessor(4, 2f, window: 2);
        var logits = new float[] { 2f, 2f, 2f, 2f };
        p.Process(logits, [0, 1, 2, 3, 99]); // ids outside the vocabulary are ignored
        Assert.Equal([2f, 2f, 2f, 1f], logits);
    }

    [Fact]
    public void RepetitionPenalty_MakesRepeatsRarer()
    {
        float[] logits = [1f, 1f];
        var plain = new Sampler(2, new SamplerOptions { Seed = 1 });
        var penalized = new Sampler(2, new SamplerOptions { Seed = 1 });
        penalized.Processors.Add(new RepetitionPenaltyProcessor(2, 3f));
        int[] context = [0];
        int a = 0, b = 0;
        for (int i = 0; i < 20_000; i++)
        {
            a += plain.Sample(logits, context) == 0 ? 1 : 0;
            b += penalized.Sample(logits, context) == 0 ? 1 : 0;
        }
        Assert.InRange(a / 20_000.0, 0.47, 0.53);
        Assert.True(b / 20_000.0 < 0.4, $"{b}");
    }

    [Theory]
    [InlineData(0, 1.2f, 0, "vocabulary size must be > 0")]
    [InlineData(10, 0f, 0, "repetition penalty must be a finite number > 0 (1 = off), got 0")]
    [InlineData(10, float.NaN, 0, "repetition penalty must be a finite number > 0")]
    [InlineData(10, 1.2f, -1, "repetition window must be >= 0")]
    public void RepetitionPenalty_RejectsBadArguments(int vocab, float penalty, int window, string message) =>
        Assert.StartsWith(message, Assert.Throws<ArgumentException>(() => new RepetitionPenaltyProcessor(vocab, penalty, window)).Message);

    [Fact]
    public void Processors_RunInOrder()
    {
        var s = new Sampler(3, new SamplerOptions { Temperature = 0 });
        s.Processors.Add(new RepetitionPenaltyProcessor(3, 10f));
        s.Processors.Add(MaskProcessor.Fixed([true, true, false]));
        // Token 0 would win, but it was just played; token 2 is masked: token 1.
        Assert.Equal(1, s.Sample([5f, 1f, 9f], [0]));
    }
}
