namespace Cadenza.Audio.Effects;

/// <summary>
/// A second-order IIR filter, y[n] = b0·x[n] + b1·x[n-1] + b2·x[n-2] − a1·y[n-1] − a2·y[n-2] (a0 normalized to 1),
/// run in transposed direct form II with double-precision state, one state per channel of interleaved audio.
/// Factories give the RBJ Audio EQ Cookbook shelves and the two stages of the BS.1770 K-weighting filter.
/// </summary>
public sealed class Biquad
{
    private double[] _z1 = [], _z2 = [];

    /// <summary>Creates a filter from normalized coefficients (a0 = 1).</summary>
    /// <param name="b0">Feed-forward coefficient of x[n].</param>
    /// <param name="b1">Feed-forward coefficient of x[n-1].</param>
    /// <param name="b2">Feed-forward coefficient of x[n-2].</param>
    /// <param name="a1">Feedback coefficient of y[n-1].</param>
    /// <param name="a2">Feedback coefficient of y[n-2].</param>
    public Biquad(double b0, double b1, double b2, double a1, double a2)
    {
        B0 = b0; B1 = b1; B2 = b2; A1 = a1; A2 = a2;
    }

    /// <summary>Coefficient b0.</summary>
    public double B0 { get; }
    /// <summary>Coefficient b1.</summary>
    public double B1 { get; }
    /// <summary>Coefficient b2.</summary>
    public double B2 { get; }
    /// <summary>Coefficient a1.</summary>
    public double A1 { get; }
    /// <summary>Coefficient a2.</summary>
    public double A2 { get; }

    /// <summary>RBJ low shelf: gain <paramref name="gainDb"/> below <paramref name="frequency"/> (the mid-gain point), 0 dB far above; shelf slope S.</summary>
    /// <param name="sampleRate">Frames per second; positive.</param>
    /// <param name="frequency">Shelf midpoint in Hz, above 0 and below half the sample rate.</param>
    /// <param name="gainDb">Gain of the shelf in dB.</param>
    /// <param name="slope">Shelf slope S (1 = the steepest without overshoot).</param>
    /// <exception cref="ArgumentOutOfRangeException">When the rate, frequency or slope is out of range.</exception>
    public static Biquad LowShelf(int sampleRate, double frequency, double gainDb, double slope = 1.0) => Shelf(sampleRate, frequency, gainDb, slope, low: true);

    /// <summary>RBJ high shelf: gain <paramref name="gainDb"/> above <paramref name="frequency"/> (the mid-gain point), 0 dB far below; shelf slope S.</summary>
    /// <param name="sampleRate">Frames per second; positive.</param>
    /// <param name="frequency">Shelf midpoint in Hz, above 0 and below half the sample rate.</param>
    /// <param name="gainDb">Gain of the shelf in dB.</param>
    /// <param name="slope">Shelf slope S (1 = the steepest without overshoot).</param>
    /// <exception cref="ArgumentOutOfRangeException">When the rate, frequency or slope is out of range.</exception>
    public static Biquad HighShelf(int sampleRate, double frequency, double gainDb, double slope = 1.0) => Shelf(sampleRate, frequency, gainDb, slope, low: false);

