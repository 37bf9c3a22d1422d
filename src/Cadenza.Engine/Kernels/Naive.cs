// Legend: B = batch size, T = sequence length, C = channels, OC = output channels, NH = heads,
// hs = head size (C / NH), V = vocabulary size.
// Straightforward loops, generic over the number type so tests can run them in double precision
// (finite-difference gradient checks) and compare the optimized float kernels against them.
using System.Numerics;

namespace Cadenza.Engine.Kernels;

/// <summary>
/// Naive reference twins of every optimized kernel (<see cref="Encoder"/>, <see cref="LayerNorm"/>,
/// <see cref="Matmul"/>, <see cref="Attention"/>, <see cref="Gelu"/>, <see cref="Residual"/>,
/// <see cref="CrossEntropy"/>, <see cref="Gemm"/>), written as plain loops over any IEEE floating
/// type. Same argument order and semantics (outputs overwritten, gradients accumulated); no checks.
/// </summary>
public static class Naive
{
    /// <summary>Reference of <see cref="Gemm.Sgemm"/>: C = alpha op(A) op(B) + beta C (C not read when beta is 0).</summary>
    public static void Gemm<T>(bool transA, bool transB, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda,
        ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                T s = T.Zero;
                for (int p = 0; p < k; p++)
                    s += (transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
                c[i * ldc + j] = beta == T.Zero ? alpha * s : alpha * s + beta * c[i * ldc + j];
            }
    }

    /// <summary>Reference of <see cref="Encoder.Forward"/>.</summary>
    public static void EncoderForward<T>(Span<T> output, ReadOnlySpan<int> inp, ReadOnlySpan<T> wte, ReadOnlySpan<T> wpe, int B, int Tn, int C)
        where T : IFloatingPointIeee754<T>
    {
        for (int b = 0; b < B; b++)
            for (int t = 0; t < Tn; t++)
                for (int c = 0; c < C; c++)
                    output[(b * Tn + t) * C + c] = wte[inp[b * Tn + t] * C + c] + wpe[t * C + c];
    }

    /// <summary>Reference of <see cref="Encoder.Backward"/>.</summary>
    public static void EncoderBackward<T>(Span<T> dwte, Span<T> dwpe, ReadOnlySpan<T> dout, ReadOnlySpan<int> inp, int B, int Tn, int C)
        where T : IFloatingPointIeee754<T>
    {
        for (int b = 0; b < B; b++)
            for (int t = 0; t < Tn; t++)
                for (int c = 0; c < C; c++)
                {
                    T d = dout[(b * Tn + t) * C + c];
                    dwte[inp[b * Tn + t] * C + c] += d;
                    dwpe[t * C + c] += d;
                }
    }

    /// <summary>Reference of <see cref="LayerNorm.Forward"/> (eps 1e-5, biased variance).</summary>
    public static void LayerNormForward<T>(Span<T> output, Span<T> mean, Span<T> rstd, ReadOnlySpan<T> inp, ReadOnlySpan<T> weight,
        ReadOnlySpan<T> bias, int B, int Tn, int C) where T : IFloatingPointIeee754<T>
    {
        T eps = T.CreateChecked(1e-5);
        T n = T.CreateChecked(C);
        for (int r = 0; r < B * Tn; r++)
        {
            T m = T.Zero;
            for (int c = 0; c < C; c++) m += inp[r * C + c];
            m /= n;
            T v = T.Zero;
            for (int c = 0; c < C; c++) { T d = inp[r * C + c] - m; v += d * d; }
            v /= n;
            T s = T.One / T.Sqrt(v + eps);
            for (int c = 0; c < C; c++) output[r * C + c] = (inp[r * C + c] - m) * s * weight[c] + bias[c];
            mean[r] = m;
            rstd[r] = s;
        }
    }

    /// <summary>Reference of <see cref="LayerNorm.Backward"/>.</summary>
    public static void LayerNormBackward<T>(Span<T> dinp, Span<T> dweight, Span<T> dbias, ReadOnlySpan<T> dout, ReadOnlySpan<T> inp,
        ReadOnlySpan<T> weight, ReadOnlySpan<T> mean, ReadOnlySpan<T> rstd, int B, int Tn, int C) where T : IFloatingPointIeee754<T>
    {
        T n = T.CreateChecked(C);
        for (int r = 0; r < B * Tn; r++)
        {
            T m = mean[r], s = rstd[r];
            T dnMean = T.Zero, dnNorm = T.Zero;
            for (int c = 0; c < C; c++)
            {
                T norm = (inp[r * C + c] - m) * s;
                T dn = weight[c] * dout[r * C + c];
                dnMean += dn;
                dnNorm += dn * norm;
            }
            dnMean /= n;
            dnNorm /= n;
            for (int c = 0; c < C; c++)
            {
                T norm = (inp[r * C + c] - m) * s;
                T dn = weight[c] * dout[r * C + c];
                dbias[c] += dout[r * C + c];
                dweight[c] += norm * dout[r * C + c];
                dinp[r * C + c] += (dn - dnMean - norm * dnNorm) * s;
            }
        }
    }

