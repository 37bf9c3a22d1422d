// Legend: M = rows (batch of tokens being decoded, small), K = input channels, N = output channels,
// V = vocabulary size. Weights are input-major (K, N); the tied LM head weight is wte (V, K).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Cadenza.Engine.Kernels;

/// <summary>What a <see cref="SmallMatmul"/> does with each result before storing it.</summary>
internal enum Epilogue
{
    /// <summary>out = x W + b.</summary>
    Store,
    /// <summary>out += x W + b (a fused residual connection).</summary>
    Accumulate,
    /// <summary>out = gelu(x W + b) (the fused MLP activation).</summary>
    Gelu,
}

/// <summary>
/// Matrix products for decoding, where only a few rows (one token per sequence) meet each weight.
/// The weight is streamed once per call in strips of 32 output columns, and every row of the batch
/// is computed against the strip while it is in cache, so generation reads each weight once per step
/// whatever the batch size. Strips are spread across <see cref="EngineThreads"/>.
/// </summary>
internal static unsafe class SmallMatmul
{
    private const int Strip = 32;
    private const int ColumnChunk = 512;

    private struct Job : IParallelJob
    {
        public float* Out, X, W, Bias;
        public int M, K, N, StripsPerItem;
        public Epilogue Ep;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int index, int thread)
        {
            int strips = (N + Strip - 1) / Strip;
            int s0 = index * StripsPerItem, s1 = Math.Min(strips, s0 + StripsPerItem);
            for (int s = s0; s < s1; s++)
            {
                int j = s * Strip;
                if (j + Strip <= N)
                {
                    for (int r = 0; r < M; r += 2)
                    {
                        if (r + 1 < M) Two(r, j); else One(r, j);
                    }
                }
                else
                {
                    for (int r = 0; r < M; r++)
                        for (int jj = j; jj < N; jj++)
                        {
                            float acc = Bias == null ? 0f : Bias[jj];
                            for (int i = 0; i < K; i++) acc += X[(long)r * K + i] * W[(long)i * N + jj];
                            Finish(Out + (long)r * N + jj, acc);
                        }
                }
            }
        }

        private void Finish(float* o, float v)
        {
            switch (Ep)
            {
                case Epilogue.Accumulate: *o += v; break;
                case Epilogue.Gelu:
                    float u = Gelu.ScalingFactor * (v + 0.044715f * v * v * v);
                    *o = 0.5f * v * (1f + MathF.Tanh(u));
                    break;
                default: *o = v; break;
            }
        }

        private void Finish(float* o, Vector256<float> v)
        {
            switch (Ep)
            {
                case Epilogue.Accumulate: Vector256.Store(Vector256.Load(o) + v, o); break;
                case Epilogue.Gelu:
                    var u = Vector256.Create(Gelu.ScalingFactor) * VecMath.Fmadd(Vector256.Create(0.044715f) * v, v * v, v);
                    Vector256.Store(Vector256.Create(0.5f) * v * (Vector256<float>.One + VecMath.Tanh(u)), o);
                    break;
                default: Vector256.Store(v, o); break;
            }
        }

