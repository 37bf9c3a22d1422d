// Render benchmark for the built-in synthesizer (not part of the tests; see docs/BENCHMARKS.md).
// Usage: dotnet run -c Release --project bench/Cadenza.Bench.Render -- [--repeat N] [--serial] [--wav DIR] [file.mid ...]
// Without files it renders built-in synthetic scores; with files it reads them through Cadenza.Music.Midi.MidiFile.
using System.Diagnostics;
using Cadenza.Audio;
using Cadenza.Music;
using Cadenza.Music.Midi;

int repeat = 3;
bool serial = false;
double wet = 0.15;
string? wavDir = null;
var files = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--repeat": repeat = int.Parse(args[++i]); break;
        case "--serial": serial = true; break;
        case "--wet": wet = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--wav": wavDir = args[++i]; break;
        default: files.Add(args[i]); break;
    }
}

var cases = new List<(string Name, Score Score)>();
if (files.Count == 0)
{
    cases.Add(("synthetic piano 3:00 (pedal, 4-6 voices)", Synthetic.Piano(180)));
    cases.Add(("synthetic band 3:00 (drums, bass, strings, lead, pad)", Synthetic.Band(180)));
    cases.Add(("synthetic dense piano 1:00 (24 notes/s, pedal)", Synthetic.DensePiano(60)));
}
foreach (var f in files) cases.Add((Path.GetFileName(f), MidiFile.Read(f).Score));

var options = new SynthOptions { Parallel = !serial, ReverbWet = wet };
Console.WriteLine($"cores={Environment.ProcessorCount} parallel={!serial} rate={options.SampleRate} repeat={repeat} (best of)");
Console.WriteLine($"{"score",-52} {"notes",7} {"audio s",8} {"render s",9} {"x realtime",11} {"cpu s",7} {"x rt/cpu",9} {"peak",6} {"alloc MiB",10}");
double totalAudio = 0, totalRender = 0, totalCpu = 0;
foreach (var (name, score) in cases)
{
    AudioBuffer? audio = null;
    double best = double.MaxValue, bestCpu = double.MaxValue;
    var proc = Process.GetCurrentProcess();
    long allocated = 0;
    for (int r = 0; r < repeat; r++)
    {
        audio = null;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        long alloc0 = GC.GetTotalAllocatedBytes(precise: true);
        proc.Refresh();
        var cpu0 = proc.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        audio = BuiltInSynth.Render(score, options);
        best = Math.Min(best, sw.Elapsed.TotalSeconds);
        proc.Refresh();
        bestCpu = Math.Min(bestCpu, (proc.TotalProcessorTime - cpu0).TotalSeconds);
        allocated = GC.GetTotalAllocatedBytes(precise: true) - alloc0;
    }
    totalCpu += bestCpu;
    totalAudio += audio!.DurationSeconds;
    totalRender += best;
    Console.WriteLine($"{Trim(name),-52} {score.NoteCount,7} {audio.DurationSeconds,8:F1} {best,9:F3} {audio.DurationSeconds / best,10:F0}x {bestCpu,7:F3} {audio.DurationSeconds / bestCpu,8:F0}x {audio.Peak(),6:F3} {allocated / 1048576.0,10:F0}");
    if (wavDir != null)
    {
        Directory.CreateDirectory(wavDir);
        WavWriter.Write(Path.Combine(wavDir, Path.ChangeExtension(Safe(name), ".wav")), audio);
    }
}
Console.WriteLine($"{"total",-52} {"",7} {totalAudio,8:F1} {totalRender,9:F3} {totalAudio / totalRender,10:F0}x {totalCpu,7:F3} {totalAudio / totalCpu,8:F0}x");
Console.WriteLine($"peak working set of the whole run: {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024):F0} MiB (alloc MiB = managed bytes allocated by one render, mostly the output buffer: 8 bytes per frame)");

static string Trim(string s) => s.Length <= 52 ? s : s[..49] + "...";
static string Safe(string s) => string.Concat(s.Select(c => char.IsLetterOrDigit(c) || c == '.' ? c : '_'));