    /// <summary>Reference of <see cref="Matmul.Forward"/> (empty bias = none).</summary>
    public static void MatmulForward<T>(Span<T> output, ReadOnlySpan<T> inp, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, int B, int Tn, int C, int OC)
        where T : IFloatingPointIeee754<T>
    {
        for (int r = 0; r < B * Tn; r++)
            for (int o = 0; o < OC; o++)
            {
                T s = bias.IsEmpty ? T.Zero : bias[o];
                for (int c = 0; c < C; c++) s += inp[r * C + c] * weight[c * OC + o];
                output[r * OC + o] = s;
            }
    }

    /// <summary>Reference of <see cref="Matmul.Backward"/> (empty spans are skipped).</summary>
    public static void MatmulBackward<T>(Span<T> dinp, Span<T> dweight, Span<T> dbias, ReadOnlySpan<T> dout, ReadOnlySpan<T> inp,
        ReadOnlySpan<T> weight, int B, int Tn, int C, int OC) where T : IFloatingPointIeee754<T>
    {
        for (int r = 0; r < B * Tn; r++)
            for (int o = 0; o < OC; o++)
            {
                T d = dout[r * OC + o];
                if (!dbias.IsEmpty) dbias[o] += d;
                for (int c = 0; c < C; c++)
                {
                    if (!dinp.IsEmpty) dinp[r * C + c] += d * weight[c * OC + o];
                    if (!dweight.IsEmpty) dweight[c * OC + o] += d * inp[r * C + c];
                }
            }
    }

    /// <summary>Reference of <see cref="Attention.Forward"/>.</summary>
    public static void AttentionForward<T>(Span<T> output, Span<T> att, ReadOnlySpan<T> qkv, int B, int Tn, int C, int NH)
        where T : IFloatingPointIeee754<T>
    {
        int hs = C / NH, C3 = 3 * C;
        T scale = T.One / T.Sqrt(T.CreateChecked(hs));
        for (int b = 0; b < B; b++)
            for (int h = 0; h < NH; h++)
                for (int t = 0; t < Tn; t++)
                {
                    int arow = ((b * NH + h) * Tn + t) * Tn;
                    int qi = (b * Tn + t) * C3 + h * hs;
                    T max = T.NegativeInfinity;
                    for (int j = 0; j <= t; j++)
                    {
                        int ki = (b * Tn + j) * C3 + C + h * hs;
                        T s = T.Zero;
                        for (int i = 0; i < hs; i++) s += qkv[qi + i] * qkv[ki + i];
                        s *= scale;
                        att[arow + j] = s;
                        if (s > max) max = s;
                    }
                    T sum = T.Zero;
                    for (int j = 0; j <= t; j++) { T e = T.Exp(att[arow + j] - max); att[arow + j] = e; sum += e; }
                    for (int j = 0; j < Tn; j++) att[arow + j] = j <= t ? att[arow + j] / sum : T.Zero;
                    for (int i = 0; i < hs; i++)
                    {
                        T s = T.Zero;
                        for (int j = 0; j <= t; j++) s += att[arow + j] * qkv[(b * Tn + j) * C3 + 2 * C + h * hs + i];
                        output[(b * Tn + t) * C + h * hs + i] = s;
                    }
                }
    }

    /// <summary>Reference of <see cref="Attention.Backward"/> (needs no scratch).</summary>
    public static void AttentionBackward<T>(Span<T> dqkv, ReadOnlySpan<T> dout, ReadOnlySpan<T> qkv, ReadOnlySpan<T> att, int B, int Tn, int C, int NH)
        where T : IFloatingPointIeee754<T>
    {
        int hs = C / NH, C3 = 3 * C;
        T scale = T.One / T.Sqrt(T.CreateChecked(hs));
        var datt = new T[Tn];
        for (int b = 0; b < B; b++)
            for (int h = 0; h < NH; h++)
                for (int t = 0; t < Tn; t++)
                {
                    int arow = ((b * NH + h) * Tn + t) * Tn;
                    int oi = (b * Tn + t) * C + h * hs;
                    for (int j = 0; j <= t; j++)
                    {
                        int vi = (b * Tn + j) * C3 + 2 * C + h * hs;
                        T s = T.Zero;
                        for (int i = 0; i < hs; i++)
                        {
                            s += dout[oi + i] * qkv[vi + i];
                            dqkv[vi + i] += att[arow + j] * dout[oi + i];
                        }
                        datt[j] = s;
                    }
                    T dot = T.Zero;
                    for (int j = 0; j <= t; j++) dot += att[arow + j] * datt[j];
                    int qi = (b * Tn + t) * C3 + h * hs;
                    for (int j = 0; j <= t; j++)
                    {
                        T dpre = att[arow + j] * (datt[j] - dot) * scale;
                        int ki = (b * Tn + j) * C3 + C + h * hs;
                        for (int i = 0; i < hs; i++)
                        {
                            dqkv[qi + i] += dpre * qkv[ki + i];
                            dqkv[ki + i] += dpre * qkv[qi + i];
                        }
                    }
                }
    }

