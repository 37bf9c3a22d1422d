using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cadenza.Engine.Kernels;

/// <summary>Small SIMD helpers over raw float pointers (Vector256 with scalar tails).</summary>
internal static unsafe class VecMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Fmadd(Vector256<float> a, Vector256<float> b, Vector256<float> c)
        => Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;

    /// <summary>tanh(x) = 1 - 2 / (exp(2x) + 1), saturating correctly at both ends.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        var e = Vector256.Exp(Vector256.Min(x + x, Vector256.Create(80f)));
        return Vector256<float>.One - Vector256.Create(2f) / (e + Vector256<float>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Sum(float* x, int n)
    {
        int i = 0;
        var acc = Vector256<float>.Zero;
        for (; i <= n - 8; i += 8) acc += Vector256.Load(x + i);
        float s = Vector256.Sum(acc);
        for (; i < n; i++) s += x[i];
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Max(float* x, int n)
    {
        int i = 0;
        float m = float.NegativeInfinity;
        if (n >= 8)
        {
            var acc = Vector256.Load(x);
            for (i = 8; i <= n - 8; i += 8) acc = Vector256.Max(acc, Vector256.Load(x + i));
            for (int j = 0; j < 8; j++) m = MathF.Max(m, acc.GetElement(j));
        }
        for (; i < n; i++) m = MathF.Max(m, x[i]);
        return m;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(float* x, float* y, int n)
    {
        int i = 0;
        var a0 = Vector256<float>.Zero;
        var a1 = Vector256<float>.Zero;
        for (; i <= n - 16; i += 16)
        {
            a0 = Fmadd(Vector256.Load(x + i), Vector256.Load(y + i), a0);
            a1 = Fmadd(Vector256.Load(x + i + 8), Vector256.Load(y + i + 8), a1);
        }
        for (; i <= n - 8; i += 8) a0 = Fmadd(Vector256.Load(x + i), Vector256.Load(y + i), a0);
        float s = Vector256.Sum(a0 + a1);
        for (; i < n; i++) s += x[i] * y[i];
        return s;
    }

    /// <summary>x[i] = exp(x[i] - max); returns the sum of the results.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float ExpShiftSum(float* x, int n, float max)
    {
        int i = 0;
        var vm = Vector256.Create(max);
        var acc = Vector256<float>.Zero;
        for (; i <= n - 8; i += 8)
        {
            var e = Vector256.Exp(Vector256.Load(x + i) - vm);
            Vector256.Store(e, x + i);
            acc += e;
        }
        float s = Vector256.Sum(acc);
        for (; i < n; i++) { float e = MathF.Exp(x[i] - max); x[i] = e; s += e; }
        return s;
    }

    /// <summary>Returns Σ exp(x[i] - max) without writing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float ExpSum(float* x, int n, float max)
    {
        int i = 0;
        var vm = Vector256.Create(max);
        var acc = Vector256<float>.Zero;
        for (; i <= n - 8; i += 8) acc += Vector256.Exp(Vector256.Load(x + i) - vm);
        float s = Vector256.Sum(acc);
        for (; i < n; i++) s += MathF.Exp(x[i] - max);
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scale(float* x, int n, float a)
    {
        int i = 0;
        var va = Vector256.Create(a);
        for (; i <= n - 8; i += 8) Vector256.Store(Vector256.Load(x + i) * va, x + i);
        for (; i < n; i++) x[i] *= a;
    }

    /// <summary>y[i] += x[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(float* y, float* x, int n)
    {
        int i = 0;
        for (; i <= n - 8; i += 8) Vector256.Store(Vector256.Load(y + i) + Vector256.Load(x + i), y + i);
        for (; i < n; i++) y[i] += x[i];
    }

    /// <summary>y[i] += a * x[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Axpy(float* y, float a, float* x, int n)
    {
        int i = 0;
        var va = Vector256.Create(a);
        for (; i <= n - 8; i += 8) Vector256.Store(Fmadd(va, Vector256.Load(x + i), Vector256.Load(y + i)), y + i);
        for (; i < n; i++) y[i] += a * x[i];
    }

    public static void Copy(float* dst, float* src, int n) => Buffer.MemoryCopy(src, dst, (long)n * 4, (long)n * 4);

    /// <summary>Splits <paramref name="n"/> items into chunks of at least <paramref name="minChunk"/> for the pool.</summary>
    public static int ChunkSize(long n, int minChunk)
    {
        int threads = Math.Max(1, EngineThreads.Count);
        long chunk = (n + threads * 4 - 1) / (threads * 4);
        return (int)Math.Max(minChunk, Math.Min(chunk, int.MaxValue));
    }

    public static int Chunks(long n, int chunk) => (int)((n + chunk - 1) / chunk);
}
