// Legend: B = batch size, T = sequence length, C = channels (n_embd), V = vocabulary size.
namespace Cadenza.Engine.Kernels;

/// <summary>Token + learned position embedding: <c>out[b,t,:] = wte[inp[b,t],:] + wpe[t,:]</c>.</summary>
public static unsafe class Encoder
{
    /// <summary>Computes <c>out[b,t,:] = wte[inp[b,t],:] + wpe[t,:]</c> for a (B,T) batch of token ids.</summary>
    /// <param name="output">(B,T,C) embeddings, overwritten.</param>
    /// <param name="inp">(B,T) token ids.</param>
    /// <param name="wte">(V,C) token embedding.</param>
    /// <param name="wpe">(maxT,C) position embedding, maxT ≥ T.</param>
    /// <param name="B">Batch size.</param><param name="T">Sequence length.</param><param name="C">Channels.</param>
    /// <exception cref="ArgumentException">When a span is too short.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When a token id is outside [0, V).</exception>
    public static void Forward(Span<float> output, ReadOnlySpan<int> inp, ReadOnlySpan<float> wte, ReadOnlySpan<float> wpe, int B, int T, int C)
    {
        Checks.Length(output, (long)B * T * C, nameof(output));
        Checks.Length(inp, (long)B * T, nameof(inp));
        Checks.Length(wpe, (long)T * C, nameof(wpe));
        int V = wte.Length / C;
        fixed (float* o = output) fixed (float* te = wte) fixed (float* pe = wpe)
        {
            for (int b = 0; b < B; b++)
                for (int t = 0; t < T; t++)
                {
                    int tok = inp[b * T + t];
                    if ((uint)tok >= (uint)V) throw new ArgumentOutOfRangeException(nameof(inp), $"token id {tok} is outside [0, {V})");
                    float* dst = o + ((long)b * T + t) * C;
                    VecMath.Copy(dst, te + (long)tok * C, C);
                    VecMath.Add(dst, pe + (long)t * C, C);
                }
        }
    }

    /// <summary>Accumulates <c>dwte[inp[b,t],:] += dout[b,t,:]</c> and <c>dwpe[t,:] += dout[b,t,:]</c>.</summary>
    /// <exception cref="ArgumentException">When a span is too short.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When a token id is outside [0, V).</exception>
    public static void Backward(Span<float> dwte, Span<float> dwpe, ReadOnlySpan<float> dout, ReadOnlySpan<int> inp, int B, int T, int C)
    {
        Checks.Length(dout, (long)B * T * C, nameof(dout));
        Checks.Length(inp, (long)B * T, nameof(inp));
        Checks.Length(dwpe, (long)T * C, nameof(dwpe));
        int V = dwte.Length / C;
        fixed (float* dte = dwte) fixed (float* dpe = dwpe) fixed (float* d = dout)
        {
            for (int b = 0; b < B; b++)
                for (int t = 0; t < T; t++)
                {
                    int tok = inp[b * T + t];
                    if ((uint)tok >= (uint)V) throw new ArgumentOutOfRangeException(nameof(inp), $"token id {tok} is outside [0, {V})");
                    float* src = d + ((long)b * T + t) * C;
                    VecMath.Add(dte + (long)tok * C, src, C);
                    VecMath.Add(dpe + (long)t * C, src, C);
                }
        }
    }
}

/// <summary>Argument checks shared by the kernels.</summary>
internal static class Checks
{
    public static void Length<T>(ReadOnlySpan<T> span, long need, string name)
    {
        if (span.Length < need) throw new ArgumentException($"'{name}' needs at least {need} elements but has {span.Length}", name);
    }

    public static void Length<T>(Span<T> span, long need, string name) => Length((ReadOnlySpan<T>)span, need, name);
}
