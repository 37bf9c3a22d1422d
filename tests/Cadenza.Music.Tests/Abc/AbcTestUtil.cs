using Cadenza.Music.Abc;

namespace Cadenza.Music.Tests.Abc;

/// <summary>Helpers: expected melodies written as "69:3/16 69:1/16 r:1/4 60+64:1/8" (pitch or chord or rest, length as
/// a fraction of a whole note), laid end to end from time 0.</summary>
internal static class AbcTestUtil
{
    public const int Tpq = 480;
    public const int Whole = 4 * Tpq;

    public static List<(long Onset, long Duration, int Pitch)> Seq(string spec, long start = 0)
    {
        var list = new List<(long, long, int)>();
        long t = start;
        foreach (var tok in spec.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = tok.Split(':');
            var fr = parts[1].Split('/');
            long num = long.Parse(fr[0]), den = fr.Length > 1 ? long.Parse(fr[1]) : 1;
            long d = num * Whole / den;
            Assert.Equal(num * Whole, d * den); // the spec itself must be exact in this time base
            if (parts[0] != "r")
                foreach (var p in parts[0].Split('+'))
                    list.Add((t, d, int.Parse(p)));
            t += d;
        }
        return list;
    }

    public static List<(long Onset, long Duration, int Pitch)> Notes(Track track) =>
        track.Notes.Select(n => (n.Onset, n.Duration, n.Pitch)).ToList();

    public static AbcTune Single(string abc, string name = "test.abc")
    {
        var r = AbcFile.Parse(abc, name);
        Assert.Empty(r.Errors);
        Assert.Single(r.Tunes);
        return r.Tunes[0];
    }

    public static void AssertNotes(string expectedSpec, Track track)
    {
        var exp = Seq(expectedSpec);
        var act = Notes(track);
        Assert.Equal(exp.OrderBy(x => x.Onset).ThenBy(x => x.Pitch).ToList(), act);
    }
}
