using Cadenza.Music;
using System.Buffers.Binary;

namespace Cadenza.Audio;

/// <summary>
/// Writes RIFF/WAVE files: 16-bit integer PCM (a canonical 44-byte header) or 32-bit IEEE float
/// (an 18-byte <c>fmt </c> chunk plus a <c>fact</c> chunk, 58 bytes before the samples), any channel count and sample rate.
/// </summary>
public static class WavWriter
{
    /// <summary>
    /// Writes <paramref name="audio"/> to <paramref name="path"/> atomically: the bytes go to a temporary file in the
    /// same folder, which is flushed and then renamed over the target, so a failure leaves no half-written file
    /// (an existing file at <paramref name="path"/> is either replaced whole or left untouched).
    /// </summary>
    /// <param name="path">Target file; its folder is created if needed.</param>
    /// <param name="audio">The samples to write.</param>
    /// <param name="format">Sample encoding.</param>
    /// <exception cref="ArgumentNullException">When an argument is null.</exception>
    /// <exception cref="ArgumentException">When the path is empty or the data would exceed the 4 GiB RIFF limit.</exception>
    /// <exception cref="IOException">When the file cannot be written or renamed (the temporary file is removed; the message names <paramref name="path"/>).</exception>
    public static void Write(string path, AudioBuffer audio, WavFormat format = WavFormat.Pcm16)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(audio);
        CheckSize(audio, format);
        AtomicFile.Write(path, fs => Write(fs, audio, format));
    }

    /// <summary>Writes <paramref name="audio"/> as a complete WAV file to <paramref name="stream"/> at its current position.</summary>
    /// <param name="stream">A writable stream (left open).</param>
    /// <param name="audio">The samples to write.</param>
    /// <param name="format">Sample encoding.</param>
    /// <exception cref="ArgumentNullException">When an argument is null.</exception>
    /// <exception cref="ArgumentException">When the data would exceed the 4 GiB RIFF limit.</exception>
    public static void Write(Stream stream, AudioBuffer audio, WavFormat format = WavFormat.Pcm16)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(audio);
        long dataBytes = CheckSize(audio, format);
        int bytesPerSample = format == WavFormat.Pcm16 ? 2 : 4;
        bool isFloat = format == WavFormat.Float32;
        int fmtSize = isFloat ? 18 : 16;
        int headerSize = 12 + 8 + fmtSize + (isFloat ? 12 : 0) + 8;
        long riffSize = headerSize - 8 + dataBytes;

        Span<byte> h = stackalloc byte[headerSize];
        h.Clear();
        int p = 0;
        Ascii(h, ref p, "RIFF"); U32(h, ref p, (uint)riffSize); Ascii(h, ref p, "WAVE");
        Ascii(h, ref p, "fmt "); U32(h, ref p, (uint)fmtSize);
        U16(h, ref p, (ushort)(isFloat ? 3 : 1));
        U16(h, ref p, (ushort)audio.Channels);
        U32(h, ref p, (uint)audio.SampleRate);
        U32(h, ref p, (uint)(audio.SampleRate * audio.Channels * bytesPerSample));
        U16(h, ref p, (ushort)(audio.Channels * bytesPerSample));
        U16(h, ref p, (ushort)(bytesPerSample * 8));
        if (isFloat)
        {
            U16(h, ref p, 0); // cbSize
            Ascii(h, ref p, "fact"); U32(h, ref p, 4); U32(h, ref p, (uint)audio.FrameCount);
        }
        Ascii(h, ref p, "data"); U32(h, ref p, (uint)dataBytes);
        stream.Write(h);

        const int chunk = 8192;
        var bytes = new byte[chunk * bytesPerSample];
        ReadOnlySpan<float> src = audio.Samples;
        for (int i = 0; i < src.Length; i += chunk)
        {
            int n = Math.Min(chunk, src.Length - i);
            var s = src.Slice(i, n);
            if (isFloat)
            {
                for (int k = 0; k < n; k++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(k * 4), s[k]);
            }
            else if (BitConverter.IsLittleEndian)
            {
                ToPcm16(s, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(bytes.AsSpan(0, n * 2)));
            }
            else
            {
                for (int k = 0; k < n; k++) BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(k * 2), ToPcm16(s[k]));
            }
            stream.Write(bytes, 0, n * bytesPerSample);
        }
        if ((dataBytes & 1) != 0) stream.WriteByte(0); // never happens for 16/32-bit samples, kept for RIFF correctness
    }

    /// <summary>Converts float samples to 16-bit PCM exactly as <see cref="ToPcm16(float)"/> does, several at a time.</summary>
    /// <exception cref="ArgumentException">When <paramref name="destination"/> is shorter than <paramref name="source"/>.</exception>
    public static void ToPcm16(ReadOnlySpan<float> source, Span<short> destination)
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination is shorter than source", nameof(destination));
        int k = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            int w = System.Numerics.Vector<float>.Count;
            var lo = new System.Numerics.Vector<float>(-1f);
            var hi = new System.Numerics.Vector<float>(1f);
            var scale = new System.Numerics.Vector<float>(32767f);
            for (; k + 2 * w <= source.Length; k += 2 * w)
            {
                var a = new System.Numerics.Vector<float>(source[k..]);
                var b = new System.Numerics.Vector<float>(source[(k + w)..]);
                // NaN -> 0 (a NaN is not equal to itself), then clamp, scale and round half to even as MathF.Round does.
                a = System.Numerics.Vector.ConditionalSelect(System.Numerics.Vector.Equals(a, a), a, System.Numerics.Vector<float>.Zero);
                b = System.Numerics.Vector.ConditionalSelect(System.Numerics.Vector.Equals(b, b), b, System.Numerics.Vector<float>.Zero);
                a = System.Numerics.Vector.Round(System.Numerics.Vector.Min(System.Numerics.Vector.Max(a, lo), hi) * scale);
                b = System.Numerics.Vector.Round(System.Numerics.Vector.Min(System.Numerics.Vector.Max(b, lo), hi) * scale);
                System.Numerics.Vector.Narrow(System.Numerics.Vector.ConvertToInt32(a), System.Numerics.Vector.ConvertToInt32(b)).CopyTo(destination[k..]);
            }
        }
        for (; k < source.Length; k++) destination[k] = ToPcm16(source[k]);
    }

    /// <summary>Converts one float sample to 16-bit PCM: clamps to [-1, 1], scales by 32767, rounds to nearest (NaN becomes 0).</summary>
    public static short ToPcm16(float sample)
    {
        if (float.IsNaN(sample)) return 0;
        float c = Math.Clamp(sample, -1f, 1f);
        return (short)MathF.Round(c * 32767f);
    }

    private static long CheckSize(AudioBuffer audio, WavFormat format)
    {
        if (format != WavFormat.Pcm16 && format != WavFormat.Float32)
            throw new ArgumentException($"Unknown WAV format {format}.", nameof(format));
        long dataBytes = (long)audio.Samples.Length * (format == WavFormat.Pcm16 ? 2 : 4);
        if (dataBytes > uint.MaxValue - 100)
            throw new ArgumentException($"{dataBytes} bytes of samples exceed the 4 GiB limit of a RIFF/WAVE file.", nameof(audio));
        return dataBytes;
    }

    private static void Ascii(Span<byte> h, ref int p, string s) { foreach (char c in s) h[p++] = (byte)c; }
    private static void U16(Span<byte> h, ref int p, ushort v) { BinaryPrimitives.WriteUInt16LittleEndian(h[p..], v); p += 2; }
    private static void U32(Span<byte> h, ref int p, uint v) { BinaryPrimitives.WriteUInt32LittleEndian(h[p..], v); p += 4; }
}
