using Cadenza.Engine;
using Cadenza.Engine.IO;
using Cadenza.Engine.Sampling;
using Cadenza.Generation;
using Cadenza.Music;
using Cadenza.Music.Midi;
using Cadenza.Tokens;

namespace Cadenza.Generation.Tests;

/// <summary>A tiny random model with the given tokenizer, saved to a temporary folder.</summary>
public abstract class TinyModelBase : IDisposable
{
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "cadenza-gen-" + Guid.NewGuid().ToString("N"));

    protected TinyModelBase(Tokenizer tok, ulong seed, Action<GptModel>? adjust = null)
    {
        var model = new GptModel(GptConfig.Tiny(tok.Vocabulary.Count), 1, 64);
        model.InitializeWeights(seed);
        adjust?.Invoke(model);
        Checkpoint.Save(Dir, model.Config, model.Layout, model.Parameters);
        tok.Save(Path.Combine(Dir, "tokenizer.json"));
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}

public sealed class TinyModel() : TinyModelBase(new RemiTokenizer(), 42);

public class GeneratorTests(TinyModel tiny) : IClassFixture<TinyModel>
{
    private static Score Primer()
    {
        var s = new Score(96);
        s.Tempos.Add(TempoChange.FromBpm(0, 100));
        s.TimeSignatures.Add(new TimeSignature(0, 4, 4));
        var t = new Track { Name = "lead", Program = 73, Channel = 2 };
        // Deliberately off the tokenizer's grid (7 ticks at 96 per quarter) so "kept exactly" is tested.
        for (int i = 0; i < 24; i++) t.Notes.Add(new Note(i * 48 + 7, 41, 60 + i % 7, 77));
        s.Tracks.Add(t);
        return s;
    }

    [Fact]
    public void SameSeedSameMusic()
    {
        var g = Generator.Load(tiny.Dir);
        var o = new GenerationOptions { Genre = "folk", Bars = 4, MaxTokens = 300, Sampling = new SamplerOptions { Seed = 7, Temperature = 1.0f } };
        var a = g.Generate(o);
        var b = g.Generate(o);
        Assert.Equal(a.Tokens, b.Tokens);
        Assert.Equal(MidiFile.ToBytes(a.Score), MidiFile.ToBytes(b.Score));
        var c = g.Generate(o with { Sampling = new SamplerOptions { Seed = 8, Temperature = 1.0f } });
        Assert.NotEqual(a.Tokens, c.Tokens);
    }

    [Fact]
    public void OutputIsGrammaticalAndRereads()
    {
        var g = Generator.Load(tiny.Dir);
        for (int seed = 0; seed < 5; seed++)
        {
            var r = g.Generate(new GenerationOptions { Genre = "jazz", Bars = 3, MaxTokens = 400, Sampling = new SamplerOptions { Seed = (ulong)seed, Temperature = 1.5f } });
            Assert.Equal(0, r.Repairs);
            Assert.Equal(g.Tokenizer.Vocabulary["BOS"], r.Tokens[0]);
            Assert.Equal(g.Tokenizer.Vocabulary["Genre_jazz"], r.Tokens[1]);
            Assert.Equal(g.Tokenizer.Vocabulary["EOS"], r.Tokens[^1]);
            int bars = r.Tokens.Count(t => t == g.Tokenizer.Vocabulary["Bar_None"]);
            Assert.True(bars <= 3, $"{bars} bars");
            var reread = MidiFile.Read(MidiFile.ToBytes(r.Score), "generated").Score;
            Assert.Equal(r.Score.NoteCount, reread.NoteCount);
        }
    }

    [Fact]
    public void PrimerNotesAreKeptExactly()
    {
        var g = Generator.Load(tiny.Dir);
        var primer = Primer();
        var r = g.Generate(new GenerationOptions { Primer = primer, PrimerBars = 2, Bars = 4, MaxTokens = 400, Sampling = new SamplerOptions { Seed = 3 } });
        long cut = 2 * 4 * 96;
        var kept = primer.Tracks[0].Notes.Where(n => n.Onset < cut).ToList();
        var lead = r.Score.Tracks.Single(t => t.Program == 73 && !t.IsDrum);
        Assert.Equal(kept, lead.Notes.Where(n => n.Onset < cut).ToList());
        Assert.Equal(96, r.Score.TicksPerQuarter);
        Assert.DoesNotContain(primer.Tracks[0].Notes.Where(n => n.Onset >= cut), n => lead.Notes.Contains(n));
        Assert.All(r.Score.Tracks.SelectMany(t => t.Notes).Where(n => !kept.Contains(n)), n => Assert.True(n.Onset >= cut));
    }

