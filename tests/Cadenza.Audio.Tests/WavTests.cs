using System.Buffers.Binary;
using System.Text;
using Cadenza.Audio;

namespace Cadenza.Audio.Tests;

public sealed class WavTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cadenza-wav-" + Guid.NewGuid().ToString("N"));

    public WavTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static AudioBuffer Ramp(int rate, int channels, int frames)
    {
        var s = new float[frames * channels];
        for (int i = 0; i < s.Length; i++) s[i] = (float)Math.Sin(i * 0.01) * 0.9f;
        return new AudioBuffer(rate, channels, s);
    }

    private static string Tag(byte[] b, int at) => Encoding.ASCII.GetString(b, at, 4);
    private static int U16(byte[] b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at));
    private static long U32(byte[] b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at));

    [Theory]
    [InlineData(44100, 2, 1000)]
    [InlineData(48000, 1, 777)]
    [InlineData(8000, 2, 0)]
    [InlineData(22050, 1, 1)]
    public void Pcm16HeaderFieldsAndLengthAreExact(int rate, int channels, int frames)
    {
        var path = Path.Combine(_dir, "a.wav");
        WavWriter.Write(path, Ramp(rate, channels, frames), WavFormat.Pcm16);
        var b = File.ReadAllBytes(path);
        long data = (long)frames * channels * 2;
        Assert.Equal(44 + data, b.Length);
        Assert.Equal("RIFF", Tag(b, 0));
        Assert.Equal(36 + data, U32(b, 4));
        Assert.Equal("WAVE", Tag(b, 8));
        Assert.Equal("fmt ", Tag(b, 12));
        Assert.Equal(16, U32(b, 16));
        Assert.Equal(1, U16(b, 20));
        Assert.Equal(channels, U16(b, 22));
        Assert.Equal(rate, U32(b, 24));
        Assert.Equal(rate * channels * 2, U32(b, 28));
        Assert.Equal(channels * 2, U16(b, 32));
        Assert.Equal(16, U16(b, 34));
        Assert.Equal("data", Tag(b, 36));
        Assert.Equal(data, U32(b, 40));
    }

    [Theory]
    [InlineData(44100, 2, 1000)]
    [InlineData(96000, 1, 333)]
    public void Float32HeaderFieldsAndLengthAreExact(int rate, int channels, int frames)
    {
        var path = Path.Combine(_dir, "f.wav");
        WavWriter.Write(path, Ramp(rate, channels, frames), WavFormat.Float32);
        var b = File.ReadAllBytes(path);
        long data = (long)frames * channels * 4;
        Assert.Equal(58 + data, b.Length);
        Assert.Equal("RIFF", Tag(b, 0));
        Assert.Equal(50 + data, U32(b, 4));
        Assert.Equal("fmt ", Tag(b, 12));
        Assert.Equal(18, U32(b, 16));
        Assert.Equal(3, U16(b, 20));
        Assert.Equal(channels, U16(b, 22));
        Assert.Equal(rate, U32(b, 24));
        Assert.Equal(rate * channels * 4, U32(b, 28));
        Assert.Equal(channels * 4, U16(b, 32));
        Assert.Equal(32, U16(b, 34));
        Assert.Equal(0, U16(b, 36));
        Assert.Equal("fact", Tag(b, 38));
        Assert.Equal(4, U32(b, 42));
        Assert.Equal(frames, U32(b, 46));
        Assert.Equal("data", Tag(b, 50));
        Assert.Equal(data, U32(b, 54));
    }

    [Fact]
    public void FloatRoundTripIsExact()
    {
        var a = Ramp(44100, 2, 5000);
        var path = Path.Combine(_dir, "rt.wav");
        WavWriter.Write(path, a, WavFormat.Float32);
        var r = WavReader.Read(path);
        Assert.Equal(44100, r.SampleRate);
        Assert.Equal(2, r.Channels);
        Assert.Equal(a.Samples, r.Samples);
    }

    [Fact]
    public void Pcm16RoundTripIsWithinOneStep()
    {
        var a = Ramp(22050, 1, 3000);
        var path = Path.Combine(_dir, "rt16.wav");
        WavWriter.Write(path, a, WavFormat.Pcm16);
        var r = WavReader.Read(path);
        Assert.Equal(a.FrameCount, r.FrameCount);
        Assert.Equal(1, r.Channels);
        for (int i = 0; i < a.Samples.Length; i++)
            Assert.True(Math.Abs(a.Samples[i] - r.Samples[i]) <= 1.5f / 32767, $"sample {i}");
    }

    [Fact]
    public void Pcm16ClampsOutOfRangeAndNaN()
    {
        Assert.Equal(32767, WavWriter.ToPcm16(1.5f));
        Assert.Equal(-32767, WavWriter.ToPcm16(-3f));
        Assert.Equal(0, WavWriter.ToPcm16(float.NaN));
        Assert.Equal(16384, WavWriter.ToPcm16(0.5f));
    }

    [Fact]
    public void WriteReplacesAnExistingFileWhole()
    {
        var path = Path.Combine(_dir, "x.wav");
        File.WriteAllText(path, new string('z', 100_000));
        WavWriter.Write(path, Ramp(8000, 1, 10));
        Assert.Equal(44 + 20, new FileInfo(path).Length);
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void FailedWriteLeavesNothingBehind()
    {
        // The target is a directory: refused, with a message naming the target (not a temporary file), nothing left.
        var target = Path.Combine(_dir, "busy.wav");
        Directory.CreateDirectory(target);
        var e = Assert.ThrowsAny<IOException>(() => WavWriter.Write(target, Ramp(8000, 1, 100)));
        Assert.StartsWith(target + ": ", e.Message);
        Assert.DoesNotContain(".tmp", e.Message);
        Assert.Empty(Directory.GetFiles(_dir));
        Assert.True(Directory.Exists(target));

        // A missing folder is created.
        var nested = Path.Combine(_dir, "no", "such", "dir.wav");
        WavWriter.Write(nested, Ramp(8000, 1, 100));
        Assert.Equal(100, WavReader.Read(nested).FrameCount);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(nested)!));
    }

    [Fact]
    public void ReaderRejectsBadFilesWithTypedError()
    {
        Assert.Throws<WavFormatException>(() => WavReader.Read(ReadOnlySpan<byte>.Empty));
        Assert.Throws<WavFormatException>(() => WavReader.Read(Encoding.ASCII.GetBytes("this is not a wave file at all")));

        var ms = new MemoryStream();
        WavWriter.Write(ms, Ramp(8000, 2, 100));
        var good = ms.ToArray();

        var truncated = good[..(good.Length - 10)];
        var e = Assert.Throws<WavFormatException>(() => WavReader.Read(truncated));
        Assert.Contains("truncated", e.Message);

        var badBits = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(badBits.AsSpan(34), 12);
        Assert.Throws<WavFormatException>(() => WavReader.Read(badBits));

        var noFmt = (byte[])good.Clone();
        Encoding.ASCII.GetBytes("junk").CopyTo(noFmt, 12);
        Assert.Throws<WavFormatException>(() => WavReader.Read(noFmt));

        var path = Path.Combine(_dir, "bad.wav");
        File.WriteAllBytes(path, truncated);
        var e2 = Assert.Throws<WavFormatException>(() => WavReader.Read(path));
        Assert.Contains("bad.wav", e2.Message);
    }

    [Fact]
    public void ReaderSkipsUnknownChunksAndReads24Bit()
    {
        var ms = new MemoryStream();
        var w = new BinaryWriter(ms);
        w.Write(Encoding.ASCII.GetBytes("RIFF")); w.Write(0); w.Write(Encoding.ASCII.GetBytes("WAVE"));
        w.Write(Encoding.ASCII.GetBytes("LIST")); w.Write(3); w.Write(new byte[] { 1, 2, 3, 0 }); // odd size + pad byte
        w.Write(Encoding.ASCII.GetBytes("fmt ")); w.Write(16); w.Write((short)1); w.Write((short)1); w.Write(48000); w.Write(48000 * 3); w.Write((short)3); w.Write((short)24);
        w.Write(Encoding.ASCII.GetBytes("data")); w.Write(6);
        w.Write(new byte[] { 0x00, 0x00, 0x40, 0x00, 0x00, 0xC0 }); // +0.5, -0.5
        var r = WavReader.Read(ms.ToArray());
        Assert.Equal(48000, r.SampleRate);
        Assert.Equal(new[] { 0.5f, -0.5f }, r.Samples);
    }

    [Fact]
    public void AudioBufferValidatesItsShape()
    {
        Assert.Throws<ArgumentException>(() => new AudioBuffer(44100, 2, new float[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AudioBuffer(0, 2, new float[2]));
        var b = new AudioBuffer(10, 2, new float[40]);
        Assert.Equal(20, b.FrameCount);
        Assert.Equal(2.0, b.DurationSeconds);
    }
}
