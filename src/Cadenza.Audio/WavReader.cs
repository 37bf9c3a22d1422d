using System.Buffers.Binary;

namespace Cadenza.Audio;

/// <summary>
/// Reads RIFF/WAVE files into float samples: integer PCM of 8, 16, 24 or 32 bits and IEEE float of 32 or 64 bits,
/// plain or WAVE_FORMAT_EXTENSIBLE; unknown chunks are skipped. Integer samples are scaled to [-1, 1)
/// (16-bit: divided by 32768).
/// </summary>
public static class WavReader
{
    /// <summary>Reads the WAV file at <paramref name="path"/>.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The samples, interleaved as in the file.</returns>
    /// <exception cref="ArgumentException">When the path is null or empty.</exception>
    /// <exception cref="IOException">When the file cannot be opened.</exception>
    /// <exception cref="WavFormatException">When the file is not a WAV file the reader supports; the message names the file and the problem.</exception>
    public static AudioBuffer Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] data = File.ReadAllBytes(path);
        try { return Read(data); }
        catch (WavFormatException e) { throw new WavFormatException($"{path}: {e.Message}"); }
    }

    /// <summary>Reads a whole WAV file held in memory.</summary>
    /// <param name="data">The file's bytes.</param>
    /// <returns>The samples, interleaved as in the file.</returns>
    /// <exception cref="WavFormatException">When the bytes are not a WAV file the reader supports.</exception>
    public static AudioBuffer Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < 12 || !Is(data, 0, "RIFF") || !Is(data, 8, "WAVE"))
            throw new WavFormatException("not a RIFF/WAVE file (missing 'RIFF' / 'WAVE' signature).");
        int pos = 12;
        int formatTag = -1, channels = 0, sampleRate = 0, bits = 0, blockAlign = 0;
        while (pos + 8 <= data.Length)
        {
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(data[(pos + 4)..]);
            int body = pos + 8;
            if (Is(data, pos, "fmt "))
            {
                if (size < 16 || body + 16 > data.Length) throw new WavFormatException("'fmt ' chunk is shorter than 16 bytes.");
                formatTag = BinaryPrimitives.ReadUInt16LittleEndian(data[body..]);
                channels = BinaryPrimitives.ReadUInt16LittleEndian(data[(body + 2)..]);
                sampleRate = (int)BinaryPrimitives.ReadUInt32LittleEndian(data[(body + 4)..]);
                blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(data[(body + 12)..]);
                bits = BinaryPrimitives.ReadUInt16LittleEndian(data[(body + 14)..]);
                if (formatTag == 0xFFFE)
                {
                    if (size < 40 || body + 40 > data.Length) throw new WavFormatException("WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk is shorter than 40 bytes.");
                    formatTag = BinaryPrimitives.ReadUInt16LittleEndian(data[(body + 24)..]); // first two bytes of the sub-format GUID
                }
            }
            else if (Is(data, pos, "data"))
            {
                if (formatTag < 0) throw new WavFormatException("'data' chunk comes before any 'fmt ' chunk.");
                if (channels <= 0 || channels > 32) throw new WavFormatException($"unsupported channel count {channels}.");
                if (sampleRate <= 0) throw new WavFormatException($"invalid sample rate {sampleRate}.");
                int bytesPer = bits / 8;
                bool ok = (formatTag == 1 && bits is 8 or 16 or 24 or 32) || (formatTag == 3 && bits is 32 or 64);
                if (!ok) throw new WavFormatException($"unsupported encoding: format tag {formatTag}, {bits} bits per sample.");
                if (blockAlign != bytesPer * channels) throw new WavFormatException($"block align {blockAlign} does not match {channels} channels of {bits} bits.");
                long available = Math.Min(size, (long)data.Length - body);
                if (available < size) throw new WavFormatException($"'data' chunk declares {size} bytes but only {available} are present (truncated file).");
                long frames = available / blockAlign;
                var samples = new float[checked((int)(frames * channels))];
                var src = data.Slice(body, (int)(frames * blockAlign));
                Decode(src, samples, formatTag, bits);
                return new AudioBuffer(sampleRate, channels, samples);
            }
            long next = (long)body + size + (size & 1);
            if (next > data.Length) break;
            pos = (int)next;
        }
        throw new WavFormatException(formatTag < 0 ? "no 'fmt ' chunk found." : "no 'data' chunk found.");
    }

    private static void Decode(ReadOnlySpan<byte> src, float[] dst, int tag, int bits)
    {
        for (int i = 0; i < dst.Length; i++)
        {
            dst[i] = (tag, bits) switch
            {
                (1, 8) => (src[i] - 128) / 128f,
                (1, 16) => BinaryPrimitives.ReadInt16LittleEndian(src[(i * 2)..]) / 32768f,
                (1, 24) => ((src[i * 3] | (src[i * 3 + 1] << 8) | ((sbyte)src[i * 3 + 2] << 16))) / 8388608f,
                (1, 32) => BinaryPrimitives.ReadInt32LittleEndian(src[(i * 4)..]) / 2147483648f,
                (3, 32) => BinaryPrimitives.ReadSingleLittleEndian(src[(i * 4)..]),
                _ => (float)BinaryPrimitives.ReadDoubleLittleEndian(src[(i * 8)..]),
            };
        }
    }

    private static bool Is(ReadOnlySpan<byte> d, int at, string tag) =>
        at + 4 <= d.Length && d[at] == tag[0] && d[at + 1] == tag[1] && d[at + 2] == tag[2] && d[at + 3] == tag[3];
}
