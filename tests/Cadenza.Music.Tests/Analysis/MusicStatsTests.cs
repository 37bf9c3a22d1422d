using Cadenza.Music;
using Cadenza.Music.Analysis;

namespace Cadenza.Music.Tests.Analysis;

public class MusicStatsTests
{
    [Fact]
    public void CMajorScaleInTwoBarsWithAnEmptyBar()
    {
        var s = new Score(480);
        var t = new Track();
        int[] scale = [60, 62, 64, 65, 67, 69, 71, 72];
        for (int i = 0; i < 8; i++) t.Notes.Add(new Note(i * 240, 240, scale[i], 80));   // bar 1 (4/4 = 1920 ticks)
        t.Notes.Add(new Note(3 * 1920, 480, 60, 80));                                      // bar 4; bars 2 and 3 empty
        s.Tracks.Add(t);
        var d = new Track { IsDrum = true, Channel = 9 };
        d.Notes.Add(new Note(0, 60, 37, 100));                                             // a drum key outside the scale
        s.Tracks.Add(d);
        var st = MusicStats.Of(s);
        Assert.Equal(10, st.Notes);
        Assert.Equal(9, st.PitchedNotes);
        Assert.Equal(4, st.Bars);
        Assert.Equal(2.5, st.NotesPerBar);
        Assert.Equal(12, st.PitchRange);
        Assert.Equal(1.0, st.ScaleFit);
        Assert.Equal("C major / A minor", st.BestKey);
        Assert.Equal(0.5, st.EmptyBarShare);
        // 7 pitch classes, C three times out of 9: entropy below log2(7) but above log2(6).
        Assert.InRange(st.PitchClassEntropy!.Value, Math.Log2(6), Math.Log2(7));
    }

    [Fact]
    public void ChromaticNotesLowerTheScaleFitAndRaiseTheEntropy()
    {
        var s = new Score(480);
        var t = new Track();
        for (int i = 0; i < 12; i++) t.Notes.Add(new Note(i * 240, 240, 60 + i, 80));
        s.Tracks.Add(t);
        var st = MusicStats.Of(s);
        Assert.Equal(7.0 / 12, st.ScaleFit!.Value, 9);
        Assert.Equal(Math.Log2(12), st.PitchClassEntropy!.Value, 9);
    }

    [Fact]
    public void DrumsOnlyAndEmptyScores()
    {
        var drums = new Score(480);
        drums.Tracks.Add(new Track { IsDrum = true, Channel = 9, Notes = { new Note(0, 60, 36, 100), new Note(1920 * 2, 60, 38, 100) } });
        var st = MusicStats.Of(drums);
        Assert.Null(st.PitchRange);
        Assert.Null(st.ScaleFit);
        Assert.Equal(3, st.Bars);
        Assert.Equal(1.0 / 3, st.EmptyBarShare, 9);
        var empty = MusicStats.Of(new Score());
        Assert.Equal(0, empty.Bars);
        Assert.Equal(0, empty.NotesPerBar);
    }
}
