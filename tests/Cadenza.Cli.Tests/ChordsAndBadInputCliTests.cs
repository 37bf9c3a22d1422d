using Cadenza.Music;
using Cadenza.Music.Midi;

namespace Cadenza.Cli.Tests;

/// <summary>--chords, --reverb/--chorus, and the bad inputs a first user found (empty tunes, ambiguous choices,
/// repeated options, output names).</summary>
[Collection("console")]
public class ChordsAndBadInputCliTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private const string Jig = "X:1\nT:Jig\nM:6/8\nL:1/8\nK:G\n\"G\"GAB \"D7\"AFD|\"G\"G3 \"Em/B\"E3|]\n";

    [Fact]
    public void ChordsBecomeATrackInMidiOnlyWhenAsked()
    {
        File.WriteAllText(_dir["j.abc"], Jig);
        var plain = CliRunner.Run("convert", _dir["j.abc"], "-o", _dir["plain.mid"]);
        Assert.Equal(0, plain.ExitCode);
        Assert.Single(MidiFile.Read(_dir["plain.mid"]).Score.Tracks);

        var r = CliRunner.Run("convert", _dir["j.abc"], "-o", _dir["chords.mid"], "--chords");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("4 chord symbols played as a chord track", r.Err);
        var score = MidiFile.Read(_dir["chords.mid"]).Score;
        Assert.Equal(2, score.Tracks.Count);
        var chords = score.Tracks.Single(t => t.Name == "Chords");
        Assert.Equal(24, chords.Program);
        // Em/B: bass B2 (47) under E4 G4 B4 (roots from F3 up: E is 64), from the second bar's second half to the end.
        int tpq = score.TicksPerQuarter;
        var em = chords.Notes.Where(n => n.Onset == 3 * tpq + 3 * tpq / 2).Select(n => n.Pitch).ToArray();
        Assert.Equal([47, 64, 67, 71], em);

        var abc = CliRunner.Run("convert", _dir["j.abc"], "-o", _dir["x.abc"], "--chords");
        Assert.Equal(2, abc.ExitCode);
        Assert.Contains("--chords", abc.Err);
        Assert.False(File.Exists(_dir["x.abc"]));
    }

    [Fact]
    public void AChordTrackIsNotAddedTwice()
    {
        File.WriteAllText(_dir["j.abc"], Jig);
        Assert.Equal(0, CliRunner.Run("convert", _dir["j.abc"], "-o", _dir["once.mid"], "--chords").ExitCode);
        var again = CliRunner.Run("convert", _dir["once.mid"], "-o", _dir["twice.mid"], "--chords");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("already has a chord track", again.Err);
        var score = MidiFile.Read(_dir["twice.mid"]).Score;
        Assert.Single(score.Tracks, t => t.Name == "Chords");
        Assert.Equal(MidiFile.Read(_dir["once.mid"]).Score.NoteCount, score.NoteCount);
    }

    [Fact]
    public void RenderPlaysChordsAndSaysSo()
    {
        File.WriteAllText(_dir["j.abc"], Jig);
        var r = CliRunner.Run("render", _dir["j.abc"], "-o", _dir["j.wav"], "--synth", "builtin", "--chords");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("4 chord symbols played", r.Err);
        Assert.True(new FileInfo(_dir["j.wav"]).Length > 44);
    }

    [Theory]
    [InlineData(new[] { "--reverb", "2,0,0.5,0.5" }, "--reverb: room size must be 0..1")]
    [InlineData(new[] { "--reverb", "0.5,0.5" }, "--reverb must be off or 4 numbers")]
    [InlineData(new[] { "--chorus", "3,1,0.3" }, "--chorus must be off or 4 numbers")]
    [InlineData(new[] { "--chorus", "2.5,1,0.3,8" }, "whole number")]
    [InlineData(new[] { "--chorus", "3,1,9,8" }, "--chorus: speed must be 0.1..5")]
    [InlineData(new[] { "--synth", "builtin", "--reverb", "off" }, "built-in synth takes its reverb from --effects")]
    [InlineData(new[] { "--gain", "0" }, "--gain must be above 0")]
    [InlineData(new[] { "--effects", "dry", "--effects", "hall" }, "--effects is given twice")]
    public void BadAudioOptionsAreUsageErrors(string[] extra, string expected)
    {
        File.WriteAllText(_dir["j.abc"], Jig);
        var r = CliRunner.Run(["render", _dir["j.abc"], "-o", _dir["j.wav"], .. extra]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Err);
        Assert.False(File.Exists(_dir["j.wav"]));
    }

    [Fact]
    public void ATuneWithoutNotesIsNotRenderedOrConverted()
    {
        File.WriteAllText(_dir["e.abc"], "X:1\nT:Empty\nK:C\n");
        var r = CliRunner.Run("render", _dir["e.abc"], "-o", _dir["e.wav"], "--synth", "builtin");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("has no notes", r.Err);
        var c = CliRunner.Run("convert", _dir["e.abc"], "-o", _dir["e.mid"]);
        Assert.Equal(2, c.ExitCode);
        Assert.Contains("has no notes", c.Err);
        Assert.Equal([_dir["e.abc"]], Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void TwoTunesWithOneTitleOrNumberAreNotGuessed()
    {
        File.WriteAllText(_dir["b.abc"], "X:1\nT:Same\nK:C\nCDEF|\n\nX:2\nT:Same\nK:G\nGABc|\n\nX:2\nT:Other\nK:D\nDEFG|\n");
        var t = CliRunner.Run("convert", _dir["b.abc"], "--title", "same", "-o", _dir["t.mid"]);
        Assert.Equal(2, t.ExitCode);
        Assert.Contains("2 tunes are titled 'same'", t.Err);
        Assert.Contains("X:1 \"Same\", X:2 \"Same\"", t.Err);
        var x = CliRunner.Run("convert", _dir["b.abc"], "--tune", "2", "-o", _dir["x.mid"]);
        Assert.Equal(2, x.ExitCode);
        Assert.Contains("2 tunes are numbered X:2", x.Err);
        var ok = CliRunner.Run("convert", _dir["b.abc"], "--title", "Other", "-o", _dir["o.mid"]);
        Assert.Equal(0, ok.ExitCode);
        Assert.Equal([_dir["b.abc"], _dir["o.mid"]], Directory.GetFiles(_dir.Path).Order());
    }

    [Fact]
    public void StandardOutputIsNotAFileName()
    {
        File.WriteAllText(_dir["j.abc"], Jig);
        var r = CliRunner.Run("convert", _dir["j.abc"], "-o", "-", "--to", "abc");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("not to standard output", r.Err);
        Assert.False(File.Exists("-"));
    }

    [Fact]
    public void EmptyBinaryAndUtf16AbcFiles()
    {
        File.WriteAllBytes(_dir["empty.abc"], []);
        var e = CliRunner.Run("info", _dir["empty.abc"]);
        Assert.Equal(2, e.ExitCode);
        Assert.Contains("empty file (0 bytes)", e.Err);

        File.WriteAllBytes(_dir["bin.abc"], [0x4D, 0x00, 0x01, 0xFF, 0x00, 0x20, 0x33]);
        var b = CliRunner.Run("info", _dir["bin.abc"]);
        Assert.Equal(2, b.ExitCode);
        Assert.Contains("not a text file", b.Err);

        File.WriteAllBytes(_dir["u16.abc"], [0xFF, 0xFE, .. System.Text.Encoding.Unicode.GetBytes(Jig)]);
        var u = CliRunner.Run("convert", _dir["u16.abc"], "-o", _dir["u16.mid"]);
        Assert.Equal(0, u.ExitCode);
        Assert.Equal(8, MidiFile.Read(_dir["u16.mid"]).Score.NoteCount);
    }

    [Fact]
    public void FolderOutputsThatDifferOnlyByCaseAreTwoFilesOnLinux()
    {
        if (!OperatingSystem.IsLinux()) return;   // the rule differs on Windows and macOS by design (one file there)
        Directory.CreateDirectory(_dir["in"]);
        File.WriteAllText(Path.Combine(_dir["in"], "a.abc"), Jig);
        File.WriteAllText(Path.Combine(_dir["in"], "A.abc"), Jig.Replace("T:Jig", "T:Other"));
        var r = CliRunner.Run("convert", _dir["in"], "-o", _dir["out"], "--to", "mid");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(["A.mid", "a.mid"], Directory.GetFiles(_dir["out"]).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AFolderInTheWayOfOneOutputIsReportedAndTheRestIsWritten()
    {
        Directory.CreateDirectory(_dir["in"]);
        File.WriteAllText(Path.Combine(_dir["in"], "a.abc"), Jig);
        File.WriteAllText(Path.Combine(_dir["in"], "b.abc"), Jig);
        Directory.CreateDirectory(Path.Combine(_dir["out"], "a.mid"));
        var r = CliRunner.Run("convert", _dir["in"], "-o", _dir["out"], "--to", "mid");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("a folder of that name is in the way", r.Err);
        Assert.DoesNotContain(".tmp", r.Err);
        Assert.True(File.Exists(Path.Combine(_dir["out"], "b.mid")));
    }
}

[Collection("console")]
public class PipeAndSizeCliTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AnInputIsReadOnceSoAPipeWorks()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/mkfifo")) return;   // named pipes: Linux here
        string fifo = _dir["tune"];   // no extension: the kind comes from the content, which must not be read twice
        using (var p = System.Diagnostics.Process.Start("/usr/bin/mkfifo", fifo)) p.WaitForExit();
        var writer = Task.Run(() => File.WriteAllText(fifo, "X:1\nT:Piped\nM:4/4\nL:1/4\nK:C\nCDEF|GABc|]\n"));
        // Reading the pipe twice would block forever on the second open: time out instead of hanging the run.
        var r = await Task.Run(() => CliRunner.Run("convert", fifo, "-o", _dir["piped.mid"])).WaitAsync(TimeSpan.FromSeconds(30));
        await writer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Equal(8, MidiFile.Read(_dir["piped.mid"]).Score.NoteCount);
    }

    [Fact]
    public void AnInputLargerThanTheCapIsRefusedNotLoaded()
    {
        using (var fs = File.Create(_dir["huge.mid"])) fs.SetLength(ScoreInput.MaxFileBytes + 1);   // sparse: no disk used
        var r = CliRunner.Run("info", _dir["huge.mid"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("huge.mid: larger than 64 MiB", r.Err);
    }
}
