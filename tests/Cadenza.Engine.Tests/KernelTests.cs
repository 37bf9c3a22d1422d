using Cadenza.Engine.Kernels;
using Xunit.Abstractions;

namespace Cadenza.Engine.Tests;

/// <summary>Each optimized float kernel against its naive twin run in double precision.</summary>
[Collection("Engine")]
public class KernelTests(ITestOutputHelper output)
{
    private const int B = 2, T = 67, C = 40, NH = 4, V = 37;

    private void Same(ReadOnlySpan<float> got, ReadOnlySpan<double> expect, string what, double tol = 1e-4, double floor = 1e-2)
    {
        var (rel, at, abs) = TestData.Compare(got, expect, floor);
        output.WriteLine($"{what}: max rel diff {rel:E2} at {at} (abs {abs:E2})");
        Assert.True(rel < tol, $"{what}: rel diff {rel} at {at}: {got[at]} vs {expect[at]}");
    }

    [Fact]
    public void Encoder_MatchesNaive()
    {
        var wte = TestData.Randn(V * C, 1); var wpe = TestData.Randn(T * C, 2); var inp = TestData.Tokens(B * T, V, 3);
        var o = new float[B * T * C]; var od = new double[B * T * C];
        Encoder.Forward(o, inp, wte, wpe, B, T, C);
        Naive.EncoderForward<double>(od, inp, TestData.ToDouble(wte), TestData.ToDouble(wpe), B, T, C);
        Same(o, od, "encoder fwd");
        var dout = TestData.Randn(B * T * C, 4);
        var dwte = new float[V * C]; var dwpe = new float[T * C]; var dwted = new double[V * C]; var dwped = new double[T * C];
        Encoder.Backward(dwte, dwpe, dout, inp, B, T, C);
        Naive.EncoderBackward<double>(dwted, dwped, TestData.ToDouble(dout), inp, B, T, C);
        Same(dwte, dwted, "encoder dwte"); Same(dwpe, dwped, "encoder dwpe");
        inp[5] = V;
        Assert.Throws<ArgumentOutOfRangeException>(() => Encoder.Forward(o, inp, wte, wpe, B, T, C));
    }

