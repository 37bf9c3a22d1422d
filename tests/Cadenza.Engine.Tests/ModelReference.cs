using System.Numerics;
using Cadenza.Engine;
using Cadenza.Engine.Kernels;

namespace Cadenza.Engine.Tests;

/// <summary>The whole GPT written with the naive generic kernels: the twin GptModel is tested against.</summary>
internal sealed class NaiveGpt<T> where T : IFloatingPointIeee754<T>
{
    public readonly GptConfig Config;
    public readonly ParameterLayout Layout;
    public T[] Params;
    public T[] Grads;
    public T[] Logits = [];
    public int IgnoreIndex = -1;

    public NaiveGpt(GptConfig config, ReadOnlySpan<float> init)
    {
        Config = config;
        Layout = new ParameterLayout(config);
        Params = new T[Layout.TotalLength];
        for (int i = 0; i < Params.Length; i++) Params[i] = T.CreateChecked(init[i]);
        Grads = new T[Params.Length];
    }

    private Span<T> P(string n) { var t = Layout[n]; return Params.AsSpan((int)t.Offset, (int)t.Length); }
    private Span<T> G(string n) { var t = Layout[n]; return Grads.AsSpan((int)t.Offset, (int)t.Length); }

    /// <summary>Forward (+ backward into Grads when backward is true); returns the loss.</summary>
    public T Run(int[] inp, int[] tgt, int B, int Tn, bool backward)
    {
        int C = Config.NEmbd, NH = Config.NHead, V = Config.VocabSize, L = Config.NLayer, n = B * Tn;
        T[] New(int len) => new T[len];
        var enc = New(n * C);
        Naive.EncoderForward<T>(enc, inp, P("wte.weight"), P("wpe.weight"), B, Tn, C);
        var res = new T[L + 1][]; res[0] = enc;
        var ln1 = new T[L][]; var m1 = new T[L][]; var r1 = new T[L][]; var qkv = new T[L][]; var atty = new T[L][]; var att = new T[L][];
        var res2 = new T[L][]; var ln2 = new T[L][]; var m2 = new T[L][]; var r2 = new T[L][]; var fch = new T[L][]; var fg = new T[L][];
        for (int l = 0; l < L; l++)
        {
            string p = $"h.{l}.";
            ln1[l] = New(n * C); m1[l] = New(n); r1[l] = New(n);
            Naive.LayerNormForward<T>(ln1[l], m1[l], r1[l], res[l], P(p + "ln_1.weight"), P(p + "ln_1.bias"), B, Tn, C);
            qkv[l] = New(n * 3 * C);
            Naive.MatmulForward<T>(qkv[l], ln1[l], P(p + "attn.c_attn.weight"), P(p + "attn.c_attn.bias"), B, Tn, C, 3 * C);
            atty[l] = New(n * C); att[l] = New(B * NH * Tn * Tn);
            Naive.AttentionForward<T>(atty[l], att[l], qkv[l], B, Tn, C, NH);
            var proj = New(n * C);
            Naive.MatmulForward<T>(proj, atty[l], P(p + "attn.c_proj.weight"), P(p + "attn.c_proj.bias"), B, Tn, C, C);
            res2[l] = New(n * C);
            Naive.ResidualForward<T>(res2[l], res[l], proj, n * C);
            ln2[l] = New(n * C); m2[l] = New(n); r2[l] = New(n);
            Naive.LayerNormForward<T>(ln2[l], m2[l], r2[l], res2[l], P(p + "ln_2.weight"), P(p + "ln_2.bias"), B, Tn, C);
            fch[l] = New(n * 4 * C);
            Naive.MatmulForward<T>(fch[l], ln2[l], P(p + "mlp.c_fc.weight"), P(p + "mlp.c_fc.bias"), B, Tn, C, 4 * C);
            fg[l] = New(n * 4 * C);
            Naive.GeluForward<T>(fg[l], fch[l], n * 4 * C);
            var proj2 = New(n * C);
            Naive.MatmulForward<T>(proj2, fg[l], P(p + "mlp.c_proj.weight"), P(p + "mlp.c_proj.bias"), B, Tn, 4 * C, C);
            res[l + 1] = New(n * C);
            Naive.ResidualForward<T>(res[l + 1], res2[l], proj2, n * C);
        }
        var lnf = New(n * C); var mf = New(n); var rf = New(n);
        Naive.LayerNormForward<T>(lnf, mf, rf, res[L], P("ln_f.weight"), P("ln_f.bias"), B, Tn, C);
        Logits = New(n * V);
        Naive.Gemm<T>(false, true, n, V, C, T.One, lnf, C, P("wte.weight"), C, T.Zero, Logits, V);
        var losses = New(n);
        T loss = Naive.CrossEntropyForward<T>(losses, Logits, tgt, B, Tn, V, IgnoreIndex);
        if (!backward) return loss;

        var dlogits = New(n * V);
        Naive.CrossEntropyBackward<T>(dlogits, Logits, tgt, B, Tn, V, IgnoreIndex, T.One);
        var dlnf = New(n * C);
        Naive.Gemm<T>(false, false, n, C, V, T.One, dlogits, V, P("wte.weight"), C, T.Zero, dlnf, C);
        var dwte = New(V * C);
        Naive.Gemm<T>(true, false, V, C, n, T.One, dlogits, V, lnf, C, T.Zero, dwte, C);
        var gw = G("wte.weight"); for (int i = 0; i < dwte.Length; i++) gw[i] += dwte[i];
        var dres = New(n * C);
        Naive.LayerNormBackward<T>(dres, G("ln_f.weight"), G("ln_f.bias"), dlnf, res[L], P("ln_f.weight"), mf, rf, B, Tn, C);
        for (int l = L - 1; l >= 0; l--)
        {
            string p = $"h.{l}.";
            var dres2 = New(n * C); var dproj2 = New(n * C);
            Naive.ResidualBackward<T>(dres2, dproj2, dres, n * C);
            var dfg = New(n * 4 * C);
            Naive.MatmulBackward<T>(dfg, G(p + "mlp.c_proj.weight"), G(p + "mlp.c_proj.bias"), dproj2, fg[l], P(p + "mlp.c_proj.weight"), B, Tn, 4 * C, C);
            var dfch = New(n * 4 * C);
            Naive.GeluBackward<T>(dfch, fch[l], dfg, n * 4 * C);
            var dln2 = New(n * C);
            Naive.MatmulBackward<T>(dln2, G(p + "mlp.c_fc.weight"), G(p + "mlp.c_fc.bias"), dfch, ln2[l], P(p + "mlp.c_fc.weight"), B, Tn, C, 4 * C);
            Naive.LayerNormBackward<T>(dres2, G(p + "ln_2.weight"), G(p + "ln_2.bias"), dln2, res2[l], P(p + "ln_2.weight"), m2[l], r2[l], B, Tn, C);
            var dres1 = New(n * C); var dproj = New(n * C);
            Naive.ResidualBackward<T>(dres1, dproj, dres2, n * C);
            var datty = New(n * C);
            Naive.MatmulBackward<T>(datty, G(p + "attn.c_proj.weight"), G(p + "attn.c_proj.bias"), dproj, atty[l], P(p + "attn.c_proj.weight"), B, Tn, C, C);
            var dqkv = New(n * 3 * C);
            Naive.AttentionBackward<T>(dqkv, datty, qkv[l], att[l], B, Tn, C, NH);
            var dln1 = New(n * C);
            Naive.MatmulBackward<T>(dln1, G(p + "attn.c_attn.weight"), G(p + "attn.c_attn.bias"), dqkv, ln1[l], P(p + "attn.c_attn.weight"), B, Tn, C, 3 * C);
            Naive.LayerNormBackward<T>(dres1, G(p + "ln_1.weight"), G(p + "ln_1.bias"), dln1, res[l], P(p + "ln_1.weight"), m1[l], r1[l], B, Tn, C);
            dres = dres1;
        }
        Naive.EncoderBackward<T>(G("wte.weight"), G("wpe.weight"), dres, inp, B, Tn, C);
        return loss;
    }
}

