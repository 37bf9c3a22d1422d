namespace Cadenza.Audio.Dsp;

/// <summary>
/// A small feedback-delay-network reverb: a 12 ms predelay and two allpass diffusers, then 8 delay lines (about 25-47 ms
/// at 44.1 kHz) mixed through a Householder matrix (x - 2/N·Σx) with a one-pole low-pass (~6 kHz) in each line.
/// Mono in (the mix's reverb send), decorrelated stereo out (even lines left, odd lines right).
/// Decay time (RT60) about <see cref="Rt60"/> seconds.
/// </summary>
internal sealed class Reverb
{
    private const int N = 8;
    private static readonly int[] BaseLengths = { 1117, 1277, 1423, 1559, 1687, 1801, 1949, 2083 };
    public const double Rt60 = 1.6;

    private readonly float[] _mem;          // all delay lines, one after the other
    private readonly int[] _start = new int[N], _len = new int[N], _pos = new int[N];
    private readonly float[] _gain = new float[N], _lp = new float[N];
    private readonly float[] _pre, _d0, _d1;
    private int _pp, _p0, _p1;
    private readonly float _damp;

    public Reverb(int sampleRate)
    {
        double scale = sampleRate / 44100.0;
        int total = 0;
        for (int i = 0; i < N; i++)
        {
            _len[i] = Math.Max(8, (int)(BaseLengths[i] * scale));
            _start[i] = total;
            total += _len[i];
            _gain[i] = (float)Math.Pow(10, -3.0 * _len[i] / (Rt60 * sampleRate));
        }
        _mem = new float[total];
        _d0 = new float[Math.Max(4, (int)(142 * scale))];
        _d1 = new float[Math.Max(4, (int)(379 * scale))];
        _pre = new float[Math.Max(1, (int)(0.012 * sampleRate))];
        _damp = (float)(1 - Math.Exp(-2 * Math.PI * 6000.0 / sampleRate));
    }

    /// <summary>Adds <paramref name="wet"/> × reverb of the mono <paramref name="send"/> (one value per frame) to the stereo frames in <paramref name="io"/>, in place.</summary>
    public void Process(Span<float> io, ReadOnlySpan<float> send, float wet)
    {
        if (wet <= 0) return;
        var mem = _mem.AsSpan();
        float damp = _damp, outScale = wet * 0.25f;
        const float ap = 0.6f;
        float[] pre = _pre, d0 = _d0, d1 = _d1;
        int pp = _pp, p0 = _p0, p1 = _p1;
        // line read/write indices into mem, kept as locals
        int a0 = _start[0] + _pos[0], a1 = _start[1] + _pos[1], a2 = _start[2] + _pos[2], a3 = _start[3] + _pos[3];
        int a4 = _start[4] + _pos[4], a5 = _start[5] + _pos[5], a6 = _start[6] + _pos[6], a7 = _start[7] + _pos[7];
        float l0 = _lp[0], l1 = _lp[1], l2 = _lp[2], l3 = _lp[3], l4 = _lp[4], l5 = _lp[5], l6 = _lp[6], l7 = _lp[7];
        float g0 = _gain[0], g1 = _gain[1], g2 = _gain[2], g3 = _gain[3], g4 = _gain[4], g5 = _gain[5], g6 = _gain[6], g7 = _gain[7];
        int e0 = _start[0] + _len[0], e1 = _start[1] + _len[1], e2 = _start[2] + _len[2], e3 = _start[3] + _len[3];
        int e4 = _start[4] + _len[4], e5 = _start[5] + _len[5], e6 = _start[6] + _len[6], e7 = _start[7] + _len[7];
        for (int f = 0; f + 1 < io.Length; f += 2)
        {
            float input = send[f >> 1];
            float x = pre[pp]; pre[pp] = input; if (++pp == pre.Length) pp = 0;
            float b = d0[p0]; float y = b - ap * x; d0[p0] = x + ap * y; if (++p0 == d0.Length) p0 = 0; x = y;
            b = d1[p1]; y = b - ap * x; d1[p1] = x + ap * y; if (++p1 == d1.Length) p1 = 0; x = y;

            float s0 = mem[a0], s1 = mem[a1], s2 = mem[a2], s3 = mem[a3], s4 = mem[a4], s5 = mem[a5], s6 = mem[a6], s7 = mem[a7];
            float outL = s0 + s2 + s4 + s6, outR = s1 + s3 + s5 + s7;
            float sum = (outL + outR) * (2f / N);
            l0 += damp * ((s0 - sum + x) * g0 - l0); mem[a0] = l0; if (++a0 == e0) a0 = _start[0];
            l1 += damp * ((s1 - sum + x) * g1 - l1); mem[a1] = l1; if (++a1 == e1) a1 = _start[1];
            l2 += damp * ((s2 - sum - x) * g2 - l2); mem[a2] = l2; if (++a2 == e2) a2 = _start[2];
            l3 += damp * ((s3 - sum - x) * g3 - l3); mem[a3] = l3; if (++a3 == e3) a3 = _start[3];
            l4 += damp * ((s4 - sum + x) * g4 - l4); mem[a4] = l4; if (++a4 == e4) a4 = _start[4];
            l5 += damp * ((s5 - sum - x) * g5 - l5); mem[a5] = l5; if (++a5 == e5) a5 = _start[5];
            l6 += damp * ((s6 - sum + x) * g6 - l6); mem[a6] = l6; if (++a6 == e6) a6 = _start[6];
            l7 += damp * ((s7 - sum - x) * g7 - l7); mem[a7] = l7; if (++a7 == e7) a7 = _start[7];
            io[f] += outL * outScale;
            io[f + 1] += outR * outScale;
        }
        _pp = pp; _p0 = p0; _p1 = p1;
        _pos[0] = a0 - _start[0]; _pos[1] = a1 - _start[1]; _pos[2] = a2 - _start[2]; _pos[3] = a3 - _start[3];
        _pos[4] = a4 - _start[4]; _pos[5] = a5 - _start[5]; _pos[6] = a6 - _start[6]; _pos[7] = a7 - _start[7];
        _lp[0] = Flush(l0); _lp[1] = Flush(l1); _lp[2] = Flush(l2); _lp[3] = Flush(l3);
        _lp[4] = Flush(l4); _lp[5] = Flush(l5); _lp[6] = Flush(l6); _lp[7] = Flush(l7);
    }

    private static float Flush(float v) => MathF.Abs(v) < 1e-25f ? 0f : v;
}
