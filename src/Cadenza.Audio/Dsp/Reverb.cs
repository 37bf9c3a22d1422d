namespace Cadenza.Audio.Dsp;

/// <summary>
/// A small feedback-delay-network reverb: two input allpass diffusers, then 8 delay lines (about 25-47 ms at 44.1 kHz)
/// mixed through a Householder matrix with one-pole damping in each line. Mono in (the sum of both channels),
/// decorrelated stereo out (even lines left, odd lines right). Decay time about <see cref="Rt60"/> seconds.
/// </summary>
internal sealed class Reverb
{
    private const int N = 8;
    private static readonly int[] BaseLengths = { 1117, 1277, 1423, 1559, 1687, 1801, 1949, 2083 };
    private static readonly int[] DiffuserLengths = { 142, 379 };
    public const double Rt60 = 1.6;

    private readonly float[][] _lines = new float[N][];
    private readonly int[] _pos = new int[N];
    private readonly float[] _gain = new float[N];
    private readonly float[] _lp = new float[N];
    private readonly float[][] _diff = new float[2][];
    private readonly int[] _dpos = new int[2];
    private readonly int[] _predelayLen = new int[1];
    private readonly float[] _predelay;
    private int _ppos;
    private readonly float _damp;

    public Reverb(int sampleRate)
    {
        double scale = sampleRate / 44100.0;
        for (int i = 0; i < N; i++)
        {
            int len = Math.Max(8, (int)(BaseLengths[i] * scale));
            _lines[i] = new float[len];
            _gain[i] = (float)Math.Pow(10, -3.0 * len / (Rt60 * sampleRate));
        }
        for (int i = 0; i < 2; i++) _diff[i] = new float[Math.Max(4, (int)(DiffuserLengths[i] * scale))];
        _predelay = new float[Math.Max(1, (int)(0.012 * sampleRate))];
        _damp = (float)(1 - Math.Exp(-2 * Math.PI * 6000.0 / sampleRate)); // one-pole low-pass at ~6 kHz in the loop
    }

    /// <summary>Adds <paramref name="wet"/> × reverb of the dry stereo frames in <paramref name="io"/> to them, in place.</summary>
    public void Process(Span<float> io, float wet)
    {
        if (wet <= 0) return;
        var l = _lines; var p = _pos; var g = _gain; var lp = _lp;
        float damp = _damp;
        float[] d0 = _diff[0], d1 = _diff[1], pre = _predelay;
        float outScale = wet * 0.35f;
        const float ap = 0.6f;
        for (int f = 0; f + 1 < io.Length; f += 2)
        {
            float input = (io[f] + io[f + 1]) * 0.5f;
            // predelay
            float x = pre[_ppos]; pre[_ppos] = input; if (++_ppos == pre.Length) _ppos = 0;
            // two Schroeder allpass diffusers
            int q = _dpos[0]; float b = d0[q]; float y = -ap * x + b; d0[q] = x + ap * y; if (++q == d0.Length) q = 0; _dpos[0] = q; x = y;
            q = _dpos[1]; b = d1[q]; y = -ap * x + b; d1[q] = x + ap * y; if (++q == d1.Length) q = 0; _dpos[1] = q; x = y;

            float s0 = l[0][p[0]], s1 = l[1][p[1]], s2 = l[2][p[2]], s3 = l[3][p[3]];
            float s4 = l[4][p[4]], s5 = l[5][p[5]], s6 = l[6][p[6]], s7 = l[7][p[7]];
            float outL = s0 + s2 + s4 + s6;
            float outR = s1 + s3 + s5 + s7;
            float sum = (outL + outR) * (2f / N);
            Feed(0, s0 - sum + x); Feed(1, s1 - sum + x); Feed(2, s2 - sum - x); Feed(3, s3 - sum - x);
            Feed(4, s4 - sum + x); Feed(5, s5 - sum - x); Feed(6, s6 - sum + x); Feed(7, s7 - sum - x);
            io[f] += outL * outScale;
            io[f + 1] += outR * outScale;

            void Feed(int i, float v)
            {
                float z = lp[i] + damp * (v * g[i] - lp[i]);
                lp[i] = Math.Abs(z) < 1e-20f ? 0 : z;
                var line = l[i];
                int at = p[i];
                line[at] = lp[i];
                if (++at == line.Length) at = 0;
                p[i] = at;
            }
        }
    }
}
