using Cadenza.Engine.Kernels;
using Xunit.Abstractions;

namespace Cadenza.Engine.Tests;

[Collection("Engine")]
public class ModelTests(ITestOutputHelper output)
{
    private static GptConfig Cfg => new(2, 4, 32, 40, 29);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ForwardBackward_MatchesNaiveDouble(bool managedGemm)
    {
        bool saved = Gemm.ForceManaged;
        Gemm.ForceManaged = managedGemm;
        try
        {
            int B = 3, T = 37;
            var model = new GptModel(Cfg, 4, 40) { IgnoreIndex = 0 };
            model.InitializeWeights(11);
            for (int i = 0; i < model.Parameters.Length; i++) model.Parameters[i] *= 5f; // exercise nonlinearities
            var inp = TestData.Tokens(B * T, 29, 1); var tg = TestData.Tokens(B * T, 29, 2);
            tg[0] = 0; tg[10] = 0;
            float loss = model.Forward(inp, tg, B, T);
            model.ZeroGrad();
            model.Backward();
            var reference = new NaiveGpt<double>(Cfg, model.Parameters) { IgnoreIndex = 0 };
            double lossD = reference.Run(inp, tg, B, T, backward: true);
            output.WriteLine($"loss {loss} vs {lossD}");
            Assert.Equal(lossD, loss, 1e-4 * lossD);
            var (rel, at, _) = TestData.Compare(model.Logits, reference.Logits, 1e-3);
            output.WriteLine($"logits max rel diff {rel:E2}");
            Assert.True(rel < 1e-4);
            foreach (var t in model.Layout.Tensors)
            {
                var g = model.Gradients.AsSpan((int)t.Offset, (int)t.Length);
                var gd = reference.Grads.AsSpan((int)t.Offset, (int)t.Length);
                var (r, i, abs) = TestData.Compare(g, gd, 1e-6);
                output.WriteLine($"{t.Name}: max rel diff {r:E2} (abs {abs:E2})");
                Assert.True(r < 1e-3, $"{t.Name}: {r} at {i}");
            }
        }
        finally { Gemm.ForceManaged = saved; }
    }

    [Fact]
    public void InitIsDeterministic_AndGpt2Shaped()
    {
        var a = new GptModel(Cfg, 1, 8); a.InitializeWeights(5);
        var b = new GptModel(Cfg, 1, 8); b.InitializeWeights(5);
        Assert.Equal(a.Parameters, b.Parameters);
        Assert.All(a.Parameter("h.0.ln_1.weight").ToArray(), x => Assert.Equal(1f, x));
        Assert.All(a.Parameter("h.1.attn.c_attn.bias").ToArray(), x => Assert.Equal(0f, x));
        double Std(Span<float> s) { double q = 0; foreach (var x in s) q += x * x; return Math.Sqrt(q / s.Length); }
        Assert.InRange(Std(a.Parameter("h.0.mlp.c_fc.weight")), 0.018, 0.022);
        Assert.InRange(Std(a.Parameter("h.0.mlp.c_proj.weight")), 0.018 / 2, 0.022 / 2); // 0.02 / sqrt(2*2)
    }

    [Fact]
    public void SmallerBatchThanAllocated_GivesSameLogits()
    {
        var m = new GptModel(Cfg, 4, 40); m.InitializeWeights(3);
        var inp = TestData.Tokens(2 * 40, 29, 9);
        m.Forward(inp, 2, 40);
        var full = m.Logits.ToArray();
        m.Forward(inp.AsSpan(40, 40), 1, 20);
        var part = m.Logits.ToArray();
        for (int i = 0; i < part.Length; i++) Assert.Equal(full[40 * 29 + i], part[i], 1e-5f);
    }

    [Fact]
    public void RejectsBadArguments()
    {
        var m = new GptModel(Cfg, 2, 8);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Forward(new int[27], 3, 9));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Forward(new int[8], 1, 9));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Forward(new[] { 1, 2, 29 }, 1, 3));
        Assert.Throws<ArgumentException>(() => m.Forward(new int[3], 1, 4));
        m.Forward(new int[4], 1, 4);
        Assert.Throws<InvalidOperationException>(() => m.Backward());
        Assert.Throws<ArgumentOutOfRangeException>(() => new GptModel(Cfg, 1, 41));
    }

    [Fact]
    public void TrainingOnOneBatch_DrivesLossBelowPointOne()
    {
        var cfg = GptConfig.Tiny(64);
        int B = 4, T = 32;
        var m = new GptModel(cfg, B, T); m.InitializeWeights(1);
        var opt = new AdamW(m.Layout, 1e-3f, weightDecay: 0f);
        var data = TestData.Tokens(B * (T + 1), 64, 5);
        var inp = new int[B * T]; var tg = new int[B * T];
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++) { inp[b * T + t] = data[b * (T + 1) + t]; tg[b * T + t] = data[b * (T + 1) + t + 1]; }
        float first = 0, loss = 0;
        for (int step = 0; step < 300; step++)
        {
            loss = m.Forward(inp, tg, B, T);
            if (step == 0) first = loss;
            m.ZeroGrad();
            m.Backward();
            GradientClipping.ClipGlobalNorm(m.Gradients, 1f);
            opt.Update(m.Parameters, m.Gradients);
            if (loss < 0.05f) break;
        }
        output.WriteLine($"loss {first} -> {loss} after {opt.Step} steps");
        Assert.True(loss < 0.1f, $"loss {loss}");
    }
}