/// <summary>Deterministic synthetic scores.</summary>
static class Synthetic
{
    public static Score Piano(double seconds)
    {
        var s = new Score(480);
        s.Tempos.Add(TempoChange.FromBpm(0, 120));
        var t = new Track { Name = "piano", Program = 0 };
        var rng = new Random(1);
        long beats = (long)(seconds * 2);
        int[] chord = { 0, 4, 7, 12 };
        for (long b = 0; b < beats; b++)
        {
            long tick = b * 480;
            int root = 48 + (int)(b / 4 % 4) * 2;
            // left hand: broken chord in eighths; right hand: melody in eighths + a chord each bar
            t.Notes.Add(new Note(tick, 240, root + chord[(int)(b % 4)], 60 + rng.Next(20)));
            t.Notes.Add(new Note(tick + 240, 240, root + chord[(int)((b + 2) % 4)], 55 + rng.Next(20)));
            t.Notes.Add(new Note(tick, 240, 72 + rng.Next(12), 70 + rng.Next(30)));
            t.Notes.Add(new Note(tick + 240, 240, 72 + rng.Next(12), 65 + rng.Next(30)));
            if (b % 4 == 0)
            {
                foreach (int c in chord) t.Notes.Add(new Note(tick, 1800, root + 12 + c, 70));
                t.Controls.Add(new ControlChange(tick + 10, 64, 127));
                t.Controls.Add(new ControlChange(tick + 1900, 64, 0));
            }
        }
        s.Tracks.Add(t);
        return s;
    }

    public static Score DensePiano(double seconds)
    {
        var s = new Score(480);
        var t = new Track { Name = "dense", Program = 0 };
        var rng = new Random(2);
        long steps = (long)(seconds * 24);
        for (long i = 0; i < steps; i++)
        {
            long tick = i * 40; // 24 notes per second at 120 bpm
            t.Notes.Add(new Note(tick, 120 + rng.Next(400), 30 + rng.Next(70), 40 + rng.Next(87)));
            if (i % 96 == 0) t.Controls.Add(new ControlChange(tick, 64, 127));
            if (i % 96 == 90) t.Controls.Add(new ControlChange(tick, 64, 0));
        }
        s.Tracks.Add(t);
        return s;
    }

    public static Score Band(double seconds)
    {
        var s = new Score(480);
        s.Tempos.Add(TempoChange.FromBpm(0, 110));
        long bars = (long)(seconds * 110 / 60 / 4);
        var drums = new Track { Name = "drums", Channel = 9, IsDrum = true };
        var bass = new Track { Name = "bass", Program = 33, Channel = 1 };
        var strings = new Track { Name = "strings", Program = 48, Channel = 2 };
        var lead = new Track { Name = "lead", Program = 81, Channel = 3 };
        var pad = new Track { Name = "pad", Program = 89, Channel = 4 };
        var gtr = new Track { Name = "guitar", Program = 25, Channel = 5 };
        var rng = new Random(3);
        int[] roots = { 45, 41, 48, 43 };
        for (long bar = 0; bar < bars; bar++)
        {
            long t0 = bar * 1920;
            int root = roots[bar % 4];
            for (int e = 0; e < 8; e++)
            {
                long t = t0 + e * 240;
                drums.Notes.Add(new Note(t, 60, 42, 70 + rng.Next(30)));
                if (e % 4 == 0) drums.Notes.Add(new Note(t, 60, 36, 110));
                if (e % 4 == 2) drums.Notes.Add(new Note(t, 60, 38, 100));
                bass.Notes.Add(new Note(t, 220, root - 12 + (e % 2) * 12, 90));
                gtr.Notes.Add(new Note(t, 200, root + 12 + (e % 3) * 4, 70));
            }
            if (bar % 8 == 0) drums.Notes.Add(new Note(t0, 60, 49, 110));
            foreach (int c in new[] { 0, 4, 7 })
            {
                strings.Notes.Add(new Note(t0, 1900, root + 12 + c, 70));
                pad.Notes.Add(new Note(t0, 1900, root + 24 + c, 60));
            }
            for (int q = 0; q < 4; q++)
                lead.Notes.Add(new Note(t0 + q * 480, 420, 69 + rng.Next(12), 90));
        }
        s.Tracks.AddRange(new[] { drums, bass, strings, lead, pad, gtr });
        return s;
    }
}
