// Dimensions (row-major throughout): C (m x n) = alpha * op(A) (m x k) * op(B) (k x n) + beta * C.
// op(X) is X or its transpose; lda/ldb/ldc are the row strides of the matrices as stored.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cadenza.Engine.Kernels;

/// <summary>Which implementation <see cref="Gemm"/> uses.</summary>
public enum GemmBackend
{
    /// <summary><c>cblas_sgemm</c> from an OpenBLAS library loaded at run time.</summary>
    OpenBlas,
    /// <summary>The managed, cache-blocked SIMD kernel.</summary>
    Managed,
}

/// <summary>
/// Single-precision matrix product for row-major matrices, the engine's only path to matrix
/// multiplication. Uses OpenBLAS's <c>cblas_sgemm</c> when a library can be loaded (searched once:
/// <c>libopenblas.so.0</c>, <c>libopenblas.so</c>, the Debian openblas-pthread <c>libblas.so.3</c>,
/// <c>libblas.so.3</c> when it is OpenBLAS: a reference BLAS is passed over), otherwise a managed SIMD kernel. Large products are split across
/// <see cref="EngineThreads"/>, with BLAS itself kept single-threaded, so one pool owns the cores.
/// Setting the environment variable <c>CADENZA_GEMM=managed</c> starts with the managed path.
/// </summary>
public static unsafe class Gemm
{
    private const int CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112;
    private static readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _cblas;
    private static volatile bool _forceManaged;

