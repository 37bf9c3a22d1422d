using Cadenza.Music;

namespace Cadenza.Audio.Synth;

/// <summary>Tick → seconds through the score's tempo map, O(log tempos) per call (the same result as <see cref="Score.TicksToSeconds"/>).</summary>
internal sealed class TickClock
{
    private readonly long[] _ticks;
    private readonly double[] _seconds;
    private readonly double[] _secPerTick;

    public TickClock(Score score)
    {
        var tempos = score.Tempos.Select((t, i) => (t, i)).OrderBy(x => x.t.Tick).ThenBy(x => x.i).Select(x => x.t).ToList();
        var ticks = new List<long> { 0 };
        var secs = new List<double> { 0 };
        double tpq = score.TicksPerQuarter;
        var spt = new List<double> { TempoChange.DefaultMicrosecondsPerQuarter / 1e6 / tpq };
        foreach (var t in tempos)
        {
            long tick = Math.Max(0, t.Tick);
            double us = t.MicrosecondsPerQuarter > 0 ? t.MicrosecondsPerQuarter : TempoChange.DefaultMicrosecondsPerQuarter;
            int last = ticks.Count - 1;
            if (tick == ticks[last]) { spt[last] = us / 1e6 / tpq; continue; }
            secs.Add(secs[last] + (tick - ticks[last]) * spt[last]);
            ticks.Add(tick);
            spt.Add(us / 1e6 / tpq);
        }
        _ticks = ticks.ToArray();
        _seconds = secs.ToArray();
        _secPerTick = spt.ToArray();
    }

    public double Seconds(long tick)
    {
        int i = Array.BinarySearch(_ticks, tick);
        if (i < 0) i = ~i - 1;
        if (i < 0) i = 0;
        return _seconds[i] + (tick - _ticks[i]) * _secPerTick[i];
    }
}
