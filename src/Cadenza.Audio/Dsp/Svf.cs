namespace Cadenza.Audio.Dsp;

/// <summary>
/// Topology-preserving-transform state-variable filter (Zavalishin / Simper): low-, band- and high-pass outputs,
/// stable under fast cutoff changes. Coefficients are set per block, samples run in tight loops.
/// </summary>
internal struct Svf
{
    private float _ic1, _ic2, _a1, _a2, _a3, _k;

    /// <summary>Sets cutoff (Hz, clamped to 10 Hz .. 0.45 × rate) and damping k = 1/Q (2 = none, 0.1 = very resonant).</summary>
    public void Set(float cutoff, float k, float sampleRate)
    {
        float fc = Math.Clamp(cutoff, 10f, 0.45f * sampleRate);
        float g = MathF.Tan(MathF.PI * fc / sampleRate);
        _k = k;
        _a1 = 1f / (1f + g * (g + k));
        _a2 = g * _a1;
        _a3 = g * _a2;
    }

    /// <summary>Clears the filter's memory.</summary>
    public void Reset() { _ic1 = 0; _ic2 = 0; }

    /// <summary>Low-pass filters <paramref name="x"/> in place.</summary>
    public void LowPass(Span<float> x)
    {
        float ic1 = _ic1, ic2 = _ic2, a1 = _a1, a2 = _a2, a3 = _a3;
        for (int i = 0; i < x.Length; i++)
        {
            float v3 = x[i] - ic2;
            float v1 = a1 * ic1 + a2 * v3;
            float v2 = ic2 + a2 * ic1 + a3 * v3;
            ic1 = 2 * v1 - ic1;
            ic2 = 2 * v2 - ic2;
            x[i] = v2;
        }
        _ic1 = Flush(ic1); _ic2 = Flush(ic2);
    }

    /// <summary>Band-pass filters <paramref name="x"/> in place (unity gain at the centre when k = 1... scaled by k).</summary>
    public void BandPass(Span<float> x)
    {
        float ic1 = _ic1, ic2 = _ic2, a1 = _a1, a2 = _a2, a3 = _a3, k = _k;
        for (int i = 0; i < x.Length; i++)
        {
            float v3 = x[i] - ic2;
            float v1 = a1 * ic1 + a2 * v3;
            float v2 = ic2 + a2 * ic1 + a3 * v3;
            ic1 = 2 * v1 - ic1;
            ic2 = 2 * v2 - ic2;
            x[i] = k * v1;
        }
        _ic1 = Flush(ic1); _ic2 = Flush(ic2);
    }

    /// <summary>High-pass filters <paramref name="x"/> in place.</summary>
    public void HighPass(Span<float> x)
    {
        float ic1 = _ic1, ic2 = _ic2, a1 = _a1, a2 = _a2, a3 = _a3, k = _k;
        for (int i = 0; i < x.Length; i++)
        {
            float v0 = x[i];
            float v3 = v0 - ic2;
            float v1 = a1 * ic1 + a2 * v3;
            float v2 = ic2 + a2 * ic1 + a3 * v3;
            ic1 = 2 * v1 - ic1;
            ic2 = 2 * v2 - ic2;
            x[i] = v0 - k * v1 - v2;
        }
        _ic1 = Flush(ic1); _ic2 = Flush(ic2);
    }

    private static float Flush(float v) => MathF.Abs(v) < 1e-20f ? 0f : v;
}
