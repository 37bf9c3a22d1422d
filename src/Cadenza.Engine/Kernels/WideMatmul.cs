// Legend: M = rows (one token per sequence being decoded, small), K = input channels, N = output channels,
// C = channels, V = vocabulary size. Weights are input-major (K, N); the tied LM head weight is wte (V, C).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cadenza.Engine.Kernels;

/// <summary>
/// AVX-512 decoding kernels (used when <see cref="Supported"/>): few-row products that keep a
/// 128-column strip of every output row in registers (8 zmm accumulators per row, two rows at a
/// time) while streaming the strip's weight rows once, so no partial sums travel through memory;
/// the bias and the epilogue (store, residual add, GELU) are applied to the registers. Also the
/// tied LM head and dot products for attention. Work is split by output strips over at most
/// <c>threads</c> threads (1 = on the caller, no hand-off).
/// </summary>
internal static unsafe class WideMatmul
{
    /// <summary>True when Vector512 is accelerated and AVX-512F is available.</summary>
    public static readonly bool Supported = Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    private const int Strip = 128;

    private struct Job : IParallelJob
    {
        public float* Out, X, W, Bias;
        public int M, K, N, Items;
        public Epilogue Ep;
        public bool Packed;

        public void Run(int index, int thread)
        {
            int strips = N / Strip, tw = N - strips * Strip;
            int s0 = (int)((long)strips * index / Items), s1 = (int)((long)strips * (index + 1) / Items);
            Strips(Out, X, W, Bias, M, K, N, Ep, s0, s1, Packed);
            if (index == Items - 1 && tw > 0)
            {
                if (Packed) Tail(Out, X, W + (long)strips * K * Strip, tw, Bias, M, K, N, Ep, strips * Strip, tw);
                else Tail(Out, X, W + strips * Strip, N, Bias, M, K, N, Ep, strips * Strip, tw);
            }
        }
    }

    /// <summary>
    /// Copies w (K,N) row-major from <paramref name="src"/> to <paramref name="dst"/> in the packed
    /// layout <see cref="Run"/> reads with packed = true: each 128-column strip's K rows contiguous
    /// (K × 128 floats, strip after strip), then the remaining N mod 128 columns as a (K, N mod 128) block.
    /// Same size as w, so it can replace w in a parameter buffer.
    /// </summary>
    public static void Pack(float* dst, float* src, int K, int N)
    {
        int strips = N / Strip, tw = N - strips * Strip;
        for (int s = 0; s < strips; s++)
            for (int i = 0; i < K; i++)
                Buffer.MemoryCopy(src + (long)i * N + s * Strip, dst + ((long)s * K + i) * Strip, Strip * sizeof(float), Strip * sizeof(float));
        float* t = dst + (long)strips * K * Strip;
        if (tw > 0)
            for (int i = 0; i < K; i++)
                Buffer.MemoryCopy(src + (long)i * N + strips * Strip, t + (long)i * tw, tw * sizeof(float), tw * sizeof(float));
    }

