namespace Cadenza.Audio;

/// <summary>
/// A block of audio in memory: 32-bit float samples, nominally in [-1, 1], interleaved by channel
/// (frame 0 left, frame 0 right, frame 1 left, ...).
/// </summary>
public sealed class AudioBuffer
{
    /// <summary>Wraps interleaved samples (the array is used as is, not copied).</summary>
    /// <param name="sampleRate">Frames per second; positive.</param>
    /// <param name="channels">Channels per frame, 1 to 32.</param>
    /// <param name="samples">Interleaved samples; its length must be a multiple of <paramref name="channels"/>.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="samples"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When the rate or channel count is out of range.</exception>
    /// <exception cref="ArgumentException">When the sample count is not a whole number of frames.</exception>
    public AudioBuffer(int sampleRate, int channels, float[] samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channels, 32);
        if (samples.Length % channels != 0)
            throw new ArgumentException($"{samples.Length} samples is not a whole number of {channels}-channel frames.", nameof(samples));
        SampleRate = sampleRate;
        Channels = channels;
        Samples = samples;
    }

    /// <summary>Frames per second.</summary>
    public int SampleRate { get; }

    /// <summary>Channels per frame (1 mono, 2 stereo).</summary>
    public int Channels { get; }

    /// <summary>Interleaved samples, <see cref="FrameCount"/> × <see cref="Channels"/> of them.</summary>
    public float[] Samples { get; }

    /// <summary>Number of frames (samples per channel).</summary>
    public int FrameCount => Samples.Length / Channels;

    /// <summary>Length in seconds: <see cref="FrameCount"/> / <see cref="SampleRate"/>.</summary>
    public double DurationSeconds => (double)FrameCount / SampleRate;

    /// <summary>The largest absolute sample value over all channels (0 for an empty buffer).</summary>
    public float Peak()
    {
        float peak = 0;
        foreach (float s in Samples)
        {
            float a = Math.Abs(s);
            if (a > peak) peak = a;
        }
        return peak;
    }
}
