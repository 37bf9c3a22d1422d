using Cadenza.Music;
using Cadenza.Tokens;

namespace Cadenza.Tokens.Tests;

/// <summary>Builds scores in code and compares round trips.</summary>
internal static class TestScores
{
    public static Score Make(int tpq, params (int program, bool drum, Note[] notes)[] tracks)
    {
        var s = new Score(tpq);
        int ch = 0;
        foreach (var (program, drum, notes) in tracks)
        {
            var t = new Track { Program = program, IsDrum = drum, Channel = drum ? 9 : ch++ };
            t.Notes.AddRange(notes);
            t.Normalize();
            s.Tracks.Add(t);
        }
        return s;
    }

    public static Note N(long onset, long duration, int pitch, int velocity = 100) => new(onset, duration, pitch, velocity);

    /// <summary>Multiset of (program, drum, pitch, onset, duration, velocity) in ticks of <paramref name="tpq"/>.</summary>
    public static List<string> Keys(IEnumerable<(Track t, Note n)> notes, int tpq, int toTpq)
    {
        var keys = new List<string>();
        foreach (var (t, n) in notes)
            keys.Add($"{RemiTokenizer.ProgramOf(t)}/{t.IsDrum}/{n.Pitch}/{n.Onset * toTpq / tpq}/{n.Duration * toTpq / tpq}/{n.Velocity}");
        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    public static IEnumerable<(Track, Note)> All(Score s)
    {
        foreach (var t in s.Tracks) foreach (var n in t.Notes) yield return (t, n);
    }

    /// <summary>The notes the decoder must give back, as keys in decoded ticks.</summary>
    public static List<string> Expected(RemiTokenizer tok, Score source)
    {
        var list = new List<(Track, Note)>();
        foreach (var t in source.Tracks)
            foreach (var n in t.Notes)
                if (tok.ExpectedRoundTrip(source, t, n) is { } e) list.Add((t, e));
        int d = tok.Config.DecodeTicksPerQuarter;
        return Keys(list, d, d);
    }

    /// <summary>Encodes, decodes and asserts every in-range note came back; returns the decoded result.</summary>
    public static DecodeResult AssertRoundTrip(RemiTokenizer tok, Score source, IReadOnlyList<string>? controls = null)
    {
        var seq = tok.Encode(source, controls);
        var dec = tok.Decode(seq.Ids);
        Assert.Equal(0, dec.ErrorCount);
        int d = tok.Config.DecodeTicksPerQuarter;
        Assert.Equal(d, dec.Score.TicksPerQuarter);
        Assert.Equal(Expected(tok, source), Keys(All(dec.Score), d, d));
        // the text form decodes to the same score
        var viaText = tok.DecodeText(tok.ToText(seq.Ids));
        Assert.Equal(0, viaText.ErrorCount);
        Assert.Equal(Keys(All(dec.Score), d, d), Keys(All(viaText.Score), d, d));
        return dec;
    }
}
