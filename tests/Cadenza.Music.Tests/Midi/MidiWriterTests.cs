using Cadenza.Music.Midi;

namespace Cadenza.Music.Tests.Midi;

public class MidiWriterTests
{
    private static readonly MidiReadOptions Strict = new() { Strict = true };

    internal static Score RichScore()
    {
        var s = new Score(384) { Title = "Überschrift – test" };
        s.Tempos.Add(new TempoChange(0, 600_000));
        s.Tempos.Add(new TempoChange(1536, 400_000));
        s.TimeSignatures.Add(new TimeSignature(0, 3, 4));
        s.TimeSignatures.Add(new TimeSignature(1152, 7, 8));
        s.KeySignatures.Add(new KeySignature(0, -3, true));
        s.KeySignatures.Add(new KeySignature(1152, 2, false));
        s.Texts.Add(new TextEvent(0, TextKind.Copyright, "© someone"));
        s.Texts.Add(new TextEvent(384, TextKind.Lyric, "Là"));
        s.Texts.Add(new TextEvent(768, TextKind.Marker, "B section"));
        s.Texts.Add(new TextEvent(800, TextKind.Cue, "cue"));
        s.Texts.Add(new TextEvent(900, TextKind.Text, "日本語"));

        var piano = new Track { Name = "Piano", Program = 0, Channel = 0 };
        piano.Notes.AddRange([new Note(0, 384, 60, 90), new Note(0, 384, 64, 80), new Note(384, 0, 67, 70), new Note(384, 192, 60, 100),
            new Note(576, 192, 60, 101), new Note(700, 400, 62, 50), new Note(800, 400, 62, 51)]);
        piano.Controls.AddRange([new ControlChange(0, 64, 127), new ControlChange(700, 64, 0), new ControlChange(700, 7, 100)]);
        var strings = new Track { Name = "Strings 2", Program = 48, Channel = 1, Port = 1 };
        strings.Notes.Add(new Note(0, 1536, 55, 64));
        strings.PitchBends.AddRange([new PitchBend(10, -8192), new PitchBend(20, 8191), new PitchBend(30, 0)]);
        var drums = new Track { Name = "Drums", Channel = 9, IsDrum = true };
        drums.Notes.AddRange([new Note(0, 10, 36, 120), new Note(96, 10, 42, 60), new Note(192, 10, 38, 110)]);
        s.Tracks.AddRange([piano, strings, drums]);
        s.Normalize();
        return s;
    }

    internal static void AssertSameScore(Score a, Score b)
    {
        Assert.Equal(a.TicksPerQuarter, b.TicksPerQuarter);
        Assert.Equal(a.Title, b.Title);
        Assert.Equal(a.Tempos, b.Tempos);
        Assert.Equal(a.TimeSignatures, b.TimeSignatures);
        Assert.Equal(a.KeySignatures, b.KeySignatures);
        Assert.Equal(a.Texts, b.Texts);
        Assert.Equal(a.Tracks.Count, b.Tracks.Count);
        for (int i = 0; i < a.Tracks.Count; i++)
        {
            var x = a.Tracks[i];
            var y = b.Tracks[i];
            Assert.Equal((x.Name, x.Program, x.Channel, x.Port, x.IsDrum), (y.Name, y.Program, y.Channel, y.Port, y.IsDrum));
            Assert.Equal(x.Notes, y.Notes);
            Assert.Equal(x.Controls, y.Controls);
            Assert.Equal(x.PitchBends, y.PitchBends);
        }
    }

    [Fact]
    public void RoundTrip_KeepsEverything_AndPassesStrictReading()
    {
        var s = RichScore();
        var r = MidiFile.Read(MidiFile.ToBytes(s), "rich.mid", Strict);
        Assert.Empty(r.Warnings);
        Assert.Equal(1, r.Format);
        Assert.Equal(4, r.TrackChunks);
        AssertSameScore(s, r.Score);
        // and a second generation is byte-identical
        Assert.Equal(MidiFile.ToBytes(s), MidiFile.ToBytes(r.Score));
    }

    [Fact]
    public void EveryEdgeCase_ReReadsEqual()
    {
        foreach (var (name, bytes) in EdgeCaseFiles.All())
        {
            MidiReadResult r;
            try { r = MidiFile.Read(bytes, name); }
            catch (MusicFormatException) { continue; }
            var back = MidiFile.Read(MidiFile.ToBytes(r.Score), name, Strict);
            Assert.DoesNotContain(back.Warnings, w => !w.StartsWith("format 2"));
            Assert.Equal(MidiEdgeCaseTests.Notes(r.Score), MidiEdgeCaseTests.Notes(back.Score));
            Assert.Equal(r.Score.Tempos, back.Score.Tempos);
            Assert.Equal(r.Score.TimeSignatures, back.Score.TimeSignatures);
        }
    }

