using System.Text.Json;
using Cadenza.Music;
using Cadenza.Tokens;
using static Cadenza.Tokens.Tests.TestScores;

namespace Cadenza.Tokens.Tests;

public sealed class VocabularyAndFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cadenza-tokens-" + Guid.NewGuid().ToString("N"));

    public VocabularyAndFileTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void SpecialTokensComeFirstAndEveryTokenIsTypeValue()
    {
        var v = new RemiTokenizer().Vocabulary;
        Assert.Equal(new[] { "PAD", "BOS", "EOS", "MASK" }, v.Tokens.Take(4));
        Assert.Equal(0, v["PAD"]);
        Assert.All(v.Tokens.Skip(4), t => Assert.Matches(@"^[A-Za-z]+_[^_\s]+$", t));
        for (int i = 0; i < v.Count; i++) Assert.Equal(i, v[v[i]]);
        Assert.False(v.TryGetId("Pitch_20", out int id));
        Assert.Equal(-1, id);
        Assert.Throws<KeyNotFoundException>(() => v["nope"]);
        Assert.Throws<ArgumentOutOfRangeException>(() => v[v.Count]);
        Assert.Equal(473, v.Count);
        foreach (var t in new[] { "Bar_None", "Position_0", "Position_95", "Tempo_40", "Tempo_120", "Tempo_250", "Program_-1", "Program_127",
                                  "Pitch_21", "Pitch_108", "Velocity_127", "Duration_1.6.12", "TimeSig_4/4", "TimeSig_12/8", "Genre_classical" })
            Assert.True(v.TryGetId(t, out _), t);
        Assert.Equal(32, v.Tokens.Count(t => t.StartsWith("Tempo_")));
        Assert.Equal(32, v.Tokens.Count(t => t.StartsWith("Velocity_")));
    }

    [Fact]
    public void SaveThenLoadGivesAnEqualTokenizer()
    {
        var cfg = new TokenizerConfig { Genres = ["folk", "blues"], MaxBars = 100, VelocityBins = 16, TimeSignatures = ["4/4", "3/4", "6/8"] };
        foreach (var tok in new Tokenizer[] { new RemiTokenizer(), new RemiTokenizer(cfg) })
        {
            var path = Path.Combine(_dir, "sub", "tokenizer.json");
            tok.Save(path);
            tok.Save(path); // overwrite
            var back = Tokenizer.Load(path);
            Assert.IsType<RemiTokenizer>(back);
            Assert.Equal(tok.Config, back.Config);
            Assert.True(tok.Vocabulary.SequenceEqual(back.Vocabulary));
            var s = Make(480, (0, false, [N(0, 480, 60), N(480, 240, 62)]));
            Assert.Equal(tok.Encode(s).Ids, back.Encode(s).Ids);
            Assert.Single(Directory.GetFiles(Path.Combine(_dir, "sub"))); // no temporary left behind
        }
        Assert.NotEqual(new TokenizerConfig(), cfg);
    }

    [Fact]
    public void ConfigSerializesWithSystemTextJson()
    {
        var cfg = new TokenizerConfig { Durations = [new(0, 4, 12), new(4, 16, 3)], TempoBins = 16 };
        var back = JsonSerializer.Deserialize<TokenizerConfig>(JsonSerializer.Serialize(cfg));
        Assert.Equal(cfg, back);
        Assert.Equal(cfg.GetHashCode(), back!.GetHashCode());
        Assert.Equal("remi", back.Scheme);
    }

    [Fact]
    public void LoadRefusesBadAndForeignFiles()
    {
        string Write(string name, string text) { var p = Path.Combine(_dir, name); File.WriteAllText(p, text); return p; }
        Assert.Throws<FileNotFoundException>(() => Tokenizer.Load(Path.Combine(_dir, "missing.json")));
        Assert.Contains("invalid JSON", Assert.Throws<InvalidDataException>(() => Tokenizer.Load(Write("a.json", "{ not json"))).Message);
        Assert.Contains("not a Cadenza tokenizer", Assert.Throws<InvalidDataException>(() => Tokenizer.Load(Write("b.json", "{\"model_type\": \"gpt2\"}"))).Message);
        Assert.Throws<InvalidDataException>(() => Tokenizer.Load(Write("c.json", "[1,2,3]")));

        var good = Path.Combine(_dir, "good.json");
        new RemiTokenizer().Save(good);
        var text = File.ReadAllText(good);
        Assert.Throws<InvalidDataException>(() => Tokenizer.Load(Write("d.json", text.Replace("\"Pitch_60\"", "\"Pitch_6O\""))));
        Assert.Throws<InvalidDataException>(() => Tokenizer.Load(Write("e.json", text.Replace("\"version\": 1", "\"version\": 7"))));
        Assert.Throws<InvalidDataException>(() => Tokenizer.Load(Write("f.json", text.Replace("\"Scheme\": \"remi\"", "\"Scheme\": \"octuple\""))));
        Assert.Throws<InvalidDataException>(() => Tokenizer.Load(Write("g.json", text.Replace("\"PositionsPerQuarter\": 12", "\"PositionsPerQuarter\": \"x\""))));
    }

    [Fact]
    public void InvalidConfigsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new RemiTokenizer(new TokenizerConfig { PitchMin = 90, PitchMax = 80 }));
        Assert.Throws<ArgumentException>(() => new RemiTokenizer(new TokenizerConfig { Durations = [new(0, 2, 5)] }));
        Assert.Throws<ArgumentException>(() => new RemiTokenizer(new TokenizerConfig { TimeSignatures = ["4/3"] }));
        Assert.Throws<ArgumentException>(() => new RemiTokenizer(new TokenizerConfig { DecodeTicksPerQuarter = 100 }));
        Assert.Throws<ArgumentException>(() => Tokenizer.Create(new TokenizerConfig { Scheme = "tsd" }));
    }

    [Fact]
    public void TextFormIsTokensJoinedBySpaces()
    {
        var tok = new RemiTokenizer();
        var s = Make(480, (0, false, [N(0, 480, 60, 100), N(720, 240, 64, 64)]));
        var seq = tok.Encode(s, ["Genre_folk"]);
        const string expected = "BOS Genre_folk Bar_None TimeSig_4/4 Position_0 Tempo_120 Program_0 Pitch_60 Velocity_99 Duration_1.0.12 "
                              + "Position_18 Program_0 Pitch_64 Velocity_64 Duration_0.6.12 EOS";
        Assert.Equal(expected, tok.ToText(seq.Ids));
        Assert.Equal(expected, seq.ToString());
        Assert.Equal(expected.Split(' '), seq.ToTokens());
        Assert.Equal("BOS ?999 ?-1", tok.ToText([1, 999, -1]));
        var dec = tok.DecodeText("  " + expected.Replace(" ", "\n ") + "\n");
        Assert.Equal(0, dec.ErrorCount);
        Assert.Equal(2, dec.Score.NoteCount);
    }
}
