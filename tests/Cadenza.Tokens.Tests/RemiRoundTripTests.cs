using Cadenza.Music;
using Cadenza.Tokens;
using static Cadenza.Tokens.Tests.TestScores;

namespace Cadenza.Tokens.Tests;

public class RemiRoundTripTests
{
    private static readonly RemiTokenizer Tok = new();

    [Fact]
    public void SingleTrackScaleComesBackExactly()
    {
        int[] pitches = [60, 62, 64, 65, 67, 69, 71, 72];
        var notes = pitches.Select((p, i) => N(i * 480, 480, p, 80)).ToArray();
        var s = Make(480, (0, false, notes));
        var dec = AssertRoundTrip(Tok, s);
        var t = Assert.Single(dec.Score.Tracks);
        Assert.False(t.IsDrum);
        Assert.Equal(0, t.Program);
        Assert.Equal(pitches, t.Notes.Select(n => n.Pitch));
        Assert.Equal(notes.Select(n => n.Onset), t.Notes.Select(n => n.Onset));
        Assert.All(t.Notes, n => Assert.Equal(480, n.Duration));
    }

    [Fact]
    public void MultiTrackWithDrumsKeepsProgramsAndDrumKeys()
    {
        var s = Make(480,
            (0, false, [N(0, 960, 60), N(0, 960, 64), N(960, 480, 67)]),
            (33, false, [N(0, 480, 36, 90), N(480, 480, 43, 90)]),
            (48, false, [N(0, 1920, 72, 50)]),
            (0, true, [N(0, 120, 36), N(0, 60, 22, 70), N(240, 60, 26, 70), N(480, 120, 38), N(480, 60, 42, 64), N(720, 60, 88)]));
        var dec = AssertRoundTrip(Tok, s);
        Assert.Equal(4, dec.Score.Tracks.Count);
        var drums = Assert.Single(dec.Score.Tracks, t => t.IsDrum);
        Assert.Equal(9, drums.Channel);
        Assert.Equal(new[] { 22, 26, 36, 38, 42, 88 }, drums.Notes.Select(n => n.Pitch).Order());
        var channels = dec.Score.Tracks.Where(t => !t.IsDrum).Select(t => t.Channel).ToArray();
        Assert.Equal(channels.Length, channels.Distinct().Count());
        Assert.DoesNotContain(9, channels);
        Assert.Equal(new[] { 0, 33, 48 }, dec.Score.Tracks.Where(t => !t.IsDrum).Select(t => t.Program));
    }

    [Fact]
    public void ProgramComesBeforePitchAndDrumsUseProgramMinus1()
    {
        var s = Make(480, (5, false, [N(0, 480, 60)]), (0, true, [N(0, 120, 36)]));
        var text = Tok.Encode(s).ToString();
        Assert.Contains("Position_0 Tempo_120 Program_-1 Pitch_36 Velocity_99 Duration_0.3.12 Program_5 Pitch_60 Velocity_99 Duration_1.0.12 EOS", text);
    }

    [Fact]
    public void TripletsAndSixteenthsLandOnTheGrid()
    {
        // eighth triplets (160 ticks), sixteenth triplets (80), sixteenths (120) at 480 tpq
        var notes = new List<Note>();
        for (int i = 0; i < 6; i++) notes.Add(N(i * 160, 160, 60 + i));
        for (int i = 0; i < 6; i++) notes.Add(N(960 + i * 80, 80, 70 + i));
        for (int i = 0; i < 4; i++) notes.Add(N(1440 + i * 120, 120, 80 + i));
        var s = Make(480, (0, false, notes.ToArray()));
        var dec = AssertRoundTrip(Tok, s);
        Assert.Equal(notes.Select(n => (n.Onset, n.Duration, n.Pitch)), dec.Score.Tracks[0].Notes.Select(n => (n.Onset, n.Duration, n.Pitch)));
    }

    [Theory]
    [InlineData(96)]
    [InlineData(384)]
    [InlineData(1000)]
    [InlineData(7)]
    public void OtherTimeBasesQuantizeAsExpected(int tpq)
    {
        var rng = new Random(tpq);
        var notes = Enumerable.Range(0, 200).Select(_ => N(rng.Next(0, tpq * 64), rng.Next(0, tpq * 10), rng.Next(21, 109), rng.Next(1, 128))).ToArray();
        AssertRoundTrip(Tok, Make(tpq, (0, false, notes), (40, false, notes.Take(50).ToArray())));
    }

