using Cadenza.Music;
using Cadenza.Music.Abc;

namespace Cadenza.Music.Tests;

public class ChordSymbolTests
{
    [Theory]
    [InlineData("G", 7, new[] { 0, 4, 7 }, 7)]
    [InlineData("Am", 9, new[] { 0, 3, 7 }, 9)]
    [InlineData("D7", 2, new[] { 0, 4, 7, 10 }, 2)]
    [InlineData("F#m7", 6, new[] { 0, 3, 7, 10 }, 6)]
    [InlineData("Bbmaj7", 10, new[] { 0, 4, 7, 11 }, 10)]
    [InlineData("Edim", 4, new[] { 0, 3, 6 }, 4)]
    [InlineData("C/E", 0, new[] { 0, 4, 7 }, 4)]
    [InlineData("D/f+", 2, new[] { 0, 4, 7 }, 6)]          // Nottingham: lower-case bass, + for sharp
    [InlineData("Gm/bb", 7, new[] { 0, 3, 7 }, 10)]
    [InlineData("D#d", 3, new[] { 0, 3, 6 }, 3)]           // Nottingham: d for diminished
    [InlineData("(A7)", 9, new[] { 0, 4, 7, 10 }, 9)]
    [InlineData("Esus4", 4, new[] { 0, 5, 7 }, 4)]
    public void ReadsChordSymbols(string text, int root, int[] intervals, int bass)
    {
        Assert.True(ChordSymbol.TryParse(text, out var c));
        Assert.Equal(root, c!.Root);
        Assert.Equal(intervals, c.Intervals);
        Assert.Equal(bass, c.Bass);
    }

    [Theory]
    [InlineData("N.C.")]
    [InlineData("^Segno")]
    [InlineData("G G")]
    [InlineData("Hx")]
    [InlineData("D/x")]
    [InlineData("")]
    public void RefusesWhatIsNotAChord(string text) => Assert.False(ChordSymbol.TryParse(text, out _));

    [Fact]
    public void AccompanimentHoldsEachChordToTheNextSymbol()
    {
        const string abc = "X:1\nT:t\nM:4/4\nL:1/4\nK:G\n\"G\"GABc|\"D7/f+\"d2 \"Gx\"A2|\"N.C.\"B4|\"Em\"e4|]\n";
        var tune = AbcFile.Parse(abc, "t.abc").Tunes[0];
        var score = tune.Score;
        int tpq = score.TicksPerQuarter;
        var report = ChordAccompaniment.Add(score);
        Assert.Equal(3, report.Chords);
        Assert.Equal(["Gx"], report.NotUnderstood);
        var chords = score.Tracks[^1];
        Assert.Equal("Chords", chords.Name);
        Assert.NotEqual(score.Tracks[0].Channel, chords.Channel);
        Assert.NotEqual(9, chords.Channel);
        // G: bass G2 (43) + G3 B3 D4, the whole first bar.
        var g = chords.Notes.Where(n => n.Onset == 0).Select(n => n.Pitch).ToArray();
        Assert.Equal([43, 55, 59, 62], g);
        Assert.All(chords.Notes.Where(n => n.Onset == 0), n => Assert.Equal(4 * tpq, n.Duration));
        // D7/F#: bass F#2 (42) under D4 F#4 A4 C5 (roots from F3 up), held until the unknown symbol "Gx", which still ends it.
        var d7 = chords.Notes.Where(n => n.Onset == 4 * tpq).ToList();
        Assert.Equal([42, 62, 66, 69, 72], d7.Select(n => n.Pitch).ToArray());
        Assert.All(d7, n => Assert.Equal(2 * tpq, n.Duration));
        // N.C. silences; Em holds to the end of the last note.
        Assert.DoesNotContain(chords.Notes, n => n.Onset >= 6 * tpq && n.Onset < 12 * tpq);
        Assert.All(chords.Notes.Where(n => n.Onset == 12 * tpq), n => Assert.Equal(16 * tpq, n.End));
    }

    [Fact]
    public void NoSymbolsNoTrack()
    {
        var score = AbcFile.Parse("X:1\nT:t\nK:C\nCDEF|\n", "t.abc").Tunes[0].Score;
        var report = ChordAccompaniment.Add(score);
        Assert.Equal(0, report.Chords);
        Assert.Single(score.Tracks);
    }
}
