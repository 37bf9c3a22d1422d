using Cadenza.Music;
using Cadenza.Music.Abc;
using Cadenza.Tokens;

namespace Cadenza.Tokens.Tests;

public class AbcTextTests
{
    private static readonly AbcTextTokenizer Tok = new();

    private static AbcTune Tune(string abc)
    {
        var r = AbcFile.Parse(abc, "test.abc", new AbcReadOptions { TicksPerQuarter = Tok.Config.DecodeTicksPerQuarter });
        Assert.Empty(r.Errors);
        return Assert.Single(r.Tunes);
    }

    private static List<(long, int, long)> Notes(Score s) =>
        s.Tracks.SelectMany(t => t.Notes).Select(n => (n.Onset, n.Pitch, n.Duration)).OrderBy(x => x).ToList();

    private const string Jig = """
        X:1
        T:Test jig
        M:6/8
        L:1/8
        K:G
        "G"GAB c2d|"D7"e3- e2 f|"C"[ce]2 g (3abc d|[K:D] f3 z2 ^c|
        "Am"A>B c/d/ e2 _B|=B6|]
        """;

    [Fact]
    public void TextFormIsAbcWithOneTokenPerMusicalUnit()
    {
        var seq = Tok.EncodeAbc("X:1\nT:t\nM:6/8\nL:1/8\nQ:1/4=120\nK:Dmix\n\"G\"G2 A ^c'3/2 z/ | [ce]2- [ce] (3:2:2d e/ =f |]\n", ["Genre_folk"]);
        Assert.Equal("BOS Genre_folk M:6/8 L:1/8 K:Dmix \"G\" G2 A ^c'3/2 z/ | [ c e ]2 - [ c e ] (3:2:2 d e/ =f |] EOS", seq.ToString());
        Assert.Empty(seq.Warnings);
    }

    [Fact]
    public void TuneRoundTripsThroughTokensNoteForNote()
    {
        var tune = Tune(Jig);
        var seq = Tok.Encode(tune.Score, ["Genre_folk"]);
        var back = Tok.Decode(seq.Ids);
        Assert.Equal(0, back.ErrorCount);
        Assert.Equal(Notes(tune.Score), Notes(back.Score));
        Assert.Equal(23, Notes(back.Score).Count); // the tie e3-e2 is one note, the chord [ce] two
        // the text form decodes to the same notes too
        var fromText = Tok.DecodeText(seq.ToString());
        Assert.Equal(0, fromText.ErrorCount);
        Assert.Equal(Notes(tune.Score), Notes(fromText.Score));
        // chord symbols and the key change survive as tokens
        var text = seq.ToString();
        Assert.Contains("\"D7\"", text);
        Assert.Contains("[K:D]", text);
        Assert.Contains("(3", text);
    }

    [Fact]
    public void ToAbcWritesATuneTheParserReads()
    {
        var seq = Tok.Encode(Tune(Jig).Score);
        string abc = Tok.ToAbc(seq.Ids, "Round trip", out int errors);
        Assert.Equal(0, errors);
        Assert.StartsWith("X:1\nT:Round trip\nM:6/8\nL:1/8\nK:G\n", abc);
        var again = Tune(abc);
        Assert.Equal(Notes(Tune(Jig).Score), Notes(again.Score));
    }

    [Fact]
    public void BassNotesOfChordSymbolsAreDroppedAndUnknownSymbolsWarned()
    {
        var seq = Tok.EncodeAbc("M:4/4\nL:1/8\nK:D\n\"D/f#\"d4 \"Xyz\"e4 |\n");
        Assert.Contains("\"D\" d4", seq.ToString());
        Assert.Contains(seq.Warnings, w => w.Contains("Xyz"));
    }

    [Theory]
    [InlineData("M:4/4\nL:1/8\nK:C\nC,,4 D4 |\n")]   // below the pitch range
    [InlineData("M:4/4\nL:1/8\nK:C\n^^C4 D4 |\n")]   // double sharp
    [InlineData("M:4/4\nL:1/8\nK:C\nC2/5 D4 |\n")]   // a quintuplet's length
    [InlineData("M:17/8\nL:1/8\nK:C\nC4 D4 |\n")]   // a meter without a token
    public void UnitsTheVocabularyLacksAreRefusedWithAReason(string abc)
    {
        var e = Assert.Throws<TokenizationException>(() => Tok.EncodeAbc(abc));
        Assert.Equal("unsupported-abc", e.Reason);
        Assert.StartsWith("cannot tokenize", e.Message);
    }