    /// <summary>
    /// out (M,N) (=, +=, or gelu) x (M,K) @ w (K,N) + bias (may be null), on up to <paramref name="threads"/> threads.
    /// w is row-major, or laid out by <see cref="Pack"/> when <paramref name="packed"/> (then every strip streams sequentially).
    /// </summary>
    public static void Run(float* output, float* x, float* w, float* bias, int M, int K, int N, Epilogue ep, int threads, bool packed = false)
    {
        int strips = N / Strip;
        // one strip per item when parallel: a descheduled thread then holds up at most one strip
        int items = threads <= 1 ? 1 : Math.Max(1, strips);
        var job = new Job { Out = output, X = x, W = w, Bias = bias, M = M, K = K, N = N, Ep = ep, Items = items, Packed = packed };
        if (items == 1) { job.Run(0, 0); return; }
        WorkPool.Run(ref job, items);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Gelu(Vector512<float> v)
    {
        var u = Vector512.Create(Kernels.Gelu.ScalingFactor) * Avx512F.FusedMultiplyAdd(Vector512.Create(0.044715f) * v, v * v, v);
        var e = Vector512.Exp(Vector512.Min(u + u, Vector512.Create(80f)));
        var tanh = Vector512<float>.One - Vector512.Create(2f) / (e + Vector512<float>.One);
        return Vector512.Create(0.5f) * v * (Vector512<float>.One + tanh);
    }

    /// <summary>Strips [s0, s1) (128 columns each) of every row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Strips(float* Out, float* X, float* W, float* Bias, int M, int K, int N, Epilogue ep, int s0, int s1, bool packed)
    {
        // The FMA loops write raw sums to this scratch and the epilogue runs separately, so the JIT
        // keeps all accumulators in registers (an inlined epilogue makes it spill them every iteration).
        float* sums = stackalloc float[2 * Strip + 16];
        sums = (float*)(((nint)sums + 63) & ~(nint)63);
        long stride = packed ? Strip : N;
        for (int st = s0; st < s1; st++)
        {
            int j = st * Strip;
            float* w = packed ? W + (long)st * K * Strip : W + j;
            float* bias = Bias == null ? null : Bias + j;
            int r = 0;
            for (; r + 2 <= M; r += 2)
            {
                Two(X + (long)r * K, X + (long)(r + 1) * K, w, stride, K, sums);
                Finish(Out + (long)r * N + j, sums, bias, ep, Strip);
                Finish(Out + (long)(r + 1) * N + j, sums + Strip, bias, ep, Strip);
            }
            if (r < M)
            {
                One(X + (long)r * K, w, stride, K, sums);
                Finish(Out + (long)r * N + j, sums, bias, ep, Strip);
            }
        }
    }

    /// <summary>sums[0..128) = xa @ w[:, 0..128), sums[128..256) = xb @ w[:, 0..128) (w row stride n).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Two(float* xa, float* xb, float* w, long n, int K, float* sums)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default, b7 = default;
        for (int i = 0; i < K; i++, w += n)
        {
            var p = Vector512.Create(xa[i]); var q = Vector512.Create(xb[i]);
            var v0 = Vector512.Load(w); var v1 = Vector512.Load(w + 16); var v2 = Vector512.Load(w + 32); var v3 = Vector512.Load(w + 48);
            a0 = Avx512F.FusedMultiplyAdd(p, v0, a0); b0 = Avx512F.FusedMultiplyAdd(q, v0, b0);
            a1 = Avx512F.FusedMultiplyAdd(p, v1, a1); b1 = Avx512F.FusedMultiplyAdd(q, v1, b1);
            a2 = Avx512F.FusedMultiplyAdd(p, v2, a2); b2 = Avx512F.FusedMultiplyAdd(q, v2, b2);
            a3 = Avx512F.FusedMultiplyAdd(p, v3, a3); b3 = Avx512F.FusedMultiplyAdd(q, v3, b3);
            v0 = Vector512.Load(w + 64); v1 = Vector512.Load(w + 80); v2 = Vector512.Load(w + 96); v3 = Vector512.Load(w + 112);
            a4 = Avx512F.FusedMultiplyAdd(p, v0, a4); b4 = Avx512F.FusedMultiplyAdd(q, v0, b4);
            a5 = Avx512F.FusedMultiplyAdd(p, v1, a5); b5 = Avx512F.FusedMultiplyAdd(q, v1, b5);
            a6 = Avx512F.FusedMultiplyAdd(p, v2, a6); b6 = Avx512F.FusedMultiplyAdd(q, v2, b6);
            a7 = Avx512F.FusedMultiplyAdd(p, v3, a7); b7 = Avx512F.FusedMultiplyAdd(q, v3, b7);
        }
        a0.Store(sums); a1.Store(sums + 16); a2.Store(sums + 32); a3.Store(sums + 48);
        a4.Store(sums + 64); a5.Store(sums + 80); a6.Store(sums + 96); a7.Store(sums + 112);
        b0.Store(sums + 128); b1.Store(sums + 144); b2.Store(sums + 160); b3.Store(sums + 176);
        b4.Store(sums + 192); b5.Store(sums + 208); b6.Store(sums + 224); b7.Store(sums + 240);
    }

