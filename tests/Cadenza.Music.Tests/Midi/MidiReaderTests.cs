using System.Text;
using Cadenza.Music.Midi;

namespace Cadenza.Music.Tests.Midi;

public class MidiReaderTests
{
    private static readonly MidiReadOptions Strict = new() { Strict = true };

    private static MidiReadResult Read(byte[] b, bool strict = false) => MidiFile.Read(b, "t.mid", strict ? Strict : null);

    [Fact]
    public void SmpteDivision_ConvertedToOneSecondQuarters()
    {
        // 25 fps, 40 ticks per frame = 1000 ticks per second.
        var file = Smf.File(0, unchecked((short)((-25 << 8) | 40)) & 0xFFFF,
            new TrackBody().Tempo(0, 300_000).On(0, 60, 100).Off(1000, 60).On(1000, 62, 100).Off(500, 62).End().ToArray());
        var r = Read(file, strict: true);
        Assert.True(r.SmpteDivision);
        Assert.Equal(1000, r.Score.TicksPerQuarter);
        Assert.Equal([new TempoChange(0, 1_000_000)], r.Score.Tempos);
        Assert.Equal(1.0, r.Score.TicksToSeconds(1000), 9);
        Assert.Equal(2.5, r.Score.TicksToSeconds(r.Score.Tracks[0].Notes[1].End), 9);
        Assert.Contains(r.Warnings, w => w.Contains("SMPTE") && w.Contains("tempo"));
    }

    [Fact]
    public void SmpteDropFrame_Uses2997FramesPerSecond()
    {
        var file = Smf.File(0, unchecked((short)((-29 << 8) | 4)) & 0xFFFF,
            new TrackBody().On(0, 60, 100).Off(2997 * 4 / 10, 60).End().ToArray()); // ~ 1198 ticks
        var r = Read(file);
        Assert.Equal(120, r.Score.TicksPerQuarter);
        // 29.97 fps (30000/1001) * 4 ticks per frame = 120 / 1.001 ticks per second
        Assert.Equal(1198 * 1.001 / 120, r.Score.TicksToSeconds(1198), 9);
    }

    [Fact]
    public void RunningStatusAfterSysex_TolerantWarnsStrictRejects()
    {
        var body = new TrackBody().On(0, 60, 100).Ev(0, 0xF0, 3, 0x7E, 0x7F, 0xF7).Raw(0x60, 60, 0).End().ToArray();
        var file = Smf.File(0, 96, body);
        var r = Read(file);
        Assert.Equal(new Note(0, 96, 60, 100), Assert.Single(r.Score.Tracks).Notes.Single());
        Assert.Contains("running status", Assert.Single(r.Warnings));
        Assert.Throws<MusicFormatException>(() => Read(file, strict: true));
    }

    [Fact]
    public void SysexWithStatusAfterwards_IsClean()
    {
        var body = new TrackBody().Ev(0, 0xF0, 5, 0x7E, 0x7F, 0x09, 0x01, 0xF7).Ev(0, 0xF7, 2, 0x01, 0x02)
            .On(0, 60, 100).Off(96, 60).End().ToArray();
        var r = Read(Smf.File(0, 96, body), strict: true);
        Assert.Single(r.Score.Tracks[0].Notes);
        Assert.Empty(r.Warnings);
    }

    [Theory]
    [InlineData(0xF1, 1)]
    [InlineData(0xF2, 2)]
    [InlineData(0xF3, 1)]
    [InlineData(0xF6, 0)]
    [InlineData(0xF8, 0)]
    [InlineData(0xFE, 0)]
    public void IllegalSystemBytes_SkippedWithoutDesync(int status, int dataBytes)
    {
        var ev = new byte[1 + dataBytes];
        ev[0] = (byte)status;
        for (int i = 1; i <= dataBytes; i++) ev[i] = 0x11;
        var body = new TrackBody().On(0, 60, 100).Ev(10, ev).Off(86, 60).On(0, 62, 90).Off(96, 62).End().ToArray();
        var r = Read(Smf.File(0, 96, body));
        Assert.Equal([new Note(0, 96, 60, 100), new Note(96, 96, 62, 90)], r.Score.Tracks[0].Notes);
        Assert.Contains($"0x{status:X2}", Assert.Single(r.Warnings));
        var e = Assert.Throws<MusicFormatException>(() => Read(Smf.File(0, 96, body), strict: true));
        Assert.NotNull(e.Offset);
    }