    [Fact]
    public void TempoChangesAreRestoredAtTheirPositions()
    {
        var s = Make(480, (0, false, Enumerable.Range(0, 16).Select(i => N(i * 480, 480, 60)).ToArray()));
        s.Tempos.Add(TempoChange.FromBpm(0, 100));
        s.Tempos.Add(TempoChange.FromBpm(1920, 140));
        s.Tempos.Add(TempoChange.FromBpm(2000, 60));     // mid-bar, off the beat
        s.Tempos.Add(TempoChange.FromBpm(2010, 61));     // same grid position and bin: no extra event
        s.Tempos.Add(TempoChange.FromBpm(100_000, 200)); // after the last note: not written
        var dec = AssertRoundTrip(Tok, s);
        Assert.Equal(new[] { 0L, 1920, 2000 }, dec.Score.Tempos.Select(t => t.Tick));
        Assert.Equal(new[] { Tok.TempoBin(600_000), Tok.TempoBin(428_571), Tok.TempoBin(1_000_000) },
            dec.Score.Tempos.Select(t => (int)Math.Round(t.Bpm)));
        Assert.Equal(120, Tok.TempoBin(500_000));
    }

    [Fact]
    public void TimeSignatureChangeMidBarStartsANewBar()
    {
        // data/edge-cases time_signature_changes.mid
        var s = Make(480, (0, false, [N(0, 240, 60), N(480, 240, 72), N(1200, 240, 62), N(2400, 240, 64), N(4320, 240, 65), N(4920, 240, 67), N(6360, 240, 69)]));
        s.TimeSignatures.AddRange([new(0, 5, 8), new(2400, 8, 8), new(4320, 5, 8), new(4920, 3, 4)]);
        var seq = Tok.Encode(s);
        var tokens = seq.ToTokens();
        Assert.Equal(6, tokens.Count(t => t == "Bar_None"));
        Assert.Equal(new[] { "TimeSig_5/8", "TimeSig_8/8", "TimeSig_5/8", "TimeSig_3/4" }, tokens.Where(t => t.StartsWith("TimeSig_")));
        // the 5/8 bar begun at 4320 is cut after 600 ticks = 15 positions
        Assert.Contains("Position_0 Program_0 Pitch_65 Velocity_99 Duration_0.6.12 Position_15 Bar_None TimeSig_3/4", seq.ToString());
        var dec = AssertRoundTrip(Tok, s);
        Assert.Equal(s.TimeSignatures, dec.Score.TimeSignatures);
        Assert.Equal(s.Tracks[0].Notes.Select(n => n.Onset), dec.Score.Tracks[0].Notes.Select(n => n.Onset));
        Assert.Equal(new long[] { 0, 1200, 2400, 4320, 4920, 6360 }, dec.Score.BarStarts(6360));
    }

    [Fact]
    public void TimeSignatureWithoutTokenMapsToNearestBarLengthWithWarning()
    {
        var s = Make(480, (0, false, Enumerable.Range(0, 8).Select(i => N(i * 240, 240, 60 + i)).ToArray()));
        s.TimeSignatures.Add(new(0, 4, 32)); // half a quarter per bar: like 1/8
        var seq = Tok.Encode(s);
        Assert.Contains(seq.Warnings, w => w.Contains("4/32") && w.Contains("1/8"));
        AssertRoundTrip(Tok, s);
    }

    [Fact]
    public void RedundantTimeSignatureEventsWriteNoToken()
    {
        var s = Make(480, (0, false, Enumerable.Range(0, 8).Select(i => N(i * 480, 480, 60)).ToArray()));
        s.TimeSignatures.AddRange([new(0, 3, 4), new(1440, 3, 4)]);
        var tokens = Tok.Encode(s).ToTokens();
        Assert.Single(tokens, t => t.StartsWith("TimeSig_"));
    }

    [Fact]
    public void OverlappingNotesOfTheSamePitchAreBothKept()
    {
        var s = Make(480, (0, false, [N(0, 480, 60, 100), N(240, 480, 60, 80), N(240, 480, 60, 80)]));
        var dec = AssertRoundTrip(Tok, s);
        Assert.Equal(3, dec.Score.NoteCount);
    }

    [Fact]
    public void LongNotesAreClippedWithAWarning()
    {
        var s = Make(480, (0, false, [N(0, 480 * 20, 60), N(0, 480 * 8, 64), N(0, 0, 67)]));
        var seq = Tok.Encode(s);
        Assert.Equal(1, seq.ClippedDurations);
        Assert.Contains(seq.Warnings, w => w.Contains("clipped"));
        var dec = AssertRoundTrip(Tok, s);
        var notes = dec.Score.Tracks[0].Notes;
        Assert.Equal(480 * 8, notes.Single(n => n.Pitch == 60).Duration);
        Assert.Equal(480 * 8, notes.Single(n => n.Pitch == 64).Duration);
        Assert.Equal(40, notes.Single(n => n.Pitch == 67).Duration); // zero length -> shortest bin
    }

