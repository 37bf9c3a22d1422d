using Cadenza.Music;
using Cadenza.Tokens;
using static Cadenza.Tokens.Tests.TestScores;

namespace Cadenza.Tokens.Tests;

public class GrammarAndDecodeTests
{
    private static readonly RemiTokenizer Tok = new();

    private static Score Rich()
    {
        var s = Make(480,
            (0, false, [N(0, 960, 60), N(0, 960, 64), N(480, 160, 67), N(640, 160, 69), N(800, 160, 71), N(4500, 3000, 72)]),
            (33, false, [N(0, 480, 36, 90), N(2400, 480, 43, 90), N(6000, 100_000, 40)]),
            (0, true, [N(0, 120, 36), N(0, 60, 22, 70), N(240, 60, 26, 70), N(4920, 120, 38)]));
        s.TimeSignatures.AddRange([new(0, 5, 8), new(2400, 8, 8), new(4320, 5, 8), new(4920, 3, 4)]);
        s.Tempos.AddRange([TempoChange.FromBpm(0, 90), TempoChange.FromBpm(1300, 150)]);
        return s;
    }

    [Fact]
    public void EveryTokenOfAnEncodedSequenceIsAllowedByTheGrammar()
    {
        var g = Tok.Grammar;
        var mask = new bool[Tok.Vocabulary.Count];
        foreach (var controls in new[] { null, new[] { "Genre_rock" } })
        {
            var ids = Tok.Encode(Rich(), controls).Ids;
            var state = g.Start();
            foreach (int id in ids)
            {
                Assert.True(g.IsAllowed(state, id), $"{Tok.Vocabulary[id]} in {state.Phase}");
                g.FillMask(state, mask);
                Assert.True(mask[id]);
                for (int j = 0; j < mask.Length; j++) Assert.Equal(g.IsAllowed(state, j), mask[j]);
                g.Advance(ref state, id);
            }
            Assert.Equal(GrammarPhase.End, state.Phase);
            Assert.True(g.IsAllowed(state, 0)); // PAD after EOS
        }
    }

    [Fact]
    public void GrammarTracksBarsAndPositions()
    {
        var g = Tok.Grammar;
        var v = Tok.Vocabulary;
        var st = g.Start();
        Assert.False(g.IsAllowed(st, v["Bar_None"]));
        foreach (var t in new[] { "BOS", "Genre_pop", "Bar_None", "TimeSig_3/4", "Position_12" }) g.Advance(ref st, v[t]);
        Assert.Equal(36, st.BarLength);
        Assert.Equal(12, st.Position);
        Assert.False(g.IsAllowed(st, v["Position_13"]));       // an empty position needs a tempo or a note
        Assert.False(g.IsAllowed(st, v["Genre_pop"]));
        foreach (var t in new[] { "Program_-1", "Pitch_36", "Velocity_99", "Duration_0.3.12" })
        {
            Assert.False(g.IsAllowed(st, v["Pitch_100"]));
            g.Advance(ref st, v[t]);
        }
        Assert.False(g.IsAllowed(st, v["Position_12"]));       // positions never go back or repeat
        Assert.False(g.IsAllowed(st, v["Position_36"]));       // past the end of a 3/4 bar
        Assert.True(g.IsAllowed(st, v["Position_35"]));
        Assert.False(g.IsAllowed(st, v["TimeSig_4/4"]));       // only right after Bar_None
        Assert.Throws<InvalidOperationException>(() => g.Advance(ref st, v["Velocity_99"]));
        g.Advance(ref st, v["Bar_None"]);
        Assert.Equal(36, st.BarStart);
        Assert.Equal(2, st.Bars);
    }

    [Fact]
    public void MaxBarsIsEnforcedByTheGrammar()
    {
        var tok = new RemiTokenizer(new TokenizerConfig { MaxBars = 2 });
        var g = tok.Grammar;
        var st = g.Start();
        g.Advance(ref st, tok.Vocabulary["BOS"]);
        g.Advance(ref st, tok.Vocabulary["Bar_None"]);
        g.Advance(ref st, tok.Vocabulary["Bar_None"]);
        Assert.False(g.IsAllowed(st, tok.Vocabulary["Bar_None"]));
        Assert.True(g.IsAllowed(st, tok.Vocabulary["EOS"]));
    }

