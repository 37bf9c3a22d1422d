using Cadenza.Music.Abc;
using static Cadenza.Music.Tests.Abc.AbcTestUtil;

namespace Cadenza.Music.Tests.Abc;

/// <summary>ABC 2.1 syntax beyond the edge-case files: keys and modes, lengths, tempo, repeats, parts, lyrics, symbols.</summary>
public class AbcSyntaxTests
{
    private static AbcTune Tune(string header, string body) => Single($"X:1\n{header}\n{body}\n");

    [Theory]
    [InlineData("C", 0, false, null)]
    [InlineData("Am", 0, true, null)]
    [InlineData("A minor", 0, true, null)]
    [InlineData("Ador", -1 + 2, false, "Dor")]
    [InlineData("D Dorian", 0, false, "Dor")]
    [InlineData("EPhr", 0, false, "Phr")]
    [InlineData("FLyd", 0, false, "Lyd")]
    [InlineData("GMix", 0, false, "Mix")]
    [InlineData("BLoc", 0, false, "Loc")]
    [InlineData("F#m", 3, true, null)]
    [InlineData("Bb", -2, false, null)]
    [InlineData("Ebmaj", -3, false, null)]
    [InlineData("C#", 7, false, null)]
    [InlineData("Cb", -7, false, null)]
    [InlineData("G clef=bass octave=0", 1, false, null)]
    [InlineData("Aaeo", 0, true, null)]
    public void KeysAndModes(string key, int fifths, bool minor, string? mode)
    {
        var t = Tune("M:4/4\nL:1/4", $"K:{key}\nC");
        var k = Assert.Single(t.Score.KeySignatures);
        Assert.Equal((fifths, minor, mode), (k.Fifths, k.IsMinor, k.Mode));
    }

    [Fact]
    public void ClefOnlyKeyKeepsThePreviousKeyAndExplicitAccidentalsApply()
    {
        var t = Tune("M:4/4\nL:1/4\nK:D", "F [K:bass] F [K:D exp _b ^f] B c [K:C ^g] G F |]");
        AssertNotes("66:1/4 66:1/4 70:1/4 72:1/4 68:1/4 65:1/4", t.Score.Tracks[0]);
    }

    [Fact]
    public void AccidentalsLastToTheBarLinePerOctave()
    {
        var t = Tune("M:4/4\nL:1/4\nK:C", "^F F f =F | F _B b B |]");
        AssertNotes("66:1/4 66:1/4 77:1/4 65:1/4 65:1/4 70:1/4 83:1/4 70:1/4", t.Score.Tracks[0]);
    }

    [Fact]
    public void TiedAccidentalCarriesOverTheBarLine()
    {
        var t = Tune("M:2/4\nL:1/4\nK:C", "z ^F- | F F |]");
        AssertNotes("r:1/4 66:1/2 65:1/4", t.Score.Tracks[0]);
    }

    [Fact]
    public void LengthsOctavesAndRests()
    {
        var t = Tune("M:4/4\nL:1/8", "K:C\nC,, C, C c c' c'' z2 | C/ C// C3/ C3// z/ x/ C/4 C2/3 z/3 |]");
        AssertNotes("36:1/8 48:1/8 60:1/8 72:1/8 84:1/8 96:1/8 r:1/4 " +
            "60:1/16 60:1/32 60:3/16 60:3/32 r:1/16 r:1/16 60:1/32 60:1/12 r:1/24", t.Score.Tracks[0]);
    }

    [Fact]
    public void MultiMeasureRestsUseTheMeter()
    {
        var t = Tune("M:3/4\nL:1/4\nK:C", "C3 | Z2 | C3 | X | [M:2/4] Z | C2 |]");
        AssertNotes("60:3/4 r:3/2 60:3/4 r:3/4 r:1/2 60:1/2", t.Score.Tracks[0]);
    }

