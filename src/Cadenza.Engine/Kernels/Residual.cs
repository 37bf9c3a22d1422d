// Legend: N = number of elements (B*T*C).
namespace Cadenza.Engine.Kernels;

/// <summary>Residual connection <c>out = a + b</c>.</summary>
public static unsafe class Residual
{
    /// <summary>Computes <c>out[i] = a[i] + b[i]</c> for the first <paramref name="N"/> elements.</summary>
    /// <exception cref="ArgumentException">When a span is too short.</exception>
    public static void Forward(Span<float> output, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int N)
    {
        Checks.Length(output, N, nameof(output));
        Checks.Length(a, N, nameof(a));
        Checks.Length(b, N, nameof(b));
        fixed (float* o = output) fixed (float* pa = a) fixed (float* pb = b)
        {
            if (o != pa) VecMath.Copy(o, pa, N);
            VecMath.Add(o, pb, N);
        }
    }

    /// <summary>Backward of <see cref="Forward"/>: <c>da[i] += dout[i]</c> and <c>db[i] += dout[i]</c>.</summary>
    /// <exception cref="ArgumentException">When a span is too short.</exception>
    public static void Backward(Span<float> da, Span<float> db, ReadOnlySpan<float> dout, int N)
    {
        Checks.Length(da, N, nameof(da));
        Checks.Length(db, N, nameof(db));
        Checks.Length(dout, N, nameof(dout));
        fixed (float* pa = da) fixed (float* pb = db) fixed (float* d = dout)
        {
            VecMath.Add(pa, d, N);
            VecMath.Add(pb, d, N);
        }
    }
}