    /// <summary>Reference of <see cref="Gelu.Forward"/> (tanh approximation).</summary>
    public static void GeluForward<T>(Span<T> output, ReadOnlySpan<T> inp, int N) where T : IFloatingPointIeee754<T>
    {
        T k = T.Sqrt(T.CreateChecked(2.0) / T.Pi), c = T.CreateChecked(0.044715), half = T.CreateChecked(0.5);
        for (int i = 0; i < N; i++)
        {
            T x = inp[i];
            output[i] = half * x * (T.One + T.Tanh(k * (x + c * x * x * x)));
        }
    }

    /// <summary>Reference of <see cref="Gelu.Backward"/>.</summary>
    public static void GeluBackward<T>(Span<T> dinp, ReadOnlySpan<T> inp, ReadOnlySpan<T> dout, int N) where T : IFloatingPointIeee754<T>
    {
        T k = T.Sqrt(T.CreateChecked(2.0) / T.Pi), c = T.CreateChecked(0.044715), half = T.CreateChecked(0.5), three = T.CreateChecked(3);
        for (int i = 0; i < N; i++)
        {
            T x = inp[i];
            T th = T.Tanh(k * (x + c * x * x * x));
            T g = half * (T.One + th) + half * x * (T.One - th * th) * k * (T.One + three * c * x * x);
            dinp[i] += g * dout[i];
        }
    }

    /// <summary>Reference of <see cref="Residual.Forward"/>.</summary>
    public static void ResidualForward<T>(Span<T> output, ReadOnlySpan<T> a, ReadOnlySpan<T> b, int N) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < N; i++) output[i] = a[i] + b[i];
    }

    /// <summary>Reference of <see cref="Residual.Backward"/>.</summary>
    public static void ResidualBackward<T>(Span<T> da, Span<T> db, ReadOnlySpan<T> dout, int N) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < N; i++) { da[i] += dout[i]; db[i] += dout[i]; }
    }

    /// <summary>Reference of <see cref="CrossEntropy.Forward"/>; returns the mean over non-ignored rows.</summary>
    public static T CrossEntropyForward<T>(Span<T> losses, ReadOnlySpan<T> logits, ReadOnlySpan<int> targets, int B, int Tn, int V, int ignoreIndex)
        where T : IFloatingPointIeee754<T>
    {
        T total = T.Zero;
        int count = 0;
        for (int r = 0; r < B * Tn; r++)
        {
            if (targets[r] == ignoreIndex) { losses[r] = T.Zero; continue; }
            T max = T.NegativeInfinity;
            for (int v = 0; v < V; v++) if (logits[r * V + v] > max) max = logits[r * V + v];
            T sum = T.Zero;
            for (int v = 0; v < V; v++) sum += T.Exp(logits[r * V + v] - max);
            losses[r] = T.Log(sum) + max - logits[r * V + targets[r]];
            total += losses[r];
            count++;
        }
        return count == 0 ? T.Zero : total / T.CreateChecked(count);
    }

    /// <summary>Reference of <see cref="CrossEntropy.Backward"/>.</summary>
    public static void CrossEntropyBackward<T>(Span<T> dlogits, ReadOnlySpan<T> logits, ReadOnlySpan<int> targets, int B, int Tn, int V, int ignoreIndex, T dloss)
        where T : IFloatingPointIeee754<T>
    {
        int count = 0;
        for (int r = 0; r < B * Tn; r++) if (targets[r] != ignoreIndex) count++;
        if (count == 0) return;
        T scale = dloss / T.CreateChecked(count);
        for (int r = 0; r < B * Tn; r++)
        {
            if (targets[r] == ignoreIndex) continue;
            T max = T.NegativeInfinity;
            for (int v = 0; v < V; v++) if (logits[r * V + v] > max) max = logits[r * V + v];
            T sum = T.Zero;
            for (int v = 0; v < V; v++) sum += T.Exp(logits[r * V + v] - max);
            for (int v = 0; v < V; v++)
            {
                T p = T.Exp(logits[r * V + v] - max) / sum;
                dlogits[r * V + v] += scale * (p - (v == targets[r] ? T.One : T.Zero));
            }
        }
    }
}
