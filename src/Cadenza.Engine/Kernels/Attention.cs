// Legend: B = batch size, T = sequence length, C = channels (n_embd), NH = number of heads,
// hs = head size (C / NH). qkv rows hold [q | k | v], each C wide, head h at columns h*hs.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Cadenza.Engine.Kernels;

/// <summary>
/// Causal multi-head self-attention: for each batch row b and head h,
/// <c>att = softmax(mask(q kᵀ / sqrt(hs)))</c> and <c>out = att v</c>. Products run through
/// <see cref="Gemm"/> in row blocks that skip the masked upper triangle; the (b, h) pairs are spread
/// across <see cref="EngineThreads"/>.
/// </summary>
public static unsafe class Attention
{
    private const int RowBlock = 64;

    /// <summary>Length of the scratch span <see cref="Backward"/> needs for sequence length <paramref name="T"/>.</summary>
    public static long ScratchLength(int T) => (long)EngineThreads.Max * T * T;

    private struct FwdJob : IParallelJob
    {
        public float* Out, Att, Qkv;
        public int B, T, C, NH;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int index, int thread)
        {
            int b = index / NH, h = index % NH;
            int T = this.T, C = this.C, C3 = 3 * C, hs = C / NH;
            float scale = 1f / MathF.Sqrt(hs);
            float* q = Qkv + (long)b * T * C3 + h * hs, k = q + C, v = q + 2 * C;
            float* A = Att + (long)index * T * T;
            float* o = Out + (long)b * T * C + h * hs;
            for (int r0 = 0; r0 < T; r0 += RowBlock)
            {
                int r1 = Math.Min(T, r0 + RowBlock), rb = r1 - r0;
                Gemm.Run(false, true, rb, r1, hs, scale, q + (long)r0 * C3, C3, k, C3, 0f, A + (long)r0 * T, T);
                for (int t = r0; t < r1; t++)
                {
                    float* row = A + (long)t * T;
                    int n = t + 1;
                    float m = VecMath.Max(row, n);
                    float sum = VecMath.ExpShiftSum(row, n, m);
                    VecMath.Scale(row, n, 1f / sum);
                    new Span<float>(row + n, T - n).Clear();
                }
                Gemm.Run(false, false, rb, hs, r1, 1f, A + (long)r0 * T, T, v, C3, 0f, o + (long)r0 * C, C);
            }
        }
    }

    /// <summary>Computes the attention output and stores the attention weights for backward.</summary>
    /// <param name="output">(B,T,C) concatenated head outputs, overwritten.</param>
    /// <param name="att">(B,NH,T,T) softmax weights (zero above the diagonal), overwritten.</param>
    /// <param name="qkv">(B,T,3C) queries, keys and values.</param>
    /// <param name="B">Batch size.</param><param name="T">Sequence length.</param>
    /// <param name="C">Channels.</param><param name="NH">Number of heads; must divide C.</param>
    /// <exception cref="ArgumentException">When a span is too short or NH does not divide C.</exception>
    public static void Forward(Span<float> output, Span<float> att, ReadOnlySpan<float> qkv, int B, int T, int C, int NH)
    {
        if (NH <= 0 || C % NH != 0) throw new ArgumentException($"NH ({NH}) must divide C ({C})", nameof(NH));
        Checks.Length(output, (long)B * T * C, nameof(output));
        Checks.Length(att, (long)B * NH * T * T, nameof(att));
        Checks.Length(qkv, (long)B * T * 3 * C, nameof(qkv));
        fixed (float* o = output) fixed (float* a = att) fixed (float* x = qkv)
        {
            var job = new FwdJob { Out = o, Att = a, Qkv = x, B = B, T = T, C = C, NH = NH };
            WorkPool.Run(ref job, B * NH);
        }
    }

    private struct BwdJob : IParallelJob
    {
        public float* Dqkv, Scratch, Dout, Qkv, Att;
        public int B, T, C, NH;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int index, int thread)
        {
            int b = index / NH, h = index % NH;
            int T = this.T, C = this.C, C3 = 3 * C, hs = C / NH;
            float scale = 1f / MathF.Sqrt(hs);
            long qoff = (long)b * T * C3 + h * hs;
            float* q = Qkv + qoff, k = q + C, v = q + 2 * C;
            float* dq = Dqkv + qoff, dk = dq + C, dv = dq + 2 * C;
            float* A = Att + (long)index * T * T;
            float* D = Scratch + (long)thread * T * T;
            float* d = Dout + (long)b * T * C + h * hs;
            for (int r0 = 0; r0 < T; r0 += RowBlock)
            {
                int r1 = Math.Min(T, r0 + RowBlock), rb = r1 - r0;
                // datt = dout vᵀ
                Gemm.Run(false, true, rb, r1, hs, 1f, d + (long)r0 * C, C, v, C3, 0f, D + (long)r0 * T, T);
                // softmax backward (times the 1/sqrt(hs) of the forward scaling)
                for (int t = r0; t < r1; t++)
                {
                    float* ar = A + (long)t * T, dr = D + (long)t * T;
                    int n = t + 1;
                    float dot = VecMath.Dot(ar, dr, n);
                    int j = 0;
                    var vdot = Vector256.Create(dot);
                    var vs = Vector256.Create(scale);
                    for (; j <= n - 8; j += 8)
                        Vector256.Store(Vector256.Load(ar + j) * (Vector256.Load(dr + j) - vdot) * vs, dr + j);
                    for (; j < n; j++) dr[j] = ar[j] * (dr[j] - dot) * scale;
                    for (j = n; j < r1; j++) dr[j] = 0f;
                }
                Gemm.Run(false, false, rb, hs, r1, 1f, D + (long)r0 * T, T, k, C3, 1f, dq + (long)r0 * C3, C3);
                Gemm.Run(true, false, r1, hs, rb, 1f, D + (long)r0 * T, T, q + (long)r0 * C3, C3, 1f, dk, C3);
                Gemm.Run(true, false, r1, hs, rb, 1f, A + (long)r0 * T, T, d + (long)r0 * C, C, 1f, dv, C3);
            }
        }
    }

    /// <summary>
    /// Backward of <see cref="Forward"/>: accumulates (+=) the gradient of the queries, keys and values
    /// into <paramref name="dqkv"/> from <paramref name="dout"/>.
    /// </summary>
    /// <param name="dqkv">(B,T,3C) gradient, accumulated.</param>
    /// <param name="scratch">Work space of at least <see cref="ScratchLength"/>(T) floats (one T×T block per thread).</param>
    /// <param name="dout">(B,T,C) gradient of the output.</param>
    /// <param name="qkv">(B,T,3C) forward input.</param>
    /// <param name="att">(B,NH,T,T) weights stored by <see cref="Forward"/>.</param>
    /// <param name="B">Batch size.</param><param name="T">Sequence length.</param>
    /// <param name="C">Channels.</param><param name="NH">Number of heads; must divide C.</param>
    /// <exception cref="ArgumentException">When a span is too short or NH does not divide C.</exception>
    public static void Backward(Span<float> dqkv, Span<float> scratch, ReadOnlySpan<float> dout, ReadOnlySpan<float> qkv,
        ReadOnlySpan<float> att, int B, int T, int C, int NH)
    {
        if (NH <= 0 || C % NH != 0) throw new ArgumentException($"NH ({NH}) must divide C ({C})", nameof(NH));
        Checks.Length(dqkv, (long)B * T * 3 * C, nameof(dqkv));
        Checks.Length(scratch, ScratchLength(T), nameof(scratch));
        Checks.Length(dout, (long)B * T * C, nameof(dout));
        Checks.Length(qkv, (long)B * T * 3 * C, nameof(qkv));
        Checks.Length(att, (long)B * NH * T * T, nameof(att));
        fixed (float* dx = dqkv) fixed (float* s = scratch) fixed (float* d = dout) fixed (float* x = qkv) fixed (float* a = att)
        {
            var job = new BwdJob { Dqkv = dx, Scratch = s, Dout = d, Qkv = x, Att = a, B = B, T = T, C = C, NH = NH };
            WorkPool.Run(ref job, B * NH);
        }
    }
}
