using System.Buffers.Binary;
using System.Text;

namespace Cadenza.Engine.Tests;

/// <summary>A temporary folder deleted on dispose, and helpers to build safetensors files byte by byte.</summary>
public sealed class IOTempDir : IDisposable
{
    public IOTempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cadenza-io-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }

    /// <summary>8-byte little-endian length, the header text padded with spaces to 8, then the data.</summary>
    public static byte[] RawFile(string headerJson, ReadOnlySpan<byte> data, bool pad = true)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        int n = pad ? (header.Length + 7) / 8 * 8 : header.Length;
        var bytes = new byte[8 + n + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)n);
        header.CopyTo(bytes, 8);
        for (int i = header.Length; i < n; i++) bytes[8 + i] = (byte)' ';
        data.CopyTo(bytes.AsSpan(8 + n));
        return bytes;
    }

    public static bool SameBits(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i])) return false;
        return true;
    }

    public static float[] RandomFloats(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }
}