internal static class TestData
{
    public static float[] Randn(int n, ulong seed, float std = 1f)
    {
        var rng = new SplitMix64(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextGaussian() * std);
        return a;
    }

    public static int[] Tokens(int n, int V, ulong seed)
    {
        var rng = new SplitMix64(seed);
        var a = new int[n];
        for (int i = 0; i < n; i++) a[i] = rng.NextInt(V);
        return a;
    }

    /// <summary>
    /// Largest |a-b| / (|b| + max(floor, rms(b))) over the arrays, and the index where it occurs:
    /// a relative difference that does not blow up where an element is near zero by cancellation.
    /// </summary>
    public static (double rel, int index, double absMax) Compare(ReadOnlySpan<float> a, ReadOnlySpan<double> b, double floor)
    {
        double worst = 0, absMax = 0; int at = -1;
        double ss = 0;
        foreach (var x in b) ss += x * x;
        floor = Math.Max(floor, Math.Sqrt(ss / Math.Max(1, b.Length)));
        for (int i = 0; i < b.Length; i++)
        {
            double d = Math.Abs(a[i] - b[i]);
            absMax = Math.Max(absMax, d);
            double r = d / (Math.Abs(b[i]) + floor);
            if (double.IsNaN(r) || r > worst) { worst = double.IsNaN(r) ? double.PositiveInfinity : r; at = i; }
        }
        return (worst, at, absMax);
    }

    public static double[] ToDouble(ReadOnlySpan<float> a) { var d = new double[a.Length]; for (int i = 0; i < a.Length; i++) d[i] = a[i]; return d; }
}