    [Fact]
    public void TrailingGarbage_Warned()
    {
        var file = Smf.Concat(EdgeCaseFiles.VlqMaxDelta(), [0x00, 0x12, 0x34]);
        var r = Read(file);
        Assert.Equal(2, r.Score.NoteCount);
        Assert.Contains("trailing", Assert.Single(r.Warnings));
        Assert.Throws<MusicFormatException>(() => Read(file, strict: true));
    }

    [Fact]
    public void UnknownChunkInRange_SkippedSilently()
    {
        var file = Smf.Concat(Smf.Header(1, 1, 96), Smf.Chunk("Junk", Encoding.ASCII.GetBytes("not midi")),
            Smf.Track(new TrackBody().On(0, 60, 1).Off(1, 60).End().ToArray()));
        var r = Read(file, strict: true);
        Assert.Equal(1, r.Score.NoteCount);
        Assert.Empty(r.Warnings);
    }

    [Theory]
    [InlineData(new byte[0], "empty")]
    [InlineData(new byte[] { 1, 2, 3 }, "not a MIDI file")]
    public void Unreadable_Rejected(byte[] data, string text)
    {
        var e = Assert.Throws<MusicFormatException>(() => MidiFile.Read(data, "bad.mid"));
        Assert.StartsWith("bad.mid: ", e.Message);
        Assert.Contains(text, e.Message);
    }

    [Fact]
    public void NotMidiText_Rejected()
    {
        var e = Assert.Throws<MusicFormatException>(() => MidiFile.Read("file does not exist"u8, "x.mid"));
        Assert.Contains("MThd", e.Message);
    }

    [Fact]
    public void ShortTrackLength_ReadsOnToEndOfTrack()
    {
        var body = new TrackBody().On(0, 60, 100).Off(96, 60).On(0, 62, 100).Off(96, 62).End().ToArray();
        var file = Smf.Concat(Smf.Header(0, 1, 96), Smf.Track(body, length: 6));
        var r = Read(file);
        Assert.Equal(2, r.Score.NoteCount);
        Assert.Contains("reading on", Assert.Single(r.Warnings));
    }

    [Fact]
    public void LongTrackLengthSwallowingNextTrack_Corrected()
    {
        var t1 = new TrackBody().On(0, 60, 100).Off(96, 60).End().ToArray();
        var t2 = new TrackBody().On(0, 62, 100, ch: 1).Off(96, 62, ch: 1).End().ToArray();
        var t2chunk = Smf.Track(t2);
        var file = Smf.Concat(Smf.Header(1, 2, 96), Smf.Track(t1, length: t1.Length + t2chunk.Length), t2chunk);
        var r = Read(file);
        Assert.Equal(2, r.Score.Tracks.Count);
        Assert.Contains("next 'MTrk'", Assert.Single(r.Warnings));
    }

    [Fact]
    public void HeaderTrackCountMismatch_Warned()
    {
        var file = Smf.Concat(Smf.Header(1, 3, 96), Smf.Track(new TrackBody().On(0, 60, 1).Off(1, 60).End().ToArray()));
        var r = Read(file);
        Assert.Contains("declares 3", Assert.Single(r.Warnings));
        Assert.Throws<MusicFormatException>(() => Read(file, strict: true));
    }

    [Fact]
    public void Format0WithSeveralChannels_OnePartPerChannel_TitleFromTrackName()
    {
        var body = new TrackBody().Name("My Song").Program(0, 33, ch: 1).On(0, 60, 100).On(0, 40, 90, ch: 1).On(0, 36, 80, ch: 9)
            .Off(96, 60).Off(0, 40, ch: 1).Off(0, 36, ch: 9).End().ToArray();
        var r = Read(Smf.File(0, 96, body), strict: true);
        Assert.Equal("My Song", r.Score.Title);
        Assert.Equal([(0, 0, false), (1, 33, false), (9, 0, true)], r.Score.Tracks.Select(t => (t.Channel, t.Program, t.IsDrum)));
        Assert.All(r.Score.Tracks, t => Assert.Equal("My Song", t.Name));
    }

    [Fact]
    public void ProgramChangeMidTrack_SplitsParts_NoteBelongsToProgramAtNoteOn()
    {
        var body = new TrackBody().Name("Keys").Program(0, 0).On(0, 60, 100).Program(48, 5).Off(48, 60)
            .On(0, 62, 100).Off(96, 62).End().ToArray();
        var r = Read(Smf.File(1, 96, new TrackBody().Name("Title Here").End().ToArray(), body), strict: true);
        Assert.Equal("Title Here", r.Score.Title);
        Assert.Equal(2, r.Score.Tracks.Count);
        Assert.Equal((0, 60L), (r.Score.Tracks[0].Program, (long)r.Score.Tracks[0].Notes.Single().Pitch));
        Assert.Equal((5, 62L), (r.Score.Tracks[1].Program, (long)r.Score.Tracks[1].Notes.Single().Pitch));
    }

