// Legend: N = number of elements (B*T*4C in the MLP).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Cadenza.Engine.Kernels;

/// <summary>
/// GELU with GPT-2's tanh approximation:
/// <c>gelu(x) = 0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³)))</c>.
/// </summary>
public static unsafe class Gelu
{
    internal const float ScalingFactor = 0.7978845608028654f; // sqrt(2/pi)
    private const int MinChunk = 8192;

    private struct FwdJob : IParallelJob
    {
        public float* Out, Inp;
        public long N;
        public int Chunk;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int index, int thread)
        {
            long i = (long)index * Chunk, end = Math.Min(N, i + Chunk);
            var k = Vector256.Create(ScalingFactor);
            var c3 = Vector256.Create(0.044715f);
            var half = Vector256.Create(0.5f);
            for (; i <= end - 8; i += 8)
            {
                var x = Vector256.Load(Inp + i);
                var u = k * VecMath.Fmadd(c3 * x, x * x, x);
                Vector256.Store(half * x * (Vector256<float>.One + VecMath.Tanh(u)), Out + i);
            }
            for (; i < end; i++)
            {
                float x = Inp[i];
                float u = ScalingFactor * (x + 0.044715f * x * x * x);
                Out[i] = 0.5f * x * (1f + MathF.Tanh(u));
            }
        }
    }

    /// <summary>Computes <c>out[i] = gelu(inp[i])</c> for the first <paramref name="N"/> elements.</summary>
    /// <exception cref="ArgumentException">When a span is too short.</exception>
    public static void Forward(Span<float> output, ReadOnlySpan<float> inp, long N)
    {
        Checks.Length(output, N, nameof(output));
        Checks.Length(inp, N, nameof(inp));
        fixed (float* o = output) fixed (float* x = inp)
        {
            var job = new FwdJob { Out = o, Inp = x, N = N, Chunk = VecMath.ChunkSize(N, MinChunk) & ~7 };
            WorkPool.Run(ref job, VecMath.Chunks(N, job.Chunk));
        }
    }

    private struct BwdJob : IParallelJob
    {
        public float* Dinp, Inp, Dout;
        public long N;
        public int Chunk;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int index, int thread)
        {
            long i = (long)index * Chunk, end = Math.Min(N, i + Chunk);
            var k = Vector256.Create(ScalingFactor);
            var c3 = Vector256.Create(0.044715f);
            var c3x3 = Vector256.Create(3f * 0.044715f);
            var half = Vector256.Create(0.5f);
            var one = Vector256<float>.One;
            for (; i <= end - 8; i += 8)
            {
                var x = Vector256.Load(Inp + i);
                var x2 = x * x;
                var u = k * VecMath.Fmadd(c3 * x, x2, x);
                var th = VecMath.Tanh(u);
                var sech2 = one - th * th;
                var g = half * (one + th) + half * x * sech2 * k * VecMath.Fmadd(c3x3, x2, one);
                Vector256.Store(VecMath.Fmadd(g, Vector256.Load(Dout + i), Vector256.Load(Dinp + i)), Dinp + i);
            }
            for (; i < end; i++)
            {
                float x = Inp[i];
                float u = ScalingFactor * (x + 0.044715f * x * x * x);
                float th = MathF.Tanh(u);
                float g = 0.5f * (1f + th) + 0.5f * x * (1f - th * th) * ScalingFactor * (1f + 3f * 0.044715f * x * x);
                Dinp[i] += g * Dout[i];
            }
        }
    }

    /// <summary>Backward of <see cref="Forward"/>: <c>dinp[i] += gelu'(inp[i]) * dout[i]</c>.</summary>
    /// <exception cref="ArgumentException">When a span is too short.</exception>
    public static void Backward(Span<float> dinp, ReadOnlySpan<float> inp, ReadOnlySpan<float> dout, long N)
    {
        Checks.Length(dinp, N, nameof(dinp));
        Checks.Length(inp, N, nameof(inp));
        Checks.Length(dout, N, nameof(dout));
        fixed (float* di = dinp) fixed (float* x = inp) fixed (float* d = dout)
        {
            var job = new BwdJob { Dinp = di, Inp = x, Dout = d, N = N, Chunk = VecMath.ChunkSize(N, MinChunk) & ~7 };
            WorkPool.Run(ref job, VecMath.Chunks(N, job.Chunk));
        }
    }
}
