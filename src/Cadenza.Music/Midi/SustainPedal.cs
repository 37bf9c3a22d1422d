namespace Cadenza.Music.Midi;

/// <summary>
/// Applies the sustain pedal (controller 64) to note lengths, as a piano would sound them: a note released
/// while the pedal is down keeps sounding until the pedal is lifted, or until the same key is struck again.
/// </summary>
public static class SustainPedal
{
    /// <summary>The sustain pedal controller number.</summary>
    public const int Controller = 64;

    /// <summary>
    /// Lengthens the notes of every track of <paramref name="score"/> by that track's own sustain-pedal events
    /// (<see cref="Track.Controls"/> with controller 64; values 64 and above mean down, below 64 up).
    /// A note whose release falls while the pedal is down (down tick ≤ release &lt; up tick) now ends when the
    /// pedal goes up, or at the next onset of the same pitch in the track if that comes first; a pedal never
    /// lifted holds to the end of the track's last note. Notes never get shorter. The pedal events stay in
    /// <see cref="Track.Controls"/>. Drum tracks are left alone.
    /// </summary>
    /// <param name="score">The score to change in place.</param>
    /// <returns>The number of notes that were lengthened.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="score"/> is null.</exception>
    public static int Apply(Score score)
    {
        ArgumentNullException.ThrowIfNull(score);
        int changed = 0;
        foreach (var t in score.Tracks)
            if (!t.IsDrum) changed += ApplyToTrack(t);
        return changed;
    }

    private static int ApplyToTrack(Track track)
    {
        if (track.Notes.Count == 0) return 0;
        // Pedal-down intervals [down, up), from the controller events in time order.
        var intervals = new List<(long Down, long Up)>();
        long trackEnd = track.Notes.Max(n => n.End);
        long? downAt = null;
        foreach (var cc in track.Controls.Where(c => c.Controller == Controller).OrderBy(c => c.Tick))
        {
            if (cc.Value >= 64) downAt ??= cc.Tick;
            else if (downAt is long d)
            {
                intervals.Add((d, cc.Tick));
                downAt = null;
            }
        }
        if (downAt is long open) intervals.Add((open, Math.Max(open, trackEnd)));
        if (intervals.Count == 0) return 0;

        // Onsets per pitch, sorted, to find the next strike of the same key.
        var onsets = new Dictionary<int, List<long>>();
        foreach (var n in track.Notes)
        {
            if (!onsets.TryGetValue(n.Pitch, out var l)) onsets[n.Pitch] = l = new List<long>();
            l.Add(n.Onset);
        }
        foreach (var l in onsets.Values) l.Sort();

        int changed = 0;
        for (int i = 0; i < track.Notes.Count; i++)
        {
            var n = track.Notes[i];
            long release = n.End;
            int k = FindInterval(intervals, release);
            if (k < 0) continue;
            long end = intervals[k].Up;
            var l = onsets[n.Pitch];
            int j = l.BinarySearch(n.Onset + 1);
            if (j < 0) j = ~j;
            if (j < l.Count && l[j] < end) end = l[j];
            if (end > release)
            {
                track.Notes[i] = n with { Duration = end - n.Onset };
                changed++;
            }
        }
        return changed;
    }

    /// <summary>Index of the interval with Down ≤ tick &lt; Up, or -1 (intervals are sorted and disjoint).</summary>
    private static int FindInterval(List<(long Down, long Up)> intervals, long tick)
    {
        int lo = 0, hi = intervals.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (intervals[mid].Up <= tick) lo = mid + 1;
            else if (intervals[mid].Down > tick) hi = mid - 1;
            else return mid;
        }
        return -1;
    }
}
