namespace Cadenza.Audio.Dsp;

/// <summary>Shared read-only lookup tables: one sine cycle and band-limited additive wavetables.</summary>
internal static class Tables
{
    /// <summary>Samples per table cycle (a power of two).</summary>
    public const int Size = 2048;
    public const int Mask = Size - 1;

    /// <summary>Mip levels of a wavetable: level m holds harmonics 1..(64 &gt;&gt; m).</summary>
    public const int MipLevels = 7;
    public const int MaxHarmonics = 64;

    /// <summary>One sine cycle, <see cref="Size"/> + 1 entries (the last repeats the first for interpolation).</summary>
    public static readonly float[] Sine = MakeSine();

    private static float[] MakeSine()
    {
        var t = new float[Size + 1];
        for (int i = 0; i <= Size; i++) t[i] = (float)Math.Sin(2 * Math.PI * i / Size);
        return t;
    }

    /// <summary>Sine of 2π·<paramref name="phase"/> by table lookup with linear interpolation; phase in cycles, any sign.</summary>
    public static float Sin(double phase)
    {
        double x = (phase - Math.Floor(phase)) * Size;
        int i = (int)x;
        float f = (float)(x - i);
        i &= Mask;
        float a = Sine[i];
        return a + (Sine[i + 1] - a) * f;
    }

    /// <summary>
    /// Builds mip-mapped tables for the spectrum <paramref name="amp"/> (amplitude of harmonic h = 1..64, sine phase).
    /// All levels share one scale so that level 0 peaks at 1.
    /// </summary>
    public static float[][] Additive(Func<int, double> amp)
    {
        var levels = new float[MipLevels][];
        var acc = new double[Size];
        double scale = 1;
        for (int m = 0; m < MipLevels; m++)
        {
            Array.Clear(acc);
            int hmax = MaxHarmonics >> m;
            for (int h = 1; h <= hmax; h++)
            {
                double a = amp(h);
                if (a == 0) continue;
                for (int i = 0; i < Size; i++) acc[i] += a * Sine[(int)(((long)h * i) & Mask)];
            }
            if (m == 0)
            {
                double peak = 0;
                foreach (double v in acc) peak = Math.Max(peak, Math.Abs(v));
                scale = peak > 0 ? 1 / peak : 1;
            }
            var t = new float[Size + 1];
            for (int i = 0; i < Size; i++) t[i] = (float)(acc[i] * scale);
            t[Size] = t[0];
            levels[m] = t;
        }
        return levels;
    }

    /// <summary>The mip level whose highest harmonic stays below 0.45 × the sample rate for a phase increment (cycles per sample).</summary>
    public static int MipFor(double inc)
    {
        for (int m = 0; m < MipLevels; m++)
            if ((MaxHarmonics >> m) * inc < 0.45) return m;
        return MipLevels - 1;
    }

    /// <summary>Struck-string spectrum for the piano: |sin(π h β)| / h with the hammer at β ≈ 1/7.3 of the string.</summary>
    public static readonly float[][] Piano = Additive(h => Math.Abs(Math.Sin(Math.PI * h / 7.3)) / Math.Pow(h, 1.05));

    /// <summary>The piano's spectrum after the upper partials have died away (weighted by e^-(h-1)/2).</summary>
    public static readonly float[][] PianoDull = Additive(h => Math.Abs(Math.Sin(Math.PI * h / 7.3)) / Math.Pow(h, 1.05) * Math.Exp(-(h - 1) / 2.0));

    /// <summary>32 blends from <see cref="PianoDull"/> (index 0) to <see cref="Piano"/> (index 31), per mip level.</summary>
    public static readonly float[][][] PianoLevels = Blend(PianoDull, Piano, 32);

    private static float[][][] Blend(float[][] dull, float[][] bright, int count)
    {
        var result = new float[count][][];
        for (int k = 0; k < count; k++)
        {
            float x = k / (float)(count - 1);
            result[k] = new float[dull.Length][];
            for (int m = 0; m < dull.Length; m++)
            {
                var t = new float[Size + 1];
                for (int i = 0; i <= Size; i++) t[i] = dull[m][i] + x * (bright[m][i] - dull[m][i]);
                result[k][m] = t;
            }
        }
        return result;
    }

    /// <summary>Drawbar organ: 8', 4', 2 2/3', 2', 1 3/5' (weak), 1 1/3', 1' (no sub-octave, so the fundamental is the key's pitch).</summary>
    public static readonly float[][] Organ = Additive(h => h switch { 1 => 1.0, 2 => 0.55, 3 => 0.4, 4 => 0.3, 5 => 0.05, 6 => 0.18, 8 => 0.14, _ => 0 });

    /// <summary>Flute / recorder: a nearly pure tone with weak low harmonics.</summary>
    public static readonly float[][] Flute = Additive(h => h switch { 1 => 1.0, 2 => 0.22, 3 => 0.1, 4 => 0.04, _ => 0 });

    /// <summary>Choir "aah": harmonics shaped by two broad formant bumps (about harmonics 2-3 and 8-10 of a mid voice).</summary>
    public static readonly float[][] Choir = Additive(h => (Math.Exp(-Math.Pow((h - 2.5) / 1.6, 2)) + 0.35 * Math.Exp(-Math.Pow((h - 9) / 3.0, 2)) + 0.2 / h));
}
