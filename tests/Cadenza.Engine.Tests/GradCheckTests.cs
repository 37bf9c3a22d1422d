using Cadenza.Engine.Kernels;
using Xunit.Abstractions;

namespace Cadenza.Engine.Tests;

/// <summary>
/// Finite-difference gradient checks in double precision: every naive kernel's backward against
/// central differences of <c>L = Σ w ⊙ forward(x)</c>, and the whole tiny model's backward against
/// central differences of its loss.
/// </summary>
public class GradCheckTests(ITestOutputHelper output)
{
    private const int B = 2, T = 5, C = 8, NH = 2, V = 11;
    private const double H = 1e-6;

    private static double[] R(int n, ulong seed, double scale = 1) => Array.ConvertAll(TestData.Randn(n, seed), x => x * scale);

    private static double Dot(double[] a, double[] b) { double s = 0; for (int i = 0; i < a.Length; i++) s += a[i] * b[i]; return s; }

    /// <summary>Compares analytic[i] with (f(x+h) - f(x-h)) / 2h for every element of x.</summary>
    private void Check(string name, double[] x, double[] analytic, Func<double> f, double tol = 1e-6)
    {
        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double keep = x[i];
            x[i] = keep + H; double fp = f();
            x[i] = keep - H; double fm = f();
            x[i] = keep;
            double fd = (fp - fm) / (2 * H);
            double rel = Math.Abs(fd - analytic[i]) / Math.Max(1e-3, Math.Abs(fd) + Math.Abs(analytic[i]));
            worst = Math.Max(worst, rel);
        }
        output.WriteLine($"{name}: worst relative difference {worst:E2} over {x.Length} elements");
        Assert.True(worst < tol, $"{name}: {worst}");
    }

    [Fact]
    public void Encoder()
    {
        var wte = R(V * C, 1); var wpe = R(T * C, 2); var inp = TestData.Tokens(B * T, V, 3); var w = R(B * T * C, 4);
        double F() { var o = new double[B * T * C]; Naive.EncoderForward<double>(o, inp, wte, wpe, B, T, C); return Dot(o, w); }
        var dwte = new double[V * C]; var dwpe = new double[T * C];
        Naive.EncoderBackward<double>(dwte, dwpe, w, inp, B, T, C);
        Check("encoder wte", wte, dwte, F); Check("encoder wpe", wpe, dwpe, F);
    }

    [Fact]
    public void LayerNorm()
    {
        var x = R(B * T * C, 1); var g = R(C, 2); var b = R(C, 3); var w = R(B * T * C, 4);
        double F() { var o = new double[B * T * C]; Naive.LayerNormForward<double>(o, new double[B * T], new double[B * T], x, g, b, B, T, C); return Dot(o, w); }
        var m = new double[B * T]; var r = new double[B * T];
        Naive.LayerNormForward<double>(new double[B * T * C], m, r, x, g, b, B, T, C);
        var dx = new double[x.Length]; var dg = new double[C]; var db = new double[C];
        Naive.LayerNormBackward<double>(dx, dg, db, w, x, g, m, r, B, T, C);
        Check("layernorm inp", x, dx, F); Check("layernorm weight", g, dg, F); Check("layernorm bias", b, db, F);
    }

    [Fact]
    public void Matmul()
    {
        int OC = 7;
        var x = R(B * T * C, 1); var wt = R(C * OC, 2); var b = R(OC, 3); var w = R(B * T * OC, 4);
        double F() { var o = new double[B * T * OC]; Naive.MatmulForward<double>(o, x, wt, b, B, T, C, OC); return Dot(o, w); }
        var dx = new double[x.Length]; var dwt = new double[wt.Length]; var db = new double[OC];
        Naive.MatmulBackward<double>(dx, dwt, db, w, x, wt, B, T, C, OC);
        Check("matmul inp", x, dx, F); Check("matmul weight", wt, dwt, F); Check("matmul bias", b, db, F);
    }

    [Fact]
    public void Attention()
    {
        var qkv = R(B * T * 3 * C, 1); var w = R(B * T * C, 2);
        double F() { var o = new double[B * T * C]; Naive.AttentionForward<double>(o, new double[B * NH * T * T], qkv, B, T, C, NH); return Dot(o, w); }
        var att = new double[B * NH * T * T];
        Naive.AttentionForward<double>(new double[B * T * C], att, qkv, B, T, C, NH);
        var dqkv = new double[qkv.Length];
        Naive.AttentionBackward<double>(dqkv, w, qkv, att, B, T, C, NH);
        Check("attention qkv", qkv, dqkv, F);
    }

    [Fact]
    public void Gelu()
    {
        int n = 50;
        var x = R(n, 1, 2); var w = R(n, 2);
        double F() { var o = new double[n]; Naive.GeluForward<double>(o, x, n); return Dot(o, w); }
        var dx = new double[n];
        Naive.GeluBackward<double>(dx, x, w, n);
        Check("gelu", x, dx, F);
    }

    [Fact]
    public void Residual()
    {
        int n = 20;
        var a = R(n, 1); var b = R(n, 2); var w = R(n, 3);
        double F() { var o = new double[n]; Naive.ResidualForward<double>(o, a, b, n); return Dot(o, w); }
        var da = new double[n]; var db = new double[n];
        Naive.ResidualBackward<double>(da, db, w, n);
        Check("residual a", a, da, F); Check("residual b", b, db, F);
    }

    [Fact]
    public void CrossEntropyWithIgnoreIndex()
    {
        var logits = R(B * T * V, 1, 2); var tg = TestData.Tokens(B * T, V, 2); tg[3] = -1; tg[7] = -1;
        double F() => Naive.CrossEntropyForward<double>(new double[B * T], logits, tg, B, T, V, -1);
        var d = new double[logits.Length];
        Naive.CrossEntropyBackward<double>(d, logits, tg, B, T, V, -1, 1.0);
        Check("cross-entropy logits", logits, d, F);
    }

    [Fact]
    public void WholeTinyModel()
    {
        var cfg = new GptConfig(2, 2, 8, 6, 13);
        var init = new GptModel(cfg, 1, 1);
        init.InitializeWeights(7);
        // larger weights than GPT-2 init so every path contributes visibly to the loss
        var p0 = Array.ConvertAll(init.Parameters, x => x * 10f);
        var net = new NaiveGpt<double>(cfg, p0);
        int Bm = 2, Tm = 6;
        var inp = TestData.Tokens(Bm * Tm, 13, 1); var tg = TestData.Tokens(Bm * Tm, 13, 2); tg[4] = -1;
        net.Run(inp, tg, Bm, Tm, backward: true);
        var analytic = (double[])net.Grads.Clone();
        double F() => net.Run(inp, tg, Bm, Tm, backward: false);
        // every parameter of every tensor
        Check("tiny GPT (all parameters)", net.Params, analytic, F, 1e-5);
    }
}