    [Fact]
    public void VelocityBinsAreMonotoneAndRoundTrip()
    {
        var bins = Enumerable.Range(1, 127).Select(Tok.VelocityBin).ToArray();
        Assert.Equal(32, bins.Distinct().Count());
        for (int i = 1; i < bins.Length; i++) Assert.True(bins[i] >= bins[i - 1]);
        Assert.Equal(127, Tok.VelocityBin(127));
        Assert.All(Enumerable.Range(4, 124), v => Assert.True(Math.Abs(Tok.VelocityBin(v) - v) <= 2));
        Assert.Equal(4, Tok.VelocityBin(1));
        var s = Make(480, (0, false, Enumerable.Range(1, 127).Select(v => N((v - 1) * 120, 120, 60, v)).ToArray()));
        var dec = AssertRoundTrip(Tok, s);
        Assert.Equal(bins, dec.Score.Tracks[0].Notes.Select(n => n.Velocity));
    }

    [Fact]
    public void DurationTableIsFineForShortAndCoarseForLongNotes()
    {
        var durs = Tok.Vocabulary.Tokens.Where(t => t.StartsWith("Duration_")).ToArray();
        Assert.Equal(24 + 12 + 16, durs.Length);
        Assert.Contains("Duration_1.6.12", durs);
        Assert.Equal("Duration_0.1.12", durs[0]);
        Assert.Equal("Duration_8.0.4", durs[^1]);
        Assert.Equal(18, Tok.QuantizeDuration(720, 480));   // 1.5 beats exact
        Assert.Equal(26, Tok.QuantizeDuration(1040, 480));  // 2 1/6 beats exact
        Assert.Equal(54, Tok.QuantizeDuration(2150, 480));  // 4.48 beats -> 4.5
        Assert.Equal(96, Tok.QuantizeDuration(100_000, 480));
        Assert.Equal(1, Tok.QuantizeDuration(0, 480));
    }

    [Fact]
    public void OutOfRangeNotesAreDroppedAndCounted()
    {
        var s = Make(480, (0, false, [N(0, 480, 10), N(0, 480, 60), N(0, 480, 120)]),
                          (0, true, [N(0, 120, 20), N(0, 120, 36), N(0, 120, 90), N(0, 120, 21)]));
        var seq = Tok.Encode(s);
        Assert.Equal(5, seq.DroppedNotes);
        Assert.Contains(seq.Warnings, w => w.Contains("5 note(s)"));
        var dec = AssertRoundTrip(Tok, s);
        Assert.Equal(2, dec.Score.NoteCount);
        Assert.False(Tok.InRange(s.Tracks[1], N(0, 1, 21)));
        Assert.True(Tok.InRange(s.Tracks[0], N(0, 1, 21)));
        Assert.Null(Tok.ExpectedRoundTrip(s, s.Tracks[0], N(0, 1, 120)));
    }

    [Fact]
    public void EmptyScoreIsBosControlsEos()
    {
        var seq = Tok.Encode(new Score(480), ["Genre_folk"]);
        Assert.Equal("BOS Genre_folk EOS", seq.ToString());
        Assert.Equal("BOS EOS", Tok.Encode(new Score(480)).ToString());
        var dec = Tok.Decode(seq.Ids);
        Assert.Equal(0, dec.ErrorCount);
        Assert.Equal(0, dec.Score.NoteCount);
    }

    [Fact]
    public void GenreControlIsAPrefixAfterBos()
    {
        var s = Make(480, (0, false, [N(0, 480, 60)]));
        var ids = Tok.Encode(s, ["Genre_jazz"]).Ids;
        Assert.Equal("BOS", Tok.Vocabulary[ids[0]]);
        Assert.Equal("Genre_jazz", Tok.Vocabulary[ids[1]]);
        Assert.Equal("Bar_None", Tok.Vocabulary[ids[2]]);
        AssertRoundTrip(Tok, s, ["Genre_jazz"]);
        var e = Assert.Throws<TokenizationException>(() => Tok.Encode(s, ["Genre_polka"]));
        Assert.Equal("bad-control", e.Reason);
        Assert.Throws<TokenizationException>(() => Tok.Encode(s, ["Pitch_60"]));
        Assert.Throws<TokenizationException>(() => Tok.Encode(s, ["Genre_jazz", "Genre_pop"]));
    }

    [Fact]
    public void TrackOrderDoesNotChangeTheTokens()
    {
        var a = Make(480, (0, false, [N(0, 480, 60), N(0, 480, 64)]), (24, false, [N(0, 480, 40)]), (0, true, [N(0, 60, 36)]));
        var b = Make(480, (0, true, [N(0, 60, 36)]), (24, false, [N(0, 480, 40)]), (0, false, [N(0, 480, 64), N(0, 480, 60)]));
        Assert.Equal(Tok.Encode(a).Ids, Tok.Encode(b).Ids);
    }

