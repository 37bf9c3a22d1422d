// Legend: B = batch size, T = sequence length, C = input channels, OC = output channels.
// Weights are input-major (C, OC) as in GPT-2's Conv1D, so the forward pass is a plain product.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Cadenza.Engine.Kernels;

/// <summary>Linear layer <c>out = inp @ weight + bias</c> with an input-major (C, OC) weight.</summary>
public static unsafe class Matmul
{
    /// <summary>Computes <c>out[bt,:] = inp[bt,:] @ weight + bias</c> for every one of the B*T rows.</summary>
    /// <param name="output">(B,T,OC), overwritten.</param>
    /// <param name="inp">(B,T,C).</param>
    /// <param name="weight">(C,OC), input-major.</param>
    /// <param name="bias">(OC), or empty for no bias.</param>
    /// <param name="B">Batch size.</param><param name="T">Sequence length.</param>
    /// <param name="C">Input channels.</param><param name="OC">Output channels.</param>
    /// <exception cref="ArgumentException">When a span is too short.</exception>
    public static void Forward(Span<float> output, ReadOnlySpan<float> inp, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int B, int T, int C, int OC)
    {
        int rows = B * T;
        Checks.Length(output, (long)rows * OC, nameof(output));
        Checks.Length(inp, (long)rows * C, nameof(inp));
        Checks.Length(weight, (long)C * OC, nameof(weight));
        if (!bias.IsEmpty) Checks.Length(bias, OC, nameof(bias));
        fixed (float* o = output) fixed (float* x = inp) fixed (float* w = weight) fixed (float* bb = bias)
        {
            float beta = 0f;
            if (!bias.IsEmpty)
            {
                for (int r = 0; r < rows; r++) VecMath.Copy(o + (long)r * OC, bb, OC);
                beta = 1f;
            }
            Gemm.Run(false, false, rows, OC, C, 1f, x, C, w, OC, beta, o, OC);
        }
    }

    /// <summary>
    /// Backward of <see cref="Forward"/>, accumulating (+=): <c>dinp += dout @ weightᵀ</c>,
    /// <c>dweight += inpᵀ @ dout</c>, <c>dbias += Σ_rows dout</c>. Pass an empty span to skip a gradient.
    /// </summary>
    /// <exception cref="ArgumentException">When a span is too short.</exception>
    public static void Backward(Span<float> dinp, Span<float> dweight, Span<float> dbias, ReadOnlySpan<float> dout,
        ReadOnlySpan<float> inp, ReadOnlySpan<float> weight, int B, int T, int C, int OC)
    {
        int rows = B * T;
        Checks.Length(dout, (long)rows * OC, nameof(dout));
        Checks.Length(inp, (long)rows * C, nameof(inp));
        Checks.Length(weight, (long)C * OC, nameof(weight));
        if (!dinp.IsEmpty) Checks.Length(dinp, (long)rows * C, nameof(dinp));
        if (!dweight.IsEmpty) Checks.Length(dweight, (long)C * OC, nameof(dweight));
        if (!dbias.IsEmpty) Checks.Length(dbias, OC, nameof(dbias));
        fixed (float* di = dinp) fixed (float* dw = dweight) fixed (float* db = dbias) fixed (float* d = dout)
        fixed (float* x = inp) fixed (float* w = weight)
        {
            if (!dinp.IsEmpty) Gemm.Run(false, true, rows, C, OC, 1f, d, OC, w, OC, 1f, di, C);
            if (!dweight.IsEmpty) Gemm.Run(true, false, C, OC, rows, 1f, x, C, d, OC, 1f, dw, OC);
            if (!dbias.IsEmpty) ColumnSum(db, d, rows, OC);
        }
    }

    private struct ColSumJob : IParallelJob
    {
        public float* Dst, Src;
        public int Rows, Cols, Chunk;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int index, int thread)
        {
            int c0 = index * Chunk, c1 = Math.Min(Cols, c0 + Chunk);
            int n = c1 - c0;
            // accumulate in blocks of 64 columns held in registers
            for (int cb = c0; cb < c1; cb += 64)
            {
                int w = Math.Min(64, c1 - cb);
                if (w == 64)
                {
                    Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                    for (int r = 0; r < Rows; r++)
                    {
                        float* s = Src + (long)r * Cols + cb;
                        a0 += Vector256.Load(s); a1 += Vector256.Load(s + 8); a2 += Vector256.Load(s + 16); a3 += Vector256.Load(s + 24);
                        a4 += Vector256.Load(s + 32); a5 += Vector256.Load(s + 40); a6 += Vector256.Load(s + 48); a7 += Vector256.Load(s + 56);
                    }
                    float* d = Dst + cb;
                    Vector256.Store(Vector256.Load(d) + a0, d); Vector256.Store(Vector256.Load(d + 8) + a1, d + 8);
                    Vector256.Store(Vector256.Load(d + 16) + a2, d + 16); Vector256.Store(Vector256.Load(d + 24) + a3, d + 24);
                    Vector256.Store(Vector256.Load(d + 32) + a4, d + 32); Vector256.Store(Vector256.Load(d + 40) + a5, d + 40);
                    Vector256.Store(Vector256.Load(d + 48) + a6, d + 48); Vector256.Store(Vector256.Load(d + 56) + a7, d + 56);
                }
                else
                {
                    for (int r = 0; r < Rows; r++)
                    {
                        float* s = Src + (long)r * Cols + cb;
                        for (int j = 0; j < w; j++) Dst[cb + j] += s[j];
                    }
                }
            }
            _ = n;
        }
    }

    /// <summary>dst[j] += Σ_r src[r, j] for a (rows, cols) row-major matrix, parallel over column blocks.</summary>
    internal static void ColumnSum(float* dst, float* src, int rows, int cols)
    {
        var job = new ColSumJob { Dst = dst, Src = src, Rows = rows, Cols = cols };
        int threads = EngineThreads.Count;
        job.Chunk = Math.Max(64, ((cols / Math.Max(1, threads * 2)) + 63) & ~63);
        WorkPool.Run(ref job, VecMath.Chunks(cols, job.Chunk));
    }
}