    static Gemm()
    {
        string[] candidates =
        [
            "libopenblas.so.0",
            "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
            "libopenblas.so",
            "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3",
            "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
            "libblas.so.3",
            "libopenblas.dylib",
            "libopenblas.dll",
        ];
        foreach (var name in candidates)
        {
            if (!NativeLibrary.TryLoad(name, out var handle)) continue;
            // libblas.so.3 may be the reference BLAS (Debian's libblas3 alternative), slower than the managed
            // kernel: only OpenBLAS itself is taken.
            if (!NativeLibrary.TryGetExport(handle, "openblas_get_config", out _)) continue;
            if (!NativeLibrary.TryGetExport(handle, "cblas_sgemm", out var sgemm)) continue;
            _cblas = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm;
            BlasLibrary = name;
            if (NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out var setThreads))
                ((delegate* unmanaged<int, void>)setThreads)(1);
            break;
        }
        _forceManaged = string.Equals(Environment.GetEnvironmentVariable("CADENZA_GEMM"), "managed", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The BLAS library that was loaded, or null when none could be.</summary>
    public static string? BlasLibrary { get; }

    /// <summary>True when a BLAS library with <c>cblas_sgemm</c> was loaded.</summary>
    public static bool BlasAvailable => _cblas != null;

    /// <summary>When true, the managed kernel is used even if BLAS is available (for tests and benchmarks).</summary>
    public static bool ForceManaged
    {
        get => _forceManaged;
        set => _forceManaged = value;
    }

    /// <summary>The implementation the next call will use.</summary>
    public static GemmBackend Active => _cblas != null && !_forceManaged ? GemmBackend.OpenBlas : GemmBackend.Managed;

    /// <summary>
    /// Computes <c>C = alpha * op(A) * op(B) + beta * C</c> for row-major matrices, where
    /// op(A) is m x k and op(B) is k x n. When <paramref name="beta"/> is 0, C is not read.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">When a dimension is negative or a leading dimension is too small.</exception>
    /// <exception cref="ArgumentException">When a span is too short for its matrix.</exception>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        if (m < 0) throw new ArgumentOutOfRangeException(nameof(m));
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n));
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k));
        if (m == 0 || n == 0) return;
        Check(a.Length, transA ? k : m, transA ? m : k, lda, nameof(a), nameof(lda));
        Check(b.Length, transB ? n : k, transB ? k : n, ldb, nameof(b), nameof(ldb));
        Check(c.Length, m, n, ldc, nameof(c), nameof(ldc));
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
            Run(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    private static void Check(int length, int rows, int cols, int ld, string name, string ldName)
    {
        if (ld < Math.Max(1, cols)) throw new ArgumentOutOfRangeException(ldName, $"leading dimension {ld} is smaller than the {cols} columns");
        if (rows == 0 || cols == 0) return;
        long need = (long)(rows - 1) * ld + cols;
        if (length < need) throw new ArgumentException($"matrix needs {need} elements but the span has {length}", name);
    }

    private struct SplitJob : IParallelJob
    {
        public bool TransA, TransB, SplitM;
        public int M, N, K, Lda, Ldb, Ldc, Chunk;
        public float Alpha, Beta;
        public float* A, B, C;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int index, int thread)
        {
            int start = index * Chunk;
            if (SplitM)
            {
                int rows = Math.Min(Chunk, M - start);
                if (rows <= 0) return;
                float* a = TransA ? A + start : A + (long)start * Lda;
                Serial(TransA, TransB, rows, N, K, Alpha, a, Lda, B, Ldb, Beta, C + (long)start * Ldc, Ldc);
            }
            else
            {
                int cols = Math.Min(Chunk, N - start);
                if (cols <= 0) return;
                float* b = TransB ? B + (long)start * Ldb : B + start;
                Serial(TransA, TransB, M, cols, K, Alpha, A, Lda, b, Ldb, Beta, C + start, Ldc);
            }
        }
    }

    /// <summary>Pointer form of <see cref="Sgemm"/> without checks; splits across the pool when worth it.</summary>
    internal static void Run(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        if (m <= 0 || n <= 0) return;
        int threads = EngineThreads.Count;
        if (!WorkPool.CanParallelize || (double)m * n * k < 1 << 18 || Math.Max(m, n) < 32)
        {
            Serial(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        var job = new SplitJob
        {
            TransA = transA, TransB = transB, M = m, N = n, K = k, Lda = lda, Ldb = ldb, Ldc = ldc,
            Alpha = alpha, Beta = beta, A = a, B = b, C = c, SplitM = m >= n,
        };
        int dim = job.SplitM ? m : n;
        // two pieces per thread on big products, so a thread that the OS delays does not hold the others up
        int pieces = dim >= 1024 ? threads * 2 : threads;
        int chunk = (dim + pieces - 1) / pieces;
        chunk = (chunk + 15) & ~15;
        job.Chunk = chunk;
        WorkPool.Run(ref job, (dim + chunk - 1) / chunk);
    }

    /// <summary>Single-threaded product on the active backend.</summary>
    internal static void Serial(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        if (m <= 0 || n <= 0) return;
        if (_cblas != null && !_forceManaged)
        {
            _cblas(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        ManagedGemm.Compute(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}

/// <summary>
/// Managed single-threaded SGEMM: B packed into KC x NR panels, A into MR x KC strips, a 6 x 16
/// register-blocked FMA micro-kernel (Vector256). Pack buffers are per thread and allocated once.
/// </summary>
internal static unsafe class ManagedGemm
{
    private const int MR = 6, NR = 16, KC = 256, MC = 96, NC = 512;
    [ThreadStatic] private static float[]? _packA, _packB;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        if (k == 0 || alpha == 0f)
        {
            for (int i = 0; i < m; i++)
            {
                float* row = c + (long)i * ldc;
                for (int j = 0; j < n; j++) row[j] = beta == 0f ? 0f : beta * row[j];
            }
            return;
        }
        _packA ??= GC.AllocateUninitializedArray<float>(MC * KC + 64, pinned: true);
        _packB ??= GC.AllocateUninitializedArray<float>(KC * NC + 64, pinned: true);
        fixed (float* pa = _packA) fixed (float* pb = _packB)
        {
            for (int jc = 0; jc < n; jc += NC)
            {
                int nc = Math.Min(NC, n - jc);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    PackB(transB, b, ldb, pc, jc, kc, nc, pb);
                    bool first = pc == 0;
                    for (int ic = 0; ic < m; ic += MC)
                    {
                        int mc = Math.Min(MC, m - ic);
                        PackA(transA, a, lda, ic, pc, mc, kc, pa);
                        for (int jr = 0; jr < nc; jr += NR)
                        {
                            int nr = Math.Min(NR, nc - jr);
                            float* bp = pb + (long)jr * kc;
                            for (int ir = 0; ir < mc; ir += MR)
                            {
                                int mr = Math.Min(MR, mc - ir);
                                float* ap = pa + (long)ir * kc;
                                float* cp = c + (long)(ic + ir) * ldc + jc + jr;
                                Micro(kc, ap, bp, cp, ldc, mr, nr, alpha, first ? beta : 1f, first && beta == 0f);
                            }
                        }
                    }
                }
            }
        }
    }

    // Packs op(B)[pc..pc+kc, jc..jc+nc] into panels of NR columns: panel p holds kc rows of NR floats.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(bool transB, float* b, int ldb, int pc, int jc, int kc, int nc, float* dst)
    {
        for (int jr = 0; jr < nc; jr += NR)
        {
            int nr = Math.Min(NR, nc - jr);
            float* panel = dst + (long)jr * kc;
            if (!transB && nr == NR)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + (long)(pc + p) * ldb + jc + jr;
                    Vector256.Store(Vector256.Load(src), panel + p * NR);
                    Vector256.Store(Vector256.Load(src + 8), panel + p * NR + 8);
                }
                continue;
            }
            for (int p = 0; p < kc; p++)
            {
                float* d = panel + p * NR;
                for (int j = 0; j < NR; j++)
                {
                    if (j >= nr) { d[j] = 0f; continue; }
                    int row = pc + p, col = jc + jr + j;
                    d[j] = transB ? b[(long)col * ldb + row] : b[(long)row * ldb + col];
                }
            }
        }
    }

    // Packs op(A)[ic..ic+mc, pc..pc+kc] into strips of MR rows: strip s holds kc columns of MR floats.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(bool transA, float* a, int lda, int ic, int pc, int mc, int kc, float* dst)
    {
        for (int ir = 0; ir < mc; ir += MR)
        {
            int mr = Math.Min(MR, mc - ir);
            float* strip = dst + (long)ir * kc;
            if (transA)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = a + (long)(pc + p) * lda + ic + ir;
                    float* d = strip + p * MR;
                    for (int r = 0; r < MR; r++) d[r] = r < mr ? src[r] : 0f;
                }
            }
            else
            {
                for (int r = 0; r < MR; r++)
                {
                    if (r >= mr) { for (int p = 0; p < kc; p++) strip[p * MR + r] = 0f; continue; }
                    float* src = a + (long)(ic + ir + r) * lda + pc;
                    for (int p = 0; p < kc; p++) strip[p * MR + r] = src[p];
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fmadd(Vector256<float> a, Vector256<float> b, Vector256<float> c)
        => Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Micro(int kc, float* ap, float* bp, float* c, int ldc, int mr, int nr, float alpha, float beta, bool noRead)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(bp);
            var b1 = Vector256.Load(bp + 8);
            var a0 = Vector256.Create(ap[0]); c00 = Fmadd(a0, b0, c00); c01 = Fmadd(a0, b1, c01);
            var a1 = Vector256.Create(ap[1]); c10 = Fmadd(a1, b0, c10); c11 = Fmadd(a1, b1, c11);
            var a2 = Vector256.Create(ap[2]); c20 = Fmadd(a2, b0, c20); c21 = Fmadd(a2, b1, c21);
            var a3 = Vector256.Create(ap[3]); c30 = Fmadd(a3, b0, c30); c31 = Fmadd(a3, b1, c31);
            var a4 = Vector256.Create(ap[4]); c40 = Fmadd(a4, b0, c40); c41 = Fmadd(a4, b1, c41);
            var a5 = Vector256.Create(ap[5]); c50 = Fmadd(a5, b0, c50); c51 = Fmadd(a5, b1, c51);
            ap += MR;
            bp += NR;
        }
        float* tmp = stackalloc float[MR * NR];
        Vector256.Store(c00, tmp); Vector256.Store(c01, tmp + 8);
        Vector256.Store(c10, tmp + 16); Vector256.Store(c11, tmp + 24);
        Vector256.Store(c20, tmp + 32); Vector256.Store(c21, tmp + 40);
        Vector256.Store(c30, tmp + 48); Vector256.Store(c31, tmp + 56);
        Vector256.Store(c40, tmp + 64); Vector256.Store(c41, tmp + 72);
        Vector256.Store(c50, tmp + 80); Vector256.Store(c51, tmp + 88);
        var va = Vector256.Create(alpha);
        var vb = Vector256.Create(beta);
        for (int r = 0; r < mr; r++)
        {
            float* crow = c + (long)r * ldc;
            float* t = tmp + r * NR;
            if (nr == NR)
            {
                for (int h = 0; h < NR; h += 8)
                {
                    var acc = Vector256.Load(t + h) * va;
                    if (!noRead) acc = Fmadd(Vector256.Load(crow + h), vb, acc);
                    Vector256.Store(acc, crow + h);
                }
            }
            else
            {
                for (int j = 0; j < nr; j++)
                    crow[j] = noRead ? alpha * t[j] : alpha * t[j] + beta * crow[j];
            }
        }
    }
}