        private void One(int r, int j)
        {
            float* x = X + (long)r * K;
            float* w = W + j;
            long n = N;
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
            int i = 0;
            for (; i + 1 < K; i += 2)
            {
                float* w0 = w + i * n, w1 = w0 + n;
                var x0 = Vector256.Create(x[i]);
                var x1 = Vector256.Create(x[i + 1]);
                a0 = VecMath.Fmadd(x0, Vector256.Load(w0), a0); a1 = VecMath.Fmadd(x0, Vector256.Load(w0 + 8), a1);
                a2 = VecMath.Fmadd(x0, Vector256.Load(w0 + 16), a2); a3 = VecMath.Fmadd(x0, Vector256.Load(w0 + 24), a3);
                b0 = VecMath.Fmadd(x1, Vector256.Load(w1), b0); b1 = VecMath.Fmadd(x1, Vector256.Load(w1 + 8), b1);
                b2 = VecMath.Fmadd(x1, Vector256.Load(w1 + 16), b2); b3 = VecMath.Fmadd(x1, Vector256.Load(w1 + 24), b3);
            }
            if (i < K)
            {
                float* w0 = w + i * n;
                var x0 = Vector256.Create(x[i]);
                a0 = VecMath.Fmadd(x0, Vector256.Load(w0), a0); a1 = VecMath.Fmadd(x0, Vector256.Load(w0 + 8), a1);
                a2 = VecMath.Fmadd(x0, Vector256.Load(w0 + 16), a2); a3 = VecMath.Fmadd(x0, Vector256.Load(w0 + 24), a3);
            }
            a0 += b0; a1 += b1; a2 += b2; a3 += b3;
            if (Bias != null)
            {
                a0 += Vector256.Load(Bias + j); a1 += Vector256.Load(Bias + j + 8);
                a2 += Vector256.Load(Bias + j + 16); a3 += Vector256.Load(Bias + j + 24);
            }
            float* o = Out + (long)r * N + j;
            Finish(o, a0); Finish(o + 8, a1); Finish(o + 16, a2); Finish(o + 24, a3);
        }