    private static Biquad Shelf(int sampleRate, double f0, double gainDb, double slope, bool low)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        if (!(f0 > 0 && f0 < sampleRate / 2.0)) throw new ArgumentOutOfRangeException(nameof(f0), f0, "must be between 0 and half the sample rate");
        if (!(slope > 0 && slope <= 1)) throw new ArgumentOutOfRangeException(nameof(slope), slope, "must be in (0, 1]");
        double a = Math.Pow(10, gainDb / 40);
        double w0 = 2 * Math.PI * f0 / sampleRate, cos = Math.Cos(w0);
        double alpha = Math.Sin(w0) / 2 * Math.Sqrt((a + 1 / a) * (1 / slope - 1) + 2);
        double sq = 2 * Math.Sqrt(a) * alpha;
        double b0, b1, b2, a0, a1, a2;
        if (low)
        {
            b0 = a * ((a + 1) - (a - 1) * cos + sq);
            b1 = 2 * a * ((a - 1) - (a + 1) * cos);
            b2 = a * ((a + 1) - (a - 1) * cos - sq);
            a0 = (a + 1) + (a - 1) * cos + sq;
            a1 = -2 * ((a - 1) + (a + 1) * cos);
            a2 = (a + 1) + (a - 1) * cos - sq;
        }
        else
        {
            b0 = a * ((a + 1) + (a - 1) * cos + sq);
            b1 = -2 * a * ((a - 1) + (a + 1) * cos);
            b2 = a * ((a + 1) + (a - 1) * cos - sq);
            a0 = (a + 1) - (a - 1) * cos + sq;
            a1 = 2 * ((a - 1) - (a + 1) * cos);
            a2 = (a + 1) - (a - 1) * cos - sq;
        }
        return new Biquad(b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0);
    }

    /// <summary>
    /// Stage 1 of the ITU-R BS.1770-4 K-weighting: the high shelf (+4 dB above about 1.7 kHz) modelling the head,
    /// designed from its analog prototype for <paramref name="sampleRate"/> (at 48 kHz it gives the standard's coefficients).
    /// </summary>
    /// <param name="sampleRate">Frames per second; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">When the rate is not positive.</exception>
    public static Biquad KWeightingShelf(int sampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        const double f0 = 1681.974450955533, g = 3.999843853973347, q = 0.7071752369554196;
        double k = Math.Tan(Math.PI * f0 / sampleRate);
        double vh = Math.Pow(10, g / 20), vb = Math.Pow(vh, 0.4996667741545416);
        double a0 = 1 + k / q + k * k;
        return new Biquad((vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0,
            2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0);
    }

    /// <summary>Stage 2 of the BS.1770-4 K-weighting: the RLB high-pass (about 38 Hz), designed for <paramref name="sampleRate"/>; its numerator is 1, −2, 1 as in the standard.</summary>
    /// <param name="sampleRate">Frames per second; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">When the rate is not positive.</exception>
    public static Biquad KWeightingHighPass(int sampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        const double f0 = 38.13547087602444, q = 0.5003270373238773;
        double k = Math.Tan(Math.PI * f0 / sampleRate);
        double a0 = 1 + k / q + k * k;
        return new Biquad(1, -2, 1, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0);
    }

    /// <summary>The filter's gain at <paramref name="frequency"/> in dB, from its transfer function |H(e^{jω})|.</summary>
    /// <param name="frequency">Hz, 0 to half the sample rate.</param>
    /// <param name="sampleRate">Frames per second.</param>
    public double GainDb(double frequency, int sampleRate)
    {
        double w = 2 * Math.PI * frequency / sampleRate;
        var z1 = System.Numerics.Complex.FromPolarCoordinates(1, -w);
        var z2 = z1 * z1;
        var h = (B0 + B1 * z1 + B2 * z2) / (1 + A1 * z1 + A2 * z2);
        return 20 * Math.Log10(h.Magnitude);
    }

    /// <summary>Clears the filter's memory.</summary>
    public void Reset()
    {
        Array.Clear(_z1);
        Array.Clear(_z2);
    }

    /// <summary>Filters interleaved <paramref name="io"/> in place, each channel with its own state (kept between calls).</summary>
    /// <param name="io">Interleaved samples; its length must be a multiple of <paramref name="channels"/>.</param>
    /// <param name="channels">Channels per frame, positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="channels"/> is not positive.</exception>
    public void Process(Span<float> io, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (_z1.Length != channels) { _z1 = new double[channels]; _z2 = new double[channels]; }
        double b0 = B0, b1 = B1, b2 = B2, a1 = A1, a2 = A2;
        for (int c = 0; c < channels; c++)
        {
            double z1 = _z1[c], z2 = _z2[c];
            for (int i = c; i < io.Length; i += channels)
            {
                double x = io[i];
                double y = b0 * x + z1;
                z1 = b1 * x - a1 * y + z2;
                z2 = b2 * x - a2 * y;
                io[i] = (float)y;
            }
            _z1[c] = z1; _z2[c] = z2;
        }
    }

    /// <summary>
    /// Filters interleaved <paramref name="io"/> in place through <paramref name="first"/> and then <paramref name="second"/>,
    /// in one pass per channel; the result is the same, sample for sample, as <c>first.Process</c> followed by
    /// <c>second.Process</c> (the intermediate is rounded to float as the two passes store it).
    /// </summary>
    /// <exception cref="ArgumentNullException">When a filter is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="channels"/> is not positive.</exception>
    public static void ProcessCascade(Biquad first, Biquad second, Span<float> io, int channels)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (first._z1.Length != channels) { first._z1 = new double[channels]; first._z2 = new double[channels]; }
        if (second._z1.Length != channels) { second._z1 = new double[channels]; second._z2 = new double[channels]; }
        double b0 = first.B0, b1 = first.B1, b2 = first.B2, a1 = first.A1, a2 = first.A2;
        double d0 = second.B0, d1 = second.B1, d2 = second.B2, c1 = second.A1, c2 = second.A2;
        for (int c = 0; c < channels; c++)
        {
            double z1 = first._z1[c], z2 = first._z2[c], w1 = second._z1[c], w2 = second._z2[c];
            for (int i = c; i < io.Length; i += channels)
            {
                double x = io[i];
                double y = b0 * x + z1;
                z1 = b1 * x - a1 * y + z2;
                z2 = b2 * x - a2 * y;
                double u = (float)y;
                double v = d0 * u + w1;
                w1 = d1 * u - c1 * v + w2;
                w2 = d2 * u - c2 * v;
                io[i] = (float)v;
            }
            first._z1[c] = z1; first._z2[c] = z2;
            second._z1[c] = w1; second._z2[c] = w2;
        }
    }
}
