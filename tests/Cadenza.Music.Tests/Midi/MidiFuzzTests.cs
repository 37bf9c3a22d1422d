using System.Diagnostics;
using Cadenza.Music.Midi;

namespace Cadenza.Music.Tests.Midi;

/// <summary>
/// Random mutations of valid and damaged files: every read either returns a result or throws
/// <see cref="MusicFormatException"/>; no other exception, no hang. Seeded, so failures reproduce.
/// </summary>
public class MidiFuzzTests
{
    private static List<byte[]> Seeds()
    {
        var seeds = EdgeCaseFiles.All().Values.ToList();
        seeds.Add(MidiFile.ToBytes(MidiWriterTests.RichScore()));
        return seeds;
    }

    private static byte[] Mutate(byte[] src, Random rng)
    {
        var b = new List<byte>(src);
        int edits = 1 + rng.Next(4);
        for (int e = 0; e < edits; e++)
        {
            if (b.Count == 0) { b.Add((byte)rng.Next(256)); continue; }
            int at = rng.Next(b.Count);
            switch (rng.Next(8))
            {
                case 0: b[at] = (byte)rng.Next(256); break;                         // random byte
                case 1: b[at] ^= (byte)(1 << rng.Next(8)); break;                   // bit flip
                case 2: b.Insert(at, (byte)rng.Next(256)); break;                   // insertion
                case 3: b.RemoveRange(at, Math.Min(b.Count - at, 1 + rng.Next(8))); break; // deletion
                case 4: b.RemoveRange(at, b.Count - at); break;                     // truncation
                case 5: b[at] = (byte)(rng.Next(2) == 0 ? 0xFF : 0x80 | rng.Next(128)); break; // status-like byte
                case 6:                                                             // huge length field
                    for (int i = 0; i < 4 && at + i < b.Count; i++) b[at + i] = 0xFF;
                    break;
                case 7:                                                             // duplicate a slice
                    int len = Math.Min(b.Count - at, 1 + rng.Next(32));
                    b.InsertRange(rng.Next(b.Count), b.GetRange(at, len));
                    break;
            }
        }
        return b.ToArray();
    }

    [Fact]
    public void MutatedFiles_ReadOrThrowMusicFormatException()
    {
        var seeds = Seeds();
        var rng = new Random(12345);
        var strict = new MidiReadOptions { Strict = true };
        var other = new MidiReadOptions { Pairing = NotePairing.AllSounding, ApplySustainPedal = true };
        var sw = Stopwatch.StartNew();
        int read = 0, rejected = 0;
        for (int i = 0; i < 20000 && sw.Elapsed < TimeSpan.FromSeconds(4); i++)
        {
            var data = Mutate(seeds[rng.Next(seeds.Count)], rng);
            foreach (var opts in new[] { null, strict, other })
            {
                try
                {
                    var r = MidiFile.Read(data, "fuzz.mid", opts);
                    read++;
                    Assert.All(r.Score.Tracks.SelectMany(t => t.Notes), n => Assert.True(n.Duration >= 0 && n.Onset >= 0));
                    // what reads must also write and re-read
                    MidiFile.Read(MidiFile.ToBytes(r.Score), "again.mid", strict);
                }
                catch (MusicFormatException) { rejected++; }
                catch (Exception e)
                {
                    Assert.Fail($"case {i}: {e.GetType().Name}: {e.Message}\nbytes: {Convert.ToHexString(data)}");
                }
            }
        }
        Assert.True(read > 100 && rejected > 100, $"read {read}, rejected {rejected}");
    }

    [Fact]
    public void RandomBytes_AfterAHeader_ReadOrThrow()
    {
        var rng = new Random(777);
        for (int i = 0; i < 2000; i++)
        {
            var body = new byte[rng.Next(200)];
            rng.NextBytes(body);
            var data = Smf.Concat(Smf.Header(rng.Next(3), 1, 96), Smf.Track(body, length: rng.Next(2) == 0 ? body.Length : rng.Next(300)));
            try { MidiFile.Read(data, "r.mid"); }
            catch (MusicFormatException) { }
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0xFF, 0x01, 0xFF, 0xFF, 0xFF, 0x7F, 0x41 })]       // meta text claiming 256 MB
    [InlineData(new byte[] { 0x00, 0xF0, 0xFF, 0xFF, 0xFF, 0x7F, 0x41 })]             // sysex claiming 256 MB
    [InlineData(new byte[] { 0x00, 0x90, 0x3C, 0x64, 0xFF, 0xFF, 0xFF, 0x7F })]       // delta with no event
    public void HugeLengthFields_NeverAllocateOrReadBeyondTheData(byte[] body)
    {
        var file = Smf.Concat(Smf.Header(0, 1, 96), Smf.Track(body, length: 0xFFFFFFFF));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var r = MidiFile.Read(file, "huge.mid");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000);
        Assert.NotEmpty(r.Warnings);
        Assert.Throws<MusicFormatException>(() => MidiFile.Read(file, "huge.mid", new MidiReadOptions { Strict = true }));
    }

    [Fact]
    public void ManyEmptyTrackChunks_WarningsStayFew()
    {
        var parts = new List<byte[]> { Smf.Header(1, 3, 96) };
        for (int i = 0; i < 5000; i++) parts.Add(Smf.Track([]));
        var r = MidiFile.Read(Smf.Concat([.. parts]), "many.mid");
        Assert.Equal(5000, r.TrackChunks);
        Assert.Equal(2, r.Warnings.Count); // missing End-of-Track (counted) and the header's track count
        Assert.Contains("5000 times", r.Warnings[0]);
    }
}