    [Fact]
    public void NoteEndingWhereSamePitchStarts_StaysTwoNotes()
    {
        var s = new Score(96);
        var t = new Track();
        t.Notes.AddRange([new Note(0, 96, 60, 100), new Note(96, 96, 60, 90), new Note(96, 0, 61, 90), new Note(96, 5, 61, 91)]);
        s.Tracks.Add(t);
        var back = MidiFile.Read(MidiFile.ToBytes(s), "x", Strict).Score;
        Assert.Equal(t.Notes.OrderBy(n => n.Onset).ThenBy(n => n.Pitch), back.Tracks[0].Notes);
    }

    [Fact]
    public void HugeGap_BridgedBeyondTheLargestDelta()
    {
        var s = new Score(96);
        var t = new Track();
        t.Notes.AddRange([new Note(0, 1L << 30, 60, 100), new Note(3L << 30, 96, 62, 100)]);
        s.Tracks.Add(t);
        s.Tempos.Add(new TempoChange(5L << 29, 400_000));
        var back = MidiFile.Read(MidiFile.ToBytes(s), "x", Strict).Score;
        Assert.Equal(t.Notes, back.Tracks[0].Notes);
        Assert.Equal(s.Tempos, back.Tempos);
    }

    [Fact]
    public void Velocity0_WrittenAs1()
    {
        var s = new Score(96);
        var t = new Track();
        t.Notes.Add(new Note(0, 96, 60, 0));
        s.Tracks.Add(t);
        Assert.Equal(new Note(0, 96, 60, 1), MidiFile.Read(MidiFile.ToBytes(s), "x", Strict).Score.Tracks[0].Notes.Single());
    }

    [Fact]
    public void NestedSamePitchNotes_KeepTheirOnsetsAndEnds()
    {
        // One channel cannot say that an earlier note outlasts a later one of the same pitch (a FIFO reader
        // would swap their ends), so the writer puts the inner note in a second track chunk (documented).
        var s = new Score(96);
        var t = new Track();
        t.Notes.AddRange([new Note(0, 300, 60, 100), new Note(100, 50, 60, 90)]);
        s.Tracks.Add(t);
        var back = MidiFile.Read(MidiFile.ToBytes(s), "x", Strict).Score.Tracks.SelectMany(x => x.Notes).OrderBy(n => n.Onset).ToList();
        Assert.Equal(t.Notes, back);
    }

    [Theory]
    [InlineData(16, 0, 60, 4)]
    [InlineData(0, 0, 128, 4)]
    [InlineData(0, -1, 60, 4)]
    [InlineData(0, 0, 60, 3)]
    public void InvalidValues_ThrowArgumentException(int channel, long onset, int pitch, int tsDenominator)
    {
        var s = new Score(96);
        s.TimeSignatures.Add(new TimeSignature(0, 4, tsDenominator));
        var t = new Track { Channel = channel };
        t.Notes.Add(new Note(onset, 10, pitch, 100));
        s.Tracks.Add(t);
        Assert.ThrowsAny<ArgumentException>(() => MidiFile.ToBytes(s));
    }

    [Fact]
    public void WriteToPath_IsAtomic()
    {
        string dir = Directory.CreateTempSubdirectory().FullName;
        try
        {
            string path = Path.Combine(dir, "out.mid");
            MidiFile.Write(RichScore(), path);
            AssertSameScore(RichScore(), MidiFile.Read(path, Strict).Score);
            byte[] before = File.ReadAllBytes(path);

            var bad = RichScore();
            bad.Tracks[0].Channel = 99;
            Assert.ThrowsAny<ArgumentException>(() => MidiFile.Write(bad, path));
            Assert.Equal(before, File.ReadAllBytes(path)); // untouched
            Assert.ThrowsAny<ArgumentException>(() => MidiFile.Write(bad, Path.Combine(dir, "new.mid")));
            Assert.Equal(["out.mid"], Directory.GetFiles(dir).Select(Path.GetFileName)); // no temp or partial files
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void WriteToStream_SameBytesAsToBytes()
    {
        var ms = new MemoryStream();
        MidiFile.Write(RichScore(), ms);
        Assert.Equal(MidiFile.ToBytes(RichScore()), ms.ToArray());
    }

    [Fact]
    public void DrumTrack_WrittenOnChannel9()
    {
        var s = new Score(96);
        var t = new Track { Name = "Kit", IsDrum = true, Channel = 0 };
        t.Notes.Add(new Note(0, 10, 36, 100));
        s.Tracks.Add(t);
        var back = Assert.Single(MidiFile.Read(MidiFile.ToBytes(s), "x", Strict).Score.Tracks);
        Assert.Equal((9, true, 36), (back.Channel, back.IsDrum, back.Notes.Single().Pitch));
    }
}