    [Fact]
    public void GoesPastTheContextWindowBySliding()
    {
        var g = Generator.Load(tiny.Dir);
        var r = g.Generate(new GenerationOptions { Genre = "pop", Bars = null, MaxTokens = 300, Sampling = new SamplerOptions { Seed = 1, Temperature = 0.8f } });
        Assert.True(r.Tokens.Length > 64 || r.StoppedAtEos);
        if (!r.StoppedAtEos) Assert.True(r.SlidingWindows > 0);
        Assert.Equal(0, r.Repairs);
    }

    [Fact]
    public void UnknownGenreAndBadOptionsAreClearErrors()
    {
        var g = Generator.Load(tiny.Dir);
        var e = Assert.Throws<ArgumentException>(() => g.Generate(new GenerationOptions { Genre = "polka" }));
        Assert.Contains("unknown genre 'polka'", e.Message);
        Assert.Throws<ArgumentException>(() => g.Generate(new GenerationOptions { Sampling = new SamplerOptions { TopP = 1.5f } }));
        Assert.Throws<ArgumentException>(() => g.Generate(new GenerationOptions { Bars = 0 }));
    }

    [Fact]
    public void MissingModelFolderIsACheckpointError()
    {
        var e = Assert.Throws<CheckpointException>(() => Generator.Load("/nonexistent/model"));
        Assert.Contains("/nonexistent/model", e.Message);
    }
}

public sealed class TinyAbcModel() : TinyModelBase(new AbcTextTokenizer(), 11, WantsBarLines)
{
    // A model that wants bar lines and meter changes above all: the final layer norm outputs a constant vector e0,
    // so the logits are the first column of the (tied) embedding, made large for '|' and the inline [M:..] fields.
    // Left to itself it would close every bar after its first note.
    private static void WantsBarLines(GptModel model)
    {
        var tok = new AbcTextTokenizer();
        model.Parameter("ln_f.weight").Clear();
        var b = model.Parameter("ln_f.bias");
        b.Clear();
        b[0] = 1;
        var wte = model.Parameter("wte.weight");
        int c = model.Config.NEmbd;
        foreach (var (t, id) in tok.Vocabulary.Tokens.Select((t, i) => (t, i)))
            if (t == "|" || t.StartsWith("[M:", StringComparison.Ordinal)) wte[id * c] = 20;
    }
}

public class AbcGeneratorTests(TinyAbcModel tiny) : IClassFixture<TinyAbcModel>
{
    [Fact]
    public void AnUntrainedAbcModelWritesWholeBarsThatParse()
    {
        // An untrained model samples nearly at random: the grammar and the generator's mask alone must keep the tune
        // well formed, with every bar but the pickup and the last as long as the meter says.
        var g = Generator.Load(tiny.Dir);
        var tok = (AbcTextTokenizer)g.Tokenizer;
        for (int seed = 0; seed < 8; seed++)
        {
            var r = g.Generate(new GenerationOptions { Genre = "folk", Bars = 6, MaxTokens = 2000, Sampling = new SamplerOptions { Seed = (ulong)seed, Temperature = 1.0f } });
            Assert.Equal(0, r.Repairs);
            string abc = tok.ToAbc(r.Tokens, "t", out int errors);
            Assert.Equal(0, errors);
            var parsed = Cadenza.Music.Abc.AbcFile.Parse(System.Text.Encoding.UTF8.GetBytes(abc), "generated.abc");
            Assert.Single(parsed.Tunes);
            var grammar = tok.Grammar;
            var state = grammar.Start();
            int bars = 0;
            foreach (int id in r.Tokens)
            {
                if (grammar.IsBarToken(id))
                {
                    bool last = id == tok.Vocabulary["|]"];
                    if (bars > 0 && !last) Assert.True(state.AbcTimeLeft < 6, $"seed {seed}: bar {bars + 1} is short ({state.AbcTimeLeft}/48 of a unit left):\n{abc}");
                    bars++;
                }
                grammar.Advance(ref state, id);
            }
            Assert.Equal(6, bars);
        }
    }
}
