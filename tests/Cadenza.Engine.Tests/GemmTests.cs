using Cadenza.Engine.Kernels;
using Xunit.Abstractions;

namespace Cadenza.Engine.Tests;

[Collection("Engine")]
public class GemmTests(ITestOutputHelper output)
{
    public static TheoryData<bool, bool, int, int, int> Shapes()
    {
        var d = new TheoryData<bool, bool, int, int, int>();
        foreach (var (m, n, k) in new[] { (1, 1, 1), (7, 13, 5), (37, 61, 29), (96, 17, 300), (130, 259, 70), (6, 16, 256), (300, 200, 513) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    d.Add(ta, tb, m, n, k);
        return d;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BothBackendsMatchNaive(bool transA, bool transB, int m, int n, int k)
    {
        int lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 1, ldc = n + 2;
        var a = TestData.Randn((transA ? k : m) * lda, 1);
        var b = TestData.Randn((transB ? n : k) * ldb, 2);
        var c0 = TestData.Randn(m * ldc, 3);
        var expect = TestData.ToDouble(c0);
        Naive.Gemm<double>(transA, transB, m, n, k, 0.7, TestData.ToDouble(a), lda, TestData.ToDouble(b), ldb, 0.3, expect, ldc);
        bool saved = Gemm.ForceManaged;
        try
        {
            foreach (bool managed in new[] { true, false })
            {
                if (!managed && !Gemm.BlasAvailable) continue;
                Gemm.ForceManaged = managed;
                var c = (float[])c0.Clone();
                Gemm.Sgemm(transA, transB, m, n, k, 0.7f, a, lda, b, ldb, 0.3f, c, ldc);
                var (rel, at, abs) = TestData.Compare(c, expect, 1.0);
                output.WriteLine($"{Gemm.Active}: max rel diff {rel:E2} at {at}, max abs {abs:E2}");
                Assert.True(rel < 1e-4, $"{Gemm.Active} differs by {rel} at {at}");
            }
        }
        finally { Gemm.ForceManaged = saved; }
    }

    [Fact]
    public void BetaZeroDoesNotReadC()
    {
        var a = TestData.Randn(20 * 30, 4);
        var b = TestData.Randn(30 * 10, 5);
        bool saved = Gemm.ForceManaged;
        try
        {
            foreach (bool managed in new[] { true, false })
            {
                Gemm.ForceManaged = managed;
                var c = new float[20 * 10];
                Array.Fill(c, float.NaN);
                Gemm.Sgemm(false, false, 20, 10, 30, 1f, a, 30, b, 10, 0f, c, 10);
                Assert.DoesNotContain(c, float.IsNaN);
            }
        }
        finally { Gemm.ForceManaged = saved; }
    }

    [Fact]
    public void RejectsShortSpans()
    {
        var a = new float[10];
        Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 4, 4, 4, 1f, a, 4, new float[16], 4, 0f, new float[16], 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Sgemm(false, false, 4, 4, 4, 1f, new float[16], 3, new float[16], 4, 0f, new float[16], 4));
    }

    [Fact]
    public void ReportsBackend()
    {
        output.WriteLine($"BLAS: {Gemm.BlasLibrary ?? "(none)"}; active: {Gemm.Active}; threads {EngineThreads.Count}/{EngineThreads.Max}");
        Assert.Equal(Gemm.BlasAvailable && !Gemm.ForceManaged ? GemmBackend.OpenBlas : GemmBackend.Managed, Gemm.Active);
    }

    [Fact]
    public void FindsAnInstalledOpenBlasElseFallsBack()
    {
        // Debian's libopenblas0-pthread (which .ci/run installs) must be found and used; without it the
        // managed path must take over (the product equality with both paths is checked above).
        string[] installed = ["/usr/lib/x86_64-linux-gnu/libopenblas.so.0", "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"];
        bool present = installed.Any(File.Exists);
        Assert.Equal(present, Gemm.BlasAvailable);
        if (!present) Assert.Equal(GemmBackend.Managed, Gemm.Active);
    }
}
