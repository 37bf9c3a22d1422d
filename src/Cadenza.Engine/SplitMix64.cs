namespace Cadenza.Engine;

/// <summary>
/// A small seeded random number generator (SplitMix64) whose whole state is one public
/// <see cref="ulong"/>, so it can be saved in a checkpoint and restored exactly. Used for weight
/// initialization and for sampling training batches.
/// </summary>
public sealed class SplitMix64
{
    /// <summary>Creates a generator whose state is <paramref name="seed"/>.</summary>
    public SplitMix64(ulong seed) => State = seed;

    /// <summary>The full generator state; assign a saved value to resume the same sequence.</summary>
    public ulong State { get; set; }

    /// <summary>Returns the next 64 uniformly distributed bits.</summary>
    public ulong NextUInt64()
    {
        ulong z = State += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Returns a uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Returns a uniform integer in [0, <paramref name="maxExclusive"/>) without modulo bias.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="maxExclusive"/> is not positive.</exception>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        // Lemire's multiply-shift with rejection
        ulong range = (ulong)maxExclusive;
        while (true)
        {
            ulong x = NextUInt64() >> 32;
            ulong m = x * range;
            uint low = (uint)m;
            if (low >= (uint)((0x1_0000_0000UL - range) % range)) return (int)(m >> 32);
        }
    }

    /// <summary>Returns a standard normal sample (Box–Muller; consumes two draws).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(); // (0, 1]
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
