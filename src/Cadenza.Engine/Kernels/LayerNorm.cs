// Legend: B = batch size, T = sequence length, C = channels (n_embd). Rows are the B*T positions.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Cadenza.Engine.Kernels;

/// <summary>
/// Layer normalization over the last dimension: <c>out = (x - mean) * rstd * weight + bias</c> with
/// <c>rstd = 1 / sqrt(var + 1e-5)</c> (biased variance), as in PyTorch's <c>nn.LayerNorm</c>.
/// </summary>
public static unsafe class LayerNorm
{
    /// <summary>The epsilon added to the variance.</summary>
    public const float Eps = 1e-5f;

    private struct FwdJob : IParallelJob
    {
        public float* Out, Mean, Rstd, Inp, W, Bias;
        public int Rows, C, Chunk;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int index, int thread)
        {
            int end = Math.Min(Rows, (index + 1) * Chunk);
            for (int r = index * Chunk; r < end; r++) Row(r);
        }

        private void Row(int r)
        {
            int C = this.C;
            float* x = Inp + (long)r * C;
            float* o = Out + (long)r * C;
            float m = VecMath.Sum(x, C) / C;
            int i = 0;
            var vm = Vector256.Create(m);
            var acc = Vector256<float>.Zero;
            for (; i <= C - 8; i += 8) { var d = Vector256.Load(x + i) - vm; acc = VecMath.Fmadd(d, d, acc); }
            float v = Vector256.Sum(acc);
            for (; i < C; i++) { float d = x[i] - m; v += d * d; }
            v /= C;
            float s = 1f / MathF.Sqrt(v + Eps);
            var vs = Vector256.Create(s);
            for (i = 0; i <= C - 8; i += 8)
            {
                var n = (Vector256.Load(x + i) - vm) * vs;
                Vector256.Store(VecMath.Fmadd(n, Vector256.Load(W + i), Vector256.Load(Bias + i)), o + i);
            }
            for (; i < C; i++) o[i] = (x[i] - m) * s * W[i] + Bias[i];
            if (Mean != null) Mean[r] = m;
            if (Rstd != null) Rstd[r] = s;
        }
    }

    /// <summary>Normalizes each of the B*T rows of <paramref name="inp"/>; stores each row's mean and rstd for backward.</summary>
    /// <param name="output">(B,T,C), overwritten.</param>
    /// <param name="mean">(B,T) row means, overwritten; may be empty when not needed.</param>
    /// <param name="rstd">(B,T) reciprocal standard deviations, overwritten; may be empty when not needed.</param>
    /// <param name="inp">(B,T,C) input.</param>
    /// <param name="weight">(C) gain.</param><param name="bias">(C) shift.</param>
    /// <param name="B">Batch size.</param><param name="T">Sequence length.</param><param name="C">Channels.</param>
    /// <exception cref="ArgumentException">When a span is too short.</exception>
    public static void Forward(Span<float> output, Span<float> mean, Span<float> rstd, ReadOnlySpan<float> inp,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int B, int T, int C)
    {
        int rows = B * T;
        Checks.Length(output, (long)rows * C, nameof(output));
        Checks.Length(inp, (long)rows * C, nameof(inp));
        Checks.Length(weight, C, nameof(weight));
        Checks.Length(bias, C, nameof(bias));
        if (!mean.IsEmpty) Checks.Length(mean, rows, nameof(mean));
        if (!rstd.IsEmpty) Checks.Length(rstd, rows, nameof(rstd));
        fixed (float* o = output) fixed (float* mp = mean) fixed (float* rp = rstd) fixed (float* x = inp) fixed (float* w = weight) fixed (float* bb = bias)
        {
            var job = new FwdJob { Out = o, Mean = mean.IsEmpty ? null : mp, Rstd = rstd.IsEmpty ? null : rp, Inp = x, W = w, Bias = bb, Rows = rows, C = C };
            job.Chunk = VecMath.ChunkSize(rows, Math.Max(1, 4096 / Math.Max(1, C)));
            WorkPool.Run(ref job, VecMath.Chunks(rows, job.Chunk));
        }
    }

    private struct BwdRowsJob : IParallelJob
    {
        public float* Dinp, Dout, Inp, W, Mean, Rstd;
        public int Rows, C, Chunk;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int index, int thread)
        {
            int C = this.C;
            int end = Math.Min(Rows, (index + 1) * Chunk);
            for (int r = index * Chunk; r < end; r++)
            {
                float* x = Inp + (long)r * C, d = Dout + (long)r * C, di = Dinp + (long)r * C;
                float m = Mean[r], s = Rstd[r];
                // dnorm = dout * w; dx = rstd * (dnorm - mean(dnorm) - norm * mean(dnorm * norm))
                float sumD = 0f, sumDN = 0f;
                int i = 0;
                var vm = Vector256.Create(m);
                var vs = Vector256.Create(s);
                var a0 = Vector256<float>.Zero;
                var a1 = Vector256<float>.Zero;
                for (; i <= C - 8; i += 8)
                {
                    var dn = Vector256.Load(d + i) * Vector256.Load(W + i);
                    var n = (Vector256.Load(x + i) - vm) * vs;
                    a0 += dn;
                    a1 = VecMath.Fmadd(dn, n, a1);
                }
                sumD = Vector256.Sum(a0);
                sumDN = Vector256.Sum(a1);
                for (; i < C; i++)
                {
                    float dn = d[i] * W[i], n = (x[i] - m) * s;
                    sumD += dn; sumDN += dn * n;
                }
                float md = sumD / C, mdn = sumDN / C;
                var vmd = Vector256.Create(md);
                var vmdn = Vector256.Create(mdn);
                for (i = 0; i <= C - 8; i += 8)
                {
                    var dn = Vector256.Load(d + i) * Vector256.Load(W + i);
                    var n = (Vector256.Load(x + i) - vm) * vs;
                    var g = (dn - vmd - n * vmdn) * vs;
                    Vector256.Store(Vector256.Load(di + i) + g, di + i);
                }
                for (; i < C; i++)
                {
                    float dn = d[i] * W[i], n = (x[i] - m) * s;
                    di[i] += (dn - md - n * mdn) * s;
                }
            }
        }
    }

    private struct BwdColsJob : IParallelJob
    {
        public float* Dw, Db, Dout, Inp, Mean, Rstd;
        public int Rows, C, Chunk;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int index, int thread)
        {
            int C = this.C;
            int c0 = index * Chunk, c1 = Math.Min(C, c0 + Chunk);
            for (int r = 0; r < Rows; r++)
            {
                float* x = Inp + (long)r * C, d = Dout + (long)r * C;
                float m = Mean[r], s = Rstd[r];
                int c = c0;
                var vm = Vector256.Create(m);
                var vs = Vector256.Create(s);
                for (; c <= c1 - 8; c += 8)
                {
                    var dv = Vector256.Load(d + c);
                    var n = (Vector256.Load(x + c) - vm) * vs;
                    Vector256.Store(Vector256.Load(Db + c) + dv, Db + c);
                    Vector256.Store(VecMath.Fmadd(dv, n, Vector256.Load(Dw + c)), Dw + c);
                }
                for (; c < c1; c++)
                {
                    Db[c] += d[c];
                    Dw[c] += d[c] * (x[c] - m) * s;
                }
            }
        }
    }

    /// <summary>
    /// Backward of <see cref="Forward"/>: accumulates the gradients into <paramref name="dinp"/>,
    /// <paramref name="dweight"/> and <paramref name="dbias"/> (+=) from <paramref name="dout"/>.
    /// </summary>
    /// <exception cref="ArgumentException">When a span is too short.</exception>
    public static void Backward(Span<float> dinp, Span<float> dweight, Span<float> dbias, ReadOnlySpan<float> dout,
        ReadOnlySpan<float> inp, ReadOnlySpan<float> weight, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, int B, int T, int C)
    {
        int rows = B * T;
        Checks.Length(dinp, (long)rows * C, nameof(dinp));
        Checks.Length(dout, (long)rows * C, nameof(dout));
        Checks.Length(inp, (long)rows * C, nameof(inp));
        Checks.Length(dweight, C, nameof(dweight));
        Checks.Length(dbias, C, nameof(dbias));
        Checks.Length(weight, C, nameof(weight));
        Checks.Length(mean, rows, nameof(mean));
        Checks.Length(rstd, rows, nameof(rstd));
        fixed (float* di = dinp) fixed (float* dw = dweight) fixed (float* db = dbias) fixed (float* d = dout)
        fixed (float* x = inp) fixed (float* w = weight) fixed (float* mp = mean) fixed (float* rp = rstd)
        {
            var rj = new BwdRowsJob { Dinp = di, Dout = d, Inp = x, W = w, Mean = mp, Rstd = rp, Rows = rows, C = C };
            rj.Chunk = VecMath.ChunkSize(rows, Math.Max(1, 4096 / Math.Max(1, C)));
            WorkPool.Run(ref rj, VecMath.Chunks(rows, rj.Chunk));
            var cj = new BwdColsJob { Dw = dw, Db = db, Dout = d, Inp = x, Mean = mp, Rstd = rp, Rows = rows, C = C };
            cj.Chunk = Math.Max(16, ((C / Math.Max(1, EngineThreads.Count)) + 15) & ~15);
            WorkPool.Run(ref cj, VecMath.Chunks(C, cj.Chunk));
        }
    }
}
