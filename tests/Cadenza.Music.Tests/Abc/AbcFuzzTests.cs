using System.Text;
using Cadenza.Music.Abc;

namespace Cadenza.Music.Tests.Abc;

/// <summary>Random mutations of real tunes: the reader returns a result (tunes and per-tune errors), never throws,
/// hangs or allocates without bound, and the writer accepts whatever the reader produced.</summary>
public class AbcFuzzTests
{
    private const string Seed = "%abc-2.1\nM:6/8\nL:1/8\n\nX:1\nT:Fuzz\nP:AB\nQ:1/4=100\nK:Dmix exp ^f\nP:A\n" +
        "\"D\"A>A (3Bcd {ag}f2- | f/2g//a/4 [CEG]2 [C2E]3/2 z Z2 |: .c>d !trill!e<f ~g2 | [1 B2 c2 :|[2 d4 ||\n" +
        "P:B\nV:1 name=\"Up\"\n[K:Eb] ^^c __d =e (5:4:3abc (3:2:1C3 \\\n w:la-la_ la* ~ | x2 X |]\n" +
        "V:2\nL:1/16\nC,,D'E F2 :: G A B c ||\n[M:C|][L:1/4][Q:3/8=60] c'/ |1,3 d :|2 e |]\n" +
        "X:2\nT:Second\nK:Am\n|: ABc :|: def :| (6abcdef (7abcdefg (9abcdefghi (2ab (4abcd |]\n";

    private const string Alphabet = "|:[]()<>{}!+\"^_=,'/0123456789-~.zZxXABCDEFGabcdefgHKLMPQTVw\\%& \n";

    [Fact]
    public void MutatedTunesParseOrFailCleanly()
    {
        var baseline = AbcFile.Parse(Seed, "fuzz.abc");
        Assert.Empty(baseline.Errors);
        Assert.Equal(2, baseline.Tunes.Count);
        var rng = new Random(20261203);
        for (int iter = 0; iter < 3000; iter++)
        {
            var sb = new StringBuilder(Seed);
            int edits = 1 + rng.Next(8);
            for (int e = 0; e < edits; e++)
            {
                int pos = rng.Next(sb.Length + 1);
                switch (rng.Next(5))
                {
                    case 0: sb.Insert(pos, Alphabet[rng.Next(Alphabet.Length)]); break;
                    case 1: if (pos < sb.Length) sb.Remove(pos, Math.Min(sb.Length - pos, 1 + rng.Next(6))); break;
                    case 2:
                    {
                        int len = Math.Min(sb.Length - Math.Min(pos, sb.Length), 1 + rng.Next(30));
                        var piece = sb.ToString(Math.Min(pos, sb.Length), len);
                        sb.Insert(rng.Next(sb.Length + 1), piece);
                        break;
                    }
                    case 3: sb.Insert(pos, rng.Next(1_000_000_000).ToString()); break;
                    default: if (pos < sb.Length) sb[pos] = (char)rng.Next(0, 0x3000); break;
                }
            }
            string text = sb.ToString();
            AbcParseResult r;
            try
            {
                r = AbcFile.Parse(text, "fuzz.abc");
            }
            catch (Exception ex)
            {
                Assert.Fail($"iteration {iter}: {ex.GetType().Name}: {ex.Message}\n{text}");
                return;
            }
            foreach (var err in r.Errors)
            {
                Assert.StartsWith("fuzz.abc: tune X:", err.Message);
                Assert.Contains("line ", err.Message);
            }
            foreach (var t in r.Tunes)
            {
                Assert.True(t.Score.NoteCount <= 200_000, $"iteration {iter}: {t.Score.NoteCount} notes from a small input");
                foreach (var tr in t.Score.Tracks)
                    foreach (var n in tr.Notes)
                        Assert.True(n.Onset >= 0 && n.Duration >= 0 && n.Pitch is >= 0 and <= 127);
                if (iter % 10 == 0 && t.Score.NoteCount < 5000)
                {
                    string written = AbcWriter.Write(t.Score);
                    var again = AbcFile.Parse(written, "again.abc");
                    Assert.Empty(again.Errors);
                }
            }
        }
    }

    [Theory]
    [InlineData("X:1\nK:C\nC99999999999999999999999\n")]
    [InlineData("X:1\nK:C\nC/0 D/////////////////////////////////////////////////////8\n")]
    [InlineData("X:1\nL:1/999999999\nK:C\nC\n")]
    [InlineData("X:1\nK:C\nZ999999999\n")]
    [InlineData("X:1\nP:(((((((((((A9)9)9)9)9)9)9)9)9)9)9\nK:C\nP:A\n|: C :|: D :|\n")]
    [InlineData("X:1\nK:C\n(64:64:256 C C C [1 D :| [2 E ::::::| |1,2,3-99 F :|\n")]
    [InlineData("X:1\nK:C\n\"unterminated {abc [CEG !trill\n")]
    [InlineData("X:1\nK:C\n" + "C1000000/1 " + "C1000000/3 C1000000/7 C1000000/11 C1000000/13 C1000000/17 C1000000/19 C1000000/23\n")]
    public void HostileInputsGiveAResultOrATypedError(string abc)
    {
        var r = AbcFile.Parse(abc, "hostile.abc");
        Assert.Equal(1, r.Tunes.Count + r.Errors.Count);
        foreach (var e in r.Errors) Assert.StartsWith("hostile.abc: tune X:1", e.Message);
    }

    [Fact]
    public void OneBadTuneDoesNotStopTheOthers()
    {
        var r = AbcFile.Parse("X:1\nT:Good\nK:C\nCDE|\n\nX:2\nT:Bad\nK:C\nC99999999999/1 C99999999999 C99999999999 C9999999999 C9999999999\n\nX:3\nT:Also good\nK:G\nGAB|\n", "mixed.abc");
        Assert.Equal(new[] { "1", "3" }, r.Tunes.Select(t => t.ReferenceNumber));
        var err = Assert.Single(r.Errors);
        Assert.Contains("tune X:2 \"Bad\"", err.Message);
        Assert.Contains("line 9", err.Message);
        Assert.Equal("mixed.abc", err.SourceName);
    }
}
