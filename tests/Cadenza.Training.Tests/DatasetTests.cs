using Cadenza.Music;
using Cadenza.Music.Midi;
using Cadenza.Tokens;
using Cadenza.Training;

namespace Cadenza.Training.Tests;

public sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cadenza-train-" + Guid.NewGuid().ToString("N"));
    public TempDir() => Directory.CreateDirectory(Path);
    public string this[string name] => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, true); } catch (IOException) { }
    }
}

public class DatasetTests
{
    internal static Score Piece(int seed, bool drums = false)
    {
        var rng = new Random(seed);
        var s = new Score(480);
        s.Tempos.Add(TempoChange.FromBpm(0, 90 + seed % 40));
        s.TimeSignatures.Add(new TimeSignature(0, seed % 3 == 0 ? 3 : 4, 4));
        var t = new Track { Name = "melody", Program = seed % 2 == 0 ? 0 : 73 };
        long tick = 0;
        for (int i = 0; i < 40; i++)
        {
            int len = 120 * (1 + rng.Next(4));
            t.Notes.Add(new Note(tick, len, 55 + rng.Next(20), 60 + rng.Next(60)));
            tick += len;
        }
        s.Tracks.Add(t);
        if (drums)
        {
            var d = new Track { Name = "kit", Channel = 9, IsDrum = true };
            for (int i = 0; i < 32; i++) d.Notes.Add(new Note(i * 240, 60, i % 2 == 0 ? 36 : 42, 90));
            s.Tracks.Add(d);
        }
        return s;
    }

    private static void MakeCorpus(TempDir dir)
    {
        Directory.CreateDirectory(dir["in/folk"]);
        Directory.CreateDirectory(dir["in/jazz"]);
        for (int i = 0; i < 12; i++) MidiFile.Write(Piece(i), dir[$"in/folk/f{i:D2}.mid"]);
        for (int i = 0; i < 8; i++) MidiFile.Write(Piece(100 + i, drums: true), dir[$"in/jazz/j{i:D2}.mid"]);
        File.WriteAllText(dir["in/jazz/broken.mid"], "MThd but not really");
    }

    [Fact]
    public void BuildsShardsManifestAndSplitsByPiece()
    {
        using var dir = new TempDir();
        MakeCorpus(dir);
        var tok = new RemiTokenizer();
        var m = DatasetBuilder.Build(tok, [dir["in"]], dir["ds"], new DatasetOptions { TransposeMin = -2, TransposeMax = 2, ValFraction = 0.2, Seed = 7 });

        Assert.Equal(20, m.Files.Count);
        var skipped = Assert.Single(m.Skipped);
        Assert.Contains("broken.mid", skipped.Path);
        Assert.True(m.Validation.Pieces >= 1);
        Assert.Equal(20, m.Train.Pieces + m.Validation.Pieces);
        // No piece is on both sides; transposed copies only for training pieces.
        Assert.Equal(m.Files.Count, m.Files.Select(f => f.Path).Distinct().Count());
        Assert.All(m.Files.Where(f => f.Split == "validation"), f => Assert.Equal([0], f.Transpositions));
        Assert.Contains(m.Files, f => f.Split == "train" && f.Transpositions.Count == 5);
        Assert.Equal(m.Files.Where(f => f.Split == "train").Sum(f => f.Transpositions.Count), m.Train.Sequences);
        // Genres from the folder names.
        Assert.All(m.Files, f => Assert.Equal(f.Path.Contains("/folk/") ? "folk" : "jazz", f.Genre));
        Assert.Equal(m.Train.Tokens, m.Train.TokensByGenre.Values.Sum());

        using var ds = TokenDataset.Open(dir["ds"], tok);
        Assert.Equal(m.Train.Tokens, TokenDataset.TotalTokens(ds.Train));
        Assert.Equal(m.Validation.Tokens, TokenDataset.TotalTokens(ds.Validation));
        // Every document starts with BOS, then its genre token, and ends with EOS.
        int bos = tok.Vocabulary["BOS"], eos = tok.Vocabulary["EOS"];
        foreach (var shard in ds.Train.Concat(ds.Validation))
            foreach (var d in shard.Info.Documents)
            {
                var span = shard.Slice(d[0], (int)d[1]);
                Assert.Equal(bos, span[0]);
                Assert.Equal(tok.Vocabulary["Genre_" + shard.Info.Genres[(int)d[2]]], span[1]);
                Assert.Equal(eos, span[^1]);
            }
    }