    [Theory]
    [InlineData("Q:1/4=120", 120)]
    [InlineData("Q:120", 60)]                 // unit notes (here 1/8) per minute, as ABC 1.6 defined it
    [InlineData("Q:3/8=40", 60)]
    [InlineData("Q:1/2=60", 120)]
    [InlineData("Q:\"Allegro\" 1/4=144", 144)]
    [InlineData("Q:1/8 1/8=90", 90)]
    [InlineData("Q:C2=90", 90)]
    public void Tempo(string q, double expectedBpm)
    {
        var t = Tune($"M:4/4\nL:1/8\n{q}\nK:C", "C");
        Assert.Equal(expectedBpm, Assert.Single(t.Score.Tempos).Bpm, 3);
    }

    [Fact]
    public void InlineTempoAndMeterChangesAreTimed()
    {
        var t = Tune("M:4/4\nL:1/4\nQ:1/4=100\nK:C", "CDEF | [Q:1/4=50][M:3/4] GAB |]");
        Assert.Equal(new[] { (0L, 100.0), ((long)Whole, 50.0) }, t.Score.Tempos.Select(x => (x.Tick, Math.Round(x.Bpm))));
        Assert.Equal(new[] { new TimeSignature(0, 4, 4), new TimeSignature(Whole, 3, 4) }, t.Score.TimeSignatures);
    }

    [Fact]
    public void RepeatsEndingsAndThreePasses()
    {
        var t = Tune("M:4/4\nL:1/4\nK:C", "C4 |: D4 |1 E4 :|2 F4 :|3 G4 || A4 |]");
        AssertNotes("60:1 62:1 64:1 62:1 65:1 62:1 67:1 69:1", t.Score.Tracks[0]);
    }

    [Fact]
    public void RepeatWithoutStartGoesBackToTheStartOrThePreviousRepeat()
    {
        var t = Tune("M:4/4\nL:1/4\nK:C", "C4 :| D4 :: E4 :| F4 |]");
        AssertNotes("60:1 60:1 62:1 62:1 64:1 64:1 65:1", t.Score.Tracks[0]);
    }

    [Fact]
    public void EndingListsAndRanges()
    {
        var t = Tune("M:4/4\nL:1/4\nK:C", "|: C4 |1,3 D4 :|2 E4 :|4 F4 |]");
        // 4 passes: endings 1 and 3 share D, 2 is E, 4 is F
        AssertNotes("60:1 62:1 60:1 64:1 60:1 62:1 60:1 65:1", t.Score.Tracks[0]);
    }

    [Fact]
    public void HeaderPartOrderIsPlayed()
    {
        var t = Tune("M:4/4\nL:1/4\nP:A(BA)2\nK:C", "P:A\nC4 |]\nP:B\nD4 |]");
        AssertNotes("60:1 62:1 60:1 62:1 60:1", t.Score.Tracks[0]);
        var written = AbcFile.Parse("X:1\nM:4/4\nL:1/4\nP:A(BA)2\nK:C\nP:A\nC4 |]\nP:B\nD4 |]\n", "p.abc",
            new AbcReadOptions { UsePartOrder = false }).Tunes[0];
        AssertNotes("60:1 62:1", written.Score.Tracks[0]);
    }

    [Fact]
    public void YPlayOrderWithTheOnlyPartNamedInTheHeader()
    {
        // Nottingham playford3: "P:A" in the header, "Y:AA", no part labels in the body: the body is part A, played twice
        var yes = new AbcReadOptions { UseYPlayOrder = true };
        var t = AbcFile.Parse("X:1\nY:AA\nM:4/4\nL:1/4\nP:A\nK:C\nC2 D2 :|\n", "y.abc", yes).Tunes[0];
        AssertNotes("60:1/2 62:1/2 60:1/2 62:1/2 60:1/2 62:1/2 60:1/2 62:1/2", t.Score.Tracks[0]);
        // without the Y: option the header P:A is a one-part play order of a tune without part labels: played as written
        var std = AbcFile.Parse("X:1\nY:AA\nM:4/4\nL:1/4\nP:A\nK:C\nC2 D2 :|\n", "y.abc").Tunes[0];
        AssertNotes("60:1/2 62:1/2 60:1/2 62:1/2", std.Score.Tracks[0]);
    }

