using Cadenza.Music;
using Cadenza.Music.Abc;
using Cadenza.Tokens;
using Cadenza.Training;

namespace Cadenza.Training.Tests;

public class AbcDatasetTests
{
    private const string Book = """
        X:1
        T:First
        M:6/8
        L:1/8
        K:G
        "G"GAB c2d|"D7"e3 d2c|"G"B3 G3|]

        X:2
        T:Second
        M:2/4
        L:1/16
        K:Dm
        "Dm"D2F2 A2d2|"A7"^c4 e4|"Dm"d8|]

        X:3
        T:Broken
        M:4/4
        K:C
        C4 D4 [CEG
        """;

    [Fact]
    public void EveryTuneOfAnAbcFileIsAPieceAndTheAbcTokenizerEncodesIt()
    {
        using var dir = new TempDir();
        var folk = Path.Combine(dir.Path, "in", "folk");
        Directory.CreateDirectory(folk);
        File.WriteAllText(Path.Combine(folk, "book.abc"), Book);
        var tok = new AbcTextTokenizer();
        var m = DatasetBuilder.Build(tok, [dir["in"]], dir["ds"], new DatasetOptions { TransposeMin = -1, TransposeMax = 1, ValFraction = 0, Seed = 1 });

        Assert.Equal("abc", m.Scheme);
        var keys = m.Files.Select(f => f.Path).ToList();
        Assert.Contains("in/folk/book.abc#1", keys);
        Assert.Contains("in/folk/book.abc#2", keys);
        Assert.All(m.Files, f => Assert.Equal("folk", f.Genre));
        Assert.All(m.Files, f => Assert.Equal([0, -1, 1], f.Transpositions));
        using var ds = TokenDataset.Open(dir["ds"], tok);
        var texts = ds.Train.SelectMany(s => s.Info.Documents.Select(d => Text(tok, s.Slice(d[0], (int)d[1])))).ToList();
        Assert.Contains(texts, t => t.StartsWith("BOS Genre_folk M:6/8 L:1/8 K:G \"G\" G A B c2 d | \"D7\" e3 d2 c |", StringComparison.Ordinal));
        // The copy one semitone up is in A flat with its chord symbols moved too.
        Assert.Contains(texts, t => t.Contains("K:Ab") && t.Contains("\"Ab\"") && t.Contains("\"Eb7\""));
        Assert.Contains(texts, t => t.Contains("K:Ebm") || t.Contains("K:D#m"));
    }

    private static string Text(Tokenizer tok, ReadOnlySpan<ushort> ids)
    {
        var a = new int[ids.Length];
        for (int i = 0; i < a.Length; i++) a[i] = ids[i];
        return tok.ToText(a);
    }

    [Theory]
    [InlineData(1, 2, 3)]     // G +2 -> A
    [InlineData(-2, 1, 5)]    // Bb +1 -> B
    [InlineData(0, -1, 5)]    // C -1 -> B
    [InlineData(6, 1, 1)]     // F# +1 -> G
    public void KeysMoveBySevenFifthsASemitone(int fifths, int semitones, int expected) =>
        Assert.Equal(expected, DatasetBuilder.TransposeFifths(fifths, semitones));

    [Theory]
    [InlineData("D7", 2, false, "E7")]
    [InlineData("Bbm", 1, false, "Bm")]
    [InlineData("D/f+", -2, true, "C")]
    [InlineData("F#m7b5", 1, false, "Gm7b5")]
    [InlineData("G", 1, true, "Ab")]
    public void ChordSymbolRootsMove(string text, int semitones, bool flats, string expected) =>
        Assert.Equal(expected, DatasetBuilder.TransposeChordSymbol(text, semitones, flats));

    [Fact]
    public void TextsThatAreNotChordSymbolsStayAsTheyAre() =>
        Assert.Null(DatasetBuilder.TransposeChordSymbol("(E7)", 2, false));
}