    [Fact]
    public void GrammarKeepsHeaderOrderBarsTiesAndTuplets()
    {
        var g = Tok.Grammar;
        var v = Tok.Vocabulary;
        var s = g.Start();
        g.Advance(ref s, v["BOS"]);
        Assert.False(g.IsAllowed(s, v["L:1/8"]));
        Assert.False(g.IsAllowed(s, v["EOS"]));
        g.Advance(ref s, v["M:3/4"]);
        Assert.True(g.IsAllowed(s, v["L:1/8"]));
        Assert.False(g.IsAllowed(s, v["K:G"]));
        g.Advance(ref s, v["L:1/8"]);
        g.Advance(ref s, v["K:G"]);
        Assert.False(g.IsAllowed(s, v["|"]));        // an empty bar
        Assert.False(g.IsAllowed(s, v["-"]));        // a tie after nothing
        Assert.False(g.IsAllowed(s, v["EOS"]));      // a tune without music
        Assert.False(g.IsAllowed(s, v["]2"]));       // a chord end without a chord
        g.Advance(ref s, v["(3"]);
        Assert.False(g.IsAllowed(s, v["(3"]));
        g.Advance(ref s, v["c"]);
        Assert.True(g.IsAllowed(s, v["-"]));
        g.Advance(ref s, v["d"]);
        Assert.False(g.IsAllowed(s, v["|"]));        // inside the triplet
        g.Advance(ref s, v["z"]);
        Assert.False(g.IsAllowed(s, v["-"]));        // a tie after a rest
        Assert.True(g.IsAllowed(s, v["|"]));
        g.Advance(ref s, v["["]);
        Assert.False(g.IsAllowed(s, v["c2"]));       // chord notes have no length of their own
        Assert.False(g.IsAllowed(s, v["]"]));
        g.Advance(ref s, v["c"]);
        g.Advance(ref s, v["e"]);
        g.Advance(ref s, v["]2"]);
        g.Advance(ref s, v["|"]);
        Assert.Equal(1, s.Bars);
        Assert.True(g.IsAllowed(s, v["EOS"]));
        Assert.True(g.BarTokensCloseBars);
        // bars after the first (a pickup may be short) must be full unless a meter change follows, and nothing may overflow them
        Assert.False(g.IsAllowed(s, v["e8"]));
        g.Advance(ref s, v["e4"]);
        Assert.True(g.IsAllowed(s, v["|"]));
        var shortBar = s;
        g.Advance(ref shortBar, v["|"]);
        Assert.False(g.IsAllowed(shortBar, v["c"]));
        Assert.False(g.IsAllowed(shortBar, v["EOS"]));
        Assert.False(g.IsAllowed(shortBar, v["[K:G]"]));
        Assert.True(g.IsAllowed(shortBar, v["[M:3/4]"]));
        g.Advance(ref shortBar, v["[M:3/4]"]);
        Assert.True(g.IsAllowed(shortBar, v["c"]));
        Assert.False(g.IsAllowed(s, v["e3"]));
        Assert.True(g.IsAllowed(s, v["|]"]));      // the final bar may be short
        g.Advance(ref s, v["e2"]);
        Assert.False(g.IsAllowed(s, v["z/"]));     // the bar is full
        Assert.True(g.IsAllowed(s, v["|"]));
        g.Advance(ref s, v["|"]);
        g.Advance(ref s, v["e6"]);
        g.Advance(ref s, v["|]"]);
        Assert.Equal(GrammarPhase.AbcFinal, s.Phase);
        Assert.False(g.IsAllowed(s, v["c"]));
        Assert.True(g.IsAllowed(s, v["EOS"]));
    }

    [Fact]
    public void RandomTokensDecodeWithoutThrowingAndTheTextParses()
    {
        var rng = new Random(5);
        int v = Tok.Vocabulary.Count;
        for (int trial = 0; trial < 200; trial++)
        {
            var ids = new int[rng.Next(0, 300)];
            for (int i = 0; i < ids.Length; i++) ids[i] = rng.Next(-3, v + 3);
            if (ids.Length > 0 && trial % 2 == 0) ids[0] = 1;
            var r = Tok.Decode(ids);
            Assert.NotNull(r.Score);
            string abc = Tok.ToAbc(ids, "fuzz", out int errors);
            Assert.Equal(r.ErrorCount, errors);
            var parsed = AbcFile.Parse(abc, "fuzz.abc");
            Assert.Empty(parsed.Errors);
            Assert.Single(parsed.Tunes);
        }
    }

    [Fact]
    public void GrammaticalRandomWalksDecodeWithNoErrors()
    {
        // Sampling under the grammar mask, as generation does: whatever is chosen must decode cleanly.
        var g = Tok.Grammar;
        var rng = new Random(11);
        var allowed = new bool[Tok.Vocabulary.Count];
        for (int trial = 0; trial < 50; trial++)
        {
            var s = g.Start();
            var ids = new List<int>();
            while (s.Phase != GrammarPhase.End && ids.Count < 400)
            {
                g.FillMask(s, allowed);
                var choices = Enumerable.Range(0, allowed.Length).Where(i => allowed[i]).ToList();
                Assert.NotEmpty(choices);
                int id = choices[rng.Next(choices.Count)];
                g.Advance(ref s, id);
                ids.Add(id);
            }
            var r = Tok.Decode(ids.ToArray());
            Assert.Equal(0, r.ErrorCount);
        }
    }

    [Fact]
    public void SavedTokenizerLoadsEqual()
    {
        string path = Path.Combine(Path.GetTempPath(), "cadenza-abc-tok-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            Tok.Save(path);
            var back = Tokenizer.Load(path);
            Assert.IsType<AbcTextTokenizer>(back);
            Assert.Equal(Tok.Config, back.Config);
            Assert.True(back.Vocabulary.SequenceEqual(Tok.Vocabulary));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void VocabularyHasTheDocumentedUnits()
    {
        var v = Tok.Vocabulary;
        foreach (var t in new[] { "M:6/8", "L:1/16", "K:Ador", "K:Bb", "[K:Em]", "[M:3/4]", "C,", "b''", "^f'3/2", "_B/", "=e7/8", "z32", "]3", "(3:2:5", "\"F#m7\"", "|", "|]", "Genre_folk" })
            Assert.True(v.TryGetId(t, out _), t);
        Assert.False(v.TryGetId("c''''", out _));
        Assert.InRange(v.Count, 4000, 6000);
        Assert.Equal("abc", Tok.Config.Scheme);
        Assert.Throws<ArgumentException>(() => new AbcTextTokenizer(new TokenizerConfig()));
    }
}