    /// <summary>sums[0..128) = xa @ w[:, 0..128) (w row stride n).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void One(float* xa, float* w, long n, int K, float* sums)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int i = 0; i < K; i++, w += n)
        {
            var p = Vector512.Create(xa[i]);
            a0 = Avx512F.FusedMultiplyAdd(p, Vector512.Load(w), a0);
            a1 = Avx512F.FusedMultiplyAdd(p, Vector512.Load(w + 16), a1);
            a2 = Avx512F.FusedMultiplyAdd(p, Vector512.Load(w + 32), a2);
            a3 = Avx512F.FusedMultiplyAdd(p, Vector512.Load(w + 48), a3);
            a4 = Avx512F.FusedMultiplyAdd(p, Vector512.Load(w + 64), a4);
            a5 = Avx512F.FusedMultiplyAdd(p, Vector512.Load(w + 80), a5);
            a6 = Avx512F.FusedMultiplyAdd(p, Vector512.Load(w + 96), a6);
            a7 = Avx512F.FusedMultiplyAdd(p, Vector512.Load(w + 112), a7);
        }
        a0.Store(sums); a1.Store(sums + 16); a2.Store(sums + 32); a3.Store(sums + 48);
        a4.Store(sums + 64); a5.Store(sums + 80); a6.Store(sums + 96); a7.Store(sums + 112);
    }

    /// <summary>o[0..count) (=, +=, gelu) sums + bias, count a multiple of 16.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Finish(float* o, float* sums, float* bias, Epilogue ep, int count)
    {
        for (int c = 0; c < count; c += 16)
        {
            var v = Vector512.Load(sums + c);
            if (bias != null) v += Vector512.Load(bias + c);
            switch (ep)
            {
                case Epilogue.Accumulate: Vector512.Store(Vector512.Load(o + c) + v, o + c); break;
                case Epilogue.Gelu: Vector512.Store(Gelu(v), o + c); break;
                default: Vector512.Store(v, o + c); break;
            }
        }
    }

    /// <summary>The last tw (&lt; 128) columns, starting at output column j0: wt holds them with row stride n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tail(float* Out, float* X, float* wt, long n, float* Bias, int M, int K, int N, Epilogue ep, int j0, int tw)
    {
        int c = 0;
        float* sums = stackalloc float[16];
        for (; c + 16 <= tw; c += 16)
            for (int r = 0; r < M; r++)
            {
                float* xa = X + (long)r * K;
                Vector512<float> a = default, b = default;
                float* w = wt + c;
                int i = 0;
                for (; i + 2 <= K; i += 2, w += 2 * n)
                {
                    a = Avx512F.FusedMultiplyAdd(Vector512.Create(xa[i]), Vector512.Load(w), a);
                    b = Avx512F.FusedMultiplyAdd(Vector512.Create(xa[i + 1]), Vector512.Load(w + n), b);
                }
                if (i < K) a = Avx512F.FusedMultiplyAdd(Vector512.Create(xa[i]), Vector512.Load(w), a);
                Vector512.Store(a + b, sums);
                Finish(Out + (long)r * N + j0 + c, sums, Bias == null ? null : Bias + j0 + c, ep, 16);
            }
        for (; c < tw; c++)
            for (int r = 0; r < M; r++)
            {
                int j = j0 + c;
                float v = Bias == null ? 0f : Bias[j];
                for (int i = 0; i < K; i++) v += X[(long)r * K + i] * wt[i * n + c];
                float* o = Out + (long)r * N + j;
                switch (ep)
                {
                    case Epilogue.Accumulate: *o += v; break;
                    case Epilogue.Gelu: *o = 0.5f * v * (1f + MathF.Tanh(Kernels.Gelu.ScalingFactor * (v + 0.044715f * v * v * v))); break;
                    default: *o = v; break;
                }
            }
    }

    /// <summary>Dot product of two vectors of length <paramref name="n"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(float* a, float* b, int n)
    {
        int i = 0;
        var s0 = Vector512<float>.Zero; var s1 = Vector512<float>.Zero;
        for (; i + 32 <= n; i += 32)
        {
            s0 = Avx512F.FusedMultiplyAdd(Vector512.Load(a + i), Vector512.Load(b + i), s0);
            s1 = Avx512F.FusedMultiplyAdd(Vector512.Load(a + i + 16), Vector512.Load(b + i + 16), s1);
        }
        if (i + 16 <= n) { s0 = Avx512F.FusedMultiplyAdd(Vector512.Load(a + i), Vector512.Load(b + i), s0); i += 16; }
        float s = Vector512.Sum(s0 + s1);
        for (; i < n; i++) s += a[i] * b[i];
        return s;
    }

    private struct HeadJob : IParallelJob
    {
        public float* Out, X, Wte;
        public int M, C, V, Items;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int index, int thread)
        {
            int v0 = (int)((long)V * index / Items), v1 = (int)((long)V * (index + 1) / Items);
            int C = this.C;
            for (int v = v0; v < v1; v++)
            {
                float* w = Wte + (long)v * C;
                for (int r = 0; r < M; r++) Out[(long)r * V + v] = Dot(X + (long)r * C, w, C);
            }
        }
    }

    /// <summary>Tied LM head: logits (M,V) = x (M,C) @ wteᵀ, reading each wte row once for all rows.</summary>
    public static void Head(float* logits, float* x, float* wte, int M, int C, int V, int threads)
    {
        int items = threads <= 1 ? 1 : Math.Max(1, Math.Min(threads * 4, V / 64));
        var job = new HeadJob { Out = logits, X = x, Wte = wte, M = M, C = C, V = V, Items = items };
        if (items == 1) { job.Run(0, 0); return; }
        WorkPool.Run(ref job, items);
    }
}
