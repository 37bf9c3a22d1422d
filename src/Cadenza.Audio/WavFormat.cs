namespace Cadenza.Audio;

/// <summary>Sample encodings the WAV writer produces.</summary>
public enum WavFormat
{
    /// <summary>Integer PCM, 16 bits per sample (format tag 1): samples are clamped to [-1, 1] and scaled by 32767, rounding to nearest.</summary>
    Pcm16,

    /// <summary>IEEE float, 32 bits per sample (format tag 3, with a <c>fact</c> chunk): samples are written unchanged.</summary>
    Float32,
}

/// <summary>Raised when a WAV file cannot be read: not RIFF/WAVE, a missing or malformed chunk, or an encoding the reader does not support.</summary>
public sealed class WavFormatException : IOException
{
    /// <summary>Creates the exception with a message naming the problem.</summary>
    /// <param name="message">What is wrong with the file.</param>
    public WavFormatException(string message) : base(message) { }
}