    [Fact]
    public void TheUntransposedSequenceEqualsTheTokenizerOutput()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in"]);
        var piece = Piece(3);
        MidiFile.Write(piece, dir["in/a.mid"]);
        var tok = new RemiTokenizer();
        DatasetBuilder.Build(tok, [dir["in/a.mid"]], dir["ds"], new DatasetOptions { ValFraction = 0 });
        using var ds = TokenDataset.Open(dir["ds"]);
        var expected = tok.Encode(MidiFile.Read(dir["in/a.mid"]).Score).Ids;
        var got = ds.Train[0].Slice(0, (int)ds.Train[0].Length).ToArray().Select(x => (int)x).ToArray();
        Assert.Equal(expected, got);
    }

    [Fact]
    public void BuildIsDeterministic()
    {
        using var dir = new TempDir();
        MakeCorpus(dir);
        var opts = new DatasetOptions { TransposeMin = -1, TransposeMax = 1, ValFraction = 0.25, Seed = 3 };
        DatasetBuilder.Build(new RemiTokenizer(), [dir["in"]], dir["a"], opts);
        DatasetBuilder.Build(new RemiTokenizer(), [dir["in"]], dir["b"], opts);
        foreach (var f in Directory.GetFiles(dir["a"], "*.bin"))
            Assert.Equal(File.ReadAllBytes(f), File.ReadAllBytes(System.IO.Path.Combine(dir["b"], System.IO.Path.GetFileName(f))));
        // Another seed gives another split.
        var other = DatasetBuilder.Build(new RemiTokenizer(), [dir["in"]], dir["c"], new DatasetOptions { ValFraction = 0.25, Seed = 99 });
        var first = DatasetManifest.Load(dir["a/manifest.json"]);
        Assert.NotEqual(first.Files.Where(f => f.Split == "validation").Select(f => f.Path), other.Files.Where(f => f.Split == "validation").Select(f => f.Path));
    }

    [Fact]
    public void LabelsGiveGenresAndTestFilesAreSkipped()
    {
        using var dir = new TempDir();
        MakeCorpus(dir);
        File.WriteAllText(dir["in/labels.csv"],
            "path,collection,genre,title\n" +
            "folk/f00.mid,x,classical,\"A, quoted title\"\n" +
            "folk/f01.mid,x,test,\"parser \"\"test\"\"\"\n");
        var m = DatasetBuilder.Build(new RemiTokenizer(), [dir["in"]], dir["ds"], new DatasetOptions { LabelsPath = dir["in/labels.csv"], ValFraction = 0 });
        Assert.Equal("classical", m.Files.Single(f => f.Path.EndsWith("f00.mid")).Genre);
        Assert.Equal("folk", m.Files.Single(f => f.Path.EndsWith("f02.mid")).Genre);
        Assert.Contains(m.Skipped, s => s.Path.EndsWith("f01.mid") && s.Reason.Contains("test"));
    }

    [Fact]
    public void TranspositionNeverMovesDrumsAndRespectsTheRange()
    {
        var s = Piece(1, drums: true);
        var up = DatasetBuilder.Transpose(s, 3, 21, 108)!;
        Assert.Equal(s.Tracks[0].Notes.Select(n => n.Pitch + 3), up.Tracks[0].Notes.Select(n => n.Pitch));
        Assert.Equal(s.Tracks[1].Notes, up.Tracks[1].Notes);
        var high = new Score();
        high.Tracks.Add(new Track { Notes = { new Note(0, 480, 106, 80) } });
        Assert.Null(DatasetBuilder.Transpose(high, 3, 21, 108));
    }

    [Fact]
    public void DamagedShardIsRefusedWithItsName()
    {
        using var dir = new TempDir();
        MakeCorpus(dir);
        DatasetBuilder.Build(new RemiTokenizer(), [dir["in"]], dir["ds"], new DatasetOptions { ValFraction = 0.2 });
        var shard = dir["ds/train_000.bin"];
        var bytes = File.ReadAllBytes(shard);
        File.WriteAllBytes(shard, bytes[..^3]);
        var e = Assert.Throws<DatasetException>(() => TokenDataset.Open(dir["ds"]));
        Assert.Contains("train_000.bin", e.Message);

        // Right size, but an id outside the vocabulary.
        bytes[10] = 0xFF; bytes[11] = 0xFF;
        File.WriteAllBytes(shard, bytes);
        e = Assert.Throws<DatasetException>(() => TokenDataset.Open(dir["ds"]));
        Assert.Contains("outside the vocabulary", e.Message);
    }

    [Fact]
    public void ManifestFromAnotherTokenizerIsRefused()
    {
        using var dir = new TempDir();
        MakeCorpus(dir);
        DatasetBuilder.Build(new RemiTokenizer(), [dir["in"]], dir["ds"], new DatasetOptions());
        var other = Tokenizer.Create(new TokenizerConfig { VelocityBins = 16 });
        var e = Assert.Throws<DatasetException>(() => TokenDataset.Open(dir["ds"], other));
        Assert.Contains("different tokenizer", e.Message);
        other.Save(dir["ds/tokenizer.json"]);
        e = Assert.Throws<DatasetException>(() => TokenDataset.Open(dir["ds"]));
        Assert.Contains("another tokenizer", e.Message);
    }

    [Fact]
    public void EmptyOrMissingInputsAreClearErrors()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["empty"]);
        Assert.Contains("no MIDI or ABC files", Assert.Throws<DatasetException>(() =>
            DatasetBuilder.Build(new RemiTokenizer(), [dir["empty"]], dir["ds"], new DatasetOptions())).Message);
        Assert.Contains("no such file", Assert.Throws<DatasetException>(() =>
            DatasetBuilder.Build(new RemiTokenizer(), [dir["nope"]], dir["ds"], new DatasetOptions())).Message);
        Directory.CreateDirectory(dir["bad"]);
        File.WriteAllText(dir["bad/x.mid"], "x");
        Assert.Contains("x.mid", Assert.Throws<DatasetException>(() =>
            DatasetBuilder.Build(new RemiTokenizer(), [dir["bad"]], dir["ds"], new DatasetOptions())).Message);
        Assert.False(File.Exists(dir["ds/manifest.json"]));
        Assert.Empty(Directory.GetFiles(dir["ds"], "*.tmp"));
    }

    [Fact]
    public void MissingManifestIsAClearError()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<DatasetException>(() => TokenDataset.Open(dir.Path));
        Assert.Contains("manifest", e.Message);
    }
}
