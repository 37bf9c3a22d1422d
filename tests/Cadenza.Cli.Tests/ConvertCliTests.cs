using System.Text.Json;
using Cadenza.Music;
using Cadenza.Music.Abc;
using Cadenza.Music.Midi;

namespace Cadenza.Cli.Tests;

[Collection("console")]
public class ConvertCliTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    // A tune with a pickup, broken rhythm, a triplet, a chord, ties across a bar line, a repeat with endings,
    // a chord symbol, a grace note, an inline key change and a rest: every kind of timing the writer has to reproduce.
    private const string Tune = """
        X:4
        T:Test Reel
        T:Second Title
        M:4/4
        L:1/8
        Q:1/4=110
        K:G
        D|"G"G>A B/c/d {a}g2 fe|(3def g2- g2 [GBd]2|1 z2 A2 B4:|2 c2 B2 A4||
        [K:D] f4- f2 e2|d8|]
        """;

    private const string Book = """
        X:1
        T:Morning Dew
        M:6/8
        K:D
        dAF DFA|dAF G2E|

        X:2
        T:Drowsy Maggie
        M:4/4
        K:Edor
        E2BE dEBE|E2BE AFDF|

        X:3
        T:Broken One
        K:C
        C99999999999/1 C99999999999 C99999999999 C9999999999 C9999999999

        """;

    private string Write(string name, string text)
    {
        var path = _dir[name];
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    // Pitch, onset and duration of every note (velocities are not compared: ABC has none).
    private static List<(long Onset, long Duration, int Pitch)> Notes(IEnumerable<Note> notes) =>
        notes.Select(n => (n.Onset, n.Duration, n.Pitch)).OrderBy(n => n.Onset).ThenBy(n => n.Pitch).ToList();

    private static List<(long Onset, long Duration, int Pitch)> Notes(Track t) => Notes(t.Notes);

    private static List<(long Onset, long Duration, int Pitch)> Notes(Score s) => Notes(s.Tracks.SelectMany(t => t.Notes));

    private static Score ReadAbcTune(string path, int index = 0) => AbcFile.Read(path).Tunes[index].Score;

    private static void AssertOneLine(string err)
    {
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, "expected one line, got:\n" + err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void AbcToMidiToAbcKeepsEveryNote()
    {
        var abc = Write("reel.abc", Tune);
        var original = ReadAbcTune(abc);
        Assert.True(original.NoteCount >= 25, "the test tune should have notes");

        var r1 = CliRunner.Run("convert", abc, "-o", _dir["reel.mid"]);
        Assert.Equal(0, r1.ExitCode);
        Assert.Contains("tune X:4 \"Test Reel\"", r1.Err);
        var mid = MidiFile.Read(_dir["reel.mid"]).Score;
        Assert.Equal(Notes(original), Notes(mid));
        Assert.Equal("Test Reel", mid.Title);
        Assert.Equal(110, Math.Round(mid.Tempos[0].Bpm));

        var r2 = CliRunner.Run("convert", _dir["reel.mid"], "-o", _dir["back.abc"]);
        Assert.Equal(0, r2.ExitCode);
        Assert.Contains("track 0", r2.Err);
        var back = AbcFile.Read(_dir["back.abc"]);
        Assert.Empty(back.Errors);
        var tune = Assert.Single(back.Tunes);
        Assert.Equal("Test Reel", tune.Titles[0]);
        Assert.Equal(Notes(original), Notes(tune.Score));
        Assert.Contains(tune.ChordSymbols, c => c.Text == "G");
    }

    [Fact]
    public void AbcToAbcNormalizesAndKeepsTheReferenceNumber()
    {
        var abc = Write("reel.abc", Tune);
        var r = CliRunner.Run("convert", abc, "-o", _dir["normal.abc"]);
        Assert.Equal(0, r.ExitCode);
        var back = Assert.Single(AbcFile.Read(_dir["normal.abc"]).Tunes);
        Assert.Equal("4", back.ReferenceNumber);
        Assert.Equal(Notes(ReadAbcTune(abc)), Notes(back.Score));
    }

    private static Score Band()
    {
        var s = new Score(480) { Title = "Band" };
        s.Tempos.Add(TempoChange.FromBpm(0, 96));
        s.TimeSignatures.Add(new TimeSignature(0, 3, 4));
        var bass = new Track { Name = "Bass", Program = 33, Channel = 1 };
        for (int i = 0; i < 12; i++) bass.Notes.Add(new Note(i * 480, 480, 36 + i % 5, 90));
        var lead = new Track { Name = "Flute", Program = 73, Channel = 0 };
        long t = 0;
        int[] lengths = [240, 240, 480, 160, 160, 160, 720, 240, 960, 120, 120, 240];
        for (int i = 0; i < lengths.Length; i++)
        {
            lead.Notes.Add(new Note(t, lengths[i], 72 + (i * 5) % 12, 100));
            t += lengths[i];
        }
        lead.Notes.Add(new Note(0, 480, 76, 100));         // a two-note chord at the start
        var drums = new Track { Name = "Kit", Channel = 9, IsDrum = true };
        for (int i = 0; i < 12; i++) drums.Notes.Add(new Note(i * 480, 60, 42, 100));
        s.Tracks.AddRange([bass, lead, drums]);
        return s;
    }

    [Fact]
    public void MidiToAbcToMidiKeepsTheMelodyTrack()
    {
        MidiFile.Write(Band(), _dir["band.mid"]);
        var read = MidiFile.Read(_dir["band.mid"]).Score;
        int melody = AbcWriter.ChooseMelodyTrack(read);
        Assert.Equal("Flute", read.Tracks[melody].Name);

        var r = CliRunner.Run("convert", _dir["band.mid"], "-o", _dir["band.abc"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"track {melody} 'Flute' (program 73, 13 notes; chosen as the melody)", r.Err);
        var r2 = CliRunner.Run("convert", _dir["band.abc"], "-o", _dir["again.mid"]);
        Assert.Equal(0, r2.ExitCode);
        var again = MidiFile.Read(_dir["again.mid"]).Score;
        Assert.Equal(Notes(read.Tracks[melody]), Notes(again));
        Assert.Equal(new TimeSignature(0, 3, 4), again.TimeSignatures[0]);
    }

    [Fact]
    public void TrackOptionWritesTheTrackAsked()
    {
        MidiFile.Write(Band(), _dir["band.mid"]);
        var read = MidiFile.Read(_dir["band.mid"]).Score;
        int bass = read.Tracks.FindIndex(t => t.Name == "Bass");
        var r = CliRunner.Run("convert", _dir["band.mid"], "-o", _dir["bass.abc"], "--track", bass.ToString());
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("chosen with --track", r.Err);
        Assert.Equal(Notes(read.Tracks[bass]), Notes(ReadAbcTune(_dir["bass.abc"])));

        var bad = CliRunner.Run("convert", _dir["band.mid"], "-o", _dir["none.abc"], "--track", "9");
        Assert.Equal(2, bad.ExitCode);
        AssertOneLine(bad.Err);
        Assert.Contains("no track 9 (the score has 3 tracks, 0-2)", bad.Err);
        Assert.False(File.Exists(_dir["none.abc"]));
    }

    [Fact]
    public void QuantizeSnapsPlayedTimingToTheGrid()
    {
        var s = new Score(480);
        var t = new Track { Name = "melody" };
        // Played timing: each note a few ticks off an eighth-note grid (240 ticks).
        int[] jitter = [7, -11, 3, 13, -5, 0, 9, -2];
        for (int i = 0; i < jitter.Length; i++) t.Notes.Add(new Note(480 + i * 240 + jitter[i], 230 - jitter[i] / 2, 67 + i % 3, 90));
        s.Tracks.Add(t);
        MidiFile.Write(s, _dir["played.mid"]);
        var r = CliRunner.Run("convert", _dir["played.mid"], "-o", _dir["played.abc"], "--quantize", "1/8");
        Assert.Equal(0, r.ExitCode);
        var back = ReadAbcTune(_dir["played.abc"]);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (480L + i * 240, 240L, 67 + i % 3)).ToList(), Notes(back));
        Assert.DoesNotContain("/", File.ReadAllText(_dir["played.abc"]).Split('\n').Last(l => l.Contains('|')));  // plain lengths, no fractions

        var bad = CliRunner.Run("convert", _dir["played.mid"], "-o", _dir["x.abc"], "--quantize", "1/0");
        Assert.Equal(2, bad.ExitCode);
        AssertOneLine(bad.Err);
        Assert.False(File.Exists(_dir["x.abc"]));
    }

    [Fact]
    public void MidiWithOnlyDrumsCannotBecomeAbc()
    {
        var s = new Score(480);
        s.Tracks.Add(new Track { Channel = 9, IsDrum = true, Notes = { new Note(0, 60, 36, 100) } });
        MidiFile.Write(s, _dir["drums.mid"]);
        var r = CliRunner.Run("convert", _dir["drums.mid"], "-o", _dir["drums.abc"]);
        Assert.Equal(2, r.ExitCode);
        AssertOneLine(r.Err);
        Assert.Contains("drums.mid: no pitched notes", r.Err);
        Assert.False(File.Exists(_dir["drums.abc"]));
    }

    [Fact]
    public void TuneAndTitleChooseTheTune()
    {
        var book = Write("book.abc", Book);
        var maggie = AbcFile.Read(book).Tunes.Single(t => t.ReferenceNumber == "2").Score;
        var morning = AbcFile.Read(book).Tunes.Single(t => t.ReferenceNumber == "1").Score;

        Assert.Equal(0, CliRunner.Run("convert", book, "-o", _dir["first.mid"]).ExitCode);
        Assert.Equal(Notes(morning), Notes(MidiFile.Read(_dir["first.mid"]).Score));
        string[][] selections = [["--tune", "2"], ["--tune", "02"], ["--title", "DROWSY maggie"], ["--title", "maggie"]];
        foreach (var args in selections)
        {
            var r = CliRunner.Run(["convert", book, "-o", _dir["x.mid"], .. args]);
            Assert.True(r.ExitCode == 0, string.Join(' ', args) + ": " + r.Err);
            Assert.Equal(Notes(maggie), Notes(MidiFile.Read(_dir["x.mid"]).Score));
            File.Delete(_dir["x.mid"]);
        }
    }

    [Theory]
    [InlineData("--tune", "7", "book.abc: no tune X:7 (tunes: 1, 2, 3)")]
    [InlineData("--title", "Kesh", "book.abc: no tune titled 'Kesh' (3 tunes: X:1 \"Morning Dew\", X:2 \"Drowsy Maggie\", X:3 \"Broken One\")")]
    [InlineData("--title", "o", "'o' is part of the titles of 3 tunes")]
    [InlineData("--tune", "3", "book.abc: tune X:3 \"Broken One\", line 16:")]
    public void TuneSelectionErrorsNameTheFileAndWriteNothing(string option, string value, string expected)
    {
        var book = Write("book.abc", Book);
        var r = CliRunner.Run("convert", book, "-o", _dir["x.mid"], option, value);
        Assert.Equal(2, r.ExitCode);
        AssertOneLine(r.Err);
        Assert.Contains(expected, r.Err);
        Assert.False(File.Exists(_dir["x.mid"]));
        var nested = CliRunner.Run("convert", book, "-o", _dir["newdir/x.mid"], option, value);
        Assert.Equal(2, nested.ExitCode);
        Assert.False(Directory.Exists(_dir["newdir"]), "not even the output folder is created");
    }

    [Fact]
    public void FirstTuneUnreadableSaysSoAndPointsToTheOthers()
    {
        var book = Write("book.abc", "X:9\nT:Bad\nK:C\nC99999999999/1 C99999999999 C99999999999 C9999999999 C9999999999\n\nX:10\nT:Good\nK:C\nCDE|\n");
        var r = CliRunner.Run("convert", book, "-o", _dir["x.mid"]);
        Assert.Equal(2, r.ExitCode);
        AssertOneLine(r.Err);
        Assert.Contains("tune X:9 \"Bad\"", r.Err);
        Assert.Contains("--tune", r.Err);
        Assert.Equal(0, CliRunner.Run("convert", book, "-o", _dir["x.mid"], "--tune", "10").ExitCode);
    }

    [Fact]
    public void AllTunesWritesOneFilePerTuneAndReportsTheBrokenOne()
    {
        var book = Write("book.abc", Book);
        var r = CliRunner.Run("convert", book, "-o", _dir["out"], "--to", "mid", "--all-tunes");
        Assert.Equal(1, r.ExitCode);
        Assert.True(File.Exists(_dir["out/book-1.mid"]) && File.Exists(_dir["out/book-2.mid"]), r.Err);
        Assert.False(File.Exists(_dir["out/book-3.mid"]));
        Assert.Contains("converted 2 of 3 tunes", r.Err);
        Assert.Contains("tune X:3 \"Broken One\", line 16", r.Err);
        Assert.Equal(Notes(AbcFile.Read(book).Tunes[1].Score), Notes(MidiFile.Read(_dir["out/book-2.mid"]).Score));

        // -o with a file name: the tunes are numbered beside it.
        var named = CliRunner.Run("convert", book, "-o", _dir["named/dances.abc"], "--all-tunes");
        Assert.Equal(1, named.ExitCode);
        Assert.Equal(["dances-1.abc", "dances-2.abc"], Directory.GetFiles(_dir["named"]).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void FolderConversionGoesPastABadFileAndListsIt()
    {
        Write("in/book.abc", Book.Replace("X:2", "X:1"));        // two tunes numbered 1: the second is named by its position
        Write("in/reel.abc", Tune);
        Write("in/bad.mid", "this is not a MIDI file");
        Directory.CreateDirectory(_dir["in/sub"]);
        MidiFile.Write(Band(), _dir["in/sub/band.mid"]);
        Write("in/notes.txt", "ignored");

        var r = CliRunner.Run("convert", _dir["in"], "-o", _dir["out"], "--to", "mid");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("converted 2 of 4 files", r.Err);
        Assert.Contains("bad.mid: ", r.Err);
        Assert.Contains("book.abc: tune X:3 \"Broken One\"", r.Err);
        Assert.DoesNotContain("   at ", r.Err);
        Assert.True(File.Exists(_dir["out/book-1.mid"]));
        Assert.True(File.Exists(_dir["out/book-tune2.mid"]));
        Assert.True(File.Exists(_dir["out/reel.mid"]));
        Assert.True(File.Exists(_dir["out/sub/band.mid"]));
        Assert.False(File.Exists(_dir["out/bad.mid"]));
        Assert.False(File.Exists(_dir["out/notes.mid"]));
        Assert.Equal(Notes(ReadAbcTune(_dir["in/reel.abc"])), Notes(MidiFile.Read(_dir["out/reel.mid"]).Score));
        Assert.Empty(Directory.GetFiles(_dir["out"], "*.tmp", SearchOption.AllDirectories));

        // And back to ABC: the band file gives its melody, the tunes their notes.
        var back = CliRunner.Run("convert", _dir["out"], "-o", _dir["abc"], "--to", "abc");
        Assert.Equal(0, back.ExitCode);
        Assert.Equal(Notes(ReadAbcTune(_dir["in/reel.abc"])), Notes(ReadAbcTune(_dir["abc/reel.abc"])));
        Assert.Equal(13, ReadAbcTune(_dir["abc/sub/band.abc"]).NoteCount);
    }

    [Fact]
    public void FolderWithOnlyBadFilesExits2AndInPlaceSameFormatIsRefused()
    {
        Write("in/bad.mid", "garbage");
        var r = CliRunner.Run("convert", _dir["in"], "-o", _dir["out"], "--to", "abc");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("bad.mid", r.Err);

        MidiFile.Write(Band(), _dir["in/good.mid"]);
        var before = File.ReadAllBytes(_dir["in/good.mid"]);
        var same = CliRunner.Run("convert", _dir["in"], "-o", _dir["in"], "--to", "mid");
        Assert.NotEqual(0, same.ExitCode);
        Assert.Contains("would replace an input", same.Err);
        Assert.Equal(before, File.ReadAllBytes(_dir["in/good.mid"]));
    }

    [Fact]
    public void WavOutputHasTheLengthOfTheMusic()
    {
        var abc = Write("reel.abc", Tune);
        var score = ReadAbcTune(abc);
        var r = CliRunner.Run("convert", abc, "-o", _dir["reel.wav"]);
        Assert.Equal(0, r.ExitCode);
        var wav = Cadenza.Audio.WavReader.Read(_dir["reel.wav"]);
        Assert.Equal(2, wav.Channels);
        // The music plus the renderer's release tail (2 s for the built-in synthesizer).
        Assert.InRange(wav.DurationSeconds, score.DurationSeconds + 0.5, score.DurationSeconds + 4);
        Assert.True(wav.Peak() > 0.01f, "not silent");
        Assert.Contains("s of audio", r.Err);
    }

    [Theory]
    [InlineData("{in}")]                                           // no -o
    [InlineData("{in}", "-o", "{out}.mp3")]                        // unknown output format
    [InlineData("{in}", "-o", "{out}.mid", "--to", "flac")]
    [InlineData("{in}", "-o", "{out}.mid", "--to", "abc")]         // --to disagrees with -o
    [InlineData("{in}", "-o", "{out}.mid", "--tune", "1", "--title", "x")]
    [InlineData("{in}", "-o", "{out}.mid", "--track", "0")]        // --track needs ABC output
    [InlineData("{in}", "-o", "{out}.mid", "--track", "-1")]
    [InlineData("{in}", "-o", "{out}.mid", "--tune", "")]
    [InlineData("{in}", "-o", "{out}.mid", "--all-tunes", "--tune", "1")]
    [InlineData("{in}", "-o", "{out}.mid", "--bogus")]
    [InlineData("{in}", "{in}", "-o", "{out}.mid")]                 // two inputs
    [InlineData("{dir}/nothing.abc", "-o", "{out}.mid")]           // no such input
    [InlineData("{in}", "-o", "{in}")]                             // output = input
    [InlineData("{folder}", "-o", "{out}")]                        // folder without --to
    [InlineData("{folder}", "-o", "{out}", "--to", "mid", "--tune", "1")]
    public void BadArgumentsExit2WithOneLineAndWriteNothing(params string[] template)
    {
        var abc = Write("song.abc", Tune);
        Write("folder/song.abc", Tune);
        var before = File.ReadAllText(abc);
        var args = template.Select(a => a.Replace("{in}", abc).Replace("{out}", _dir["new/out"]).Replace("{folder}", _dir["folder"]).Replace("{dir}", _dir.Path)).ToArray();
        var r = CliRunner.Run(["convert", .. args]);
        Assert.Equal(2, r.ExitCode);
        AssertOneLine(r.Err);
        Assert.Equal("", r.Out);
        Assert.False(Directory.Exists(_dir["new"]) && Directory.EnumerateFileSystemEntries(_dir["new"], "*", SearchOption.AllDirectories).Any(),
            "no output written for: " + string.Join(' ', template));
        Assert.Equal(before, File.ReadAllText(abc));
    }

    [Fact]
    public void ConvertHasHelp()
    {
        var r = CliRunner.Run("convert", "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("usage: cadenza convert", r.Out);
        Assert.Contains("--title", r.Out);
        Assert.Contains("convert", CliRunner.Run("--help").Out);
    }

    [Fact]
    public void InfoOnAnAbcBookListsEveryTuneAndTheBrokenOne()
    {
        var book = Write("book.abc", Book);
        var r = CliRunner.Run("info", book);
        Assert.Equal(1, r.ExitCode);                                   // one tune could not be read
        Assert.Contains("tunes:          3 (1 could not be read)", r.Out);
        Assert.Contains("Morning Dew", r.Out);
        Assert.Contains("Drowsy Maggie", r.Out);
        Assert.Contains("tune X:3 \"Broken One\", line 16", r.Out);
        Assert.Contains("book.abc: 1 of 3 tunes could not be read", r.Err);
    }

    [Fact]
    public void InfoOnOneAbcTuneShowsItsFacts()
    {
        var abc = Write("reel.abc", Tune);
        var score = ReadAbcTune(abc);
        var r = CliRunner.Run("info", abc);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("tune:           X:4", r.Out);
        Assert.Contains("title:          Test Reel / Second Title", r.Out);
        Assert.Contains("meter:          4/4", r.Out);
        Assert.Contains("unit length:    1/8", r.Out);
        Assert.Contains("key:            G", r.Out);
        Assert.Contains($"notes:          {score.NoteCount}", r.Out);
        Assert.Contains("chord symbols:  2", r.Out);                       // in playing order: the repeat plays them twice
        Assert.Contains("grace notes:    2", r.Out);
        Assert.Contains("tempo (bpm):    110", r.Out);
        int lo = score.Tracks[0].Notes.Min(n => n.Pitch), hi = score.Tracks[0].Notes.Max(n => n.Pitch);
        Assert.Contains($"({lo}-{hi})", r.Out);
    }

    [Fact]
    public void InfoJsonOnAbc()
    {
        var book = Write("book.abc", Book);
        var r = CliRunner.Run("info", book, "--json", "--title", "drowsy maggie");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.Equal("abc", root.GetProperty("format").GetString());
        var tune = Assert.Single(root.GetProperty("tunes").EnumerateArray());
        Assert.Equal("2", tune.GetProperty("x").GetString());
        Assert.Equal("Drowsy Maggie", tune.GetProperty("titles")[0].GetString());
        Assert.Equal("Edor", tune.GetProperty("key").GetString());
        Assert.Equal("4/4", tune.GetProperty("meter").GetString());
        Assert.Equal(14, tune.GetProperty("notes").GetInt32());                // 7 + 7
        Assert.Equal(2, tune.GetProperty("bars").GetInt32());
        Assert.Equal(0, tune.GetProperty("chordSymbols").GetInt32());

        var all = CliRunner.Run("info", book, "--json");
        Assert.Equal(1, all.ExitCode);
        using var doc2 = JsonDocument.Parse(all.Out);
        Assert.Equal(2, doc2.RootElement.GetProperty("tunes").GetArrayLength());
        Assert.Contains("Broken One", Assert.Single(doc2.RootElement.GetProperty("errors").EnumerateArray()).GetString());
    }

    [Fact]
    public void InfoTuneErrorsAndMidiSelection()
    {
        var book = Write("book.abc", Book);
        var r = CliRunner.Run("info", book, "--tune", "8");
        Assert.Equal(2, r.ExitCode);
        AssertOneLine(r.Err);
        Assert.Contains("no tune X:8 (tunes: 1, 2, 3)", r.Err);
        MidiFile.Write(Band(), _dir["band.mid"]);
        var m = CliRunner.Run("info", _dir["band.mid"], "--tune", "1");
        Assert.Equal(2, m.ExitCode);
        Assert.Contains("this is a MIDI file", m.Err);
    }
}