    [Fact]
    public void PieceLongerThanMaxBarsIsRejected()
    {
        // data/edge-cases vlq_max_delta.mid: 96 tpq, a note starting at tick 268,435,455
        var s = Make(96, (0, false, [N(0, 268_435_455, 60), N(268_435_455, 96, 62)]));
        var e = Assert.Throws<TokenizationException>(() => Tok.Encode(s));
        Assert.Equal("too-many-bars", e.Reason);
        Assert.Contains("MaxBars", e.Message);

        var small = new RemiTokenizer(new TokenizerConfig { MaxBars = 4 });
        var four = Make(480, (0, false, [N(0, 480, 60), N(3 * 1920 + 1800, 480, 60)]));
        Assert.Equal(4, small.Encode(four).ToTokens().Count(t => t == "Bar_None"));
        var five = Make(480, (0, false, [N(0, 480, 60), N(4 * 1920, 480, 60)]));
        Assert.Throws<TokenizationException>(() => small.Encode(five));
    }

    [Fact]
    public void AbsurdTicksAreRejectedNotOverflowed()
    {
        var s = Make(1, (0, false, [N(long.MaxValue / 2, long.MaxValue / 2, 60), N(-100, 10, 62, 0)]));
        Assert.Equal("too-many-bars", Assert.Throws<TokenizationException>(() => Tok.Encode(s)).Reason);
        var odd = Make(480, (0, false, [N(-100, -5, 62, 0), N(0, 10, 64, 200)]));
        AssertRoundTrip(Tok, odd);
        odd.TicksPerQuarter = 0;
        Assert.Throws<ArgumentOutOfRangeException>(() => Tok.Encode(odd));
    }

    [Fact]
    public void OnlyTheLongNoteIsClippedWhenThePieceFits()
    {
        var s = Make(96, (0, false, [N(0, 268_435_455, 60)]));
        var seq = Tok.Encode(s);
        Assert.Equal(1, seq.ClippedDurations);
        Assert.True(seq.Count < 20);
    }
    [Fact]
    public void CutFirstBarAndTempoOnlyPositionsRoundTrip()
    {
        // 4/4 at 0, 3/4 from tick 240 (a quarter of the first bar is cut off), a tempo change where no note starts
        var s = Make(480, (0, false, [N(480, 480, 60), N(240 + 1440, 240, 62)]));
        s.TimeSignatures.AddRange([new(0, 4, 4), new(240, 3, 4)]);
        s.Tempos.AddRange([TempoChange.FromBpm(0, 120), TempoChange.FromBpm(1200, 90)]);
        var text = Tok.Encode(s).ToString();
        Assert.StartsWith("BOS Bar_None TimeSig_4/4 Position_0 Tempo_120 Position_6 Bar_None TimeSig_3/4 Position_6 Program_0 Pitch_60", text);
        Assert.Contains("Position_24 Tempo_92 Bar_None Position_0 Program_0 Pitch_62", text);
        var dec = AssertRoundTrip(Tok, s);
        Assert.Equal(new[] { new TimeSignature(0, 4, 4), new TimeSignature(240, 3, 4) }, dec.Score.TimeSignatures);
        Assert.Equal(new long[] { 0, 1200 }, dec.Score.Tempos.Select(t => t.Tick));
    }

    [Fact]
    public void TracksWithTheSameProgramAreMergedIntoOne()
    {
        var s = Make(480, (0, false, [N(0, 480, 72)]), (0, false, [N(0, 480, 48), N(480, 480, 50)]), (0, true, [N(0, 60, 36)]), (0, true, [N(0, 60, 42)]));
        var dec = AssertRoundTrip(Tok, s);
        Assert.Equal(2, dec.Score.Tracks.Count);
        Assert.Equal(3, dec.Score.Tracks.Single(t => !t.IsDrum).Notes.Count);
        Assert.Equal(2, dec.Score.Tracks.Single(t => t.IsDrum).Notes.Count);
    }

    [Fact]
    public void ChangesAfterTheLastOnsetAreNotWritten()
    {
        var s = Make(480, (0, false, [N(0, 480, 60)]));
        s.TimeSignatures.AddRange([new(0, 4, 4), new(1920 * 4, 3, 4)]);
        s.Tempos.AddRange([TempoChange.FromBpm(1920 * 4, 60)]);
        Assert.Equal("BOS Bar_None TimeSig_4/4 Position_0 Tempo_120 Program_0 Pitch_60 Velocity_99 Duration_1.0.12 EOS", Tok.Encode(s).ToString());
    }
}
