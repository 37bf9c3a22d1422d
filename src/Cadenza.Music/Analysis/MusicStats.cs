namespace Cadenza.Music.Analysis;

/// <summary>
/// Simple musical statistics of a score, used to compare generated music with training music.
/// Pitch statistics use the pitched (non-drum) notes only; bar statistics use every note.
/// </summary>
/// <param name="Notes">All notes.</param>
/// <param name="PitchedNotes">Notes of non-drum tracks.</param>
/// <param name="Bars">Bars from the start to the bar holding the last note onset (time-signature map applied).</param>
/// <param name="NotesPerBar">Notes / bars (0 when there are no bars).</param>
/// <param name="PitchRange">Highest minus lowest pitched note in semitones (null without pitched notes).</param>
/// <param name="PitchClassEntropy">Shannon entropy in bits of the pitched notes' pitch-class histogram (0-log2 12; null without pitched notes).</param>
/// <param name="ScaleFit">Share of pitched notes inside the best-fitting major / natural-minor scale (null without pitched notes).</param>
/// <param name="BestKey">That scale, e.g. "G major / E minor" (the two share their notes).</param>
/// <param name="EmptyBarShare">Share of bars in which no note starts.</param>
public sealed record MusicStats(int Notes, int PitchedNotes, int Bars, double NotesPerBar, int? PitchRange, double? PitchClassEntropy,
    double? ScaleFit, string? BestKey, double EmptyBarShare)
{
    private static readonly int[] Major = [0, 2, 4, 5, 7, 9, 11];
    private static readonly string[] Names = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"];

    /// <summary>Computes the statistics of <paramref name="score"/>.</summary>
    /// <exception cref="ArgumentNullException">When <paramref name="score"/> is null.</exception>
    public static MusicStats Of(Score score)
    {
        ArgumentNullException.ThrowIfNull(score);
        var pcs = new int[12];
        int notes = 0, pitched = 0, lo = int.MaxValue, hi = int.MinValue;
        long lastOnset = -1;
        foreach (var t in score.Tracks)
            foreach (var n in t.Notes)
            {
                notes++;
                lastOnset = Math.Max(lastOnset, n.Onset);
                if (t.IsDrum) continue;
                pitched++;
                pcs[((n.Pitch % 12) + 12) % 12]++;
                lo = Math.Min(lo, n.Pitch);
                hi = Math.Max(hi, n.Pitch);
            }
        int bars = 0;
        double emptyShare = 0;
        if (notes > 0)
        {
            var starts = score.BarStarts(lastOnset);
            bars = starts.Count;
            var used = new bool[bars];
            foreach (var t in score.Tracks)
                foreach (var n in t.Notes)
                {
                    int i = starts.BinarySearch(n.Onset);
                    if (i < 0) i = ~i - 1;
                    if (i >= 0 && i < bars) used[i] = true;
                }
            emptyShare = bars == 0 ? 0 : (double)used.Count(u => !u) / bars;
        }
        double? entropy = null, fit = null;
        string? key = null;
        if (pitched > 0)
        {
            double h = 0;
            foreach (var c in pcs)
                if (c > 0) { double p = (double)c / pitched; h -= p * Math.Log2(p); }
            entropy = h;
            int best = 0, bestIn = -1;
            for (int tonic = 0; tonic < 12; tonic++)
            {
                int inside = 0;
                foreach (var step in Major) inside += pcs[(tonic + step) % 12];
                if (inside > bestIn) { bestIn = inside; best = tonic; }
            }
            fit = (double)bestIn / pitched;
            key = $"{Names[best]} major / {Names[(best + 9) % 12]} minor";
        }
        return new MusicStats(notes, pitched, bars, bars == 0 ? 0 : (double)notes / bars,
            pitched > 0 ? hi - lo : null, entropy, fit, key, emptyShare);
    }
}