    [Fact]
    public void ProgramChangeInConductorTrack_AppliesToOtherTracks()
    {
        var conductor = new TrackBody().Program(0, 24, ch: 2).End().ToArray();
        var body = new TrackBody().On(0, 60, 100, ch: 2).Off(96, 60, ch: 2).End().ToArray();
        var r = Read(Smf.File(1, 96, conductor, body), strict: true);
        Assert.Equal(24, Assert.Single(r.Score.Tracks).Program);
    }

    [Fact]
    public void ControllersAndBends_KeptOnTheirPart()
    {
        var body = new TrackBody().Cc(0, 7, 100, ch: 3).On(0, 60, 100, ch: 3).Ev(10, 0xE3, 0x00, 0x50).Cc(10, 64, 127, ch: 3)
            .Off(76, 60, ch: 3).End().ToArray();
        var t = Assert.Single(Read(Smf.File(0, 96, body), strict: true).Score.Tracks);
        Assert.Equal([new ControlChange(0, 7, 100), new ControlChange(20, 64, 127)], t.Controls);
        Assert.Equal([new PitchBend(10, (0x50 << 7) - 8192)], t.PitchBends);
    }

    [Fact]
    public void PedalOnlyTrack_JoinsTheNotesOnItsChannel()
    {
        var right = new TrackBody().Name("Piano right").On(0, 72, 100).Off(96, 72).End().ToArray();
        var left = new TrackBody().Name("Piano left").On(0, 48, 100).Off(96, 48).End().ToArray();
        var pedal = new TrackBody().Name("Pedale").Cc(0, 64, 127).Cc(90, 64, 0).End().ToArray();
        var r = Read(Smf.File(1, 96, new TrackBody().End().ToArray(), right, left, pedal), strict: true);
        Assert.Equal(2, r.Score.Tracks.Count);
        Assert.All(r.Score.Tracks, t => Assert.Equal(2, t.Controls.Count));
    }

    [Fact]
    public void ControllerOnlyChannel_GetsItsOwnPart()
    {
        var body = new TrackBody().Name("Setup").Cc(0, 7, 90, ch: 5).End().ToArray();
        var t = Assert.Single(Read(Smf.File(1, 96, body), strict: true).Score.Tracks);
        Assert.Equal((5, 0), (t.Channel, t.Notes.Count));
        Assert.Single(t.Controls);
    }

    [Fact]
    public void Text_Utf8OrLatin1()
    {
        var body = new TrackBody().Meta(0, 0x01, Encoding.UTF8.GetBytes("Été ♪")).Meta(0, 0x05, [0x4C, 0xE0]) // "Là" in Latin-1
            .Meta(0, 0x02, Encoding.Latin1.GetBytes("© Bernd")).End().ToArray();
        var r = Read(Smf.File(0, 96, body), strict: true);
        Assert.Equal(["Été ♪", "Là", "© Bernd"], r.Score.Texts.Select(t => t.Text));
        Assert.Equal([TextKind.Text, TextKind.Lyric, TextKind.Copyright], r.Score.Texts.Select(t => t.Kind));
    }

    [Fact]
    public void OpenNoteAtEnd_ClosedAtLastTickWithWarning()
    {
        var body = new TrackBody().On(0, 60, 100).On(96, 64, 100).Off(0, 64).End(96).ToArray();
        var r = Read(Smf.File(0, 96, body));
        Assert.Contains(new Note(0, 192, 60, 100), r.Score.Tracks[0].Notes);
        Assert.Contains("closed at tick 192", Assert.Single(r.Warnings));
        Assert.Throws<MusicFormatException>(() => Read(Smf.File(0, 96, body), strict: true));
    }

    [Fact]
    public void OrphanNoteOff_EndsNothing()
    {
        var body = new TrackBody().Off(0, 60).On(0, 60, 100).Off(96, 60).Off(0, 60).End().ToArray();
        var r = Read(Smf.File(0, 96, body), strict: true);
        Assert.Equal([new Note(0, 96, 60, 100)], r.Score.Tracks[0].Notes);
    }

    [Fact]
    public void RepeatedWarnings_AreCountedNotRepeated()
    {
        var tb = new TrackBody();
        for (int i = 0; i < 1000; i++) tb.Ev(0, 0xF8);
        var r = Read(Smf.File(0, 96, tb.End().ToArray()));
        Assert.Contains("1000 times", Assert.Single(r.Warnings));
    }

