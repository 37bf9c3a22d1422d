using System.Text.Json;
using Cadenza.Music;
using Cadenza.Music.Midi;

namespace Cadenza.Cli.Tests;

[Collection("console")]
public class CliTests
{
    private static Score Song(int notes = 16, int program = 0)
    {
        var s = new Score(480);
        s.Tempos.Add(TempoChange.FromBpm(0, 100));
        s.TimeSignatures.Add(new TimeSignature(0, 4, 4));
        var t = new Track { Name = "Melody", Program = program, Channel = 0 };
        for (int i = 0; i < notes; i++) t.Notes.Add(new Note(i * 240, 240, 60 + i % 12, 80));
        s.Tracks.Add(t);
        var d = new Track { Name = "Kit", Channel = 9, IsDrum = true };
        for (int i = 0; i < notes; i++) d.Notes.Add(new Note(i * 240, 60, i % 2 == 0 ? 36 : 38, 100));
        s.Tracks.Add(d);
        return s;
    }

    [Fact]
    public void NoArgumentsPrintsUsageAndExits2()
    {
        var r = CliRunner.Run();
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("usage: cadenza", r.Out);
    }

    [Fact]
    public void UnknownCommandExits2()
    {
        var r = CliRunner.Run("frobnicate");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown command 'frobnicate'", r.Err);
    }

