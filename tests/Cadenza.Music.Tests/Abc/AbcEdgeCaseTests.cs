using System.Text;
using Cadenza.Music.Abc;
using static Cadenza.Music.Tests.Abc.AbcTestUtil;

namespace Cadenza.Music.Tests.Abc;

/// <summary>The ABC cases of ../shared/data/edge-cases/EXPECTED.md, with the files' text embedded.</summary>
public class AbcEdgeCaseTests
{
    [Fact]
    public void BrokenRhythmVariants()
    {
        const string abc = "X:1\nT:Broken rhythm variants\nM:4/4\nL:1/8\nK:C\n" +
            "A>A A<A A>>A A<<A | A>>>A A2>>>A2 .c>d | !trill!e<f [CE]>[DF] B2 B2 |]\n";
        var tune = Single(abc);
        AssertNotes(
            "69:3/16 69:1/16 69:1/16 69:3/16 69:7/32 69:1/32 69:1/32 69:7/32 " +
            "69:15/64 69:1/64 69:15/32 69:1/32 72:3/16 74:1/16 " +
            "76:1/16 77:3/16 60+64:3/16 62+65:1/16 71:1/4 71:1/4", tune.Score.Tracks[0]);
        Assert.Equal(3 * Whole, tune.Score.EndTick);
        Assert.DoesNotContain(tune.Warnings, w => w.Contains("unequal", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void TiesAndEndings()
    {
        const string abc = "X:1\nT:Ties and endings\nM:4/4\nL:1/8\nK:Eb\n" +
            "E3 E/-E/ c2 B2 |: E2 G2 B2 e2 |1 B2 c2 d2 g2- :|2 g4 z4 |]\n";
        var tune = Single(abc);
        AssertNotes(
            "63:3/8 63:1/8 72:1/4 70:1/4 " +
            "63:1/4 67:1/4 70:1/4 75:1/4 70:1/4 72:1/4 74:1/4 79:1/4 " +
            "63:1/4 67:1/4 70:1/4 75:1/4 79:1/2 r:1/2", tune.Score.Tracks[0]);
        Assert.Equal(17, tune.Score.NoteCount);
        Assert.Contains(tune.Warnings, w => w.Contains("tie"));
        Assert.Equal((-3, false), (tune.Score.KeySignatures[0].Fifths, tune.Score.KeySignatures[0].IsMinor));
    }

    [Fact]
    public void InlineKeyAfterRepeat()
    {
        const string abc = "X:1\nT:Mode changes\nM:4/4\nL:1/8\nK:Dmin\n" +
            "D2 F2 A2 B2 |: [K:Edor] E2 F2 G2 c2 | B2 A2 F4 :|\n[K:Ador] A2 c2 e2 f2 | a8 |]\n";
        var tune = Single(abc);
        AssertNotes(
            "62:1/4 65:1/4 69:1/4 70:1/4 " +
            "64:1/4 66:1/4 67:1/4 73:1/4 71:1/4 69:1/4 66:1/2 " +
            "64:1/4 66:1/4 67:1/4 73:1/4 71:1/4 69:1/4 66:1/2 " +
            "69:1/4 72:1/4 76:1/4 78:1/4 81:1/1", tune.Score.Tracks[0]);
        var keys = tune.Score.KeySignatures;
        Assert.Equal(3, keys.Count);
        Assert.Equal(new KeySignature(0, -1, true, null), keys[0]);
        Assert.Equal(new KeySignature(Whole, 2, false, "Dor"), keys[1]);
        Assert.Equal(new KeySignature(5 * Whole, 1, false, "Dor"), keys[2]);
        Assert.Equal("Dmin", tune.Key);
    }

    [Fact]
    public void VoiceScopedFields()
    {
        const string abc = "X:1\nT:Voice scoped fields\nM:4/4\nL:1/4\nK:Edor\nV:1 name=\"Upper\"\nL:1/8\nV:2 name=\"Lower\"\n" +
            "V:1\nE2 F2 G2 A2 | [K:C] F2 G2 A2 B2 |]\nV:2\nE F G A | F G A B |]\n";
        var tune = Single(abc);
        Assert.Equal(2, tune.Score.Tracks.Count);
        Assert.Equal("Upper", tune.Score.Tracks[0].Name);
        Assert.Equal("Lower", tune.Score.Tracks[1].Name);
        AssertNotes("64:1/4 66:1/4 67:1/4 69:1/4 65:1/4 67:1/4 69:1/4 71:1/4", tune.Score.Tracks[0]);
        AssertNotes("64:1/4 66:1/4 67:1/4 69:1/4 66:1/4 67:1/4 69:1/4 71:1/4", tune.Score.Tracks[1]);
        Assert.Equal(2 * Whole, tune.Score.Tracks[0].Notes[^1].End);
        Assert.Equal(2 * Whole, tune.Score.Tracks[1].Notes[^1].End);
    }

    [Fact]
    public void TupletsGeneral()
    {
        const string abc = "X:1\nT:Tuplets\nM:3/4\nL:1/8\nK:C\n" +
            "(3ccc (3ccc (3ccc | (6cccccc z2 z2 | CCCC (3:2:1C3 | (3:2:2G4A2 z2 |]\n";
        var tune = Single(abc);
        AssertNotes(
            string.Concat(Enumerable.Repeat("72:1/12 ", 9)) + string.Concat(Enumerable.Repeat("72:1/24 ", 6)) + "r:1/4 r:1/4 " +
            "60:1/8 60:1/8 60:1/8 60:1/8 60:1/4 67:1/3 69:1/6 r:1/4", tune.Score.Tracks[0]);
    }

    [Fact]
    public void GraceNotes()
    {
        const string abc = "X:1\nT:Grace notes\nM:4/4\nL:1/8\nK:D\n{g}A2 {ag}f2 {/e}d4 | {GAB}c8 |]\n";
        var tune = Single(abc);
        AssertNotes("69:1/4 78:1/4 74:1/2 73:1/1", tune.Score.Tracks[0]);
        var g = tune.GraceNotes;
        Assert.Equal(new[] { 79, 81, 79, 76, 67, 69, 71 }, g.Select(x => x.Pitch));
        Assert.Equal(new long[] { 0, Whole / 4, Whole / 4, Whole / 2, Whole, Whole, Whole }, g.Select(x => x.Tick));
        Assert.Equal(new[] { false, false, false, true, false, false, false }, g.Select(x => x.IsAcciaccatura));
        Assert.All(g, x => Assert.Equal(g[0].Duration, x.Duration));
        Assert.All(g, x => Assert.True(x.Duration > 0));
        // a group never takes more than half of its principal note
        foreach (var grp in g.GroupBy(x => x.Tick))
        {
            var principal = tune.Score.Tracks[0].Notes.First(n => n.Onset == grp.Key);
            Assert.True(grp.Sum(x => x.Duration) * 2 <= principal.Duration);
        }
    }

    internal static byte[] Latin1Bytes()
    {
        const string text = "%abc-2.1\n%%abc-charset iso-8859-1\n\nX:1\nT:Danse de l'\u00C9t\u00E9\nT:Bourr\u00E9e \u00E0 trois\n" +
            "C:Traditionnel\nM:2/4\nL:1/8\nK:G\nG>A Bc | d2 d2 | e>f ge | d4 |]\n" +
            "w:L\u00E0-bas sous le ciel d'\u00E9-t\u00E9 on dan-se gai\n";
        return Encoding.Latin1.GetBytes(text);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Latin1Charset(bool withDirective)
    {
        var bytes = Latin1Bytes();
        Assert.Contains((byte)0xE0, bytes);
        Assert.Contains((byte)0xC9, bytes);
        if (!withDirective)
        {
            var s = Encoding.Latin1.GetString(bytes).Replace("%%abc-charset iso-8859-1\n", "");
            bytes = Encoding.Latin1.GetBytes(s);
        }
        var r = AbcFile.Parse(bytes, "latin1_charset.abc");
        Assert.Empty(r.Errors);
        var tune = Assert.Single(r.Tunes);
        Assert.Equal(new[] { "Danse de l'\u00C9t\u00E9", "Bourr\u00E9e \u00E0 trois" }, tune.Titles);
        Assert.Equal("Traditionnel", tune.Composer);
        Assert.DoesNotContain('\uFFFD', string.Concat(tune.Titles));
        AssertNotes("67:3/16 69:1/16 71:1/8 72:1/8 74:1/4 74:1/4 76:3/16 78:1/16 79:1/8 76:1/8 74:1/2", tune.Score.Tracks[0]);
        var lyrics = tune.Score.Texts.Where(x => x.Kind == TextKind.Lyric).ToList();
        Assert.Equal(new[] { "L\u00E0", "bas", "sous", "le", "ciel", "d'\u00E9", "t\u00E9", "on", "dan", "se", "gai" }, lyrics.Select(x => x.Text));
        Assert.Equal(tune.Score.Tracks[0].Notes.Select(n => n.Onset), lyrics.Select(x => x.Tick));
        if (!withDirective) Assert.Contains(r.Warnings, w => w.Contains("ISO-8859-1"));
    }

    [Fact]
    public void MultiTuneFile()
    {
        const string abc = "%abc-2.1\n% file header: defaults for every tune below\nM:6/8\nL:1/8\n\n" +
            "Free text between tunes. It mentions the notes A B C\nbut it is not music and must not become a tune.\n\n" +
            "X:1\nT:First tune\nK:C\nT:Second section title\nK:G\nGAB c2f | e3 d3 |]\n\n</html>\n\n" +
            "X:\nT:Tune with an empty reference number\nK:Am\nA3 c3 | e6 |]\n\n" +
            "X:3\nT:Tune without a key field\nM:2/4\nCDEF | G4 |]\n\n" +
            "X:4\nT:Last tune without a final newline\nK:D\n% a comment line inside the body\nd2A2F2 | % end-of-line comment\nD6 |]";
        var r = AbcFile.Parse(abc, "multi_tune_file.abc");
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "1", "", "3", "4" }, r.Tunes.Select(t => t.ReferenceNumber));
        var t1 = r.Tunes[0];
        Assert.Equal(new[] { "First tune", "Second section title" }, t1.Titles);
        Assert.Equal("6/8", t1.Meter);
        Assert.Equal("1/8", t1.UnitLength);
        Assert.Equal("G", t1.Key);
        Assert.Equal(new KeySignature(0, 1, false, null), Assert.Single(t1.Score.KeySignatures));
        AssertNotes("67:1/8 69:1/8 71:1/8 72:1/4 78:1/8 76:3/8 74:3/8", t1.Score.Tracks[0]);
        var t2 = r.Tunes[1];
        Assert.Equal("6/8", t2.Meter);
        AssertNotes("69:3/8 72:3/8 76:3/4", t2.Score.Tracks[0]);
        var t3 = r.Tunes[2];
        Assert.Equal("2/4", t3.Meter);
        Assert.Contains(t3.Warnings, w => w.Contains("K:"));
        AssertNotes("60:1/8 62:1/8 64:1/8 65:1/8 67:1/2", t3.Score.Tracks[0]);
        var t4 = r.Tunes[3];
        Assert.Equal(new TimeSignature(0, 6, 8), Assert.Single(t4.Score.TimeSignatures));
        AssertNotes("74:1/4 69:1/4 66:1/4 62:3/4", t4.Score.Tracks[0]);
        Assert.Contains(r.Warnings, w => w.Contains("free text"));
    }

    [Fact]
    public void UnusualLengthsMeters()
    {
        const string abc = "X:1\nT:Whole-note unit and cut time\nM:C|\nL:1/1\nK:C\n" +
            "C/2 D/2 | E7/8 z/8 |[M:none] C/4 D/4 E/4 F/4 G/4 A/4 B/4 |[M:3/4] c3/4 |]\n\n" +
            "X:2\nT:Default unit length in a short meter\nM:2/4\nK:C\nCDEF GABc |]\n\n" +
            "X:3\nT:Default unit length in common time\nM:C\nK:C\nCDEF GABc |]\n";
        var r = AbcFile.Parse(abc, "unusual_lengths_meters.abc");
        Assert.Empty(r.Errors);
        Assert.Equal(3, r.Tunes.Count);
        var t1 = r.Tunes[0];
        Assert.Equal(new TimeSignature(0, 2, 2), t1.Score.TimeSignatures[0]);
        AssertNotes("60:1/2 62:1/2 64:7/8 r:1/8 60:1/4 62:1/4 64:1/4 65:1/4 67:1/4 69:1/4 71:1/4 72:3/4", t1.Score.Tracks[0]);
        Assert.Equal(new TimeSignature(2 * Whole + 7 * Whole / 4, 3, 4), t1.Score.TimeSignatures[^1]);
        Assert.Equal("1/16", r.Tunes[1].UnitLength);
        AssertNotes("60:1/16 62:1/16 64:1/16 65:1/16 67:1/16 69:1/16 71:1/16 72:1/16", r.Tunes[1].Score.Tracks[0]);
        Assert.Equal("1/8", r.Tunes[2].UnitLength);
        Assert.Equal(new TimeSignature(0, 4, 4), r.Tunes[2].Score.TimeSignatures[0]);
        AssertNotes("60:1/8 62:1/8 64:1/8 65:1/8 67:1/8 69:1/8 71:1/8 72:1/8", r.Tunes[2].Score.Tracks[0]);
    }

    [Fact]
    public void Utf8CjkTitle()
    {
        const string title = "\u6625\u306E\u6B4C", composer = "\u4F5C\u8005\u4E0D\u8A73";
        string abc = $"X:1\nT:{title}\nC:{composer}\nM:4/4\nL:1/4\nK:C\nE D C D | E E E2 | D D E D | C4 |]\n";
        var bytes = Encoding.UTF8.GetBytes(abc);
        var r = AbcFile.Parse(bytes, "utf8_cjk_title.abc");
        var tune = Assert.Single(r.Tunes);
        Assert.Equal(title, tune.Score.Title);
        Assert.Equal(composer, tune.Score.Composer);
        Assert.Equal(9, Encoding.UTF8.GetByteCount(tune.Score.Title!));
        AssertNotes("64:1/4 62:1/4 60:1/4 62:1/4 64:1/4 64:1/4 64:1/2 62:1/4 62:1/4 64:1/4 62:1/4 60:1/1", tune.Score.Tracks[0]);
    }
}