        private void Two(int r, int j)
        {
            float* x = X + (long)r * K, y = x + K;
            float* w = W + j;
            long n = N;
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
            for (int i = 0; i < K; i++)
            {
                float* w0 = w + i * n;
                var x0 = Vector256.Create(x[i]);
                var x1 = Vector256.Create(y[i]);
                var v0 = Vector256.Load(w0); var v1 = Vector256.Load(w0 + 8); var v2 = Vector256.Load(w0 + 16); var v3 = Vector256.Load(w0 + 24);
                a0 = VecMath.Fmadd(x0, v0, a0); a1 = VecMath.Fmadd(x0, v1, a1); a2 = VecMath.Fmadd(x0, v2, a2); a3 = VecMath.Fmadd(x0, v3, a3);
                b0 = VecMath.Fmadd(x1, v0, b0); b1 = VecMath.Fmadd(x1, v1, b1); b2 = VecMath.Fmadd(x1, v2, b2); b3 = VecMath.Fmadd(x1, v3, b3);
            }
            if (Bias != null)
            {
                var c0 = Vector256.Load(Bias + j); var c1 = Vector256.Load(Bias + j + 8); var c2 = Vector256.Load(Bias + j + 16); var c3 = Vector256.Load(Bias + j + 24);
                a0 += c0; a1 += c1; a2 += c2; a3 += c3; b0 += c0; b1 += c1; b2 += c2; b3 += c3;
            }
            float* o = Out + (long)r * N + j;
            Finish(o, a0); Finish(o + 8, a1); Finish(o + 16, a2); Finish(o + 24, a3);
            o += N;
            Finish(o, b0); Finish(o + 8, b1); Finish(o + 16, b2); Finish(o + 24, b3);
        }
    }

    /// <summary>out (M,N) (=, +=, or gelu) x (M,K) @ w (K,N) + bias (N; may be null).</summary>
    public static void Run(float* output, float* x, float* w, float* bias, int M, int K, int N, Epilogue ep)
    {
        int strips = (N + Strip - 1) / Strip;
        int threads = WorkPool.CanParallelize ? EngineThreads.Count : 1;
        // a little more than one item per thread so a late thread does not hold everyone up
        int items = Math.Min(strips, threads == 1 ? 1 : threads * 2);
        var job = new Job { Out = output, X = x, W = w, Bias = bias, M = M, K = K, N = N, Ep = ep, StripsPerItem = (strips + items - 1) / items };
        WorkPool.Run(ref job, (strips + job.StripsPerItem - 1) / job.StripsPerItem);
    }

    /// <summary>Scratch floats <see cref="RunSplitK"/> needs for up to <paramref name="maxM"/> rows and <paramref name="maxN"/> columns.</summary>
    public static long PartialLength(int maxM, int maxN) => (long)EngineThreads.Max * maxM * (maxN + RowPad) + RowPad;

    // Partial rows are N + RowPad floats apart so that rows (and weight rows, often 4 KiB apart) do not
    // alias in the low 12 address bits, which stalls loads behind unrelated stores (4K aliasing).
    private const int RowPad = 16;

    private struct SplitKJob : IParallelJob
    {
        public float* Partial, X, W;
        public int M, K, N, Ld, RowsPerItem;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int index, int thread)
        {
            int M = this.M, N = this.N, K = this.K, ld = Ld;
            int k0 = index * RowsPerItem, k1 = Math.Min(K, k0 + RowsPerItem);
            float* part = Partial + (long)index * M * ld;
            for (int r = 0; r < M; r++) new Span<float>(part + (long)r * ld, N).Clear();
            long n = N;
            // column chunks keep the accumulator rows and the weight rows being read in L1
            for (int j0 = 0; j0 < N; j0 += ColumnChunk)
            {
                int j1 = Math.Min(N, j0 + ColumnChunk);
                int i = k0;
                if (M == 1)
                {
                    // one row: eight weight rows per pass, two independent FMA chains
                    for (; i + 8 <= k1; i += 8)
                    {
                        float* x = X + i;
                        var x0 = Vector256.Create(x[0]); var x1 = Vector256.Create(x[1]); var x2 = Vector256.Create(x[2]); var x3 = Vector256.Create(x[3]);
                        var x4 = Vector256.Create(x[4]); var x5 = Vector256.Create(x[5]); var x6 = Vector256.Create(x[6]); var x7 = Vector256.Create(x[7]);
                        float* w0 = W + (long)i * N;
                        int j = j0;
                        for (; j + 8 <= j1; j += 8)
                        {
                            float* wj = w0 + j;
                            var a = VecMath.Fmadd(x0, Vector256.Load(wj), Vector256.Load(part + j));
                            var b = x1 * Vector256.Load(wj + n);
                            a = VecMath.Fmadd(x2, Vector256.Load(wj + 2 * n), a);
                            b = VecMath.Fmadd(x3, Vector256.Load(wj + 3 * n), b);
                            a = VecMath.Fmadd(x4, Vector256.Load(wj + 4 * n), a);
                            b = VecMath.Fmadd(x5, Vector256.Load(wj + 5 * n), b);
                            a = VecMath.Fmadd(x6, Vector256.Load(wj + 6 * n), a);
                            b = VecMath.Fmadd(x7, Vector256.Load(wj + 7 * n), b);
                            Vector256.Store(a + b, part + j);
                        }
                        for (; j < j1; j++)
                        {
                            float* wj = w0 + j;
                            part[j] += x[0] * wj[0] + x[1] * wj[n] + x[2] * wj[2 * n] + x[3] * wj[3 * n]
                                + x[4] * wj[4 * n] + x[5] * wj[5 * n] + x[6] * wj[6 * n] + x[7] * wj[7 * n];
                        }
                    }
                }
                for (; i + 4 <= k1; i += 4)
                {
                    float* w0 = W + (long)i * N, w1 = w0 + N, w2 = w1 + N, w3 = w2 + N;
                    for (int r = 0; r < M; r++)
                    {
                        float* x = X + (long)r * K + i;
                        var x0 = Vector256.Create(x[0]); var x1 = Vector256.Create(x[1]);
                        var x2 = Vector256.Create(x[2]); var x3 = Vector256.Create(x[3]);
                        float* acc = part + (long)r * ld;
                        int j = j0;
                        for (; j + 8 <= j1; j += 8)
                        {
                            var a = VecMath.Fmadd(x0, Vector256.Load(w0 + j), Vector256.Load(acc + j));
                            var b = x1 * Vector256.Load(w1 + j);
                            a = VecMath.Fmadd(x2, Vector256.Load(w2 + j), a);
                            b = VecMath.Fmadd(x3, Vector256.Load(w3 + j), b);
                            Vector256.Store(a + b, acc + j);
                        }
                        for (; j < j1; j++) acc[j] += x[0] * w0[j] + x[1] * w1[j] + x[2] * w2[j] + x[3] * w3[j];
                    }
                }
                for (; i < k1; i++)
                    for (int r = 0; r < M; r++)
                        VecMath.Axpy(part + (long)r * ld + j0, X[(long)r * K + i], W + (long)i * N + j0, j1 - j0);
            }
        }
    }

    /// <summary>
    /// out (M,N) (=, +=, or gelu) x (M,K) @ w (K,N) + bias, splitting K across threads so every thread
    /// streams one contiguous block of weight rows; partial sums go to <paramref name="partial"/>
    /// (<see cref="PartialLength"/>) and are reduced in a fixed order (deterministic for a given thread count).
    /// </summary>
    public static void RunSplitK(float* output, float* x, float* w, float* bias, int M, int K, int N, Epilogue ep, float* partial)
    {
        int threads = WorkPool.CanParallelize ? EngineThreads.Count : 1;
        int items = Math.Max(1, Math.Min(threads, K / 64));
        int ld = N + RowPad;
        partial += RowPad; // and shift the whole block off the weights' alignment
        var job = new SplitKJob { Partial = partial, X = x, W = w, M = M, K = K, N = N, Ld = ld };
        job.RowsPerItem = ((K + items - 1) / items + 7) & ~7;
        items = (K + job.RowsPerItem - 1) / job.RowsPerItem;
        WorkPool.Run(ref job, items);
        long stride = (long)M * ld;
        for (int r = 0; r < M; r++)
        {
            float* o = output + (long)r * N;
            int j = 0;
            for (; j + 8 <= N; j += 8)
            {
                var v = bias == null ? Vector256<float>.Zero : Vector256.Load(bias + j);
                for (int t = 0; t < items; t++) v += Vector256.Load(partial + t * stride + (long)r * ld + j);
                switch (ep)
                {
                    case Epilogue.Accumulate: Vector256.Store(Vector256.Load(o + j) + v, o + j); break;
                    case Epilogue.Gelu:
                        var u = Vector256.Create(Gelu.ScalingFactor) * VecMath.Fmadd(Vector256.Create(0.044715f) * v, v * v, v);
                        Vector256.Store(Vector256.Create(0.5f) * v * (Vector256<float>.One + VecMath.Tanh(u)), o + j);
                        break;
                    default: Vector256.Store(v, o + j); break;
                }
            }
            for (; j < N; j++)
            {
                float v = bias == null ? 0f : bias[j];
                for (int t = 0; t < items; t++) v += partial[t * stride + (long)r * ld + j];
                switch (ep)
                {
                    case Epilogue.Accumulate: o[j] += v; break;
                    case Epilogue.Gelu: o[j] = 0.5f * v * (1f + MathF.Tanh(Gelu.ScalingFactor * (v + 0.044715f * v * v * v))); break;
                    default: o[j] = v; break;
                }
            }
        }
    }

    private struct HeadJob : IParallelJob
    {
        public float* Out, X, Wte;
        public int M, C, V, Chunk;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int index, int thread)
        {
            int v0 = index * Chunk, v1 = Math.Min(V, v0 + Chunk);
            for (int v = v0; v < v1; v++)
            {
                float* w = Wte + (long)v * C;
                for (int r = 0; r < M; r++) Out[(long)r * V + v] = VecMath.Dot(X + (long)r * C, w, C);
            }
        }
    }

    /// <summary>Tied LM head: logits (M,V) = x (M,C) @ wteᵀ, reading each wte row once for all rows.</summary>
    public static void Head(float* logits, float* x, float* wte, int M, int C, int V)
    {
        int threads = WorkPool.CanParallelize ? EngineThreads.Count : 1;
        var job = new HeadJob { Out = logits, X = x, Wte = wte, M = M, C = C, V = V, Chunk = Math.Max(16, (V + threads * 2 - 1) / (threads * 2)) };
        WorkPool.Run(ref job, (V + job.Chunk - 1) / job.Chunk);
    }
}