    [Theory]
    [InlineData("info")]
    [InlineData("tokenize")]
    [InlineData("detokenize")]
    public void EveryVerbHasHelp(string verb)
    {
        var r = CliRunner.Run(verb, "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("usage: cadenza " + verb, r.Out);
    }

    [Fact]
    public void UnknownOptionIsAUsageError()
    {
        var r = CliRunner.Run("info", "--bogus", "x.mid");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown option '--bogus'", r.Err);
    }

    [Fact]
    public void InfoShowsTracksNotesAndTempo()
    {
        using var dir = new TempDir();
        MidiFile.Write(Song(), dir["song.mid"]);
        var r = CliRunner.Run("info", dir["song.mid"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("notes:          32", r.Out);
        Assert.Contains("100", r.Out);
        Assert.Contains("drums", r.Out);
        Assert.Contains("'Melody'", r.Out);
    }

    [Fact]
    public void InfoJsonIsValidJson()
    {
        using var dir = new TempDir();
        MidiFile.Write(Song(), dir["song.mid"]);
        var r = CliRunner.Run("info", dir["song.mid"], "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal(32, doc.RootElement.GetProperty("notes").GetInt32());
        Assert.Equal(2, doc.RootElement.GetProperty("tracks").GetArrayLength());
    }

    [Fact]
    public void InfoOnGarbageNamesTheFileWithoutStackTrace()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["bad.mid"], "this is not a MIDI file at all");
        var r = CliRunner.Run("info", dir["bad.mid"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("bad.mid", r.Err);
        Assert.DoesNotContain("   at ", r.Err);
    }

    [Fact]
    public void InfoMissingFileExits2()
    {
        var r = CliRunner.Run("info", "/nonexistent/nothing.mid");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("nothing.mid", r.Err);
    }

    [Fact]
    public void TokenizeFileToStdoutGivesTextTokens()
    {
        using var dir = new TempDir();
        MidiFile.Write(Song(), dir["song.mid"]);
        var r = CliRunner.Run("tokenize", dir["song.mid"], "--genre", "pop");
        Assert.Equal(0, r.ExitCode);
        var tokens = r.Out.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("BOS", tokens[0]);
        Assert.Equal("Genre_pop", tokens[1]);
        Assert.Contains("Bar_None", tokens);
        Assert.Contains("Pitch_60", tokens);
        Assert.Equal("EOS", tokens[^1]);
    }

    [Fact]
    public void TokenizeUnknownGenreIsAUsageError()
    {
        using var dir = new TempDir();
        MidiFile.Write(Song(), dir["song.mid"]);
        var r = CliRunner.Run("tokenize", dir["song.mid"], "--genre", "polka-metal");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown genre 'polka-metal'", r.Err);
    }

    [Fact]
    public void TokenizeThenDetokenizeKeepsTheNotes()
    {
        using var dir = new TempDir();
        MidiFile.Write(Song(), dir["song.mid"]);
        Assert.Equal(0, CliRunner.Run("tokenize", dir["song.mid"], "-o", dir["song.tokens.txt"]).ExitCode);
        var r = CliRunner.Run("detokenize", dir["song.tokens.txt"], "-o", dir["back.mid"]);
        Assert.Equal(0, r.ExitCode);
        var back = MidiFile.Read(dir["back.mid"]).Score;
        Assert.Equal(32, back.NoteCount);
        Assert.Contains(back.Tracks, t => t.IsDrum && t.Notes.Count == 16);
    }

    [Fact]
    public void TokenizeIdsThenDetokenizeKeepsTheNotes()
    {
        using var dir = new TempDir();
        MidiFile.Write(Song(), dir["song.mid"]);
        Assert.Equal(0, CliRunner.Run("tokenize", dir["song.mid"], "--ids", "-o", dir["song.ids.txt"]).ExitCode);
        var ids = File.ReadAllText(dir["song.ids.txt"]).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(ids, s => Assert.True(int.TryParse(s, out _)));
        var r = CliRunner.Run("detokenize", dir["song.ids.txt"], "-o", dir["back.mid"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(32, MidiFile.Read(dir["back.mid"]).Score.NoteCount);
    }

    [Fact]
    public void TokenizeFolderSkipsABadFileAndReportsIt()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in/sub"]);
        MidiFile.Write(Song(8), dir["in/a.mid"]);
        MidiFile.Write(Song(12, 40), dir["in/sub/b.mid"]);
        File.WriteAllBytes(dir["in/broken.mid"], [0x4D, 0x54, 0x68, 0x64, 0, 0]);
        var r = CliRunner.Run("tokenize", dir["in"], "-o", dir["out"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("broken.mid", r.Err);
        Assert.True(File.Exists(dir["out/a.tokens.txt"]));
        Assert.True(File.Exists(dir["out/sub/b.tokens.txt"]));
        Assert.False(File.Exists(dir["out/broken.tokens.txt"]));
        Assert.True(File.Exists(dir["out/tokenizer.json"]));
        // The folder's tokenizer.json is found beside the tokens.
        var back = CliRunner.Run("detokenize", dir["out/sub/b.tokens.txt"], "-o", dir["b.mid"]);
        Assert.Equal(0, back.ExitCode);
        Assert.Contains("tokenizer.json", back.Err);
    }

    [Fact]
    public void TokenizeEmptyFolderIsAnError()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["empty"]);
        var r = CliRunner.Run("tokenize", dir["empty"], "-o", dir["out"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no MIDI files", r.Err);
    }

    [Fact]
    public void TokenizeFolderWithOnlyBadFilesExits2()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in"]);
        File.WriteAllText(dir["in/x.mid"], "nope");
        var r = CliRunner.Run("tokenize", dir["in"], "-o", dir["out"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("x.mid", r.Err);
    }

    [Fact]
    public void DetokenizeGarbageTokensIsRepairedAndCounted()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["t.txt"], "BOS Bar_None Position_0 Program_0 Pitch_60 Velocity_119 Duration_1.0.12 Pitch_999 Bogus_1 EOS");
        var r = CliRunner.Run("detokenize", dir["t.txt"], "-o", dir["t.mid"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("broke the grammar", r.Err);
        Assert.Equal(1, MidiFile.Read(dir["t.mid"]).Score.NoteCount);
    }

    [Fact]
    public void DetokenizeOutOfRangeIdsIsAUsageError()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["t.txt"], "1 5 999999");
        var r = CliRunner.Run("detokenize", dir["t.txt"], "-o", dir["t.mid"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("outside the vocabulary", r.Err);
        Assert.False(File.Exists(dir["t.mid"]));
    }

    [Fact]
    public void DetokenizeToUnwritablePathFailsCleanly()
    {
        using var dir = new TempDir();
        MidiFile.Write(Song(), dir["song.mid"]);
        Assert.Equal(0, CliRunner.Run("tokenize", dir["song.mid"], "-o", dir["s.txt"]).ExitCode);
        File.WriteAllText(dir["afile"], "x");
        var r = CliRunner.Run("detokenize", dir["s.txt"], "-o", dir["afile/out.mid"]);
        Assert.Equal(2, r.ExitCode);
        Assert.DoesNotContain("   at ", r.Err);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void DetokenizeNeedsOutput()
    {
        var r = CliRunner.Run("detokenize", "x.txt");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("-o", r.Err);
    }
}

[Collection("console")]
public class DatasetCliTests
{
    [Fact]
    public void DatasetBuildWritesShardsAndReportsBadFiles()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in/pop"]);
        for (int i = 0; i < 6; i++)
        {
            var s = new Score(480);
            var t = new Track();
            for (int k = 0; k < 20; k++) t.Notes.Add(new Note(k * 240, 240, 60 + (k * (i + 1)) % 12, 90));
            s.Tracks.Add(t);
            MidiFile.Write(s, dir[$"in/pop/p{i}.mid"]);
        }
        File.WriteAllText(dir["in/pop/bad.mid"], "nope");
        var r = CliRunner.Run("dataset", "build", dir["in"], "-o", dir["ds"], "--transpose", "-1..1", "--val-fraction", "0.2");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("bad.mid", r.Err);
        Assert.Contains("pop", r.Err);
        Assert.True(File.Exists(dir["ds/manifest.json"]));
        Assert.True(File.Exists(dir["ds/train_000.bin"]));
        Assert.True(File.Exists(dir["ds/tokenizer.json"]));
    }

    [Theory]
    [InlineData("--transpose", "5..-5")]
    [InlineData("--transpose", "abc")]
    [InlineData("--val-fraction", "0.9")]
    [InlineData("--labels", "/nonexistent/labels.csv")]
    public void DatasetBuildRejectsBadArguments(string option, string value)
    {
        using var dir = new TempDir();
        var r = CliRunner.Run("dataset", "build", dir.Path, "-o", dir["ds"], option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.DoesNotContain("   at ", r.Err);
    }

    [Fact]
    public void DatasetBuildOnAnEmptyFolderExits2()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["empty"]);
        var r = CliRunner.Run("dataset", "build", dir["empty"], "-o", dir["ds"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no MIDI or ABC files", r.Err);
    }
}

[Collection("console")]
public class TrainEvalCliTests
{
    private static void Corpus(string dir, int n = 8)
    {
        Directory.CreateDirectory(dir);
        for (int i = 0; i < n; i++)
        {
            var s = new Score(480);
            var t = new Track();
            for (int k = 0; k < 32; k++) t.Notes.Add(new Note(k * 240, 240, 60 + (k * (i % 3 + 1)) % 12, 90));
            s.Tracks.Add(t);
            MidiFile.Write(s, Path.Combine(dir, $"p{i}.mid"));
        }
    }

    [Fact]
    public void TrainResumeAndEvalWork()
    {
        using var dir = new TempDir();
        Corpus(dir["in/folk"]);
        Assert.Equal(0, CliRunner.Run("dataset", "build", dir["in"], "-o", dir["ds"], "--val-fraction", "0.25").ExitCode);
        var r = CliRunner.Run("train", "--data", dir["ds"], "-o", dir["run"], "--preset", "tiny", "--steps", "6", "--batch", "2", "--eval-every", "3");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("validation @ 6", r.Err);
        // Training again into the same folder without --resume would lose the run: refused.
        var again = CliRunner.Run("train", "--data", dir["ds"], "-o", dir["run"], "--preset", "tiny", "--steps", "6");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("--resume", again.Err);
        // Resume with more steps extends the run.
        var more = CliRunner.Run("train", "--data", dir["ds"], "-o", dir["run"], "--steps", "8", "--resume");
        Assert.Equal(0, more.ExitCode);
        Assert.Contains("resuming at step 6", more.Err);
        var e = CliRunner.Run("eval", "--model", dir["run"], "--data", dir["ds"], "--baseline", "ngram", "--order", "3");
        Assert.Equal(0, e.ExitCode);
        Assert.Contains("overall", e.Out);
        Assert.Contains("folk", e.Out);
        Assert.Contains("3-gram", e.Out);
    }

    [Fact]
    public void CorruptShardIsOneClearErrorExit2()
    {
        using var dir = new TempDir();
        Corpus(dir["in"]);
        Assert.Equal(0, CliRunner.Run("dataset", "build", dir["in"], "-o", dir["ds"]).ExitCode);
        using (var f = File.OpenWrite(dir["ds/train_000.bin"])) f.SetLength(f.Length - 1);
        var r = CliRunner.Run("train", "--data", dir["ds"], "-o", dir["run"], "--preset", "tiny", "--steps", "2");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("train_000.bin", r.Err);
        Assert.DoesNotContain("   at ", r.Err);
    }

    [Fact]
    public void DatasetFromAnotherTokenizerIsOneClearErrorExit2()
    {
        using var dir = new TempDir();
        Corpus(dir["in"]);
        Assert.Equal(0, CliRunner.Run("dataset", "build", dir["in"], "-o", dir["ds"]).ExitCode);
        Assert.Equal(0, CliRunner.Run("train", "--data", dir["ds"], "-o", dir["run"], "--preset", "tiny", "--steps", "2", "--batch", "2").ExitCode);
        Cadenza.Tokens.Tokenizer.Create(new Cadenza.Tokens.TokenizerConfig { VelocityBins = 8 }).Save(dir["other.json"]);
        Assert.Equal(0, CliRunner.Run("dataset", "build", dir["in"], "-o", dir["ds8"], "--tokenizer", dir["other.json"]).ExitCode);
        var r = CliRunner.Run("eval", "--model", dir["run"], "--data", dir["ds8"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("different tokenizer", r.Err);
        // A checkpoint that does not fit the data's vocabulary.
        var resume = CliRunner.Run("train", "--data", dir["ds8"], "-o", dir["run"], "--resume");
        Assert.Equal(2, resume.ExitCode);
        Assert.Contains("vocab_size", resume.Err);
        Assert.DoesNotContain("   at ", resume.Err);
    }

    [Theory]
    [InlineData("--preset", "huge")]
    [InlineData("--batch", "0")]
    [InlineData("--lr", "-1")]
    public void TrainRejectsBadArguments(string option, string value)
    {
        using var dir = new TempDir();
        var r = CliRunner.Run("train", "--data", dir.Path, "-o", dir["run"], "--steps", "5", option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.DoesNotContain("   at ", r.Err);
    }

    [Fact]
    public void TrainOnAMissingDatasetIsAClearError()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run("train", "--data", dir["nope"], "-o", dir["run"], "--steps", "5");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("nope", r.Err);
    }
}

[Collection("console")]
public class GenerateRenderCliTests : IDisposable
{
    private readonly TempDir _dir = new();
    private string ModelDir => _dir["model"];

    public GenerateRenderCliTests()
    {
        var tok = new Cadenza.Tokens.RemiTokenizer();
        var model = new Cadenza.Engine.GptModel(Cadenza.Engine.GptConfig.Tiny(tok.Vocabulary.Count), 1, 64);
        model.InitializeWeights(5);
        Cadenza.Engine.IO.Checkpoint.Save(ModelDir, model.Config, model.Layout, model.Parameters);
        tok.Save(Path.Combine(ModelDir, "tokenizer.json"));
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void GenerateWritesMidiAndWavAndIsReproducible()
    {
        var r = CliRunner.Run("generate", "--model", ModelDir, "--genre", "folk", "--bars", "4", "--seed", "11", "-o", _dir["a.mid"], "--wav", _dir["a.wav"], "--synth", "builtin");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("tokens/s", r.Err);
        Assert.Contains("audio: built-in synth", r.Err);
        Assert.Contains("effects room: loudness", r.Err);
        var again = CliRunner.Run("generate", "--model", ModelDir, "--genre", "folk", "--bars", "4", "--seed", "11", "-o", _dir["b.mid"]);
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(File.ReadAllBytes(_dir["a.mid"]), File.ReadAllBytes(_dir["b.mid"]));
        var score = MidiFile.Read(_dir["a.mid"]).Score;
        var wav = Cadenza.Audio.WavReader.Read(_dir["a.wav"]);
        Assert.Equal(44100, wav.SampleRate);
        Assert.Equal(2, wav.Channels);
        Assert.True(score.NoteCount > 0, "the fixed seed should give notes");
        Assert.Equal(Cadenza.Audio.BuiltInSynth.FrameCount(score), wav.FrameCount);     // end of the last note + the 2 s tail
        Assert.InRange(wav.DurationSeconds, score.DurationSeconds + 1.9, score.DurationSeconds + 2.1);
        Assert.True(wav.Peak() > 0.01f, "not silent");
        Assert.True(wav.Peak() < 0.9f, "below the limiter's -1 dBFS ceiling, so nothing clips");
    }

    [Fact]
    public void GenerateCountWritesNumberedFiles()
    {
        var r = CliRunner.Run("generate", "--model", ModelDir, "--bars", "2", "--seed", "3", "--count", "3", "-o", _dir["out/p.mid"]);
        Assert.Equal(0, r.ExitCode);
        Assert.True(File.Exists(_dir["out/p-1.mid"]) && File.Exists(_dir["out/p-2.mid"]) && File.Exists(_dir["out/p-3.mid"]));
    }

    [Fact]
    public void GenerateKeepsThePrimer()
    {
        var s = new Score(480);
        var t = new Track { Program = 24 };
        for (int i = 0; i < 16; i++) t.Notes.Add(new Note(i * 240, 200, 64 + i % 5, 88));
        s.Tracks.Add(t);
        MidiFile.Write(s, _dir["primer.mid"]);
        var r = CliRunner.Run("generate", "--model", ModelDir, "--primer", _dir["primer.mid"], "--primer-bars", "1", "--bars", "3", "--seed", "1", "-o", _dir["cont.mid"]);
        Assert.Equal(0, r.ExitCode);
        var back = MidiFile.Read(_dir["cont.mid"]).Score;
        var kept = back.Tracks.Where(x => x.Program == 24).SelectMany(x => x.Notes).Where(n => n.Onset < 1920).OrderBy(n => n.Onset).ToList();
        Assert.Equal(t.Notes.Where(n => n.Onset < 1920).ToList(), kept);
    }

    [Theory]
    [InlineData("x.xyz", null, "extension")]         // not MIDI or ABC
    [InlineData("x", null, "extension")]
    [InlineData("x.mid", "x.mp3", ".wav")]          // --wav must be a WAV file
    [InlineData("x.mid", "x.mid", "same file")]     // the WAV would overwrite the MIDI
    public void GenerateRefusesOutputNamesItCannotHonour(string output, string? wav, string expected)
    {
        var args = new List<string> { "generate", "--model", ModelDir, "-o", _dir[output] };
        if (wav != null) args.AddRange(["--wav", _dir[wav]]);
        var r = CliRunner.Run([.. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Err);
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Theory]
    [InlineData("o.mid", new string[0], ".wav")]
    [InlineData("o.wav", new[] { "--synth", "builtin", "--soundfont", "any.sf2" }, "--soundfont")]
    [InlineData("o.wav", new[] { "--effects", "none", "--lufs", "-20" }, "--lufs")]
    public void RenderRefusesContradictoryRequests(string output, string[] extra, string expected)
    {
        using var dir = new TempDir();
        var song = new Score(480);
        var t = new Track { Program = 0 };
        t.Notes.Add(new Note(0, 480, 60, 90));
        song.Tracks.Add(t);
        MidiFile.Write(song, dir["in.mid"]);
        var r = CliRunner.Run(["render", dir["in.mid"], "-o", dir[output], .. extra]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Err);
        Assert.False(File.Exists(dir[output]));
    }

    [Theory]
    [InlineData("--genre", "polka")]
    [InlineData("--top-p", "1.5")]
    [InlineData("--top-p", "0")]
    [InlineData("--temperature", "-1")]
    [InlineData("--bars", "0")]
    [InlineData("--seed", "minus-one")]
    public void GenerateBadArgumentsExit2AndWriteNothing(string option, string value)
    {
        var r = CliRunner.Run("generate", "--model", ModelDir, option, value, "-o", _dir["x.mid"], "--wav", _dir["x.wav"]);
        Assert.Equal(2, r.ExitCode);
        Assert.DoesNotContain("   at ", r.Err);
        Assert.False(File.Exists(_dir["x.mid"]));
        Assert.False(File.Exists(_dir["x.wav"]));
        // Not even the output folder is created for a bad argument.
        var nested = CliRunner.Run("generate", "--model", ModelDir, option, value, "-o", _dir["newdir/x.mid"]);
        Assert.Equal(2, nested.ExitCode);
        Assert.False(Directory.Exists(_dir["newdir"]));
    }

    [Fact]
    public void GenerateWithAMissingModelFolderExits2()
    {
        var r = CliRunner.Run("generate", "--model", _dir["nope"], "-o", _dir["x.mid"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("nope", r.Err);
        Assert.False(File.Exists(_dir["x.mid"]));
    }

    [Fact]
    public void GenerateToAnUnwritablePathExits2()
    {
        File.WriteAllText(_dir["file"], "x");
        var r = CliRunner.Run("generate", "--model", ModelDir, "-o", _dir["file/x.mid"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("cannot write", r.Err);
        var w = CliRunner.Run("generate", "--model", ModelDir, "-o", _dir["ok.mid"], "--wav", _dir["file/x.wav"]);
        Assert.Equal(2, w.ExitCode);
        Assert.False(File.Exists(_dir["ok.mid"]));
    }

    [Fact]
    public void RenderWritesAWav()
    {
        var s = new Score(480);
        s.Tracks.Add(new Track { Program = 0, Notes = { new Note(0, 960, 60, 100), new Note(480, 960, 64, 100) } });
        MidiFile.Write(s, _dir["in.mid"]);
        var r = CliRunner.Run("render", _dir["in.mid"], "-o", _dir["in.wav"]);
        Assert.Equal(0, r.ExitCode);
        var wav = Cadenza.Audio.WavReader.Read(_dir["in.wav"]);
        Assert.True(wav.DurationSeconds >= 1.5);
        Assert.True(wav.Peak() > 0.01f);
        var bad = CliRunner.Run("render", _dir["nothing.mid"], "-o", _dir["n.wav"]);
        Assert.Equal(2, bad.ExitCode);
    }
}

[Collection("console")]
public class RenderAudioCliTests : IDisposable
{
    private readonly TempDir _dir = new();

    public RenderAudioCliTests()
    {
        var s = new Score(480);
        s.Tracks.Add(new Track { Program = 0, Notes = { new Note(0, 960, 60, 100), new Note(480, 960, 64, 100), new Note(960, 960, 67, 90) } });
        MidiFile.Write(s, _dir["in.mid"]);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("CADENZA_FLUIDSYNTH", null);
        _dir.Dispose();
    }

    private static CliRunner.Result WithoutLibrary(params string[] args)
    {
        Environment.SetEnvironmentVariable("CADENZA_FLUIDSYNTH", "/nonexistent/libfluidsynth.so.3");
        try { return CliRunner.Run(args); }
        finally { Environment.SetEnvironmentVariable("CADENZA_FLUIDSYNTH", null); }
    }

    [Fact]
    public void BuiltInRenderSaysWhichSynthAndTheLoudness()
    {
        var r = CliRunner.Run("render", _dir["in.mid"], "-o", _dir["a.wav"], "--synth", "builtin", "--effects", "dry", "--lufs", "-16");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("render: built-in synth", r.Err);
        Assert.Contains("effects dry: loudness", r.Err);
        var wav = Cadenza.Audio.WavReader.Read(_dir["a.wav"]);
        Assert.InRange(Cadenza.Audio.Effects.Loudness.Integrated(wav), -16.3, -15.7);
        Assert.True(wav.Peak() <= 0.892f);
    }

    [Fact]
    public void AMissingLibraryFallsBackToTheBuiltInSynthWithANotice()
    {
        var r = WithoutLibrary("render", _dir["in.mid"], "-o", _dir["b.wav"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("render: built-in synth (libfluidsynth not found", r.Err);
        Assert.Contains("install libfluidsynth3 and fluid-soundfont-gm for SoundFont sound", r.Err);
        Assert.True(File.Exists(_dir["b.wav"]));
        // Asking for FluidSynth explicitly is an error instead.
        var e = WithoutLibrary("render", _dir["in.mid"], "-o", _dir["c.wav"], "--synth", "fluidsynth");
        Assert.Equal(2, e.ExitCode);
        Assert.Contains("libfluidsynth", e.Err);
        Assert.False(File.Exists(_dir["c.wav"]));
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("junk")]
    [InlineData("folder")]
    public void AMissingOrCorruptSoundFontIsOneLineAndExit2(string kind)
    {
        string sf = _dir[kind + ".sf2"];
        if (kind == "junk") File.WriteAllText(sf, "RIFX not a soundfont, just text");
        if (kind == "folder") Directory.CreateDirectory(sf);
        foreach (bool lib in new[] { true, false })
        {
            var r = lib ? CliRunner.Run("render", _dir["in.mid"], "-o", _dir["x.wav"], "--soundfont", sf)
                        : WithoutLibrary("render", _dir["in.mid"], "-o", _dir["x.wav"], "--soundfont", sf);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains(sf, r.Err);
            Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.DoesNotContain("   at ", r.Err);
            Assert.False(File.Exists(_dir["x.wav"]));
        }
        // generate --wav checks it before writing anything, too.
        var g = CliRunner.Run("generate", "--bars", "1", "-o", _dir["g.mid"], "--wav", _dir["g.wav"], "--soundfont", sf);
        Assert.Equal(2, g.ExitCode);
        Assert.Contains(sf, g.Err);
        Assert.False(File.Exists(_dir["g.mid"]));
    }

    [Theory]
    [InlineData("--effects", "stadium")]
    [InlineData("--lufs", "5")]
    [InlineData("--lufs", "loud")]
    [InlineData("--synth", "moog")]
    [InlineData("--gain", "11")]
    public void BadAudioOptionsExit2(string option, string value)
    {
        var r = CliRunner.Run("render", _dir["in.mid"], "-o", _dir["y.wav"], option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(option, r.Err);
        Assert.False(File.Exists(_dir["y.wav"]));
    }

    [Fact]
    public void AudioOptionsWithoutWavAreRefusedByGenerate()
    {
        var r = CliRunner.Run("generate", "--bars", "1", "-o", _dir["n.mid"], "--effects", "hall");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("needs --wav", r.Err);
    }

    [Fact]
    public void RendersAnAbcTune()
    {
        File.WriteAllText(_dir["t.abc"], "X:1\nT:One\nM:4/4\nL:1/4\nK:C\nCDEF|G4|]\n\nX:2\nT:Two\nM:3/4\nL:1/4\nK:G\nGAB|d3|]\n");
        var r = CliRunner.Run("render", _dir["t.abc"], "-o", _dir["t.wav"], "--synth", "builtin", "--tune", "2");
        Assert.Equal(0, r.ExitCode);
        var wav = Cadenza.Audio.WavReader.Read(_dir["t.wav"]);
        Assert.InRange(wav.DurationSeconds, 3.0 + 1.9, 3.0 + 2.2); // 6 quarters at the default 120 bpm + the 2 s tail
        var none = CliRunner.Run("render", _dir["t.abc"], "-o", _dir["u.wav"], "--synth", "builtin", "--tune", "9");
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("no tune X:9", none.Err);
    }
}

[Collection("console")]
public class BreakItCliTests
{
    private static void Song(string path, int notes = 8)
    {
        var s = new Score(480);
        var t = new Track();
        for (int i = 0; i < notes; i++) t.Notes.Add(new Note(i * 240, 240, 60 + i % 12, 90));
        s.Tracks.Add(t);
        MidiFile.Write(s, path);
    }

    [Fact]
    public void OutputEqualToInputIsRefusedAndTheInputSurvives()
    {
        using var dir = new TempDir();
        Song(dir["a.mid"]);
        var before = File.ReadAllBytes(dir["a.mid"]);
        Assert.Equal(2, CliRunner.Run("tokenize", dir["a.mid"], "-o", dir["a.mid"]).ExitCode);
        Assert.Equal(2, CliRunner.Run("render", dir["a.mid"], "-o", dir["a.mid"]).ExitCode);
        Assert.Equal(before, File.ReadAllBytes(dir["a.mid"]));
        Assert.Equal(0, CliRunner.Run("tokenize", dir["a.mid"], "-o", dir["a.txt"]).ExitCode);
        var tokens = File.ReadAllText(dir["a.txt"]);
        var r = CliRunner.Run("detokenize", dir["a.txt"], "-o", dir["a.txt"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("output is the input", r.Err);
        Assert.Equal(tokens, File.ReadAllText(dir["a.txt"]));
    }

    [Fact]
    public void GarbageTokensAreRefusedWithoutWritingAFile()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["g.txt"], "hello world garbage \u0001\u0002");
        var r = CliRunner.Run("detokenize", dir["g.txt"], "-o", dir["g.mid"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("nothing decodable", r.Err);
        Assert.DoesNotContain("\u0001", r.Err);
        Assert.False(File.Exists(dir["g.mid"]));
        File.WriteAllText(dir["big.txt"], "1 2 99999999999999999999 3");
        var big = CliRunner.Run("detokenize", dir["big.txt"], "-o", dir["big.mid"]);
        Assert.Equal(2, big.ExitCode);
        Assert.Contains("outside the vocabulary", big.Err);
    }

    [Fact]
    public void RenderOfAnEndlessPieceIsAClearError()
    {
        using var dir = new TempDir();
        var s = new Score(96);
        s.Tracks.Add(new Track { Notes = { new Note(0, 96, 60, 90), new Note(268_435_455, 96, 62, 90) } });
        MidiFile.Write(s, dir["long.mid"]);
        var r = CliRunner.Run("render", dir["long.mid"], "-o", dir["long.wav"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("long.mid", r.Err);
        Assert.DoesNotContain("   at ", r.Err);
        Assert.False(File.Exists(dir["long.wav"]));
    }

    [Fact]
    public void TokenizeFolderKeepsCollidingNamesApart()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in"]);
        Song(dir["in/a.mid"], 4);
        Song(dir["in/a.MID"], 5);
        Song(dir["in/a.midi"], 6);
        var r = CliRunner.Run("tokenize", dir["in"], "-o", dir["out"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(3, Directory.GetFiles(dir["out"], "*.tokens.txt").Length);
    }

    [Fact]
    public void DatasetIntoAFolderOfOtherFilesIsRefused()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in"]);
        Song(dir["in/a.mid"]);
        Directory.CreateDirectory(dir["precious"]);
        File.WriteAllText(dir["precious/notes.txt"], "mine");
        var r = CliRunner.Run("dataset", "build", dir["in"], "-o", dir["precious"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(new[] { "notes.txt" }, Directory.GetFiles(dir["precious"]).Select(f => Path.GetFileName(f)).ToArray());
    }

    [Fact]
    public void TrainWithoutValidationSkipsItAndKeepsTheLogValidJson()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in"]);
        for (int i = 0; i < 3; i++) Song(dir[$"in/p{i}.mid"], 12 + i);
        Assert.Equal(0, CliRunner.Run("dataset", "build", dir["in"], "-o", dir["ds"], "--val-fraction", "0").ExitCode);
        var r = CliRunner.Run("train", "--data", dir["ds"], "-o", dir["run"], "--preset", "tiny", "--steps", "3", "--batch", "2", "--eval-every", "1");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("validation is skipped", r.Err);
        foreach (var line in File.ReadAllLines(dir["run/metrics.jsonl"])) System.Text.Json.JsonDocument.Parse(line).Dispose();
    }

    [Fact]
    public void TrainWithAContextLongerThanThePresetIsAUsageError()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in"]);
        Song(dir["in/a.mid"]);
        Song(dir["in/b.mid"]);
        Assert.Equal(0, CliRunner.Run("dataset", "build", dir["in"], "-o", dir["ds"]).ExitCode);
        var r = CliRunner.Run("train", "--data", dir["ds"], "-o", dir["run"], "--preset", "tiny", "--steps", "1", "--context", "100000");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("context", r.Err);
        Assert.DoesNotContain("   at ", r.Err);
    }

    [Fact]
    public void OutOfRangeNumbersSayTheRange()
    {
        var r = CliRunner.Run("train", "--data", "x", "-o", "y", "--steps", "99999999999");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("between", r.Err);
        var e = CliRunner.Run("train", "--data", "x", "-o", "y", "--epochs", "-1");
        Assert.Contains("--epochs must be a positive number", e.Err);
    }

    [Fact]
    public void UnwritableOutputsGetAPlainMessage()
    {
        using var dir = new TempDir();
        Song(dir["a.mid"]);
        File.WriteAllText(dir["file"], "x");
        var r = CliRunner.Run("tokenize", dir["a.mid"], "-o", dir["file/x.txt"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("cannot write", r.Err);
        Assert.DoesNotContain(".tmp", r.Err);
    }

    [Fact]
    public void HelpEndsWithANewline()
    {
        Assert.EndsWith("\n", CliRunner.Run("info", "--help").Out);
    }
}

[Collection("console")]
public class StatsCliTests
{
    [Fact]
    public void StatsPrintsPerFileAndMeanAndSkipsBadFiles()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in"]);
        var s = new Score(480);
        var t = new Track();
        for (int i = 0; i < 8; i++) t.Notes.Add(new Note(i * 480, 480, 60 + 2 * (i % 4), 80));
        s.Tracks.Add(t);
        MidiFile.Write(s, dir["in/a.mid"]);
        File.WriteAllText(dir["in/bad.mid"], "nope");
        var r = CliRunner.Run("stats", dir["in"], "--json");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("bad.mid", r.Err);
        using var doc = System.Text.Json.JsonDocument.Parse(r.Out);
        Assert.Equal(1, doc.RootElement.GetProperty("count").GetInt32());
        Assert.Equal(4.0, doc.RootElement.GetProperty("mean").GetProperty("NotesPerBar").GetDouble());
        Assert.Equal(2, CliRunner.Run("stats", dir["nothing"]).ExitCode);
    }
}
