using Cadenza.Music.Abc;
using static Cadenza.Music.Tests.Abc.AbcTestUtil;

namespace Cadenza.Music.Tests.Abc;

public class AbcWriterTests
{
    private static void AssertRoundTrip(Score score, int track = 0)
    {
        string text = AbcWriter.Write(score, new AbcWriteOptions { TrackIndex = track });
        var r = AbcFile.Parse(text, "written.abc", new AbcReadOptions { TicksPerQuarter = score.TicksPerQuarter });
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.Message)) + "\n" + text);
        var back = Assert.Single(r.Tunes);
        var expected = score.Tracks[track].Notes.Where(n => n.Duration > 0).Select(n => (n.Onset, n.Duration, n.Pitch)).OrderBy(x => x).ToList();
        var actual = back.Score.Tracks[0].Notes.Select(n => (n.Onset, n.Duration, n.Pitch)).OrderBy(x => x).ToList();
        Assert.True(expected.SequenceEqual(actual), $"round trip differs\n{text}\nexpected {string.Join(" ", expected)}\nactual   {string.Join(" ", actual)}");
        Assert.DoesNotContain(back.Warnings, w => w.Contains("tie"));
    }

    public static TheoryData<string> EdgeTunes() => new()
    {
        "X:1\nM:4/4\nL:1/8\nK:C\nA>A A<A A>>A A<<A | A>>>A A2>>>A2 .c>d | !trill!e<f [CE]>[DF] B2 B2 |]\n",
        "X:1\nM:4/4\nL:1/8\nK:Eb\nE3 E/-E/ c2 B2 |: E2 G2 B2 e2 |1 B2 c2 d2 g2- :|2 g4 z4 |]\n",
        "X:1\nM:4/4\nL:1/8\nK:Dmin\nD2 F2 A2 B2 |: [K:Edor] E2 F2 G2 c2 | B2 A2 F4 :|\n[K:Ador] A2 c2 e2 f2 | a8 |]\n",
        "X:1\nM:3/4\nL:1/8\nK:C\n(3ccc (3ccc (3ccc | (6cccccc z2 z2 | CCCC (3:2:1C3 | (3:2:2G4A2 z2 |]\n",
        "X:1\nM:4/4\nL:1/8\nK:D\n{g}A2 {ag}f2 {/e}d4 | {GAB}c8 |]\n",
        "X:1\nM:C|\nL:1/1\nK:C\nC/2 D/2 | E7/8 z/8 |[M:none] C/4 D/4 E/4 F/4 G/4 A/4 B/4 |[M:3/4] c3/4 |]\n",
        "X:1\nM:2/4\nK:C\nCDEF GABc |]\n",
        "X:1\nM:6/8\nL:1/8\nK:G\n\"G\"GAB \"C\"c2f | \"D7\"e3 d3 |] \n",
        "X:1\nM:4/4\nL:1/8\nK:Bb\n_B,=B,^C ^^D __E ^f'' c,,, z | (5abcde (7ABCDEFG |]\n",
        "X:1\nM:9/8\nL:1/8\nK:F#\nF2- F/G/A BcB A3- | A9 | [CEG]3 [FAc]6- | [FAc]9 |]\n",
    };

    [Theory]
    [MemberData(nameof(EdgeTunes))]
    public void AbcToScoreToAbcKeepsEveryNote(string abc)
    {
        var tune = Single(abc);
        AssertRoundTrip(tune.Score);
    }

    [Fact]
    public void WritesHeadersKeyAndChordSymbols()
    {
        var tune = Single("X:1\nT:Tune\nC:Someone\nM:6/8\nL:1/8\nQ:3/8=80\nK:Ador\n\"Am\"ABc \"G\"d2e | \"Am\"^f3 =f3 |]\n");
        string text = AbcWriter.Write(tune.Score);
        Assert.Contains("T:Tune\n", text);
        Assert.Contains("C:Someone\n", text);
        Assert.Contains("M:6/8\n", text);
        Assert.Contains("L:1/8\n", text);
        Assert.Contains("Q:1/4=120\n", text);
        Assert.Contains("K:Ador\n", text);
        Assert.Contains("\"Am\"", text);
        Assert.Contains("\"G\"", text);
        Assert.Contains("f3 =f3 |]", text); // F sharp belongs to A dorian: no accidental; F natural needs one
        var back = Single(text);
        Assert.Equal(tune.Score.Tracks[0].Notes, back.Score.Tracks[0].Notes);
        Assert.Equal(tune.ChordSymbols.Select(c => (c.Tick, c.Text)), back.ChordSymbols.Select(c => (c.Tick, c.Text)));
    }

    [Fact]
    public void SpellsWithKeyAndTiesAcrossBars()
    {
        var s = new Score(480);
        s.TimeSignatures.Add(new TimeSignature(0, 4, 4));
        s.KeySignatures.Add(new KeySignature(0, 2, false)); // D major
        var t = new Track { Name = "melody" };
        t.Notes.Add(new Note(0, 480, 66, 80));        // F#: no accidental in D
        t.Notes.Add(new Note(480, 480, 65, 80));      // F natural: =F
        t.Notes.Add(new Note(960, 480, 66, 80));      // back to F#: ^F
        t.Notes.Add(new Note(1440, 960, 73, 80));     // crosses the bar: tie
        t.Notes.Add(new Note(2400, 480 * 5, 74, 80)); // 5 quarters: tied values
        s.Tracks.Add(t);
        string text = AbcWriter.Write(s);
        Assert.Contains("K:D\n", text);
        Assert.Contains("F2 =F2 ^F2 c2- | c2", text);
        AssertRoundTrip(s);
    }

    [Fact]
    public void ChoosesMelodyTrackByRule()
    {
        var s = new Score(480);
        var bass = new Track { Name = "bass" };
        var lead = new Track { Name = "lead" };
        var drums = new Track { Name = "drums", IsDrum = true, Channel = 9 };
        for (int i = 0; i < 8; i++)
        {
            bass.Notes.Add(new Note(i * 480, 480, 40, 80));
            lead.Notes.Add(new Note(i * 480, 480, 72, 80));
            drums.Notes.Add(new Note(i * 240, 240, 90, 80));
        }
        s.Tracks.Add(bass); s.Tracks.Add(drums); s.Tracks.Add(lead);
        Assert.Equal(2, AbcWriter.ChooseMelodyTrack(s));
        bass.Name = "Melody";
        Assert.Equal(0, AbcWriter.ChooseMelodyTrack(s));
        Assert.Equal(-1, AbcWriter.ChooseMelodyTrack(new Score()));
        Assert.Contains("z |]", AbcWriter.Write(new Score()));
    }

    [Theory]
    [InlineData(1, 480)]
    [InlineData(2, 480)]
    [InlineData(3, 1024)]
    [InlineData(4, 96)]
    [InlineData(5, 480)]
    public void RandomMonophonicScoresRoundTrip(int seed, int tpq)
    {
        var rng = new Random(seed);
        var s = new Score(tpq);
        s.TimeSignatures.Add(new TimeSignature(0, 3 + rng.Next(4), rng.Next(2) == 0 ? 4 : 8));
        s.KeySignatures.Add(new KeySignature(0, rng.Next(-6, 7), rng.Next(2) == 0));
        s.Tempos.Add(TempoChange.FromBpm(0, 100));
        var t = new Track { Name = "melody" };
        // lengths in whole-note fractions that exist at this time base
        var lengths = new List<long>();
        foreach (var (n, d) in new[] { (1, 16), (1, 8), (3, 16), (1, 4), (3, 8), (1, 2), (3, 4), (1, 1), (5, 8), (1, 12), (1, 6), (1, 3), (1, 24), (7, 16) })
            if (4L * tpq * n % d == 0) lengths.Add(4L * tpq * n / d);
        long time = 0;
        for (int i = 0; i < 120; i++)
        {
            long len = lengths[rng.Next(lengths.Count)];
            if (len * 3 % (4L * tpq) != 0 && lengths.Contains(len) && rng.Next(2) == 0)
            {
                // a whole triplet group keeps the grid musical
                for (int k = 0; k < 3; k++) { t.Notes.Add(new Note(time, len, rng.Next(40, 90), 80)); time += len; }
                continue;
            }
            if (rng.Next(6) == 0) { time += len; continue; } // rest
            int chord = rng.Next(8) == 0 ? 3 : 1;
            int root = rng.Next(40, 90);
            for (int c = 0; c < chord; c++) t.Notes.Add(new Note(time, len, root + 4 * c, 80));
            time += len;
            if (i == 60) s.KeySignatures.Add(new KeySignature(time, rng.Next(-6, 7), false));
            if (i == 80) s.TimeSignatures.Add(new TimeSignature(time, 2, 4));
        }
        s.Tracks.Add(t);
        s.Normalize();
        AssertRoundTrip(s);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void OverlappingNotesRoundTripWithTiesInsideChords(int seed)
    {
        var rng = new Random(seed);
        var s = new Score(480);
        s.TimeSignatures.Add(new TimeSignature(0, 3, 4));
        var t = new Track { Name = "melody" };
        var busyUntil = new Dictionary<int, long>();
        for (int i = 0; i < 150; i++)
        {
            long onset = rng.Next(0, 200) * 120L;
            long dur = rng.Next(1, 24) * 120L;
            int pitch = rng.Next(55, 80);
            if (t.Notes.Any(n => n.Pitch == pitch && n.Onset < onset + dur && onset < n.End)) continue; // no same-pitch overlap
            t.Notes.Add(new Note(onset, dur, pitch, 80));
        }
        s.Tracks.Add(t);
        s.Normalize();
        AssertRoundTrip(s);
    }
}