    [Theory]
    // a Position needs a Tempo or a note: Pitch, Velocity, Duration and EOS are all refused after it
    [InlineData("BOS Bar_None Position_0 Pitch_60 Velocity_99 Duration_1.0.12 EOS", 4, 0)]
    [InlineData("BOS Bar_None Position_12 Program_0 Pitch_60 Velocity_99 Duration_1.0.12 Position_6 Program_0 Pitch_62 Velocity_99 Duration_1.0.12 EOS", 1, 2)]
    [InlineData("BOS Bar_None Position_0 Program_0 Pitch_60 Foo_1 Velocity_99 Pitch_200 Duration_1.0.12 EOS", 2, 1)]
    // drum key 100 is out of the drum range: everything after it is refused, and the note is left unfinished
    [InlineData("BOS Bar_None Position_0 Program_-1 Pitch_100 Velocity_99 Duration_1.0.12 EOS", 5, 0)]
    [InlineData("Bar_None Position_0 Program_0 Pitch_60 Velocity_99 Duration_1.0.12 EOS", 1, 1)]
    [InlineData("BOS Bar_None Position_0 Program_0 Pitch_60 Velocity_99 Duration_1.0.12 EOS PAD PAD", 0, 1)]
    [InlineData("BOS Bar_None Position_0 Program_0 Pitch_60 Velocity_99 Duration_1.0.12 EOS Bar_None PAD", 1, 1)]
    [InlineData("BOS MASK Bar_None TimeSig_3/4 Position_40 Position_0 Program_0 Pitch_60 Velocity_99 Duration_1.0.12 EOS", 2, 1)]
    [InlineData("BOS Bar_None Position_0 Program_0 Pitch_60 Velocity_99", 1, 0)]
    [InlineData("BOS Genre_folk Genre_pop Bar_None TimeSig_4/4 TimeSig_3/4 Position_0 Tempo_120 Tempo_90 Program_0 Pitch_60 Velocity_99 Duration_1.0.12", 3, 1)]
    [InlineData("", 0, 0)]
    public void InvalidSuccessionsAreSkippedAndCounted(string text, int errors, int notes)
    {
        var r = Tok.DecodeText(text);
        Assert.Equal(errors, r.ErrorCount);
        Assert.Equal(Math.Min(errors, DecodeResult.MaxDescribedErrors), r.Errors.Count);
        Assert.Equal(notes, r.Score.NoteCount);
    }

    [Fact]
    public void SkippedPositionKeepsTheNoteAtTheLastValidPosition()
    {
        var r = Tok.DecodeText("BOS Bar_None Position_12 Program_0 Pitch_60 Velocity_99 Duration_1.0.12 Position_6 Program_0 Pitch_62 Velocity_99 Duration_1.0.12 EOS");
        Assert.All(r.Score.Tracks[0].Notes, n => Assert.Equal(480, n.Onset));
        Assert.Contains(r.Errors, e => e.Contains("Position_6"));
    }

    [Fact]
    public void RandomIdsNeverThrow()
    {
        var rng = new Random(1234);
        int v = Tok.Vocabulary.Count;
        for (int iter = 0; iter < 3000; iter++)
        {
            var ids = new int[rng.Next(0, 400)];
            for (int i = 0; i < ids.Length; i++)
                ids[i] = rng.Next(10) == 0 ? rng.Next(-5, v + 5) : rng.Next(v);
            if (ids.Length > 0 && rng.Next(2) == 0) ids[0] = 1;
            var r = Tok.Decode(ids);
            Assert.InRange(r.ErrorCount, 0, ids.Length + 1);
            foreach (var t in r.Score.Tracks)
                foreach (var n in t.Notes)
                {
                    Assert.True(n.Duration > 0 && n.Onset >= 0);
                    Assert.True(Tok.InRange(t, n));
                }
            Tok.ToText(ids);
        }
    }

    [Fact]
    public void RandomTextNeverThrows()
    {
        var rng = new Random(99);
        var words = Tok.Vocabulary.Tokens.Concat(["", "Pitch_", "_", "Position_-1", "Duration_9.9.9", "\u00e9", "Bar_None\tPAD"]).ToArray();
        for (int iter = 0; iter < 500; iter++)
        {
            var text = string.Join(rng.Next(3) == 0 ? "  \n" : " ", Enumerable.Range(0, rng.Next(0, 200)).Select(_ => words[rng.Next(words.Length)]));
            var r = Tok.DecodeText(text);
            Assert.True(r.ErrorCount >= 0);
        }
    }

    [Fact]
    public void GrammarGuidedRandomSequencesDecodeWithoutErrorsAndReencodeStably()
    {
        var g = Tok.Grammar;
        var rng = new Random(7);
        var mask = new bool[Tok.Vocabulary.Count];
        var allowed = new List<int>();
        int eos = Tok.Vocabulary["EOS"];
        for (int iter = 0; iter < 200; iter++)
        {
            var st = g.Start();
            var ids = new List<int>();
            while (st.Phase != GrammarPhase.End && ids.Count < 600)
            {
                g.FillMask(st, mask);
                allowed.Clear();
                for (int i = 0; i < mask.Length; i++) if (mask[i]) allowed.Add(i);
                Assert.NotEmpty(allowed);
                int id = ids.Count > 20 && mask[eos] && rng.Next(50) == 0 ? eos : allowed[rng.Next(allowed.Count)];
                g.Advance(ref st, id);
                ids.Add(id);
            }
            var r = Tok.Decode(ids.ToArray());
            int unfinished = st.Phase is GrammarPhase.AfterProgram or GrammarPhase.AfterPitch or GrammarPhase.AfterVelocity ? 1 : 0;
            Assert.Equal(unfinished, r.ErrorCount);
            // the decoded score is on the grid already: encoding it again and decoding gives the same notes
            var again = Tok.Decode(Tok.Encode(r.Score).Ids);
            Assert.Equal(0, again.ErrorCount);
            int d = Tok.Config.DecodeTicksPerQuarter;
            Assert.Equal(Keys(All(r.Score), d, d), Keys(All(again.Score), d, d));
        }
    }
}