    [Fact]
    public void LayerNorm_MatchesNaive()
    {
        var x = TestData.Randn(B * T * C, 1, 2f); var w = TestData.Randn(C, 2); var b = TestData.Randn(C, 3);
        for (int i = 0; i < x.Length; i++) x[i] += 0.5f;
        var o = new float[B * T * C]; var m = new float[B * T]; var r = new float[B * T];
        var od = new double[B * T * C]; var md = new double[B * T]; var rd = new double[B * T];
        LayerNorm.Forward(o, m, r, x, w, b, B, T, C);
        Naive.LayerNormForward<double>(od, md, rd, TestData.ToDouble(x), TestData.ToDouble(w), TestData.ToDouble(b), B, T, C);
        Same(o, od, "layernorm fwd"); Same(r, rd, "layernorm rstd");
        var dout = TestData.Randn(B * T * C, 4);
        var dx = TestData.Randn(B * T * C, 5); var dw = TestData.Randn(C, 6); var db = TestData.Randn(C, 7);
        var dxd = TestData.ToDouble(dx); var dwd = TestData.ToDouble(dw); var dbd = TestData.ToDouble(db);
        LayerNorm.Backward(dx, dw, db, dout, x, w, m, r, B, T, C);
        Naive.LayerNormBackward<double>(dxd, dwd, dbd, TestData.ToDouble(dout), TestData.ToDouble(x), TestData.ToDouble(w), md, rd, B, T, C);
        Same(dx, dxd, "layernorm dinp"); Same(dw, dwd, "layernorm dweight"); Same(db, dbd, "layernorm dbias");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Matmul_MatchesNaive(bool managed)
    {
        bool saved = Gemm.ForceManaged;
        Gemm.ForceManaged = managed;
        try
        {
            int OC = 3 * C + 5;
            var x = TestData.Randn(B * T * C, 1); var w = TestData.Randn(C * OC, 2); var bias = TestData.Randn(OC, 3);
            var o = new float[B * T * OC]; var od = new double[B * T * OC];
            Matmul.Forward(o, x, w, bias, B, T, C, OC);
            Naive.MatmulForward<double>(od, TestData.ToDouble(x), TestData.ToDouble(w), TestData.ToDouble(bias), B, T, C, OC);
            Same(o, od, "matmul fwd");
            var dout = TestData.Randn(B * T * OC, 4);
            var dx = TestData.Randn(B * T * C, 5); var dw = TestData.Randn(C * OC, 6); var db = TestData.Randn(OC, 7);
            var dxd = TestData.ToDouble(dx); var dwd = TestData.ToDouble(dw); var dbd = TestData.ToDouble(db);
            Matmul.Backward(dx, dw, db, dout, x, w, B, T, C, OC);
            Naive.MatmulBackward<double>(dxd, dwd, dbd, TestData.ToDouble(dout), TestData.ToDouble(x), TestData.ToDouble(w), B, T, C, OC);
            Same(dx, dxd, "matmul dinp"); Same(dw, dwd, "matmul dweight"); Same(db, dbd, "matmul dbias");
        }
        finally { Gemm.ForceManaged = saved; }
    }

    [Theory]
    [InlineData(67)]
    [InlineData(150)]
    public void Attention_MatchesNaive(int Tn)
    {
        var qkv = TestData.Randn(B * Tn * 3 * C, 1);
        var o = new float[B * Tn * C]; var att = new float[B * NH * Tn * Tn];
        var od = new double[B * Tn * C]; var attd = new double[B * NH * Tn * Tn];
        Attention.Forward(o, att, qkv, B, Tn, C, NH);
        Naive.AttentionForward<double>(od, attd, TestData.ToDouble(qkv), B, Tn, C, NH);
        Same(o, od, "attention fwd"); Same(att, attd, "attention weights");
        var dout = TestData.Randn(B * Tn * C, 2);
        var dqkv = TestData.Randn(B * Tn * 3 * C, 3); var dqkvd = TestData.ToDouble(dqkv);
        var scratch = new float[Attention.ScratchLength(Tn)];
        Attention.Backward(dqkv, scratch, dout, qkv, att, B, Tn, C, NH);
        Naive.AttentionBackward<double>(dqkvd, TestData.ToDouble(dout), TestData.ToDouble(qkv), attd, B, Tn, C, NH);
        Same(dqkv, dqkvd, "attention dqkv");
    }

    [Fact]
    public void Gelu_MatchesNaive()
    {
        int n = 10007;
        var x = TestData.Randn(n, 1, 3f); var o = new float[n]; var od = new double[n];
        Gelu.Forward(o, x, n);
        Naive.GeluForward<double>(od, TestData.ToDouble(x), n);
        Same(o, od, "gelu fwd", 1e-4, 1e-3);
        var dout = TestData.Randn(n, 2); var dx = TestData.Randn(n, 3); var dxd = TestData.ToDouble(dx);
        Gelu.Backward(dx, x, dout, n);
        Naive.GeluBackward<double>(dxd, TestData.ToDouble(x), TestData.ToDouble(dout), n);
        Same(dx, dxd, "gelu dinp", 1e-4, 1e-3);
    }

    [Fact]
    public void Residual_MatchesNaive()
    {
        int n = 1001;
        var a = TestData.Randn(n, 1); var b = TestData.Randn(n, 2); var o = new float[n]; var od = new double[n];
        Residual.Forward(o, a, b, n);
        Naive.ResidualForward<double>(od, TestData.ToDouble(a), TestData.ToDouble(b), n);
        Same(o, od, "residual fwd");
        var d = TestData.Randn(n, 3); var da = TestData.Randn(n, 4); var db = TestData.Randn(n, 5);
        var dad = TestData.ToDouble(da); var dbd = TestData.ToDouble(db);
        Residual.Backward(da, db, d, n);
        Naive.ResidualBackward<double>(dad, dbd, TestData.ToDouble(d), n);
        Same(da, dad, "residual da"); Same(db, dbd, "residual db");
    }

    [Fact]
    public void CrossEntropy_MatchesNaive_WithIgnoreIndex()
    {
        var logits = TestData.Randn(B * T * V, 1, 3f);
        var tg = TestData.Tokens(B * T, V, 2);
        for (int i = 0; i < tg.Length; i += 5) tg[i] = 0; // 0 = padding id, ignored
        var l = new float[B * T]; var ld = new double[B * T];
        float loss = CrossEntropy.Forward(l, logits, tg, B, T, V, 0);
        double lossd = Naive.CrossEntropyForward<double>(ld, TestData.ToDouble(logits), tg, B, T, V, 0);
        output.WriteLine($"loss {loss} vs {lossd}");
        Assert.Equal(lossd, loss, 1e-4 * lossd);
        Same(l, ld, "ce losses");
        var d = TestData.Randn(B * T * V, 3); var dd = TestData.ToDouble(d);
        CrossEntropy.Backward(d, logits, tg, B, T, V, 0);
        Naive.CrossEntropyBackward<double>(dd, TestData.ToDouble(logits), tg, B, T, V, 0, 1.0);
        Same(d, dd, "ce dlogits");
        tg[1] = V;
        Assert.Throws<ArgumentOutOfRangeException>(() => CrossEntropy.Forward(l, logits, tg, B, T, V, 0));
    }

    [Fact]
    public void CrossEntropy_AllIgnored_IsZero()
    {
        var logits = TestData.Randn(2 * V, 1);
        var l = new float[2];
        Assert.Equal(0f, CrossEntropy.Forward(l, logits, new[] { -1, -1 }, 1, 2, V, -1));
    }
}