    [Fact]
    public void PortsKeepChannelsApart()
    {
        var a = new TrackBody().Meta(0, 0x21, [0]).On(0, 60, 100).Off(96, 60).End().ToArray();
        var b = new TrackBody().Meta(0, 0x21, [2]).On(0, 60, 100).Off(48, 60).End().ToArray();
        var r = Read(Smf.File(1, 96, a, b), strict: true);
        Assert.Equal([(0, 96L), (2, 48L)], r.Score.Tracks.Select(t => (t.Port, t.Notes.Single().Duration)));
    }

    [Fact]
    public void ReadFromPath_MissingFilePassesThrough()
    {
        Assert.Throws<FileNotFoundException>(() => MidiFile.Read(Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".mid")));
    }

    [Fact]
    public void ReadFromPath_NamesTheFile()
    {
        string dir = Directory.CreateTempSubdirectory().FullName;
        try
        {
            string p = Path.Combine(dir, "bad.mid");
            File.WriteAllBytes(p, EdgeCaseFiles.VlqFiveBytes());
            var e = Assert.Throws<MusicFormatException>(() => MidiFile.Read(p));
            Assert.Equal(p, e.SourceName);
            Assert.Contains("bad.mid", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void AllSoundingPairing_EndsEveryOpenNoteOfTheKey()
    {
        var opts = new MidiReadOptions { Pairing = NotePairing.AllSounding };
        var r = MidiFile.Read(EdgeCaseFiles.OverlappingSamePitch(), "x", opts);
        Assert.Equal([new Note(0, 480, 60, 100), new Note(240, 240, 60, 80)], r.Score.Tracks[0].Notes);
        // a note begun at the note-off's tick keeps sounding when an older one is ended
        var body = new TrackBody().On(0, 60, 100).Off(96, 60).On(0, 60, 90).Off(96, 60).End().ToArray();
        Assert.Equal([new Note(0, 96, 60, 100), new Note(96, 96, 60, 90)], MidiFile.Read(Smf.File(0, 96, body), "x", opts).Score.Tracks[0].Notes);
        Assert.Equal([new Note(0, 0, 60, 100), new Note(480, 480, 60, 80), new Note(960, 480, 67, 100)],
            MidiFile.Read(EdgeCaseFiles.ZeroLengthNote(), "x", opts).Score.Tracks[0].Notes);
    }

    [Fact]
    public void PortEventAfterProgramAtTickZero_AppliesToTheWholeTrack()
    {
        var body = new TrackBody().Name("Flute").Program(0, 73, ch: 3).Cc(0, 7, 100, ch: 3).Meta(0, 0x21, [2])
            .On(0, 72, 100, ch: 3).Off(96, 72, ch: 3).End().ToArray();
        var t = Assert.Single(MidiFile.Read(Smf.File(1, 96, body), "x", Strict).Score.Tracks);
        Assert.Equal((2, 3, 73, 1), (t.Port, t.Channel, t.Program, t.Controls.Count));
    }

    [Fact]
    public void DamagedTrackChunkId_ReadAsTrackWhenTracksAreMissing()
    {
        var file = Smf.Concat(Smf.Header(0, 1, 96), Smf.Chunk("MXrk", new TrackBody().On(0, 60, 100).Off(96, 60).End().ToArray()));
        var r = Read(file);
        Assert.Equal(1, r.Score.NoteCount);
        Assert.Contains("'MXrk'", Assert.Single(r.Warnings));
        Assert.Throws<MusicFormatException>(() => Read(file, strict: true));
    }

    [Theory]
    [InlineData("Moonlight Sonata", "Moonlight Sonata")]
    [InlineData("Piano right", null)]
    [InlineData("Track 3", null)]
    [InlineData("   ", null)]
    public void Title_FromFormat0TrackNameWhenSensible(string name, string? title)
    {
        var r = Read(Smf.File(0, 96, new TrackBody().Name(name).On(0, 60, 1).Off(1, 60).End().ToArray()), strict: true);
        Assert.Equal(title, r.Score.Title);
    }

    [Fact]
    public void Title_NotFromLatin1DecodedControlCharacters()
    {
        var body = new TrackBody().Meta(0, 0x03, [0x83, 0x4A, 0x83, 0x93]).On(0, 60, 1).Off(1, 60).End().ToArray(); // Shift-JIS
        Assert.Null(Read(Smf.File(0, 96, body)).Score.Title);
    }
}