    [Fact]
    public void LyricsSpecialCharacters()
    {
        var t = Tune("M:4/4\nL:1/4\nK:C", "C D E F | G A B c |]\nw:a-b_ c~d * e\\-f g|h");
        var lyrics = t.Score.Texts.Where(x => x.Kind == TextKind.Lyric).Select(x => (x.Tick, x.Text)).ToList();
        long q = Whole / 4;
        Assert.Equal(new[] { (0L, "a"), (q, "b"), (3 * q, "c d"), (5 * q, "e-f"), (6 * q, "g"), (7 * q, "h") }, lyrics);
    }

    [Fact]
    public void ChordSymbolsAnnotationsAndDecorations()
    {
        var t = Tune("M:4/4\nL:1/4\nK:C", "\"C\"C \"^text\"D \"_mf\"E \"G7/b\"!fermata!F | .G ~A HB !unknownthing!c |]");
        Assert.Equal(new[] { (0L, "C"), (3L * Whole / 4, "G7/b") }, t.ChordSymbols.Select(c => (c.Tick, c.Text)));
        Assert.Equal(new[] { "C", "G7/b" }, t.Score.Texts.Where(x => x.Kind == TextKind.Text).Select(x => x.Text));
        Assert.Equal(8, t.Score.NoteCount);
        Assert.Contains(t.Warnings, w => w.Contains("unknownthing"));
    }

    [Fact]
    public void ContinuationCommentsDirectivesAndTextBlocks()
    {
        var t = Single("X:1\nT:Long \\\ntitle\nM:4/4\nL:1/4\nK:C\n%%MIDI program 1\nC D \\\nE F | % comment | G\n%%begintext\nA B c\n%%endtext\nG4 |]\n");
        Assert.Equal("Long title", t.Score.Title);
        AssertNotes("60:1/4 62:1/4 64:1/4 65:1/4 67:1", t.Score.Tracks[0]);
    }

    [Fact]
    public void FileHeaderAppliesToEveryTuneAndEmptyLinesEndTunes()
    {
        var r = AbcFile.Parse("M:3/4\nL:1/4\nQ:1/4=90\n\nX:1\nK:C\nCDE\n\nX:2\nM:2/4\nK:G\nGA\n", "f.abc");
        Assert.Equal(2, r.Tunes.Count);
        Assert.Equal(new TimeSignature(0, 3, 4), r.Tunes[0].Score.TimeSignatures[0]);
        Assert.Equal(90, r.Tunes[0].Score.Tempos[0].Bpm, 3);
        Assert.Equal(new TimeSignature(0, 2, 4), r.Tunes[1].Score.TimeSignatures[0]);
        AssertNotes("67:1/4 69:1/4", r.Tunes[1].Score.Tracks[0]);
    }

    [Fact]
    public void TupletDefaultsFollowTheMeter()
    {
        // (5 in simple time: 5 in the time of 2; in compound time: 5 in the time of 3
        var simple = Tune("M:2/4\nL:1/8\nK:C", "(5CCCCC z2 |]");
        Assert.All(simple.Score.Tracks[0].Notes, n => Assert.Equal(Whole * 2 / 8 / 5, n.Duration));
        var compound = Tune("M:6/8\nL:1/8\nK:C", "(5CCCCC z3 |]");
        Assert.All(compound.Score.Tracks[0].Notes, n => Assert.Equal(Whole * 3 / 8 / 5, n.Duration));
        var duplet = Tune("M:6/8\nL:1/8\nK:C", "(2CC z3 |]");
        Assert.All(duplet.Score.Tracks[0].Notes, n => Assert.Equal(Whole * 3 / 16, n.Duration));
        var chordTuplet = Tune("M:4/4\nL:1/8\nK:C", "(3[CE]zG |]");
        AssertNotes("60+64:1/12 r:1/12 67:1/12", chordTuplet.Score.Tracks[0]);
    }

    [Fact]
    public void ChordLengthsInnerTimesOuterAndFirstNoteSetsTheTime()
    {
        var t = Tune("M:4/4\nL:1/8\nK:C", "[C2E]2 G |]");
        var n = t.Score.Tracks[0].Notes;
        Assert.Equal(new[] { (0L, Whole / 2L, 60), (0L, Whole / 4L, 64), (Whole / 2L, Whole / 8L, 67) },
            n.Select(x => (x.Onset, x.Duration, x.Pitch)));
    }

