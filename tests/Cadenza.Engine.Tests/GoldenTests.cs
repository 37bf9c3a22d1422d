using System.Text.Json;
using Cadenza.Engine.Kernels;
using Xunit.Abstractions;

namespace Cadenza.Engine.Tests;

/// <summary>
/// The engine against PyTorch (float64) reference tensors from tools/torch_reference/make_golden.py:
/// logits, loss, every parameter gradient, and 10 AdamW steps with warm-up/cosine and clipping.
/// Relative differences are measured against max(|reference|, rms of the tensor).
/// </summary>
[Collection("Engine")]
public class GoldenTests(ITestOutputHelper output)
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "Golden");

    private sealed record Golden(GptConfig Config, int B, int T, int Ignore, int[] Inputs, int[] Targets, double Loss,
        float[] Params, float[] Logits, float[] Grads, JsonElement Adam);

    private static Golden Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "golden.json")));
        var r = doc.RootElement;
        var c = r.GetProperty("config");
        var cfg = new GptConfig(c.GetProperty("n_layer").GetInt32(), c.GetProperty("n_head").GetInt32(), c.GetProperty("n_embd").GetInt32(),
            c.GetProperty("block_size").GetInt32(), c.GetProperty("vocab_size").GetInt32());
        var layout = new ParameterLayout(cfg);
        foreach (var t in r.GetProperty("tensors").EnumerateArray())
        {
            var mine = layout[t.GetProperty("name").GetString()!];
            Assert.Equal(mine.Offset, t.GetProperty("offset").GetInt64());
            Assert.Equal(mine.Shape, t.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        }
        Assert.Equal(layout.TotalLength, r.GetProperty("total").GetInt64());
        static float[] Bin(string f) { var b = File.ReadAllBytes(Path.Combine(Dir, f)); var a = new float[b.Length / 4]; Buffer.BlockCopy(b, 0, a, 0, b.Length); return a; }
        int[] Ints(string p) => r.GetProperty(p).EnumerateArray().Select(e => e.GetInt32()).ToArray();
        return new Golden(cfg, r.GetProperty("batch").GetInt32(), r.GetProperty("seq").GetInt32(), r.GetProperty("ignore_index").GetInt32(),
            Ints("inputs"), Ints("targets"), r.GetProperty("loss").GetDouble(), Bin("params.bin"), Bin("logits.bin"), Bin("grads.bin"),
            r.GetProperty("adamw").Clone());
    }

    private GptModel Model(Golden g)
    {
        var m = new GptModel(g.Config, g.B, g.T) { IgnoreIndex = g.Ignore };
        g.Params.CopyTo(m.Parameters, 0);
        return m;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LogitsLossAndGradients_MatchPyTorch(bool managedGemm)
    {
        bool saved = Gemm.ForceManaged;
        Gemm.ForceManaged = managedGemm;
        try
        {
            var g = Load();
            var m = Model(g);
            float loss = m.Forward(g.Inputs, g.Targets, g.B, g.T);
            m.ZeroGrad();
            m.Backward();
            double lossRel = Math.Abs(loss - g.Loss) / g.Loss;
            output.WriteLine($"gemm {Gemm.Active}; loss {loss} vs torch {g.Loss}: rel {lossRel:E2}");
            Assert.True(lossRel < 1e-4);
            var (rel, at, abs) = TestData.Compare(m.Logits, TestData.ToDouble(g.Logits), 0);
            output.WriteLine($"logits: max rel diff {rel:E2} at {at} (abs {abs:E2})");
            Assert.True(rel < 1e-4);
            double worst = 0; string worstName = "";
            foreach (var t in m.Layout.Tensors)
            {
                var mine = m.Gradients.AsSpan((int)t.Offset, (int)t.Length);
                var theirs = TestData.ToDouble(g.Grads.AsSpan((int)t.Offset, (int)t.Length));
                var (r, i, a) = TestData.Compare(mine, theirs, 0);
                output.WriteLine($"grad {t.Name}: max rel diff {r:E2} at {i} (abs {a:E2})");
                if (r > worst) { worst = r; worstName = t.Name; }
            }
            output.WriteLine($"largest gradient difference: {worst:E2} in {worstName}");
            Assert.True(worst < 1e-4, $"{worstName}: {worst}");
        }
        finally { Gemm.ForceManaged = saved; }
    }

    [Fact]
    public void TenAdamWSteps_MatchPyTorchLosses()
    {
        var g = Load();
        var a = g.Adam;
        var m = Model(g);
        var opt = new AdamW(m.Layout, beta1: a.GetProperty("beta1").GetSingle(), beta2: a.GetProperty("beta2").GetSingle(),
            eps: a.GetProperty("eps").GetSingle(), weightDecay: a.GetProperty("wd").GetSingle());
        var sched = new LearningRateSchedule(a.GetProperty("max_lr").GetSingle(), a.GetProperty("min_lr").GetSingle(),
            a.GetProperty("warmup").GetInt32(), a.GetProperty("total").GetInt32());
        var losses = a.GetProperty("losses").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var norms = a.GetProperty("grad_norms").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var lrs = a.GetProperty("lrs").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        float clip = a.GetProperty("clip").GetSingle();
        double worst = 0;
        for (int step = 0; step < losses.Length; step++)
        {
            float lr = sched.At(step);
            Assert.Equal(lrs[step], lr, 1e-6 * lrs[step]);
            float loss = m.Forward(g.Inputs, g.Targets, g.B, g.T);
            m.ZeroGrad();
            m.Backward();
            float norm = GradientClipping.ClipGlobalNorm(m.Gradients, clip);
            opt.Update(m.Parameters, m.Gradients, lr);
            double rel = Math.Abs(loss - losses[step]) / losses[step];
            double nrel = Math.Abs(norm - norms[step]) / norms[step];
            worst = Math.Max(worst, rel);
            output.WriteLine($"step {step}: lr {lr:G5} loss {loss:F6} vs {losses[step]:F6} (rel {rel:E2}), grad norm {norm:F5} vs {norms[step]:F5} (rel {nrel:E2})");
            Assert.True(nrel < 1e-4, $"grad norm at step {step}");
        }
        output.WriteLine($"largest loss difference over {losses.Length} steps: {worst:E2}");
        Assert.True(worst < 1e-4);
        Assert.Equal(losses.Length, opt.Step);
    }
}