    [Fact]
    public void TieWrittenAfterASpaceIsNotATie()
    {
        var t = Tune("M:4/4\nL:1/4\nK:C", "C -C D- D |]");
        AssertNotes("60:1/4 60:1/4 62:1/2", t.Score.Tracks[0]);
    }

    [Fact]
    public void MusicBeforeTheFirstVoiceBelongsToThatVoice()
    {
        var t = Tune("M:4/4\nL:1/4\nK:C", "CDEF |\nV:1\nGABc |\nV:2 name=Bass octave=-1\nC,4 |]");
        Assert.Equal(2, t.Score.Tracks.Count);
        Assert.Equal(8, t.Score.Tracks[0].Notes.Count);
        Assert.Equal(36, Assert.Single(t.Score.Tracks[1].Notes).Pitch);
        Assert.Equal("Bass", t.Score.Tracks[1].Name);
    }

    [Fact]
    public void PickupBarEndsWhereTheFirstBarLineIs()
    {
        var t = Tune("M:6/8\nL:1/8\nK:G", "D | GAB c2f | e3 d2 :|");
        Assert.Equal(5L * Whole / 8, t.Score.Tracks[0].Notes[0].Onset);
        Assert.Equal(Whole * 6 / 8, t.Score.Tracks[0].Notes[1].Onset);
        Assert.Equal(new TimeSignature(0, 6, 8), Assert.Single(t.Score.TimeSignatures));
        string written = AbcWriter.Write(t.Score);
        Assert.Contains("K:G\nD | G", written);
        Assert.Equal(t.Score.Tracks[0].Notes, Single(written).Score.Tracks[0].Notes);
        // a pickup that is a part of its own (Nottingham jigs129: "P:S" "d3" then "P:A") also ends at its bar line
        var parts = AbcFile.Parse("X:1\nY:SA\nM:6/8\nL:1/8\nK:G\nP:S\nd3\nP:A\ngdB GBd|g2f a2g||\n", "p.abc",
            new AbcReadOptions { UseYPlayOrder = true }).Tunes[0];
        Assert.Equal(3L * Whole / 8, parts.Score.Tracks[0].Notes[0].Onset);
        Assert.Equal(6L * Whole / 8, parts.Score.Tracks[0].Notes[1].Onset);
        // a short tune that ends inside its first bar is not a pickup
        Assert.Equal(0, Tune("M:4/4\nL:1/4\nK:C", "CDE |]").Score.Tracks[0].Notes[0].Onset);
    }

    [Fact]
    public void VoiceOverlaySoundsFromTheStartOfTheBar()
    {
        var t = Tune("M:4/4\nL:1/4\nK:C", "C D E F & G4 | A4 |]");
        var n = t.Score.Tracks[0].Notes.Select(x => (x.Onset, x.Duration, x.Pitch)).ToList();
        long q = Whole / 4;
        Assert.Equal(new[] { (0L, q, 60), (0L, 4 * q, 67), (q, q, 62), (2 * q, q, 64), (3 * q, q, 65), (4 * q, 4 * q, 69) }, n);
    }

    [Fact]
    public void CutOffTextIsWarnedAboutOnce()
    {
        // An unterminated decoration takes its name with it (not read as notes t, r, i, l).
        var t = Tune("M:4/4\nL:1/4\nK:C", "C D !trill E F |");
        Assert.Equal(4, t.Score.NoteCount);
        Assert.Single(t.Warnings, w => w.Contains("unterminated decoration '!trill'"));
        Assert.DoesNotContain(t.Warnings, w => w.Contains("'t'") || w.Contains("'r'"));

        var tup = Tune("M:4/4\nL:1/8\nK:C", "CDEF GABc | (3");
        Assert.Contains(tup.Warnings, w => w.Contains("the tune ends inside a tuplet (3 notes missing)"));

        var key = Tune("M:4/4\nL:1/4\nK:C", "C D E F | [K:D");
        Assert.Contains(key.Warnings, w => w.Contains("inline field [K: without a closing ']'"));
    }
}
