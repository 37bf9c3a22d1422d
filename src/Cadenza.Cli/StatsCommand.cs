using System.Globalization;
using System.Text.Json;
using Cadenza.Music;
using Cadenza.Music.Analysis;
using Cadenza.Music.Midi;

namespace Cadenza.Cli;

/// <summary><c>cadenza stats</c>: musical statistics of MIDI files, to compare generated and training music.</summary>
public static class StatsCommand
{
    /// <summary>Help text.</summary>
    public const string Help = """
        usage: cadenza stats <file|folder> [...] [--summary] [--json]

        Musical statistics of MIDI files, per file and as the mean over all of them:
          notes/bar     notes per bar (bars up to the last onset, time signatures applied)
          range         highest minus lowest pitch, semitones (drums left out)
          pc-entropy    entropy of the pitch-class histogram in bits (0 = one pitch class, 3.58 = all equal)
          scale-fit     share of notes in the best-fitting major / natural-minor scale
          empty-bars    share of bars in which no note starts

          --summary     only the mean over all files
          --json        machine-readable output

        exit codes: 0 ok, 1 some files could not be read (listed), 2 usage error or nothing readable
        """;

    /// <summary>Runs the verb.</summary>
    public static int Run(string[] args)
    {
        var a = CliArgs.Parse("stats", args, ["summary", "json"], []);
        if (a.Positionals.Count == 0) throw new UsageException("stats: give at least one file or folder (see 'cadenza stats --help')");
        var files = new List<(string Full, string Shown)>();
        foreach (var p in a.Positionals)
            foreach (var (full, rel) in Inputs.Expand(p, out bool isFolder))
                files.Add((full, isFolder ? Path.Combine(p, rel) : p));
        var rows = new List<(string File, MusicStats Stats)>();
        var failed = new List<string>();
        foreach (var (full, shown) in files)
        {
            try { rows.Add((shown, MusicStats.Of(MidiFile.Read(full).Score))); }
            catch (MusicFormatException e) { failed.Add(e.Message); }
        }
        if (rows.Count == 0)
        {
            foreach (var f in failed) Console.Error.WriteLine("cadenza: " + f);
            return Program.Fatal;
        }
        var mean = Mean(rows.Select(r => r.Stats).ToList());
        if (a.Has("json"))
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new
            {
                files = a.Has("summary") ? null : rows.Select(r => new { file = r.File, stats = r.Stats }),
                mean,
                count = rows.Count,
                failed,
            }, new JsonSerializerOptions { WriteIndented = true, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull }));
        }
        else
        {
            Console.Out.WriteLine($"{"file",-40} {"notes",6} {"bars",5} {"notes/bar",9} {"range",5} {"pc-entropy",10} {"scale-fit",9} {"empty-bars",10}");
            if (!a.Has("summary"))
                foreach (var (file, s) in rows) Console.Out.WriteLine(Line(Shorten(file, 40), s.Notes, s.Bars, s.NotesPerBar, s.PitchRange, s.PitchClassEntropy, s.ScaleFit, s.EmptyBarShare));
            Console.Out.WriteLine(Line($"mean of {rows.Count} file(s)", mean.Notes, mean.Bars, mean.NotesPerBar, mean.PitchRange, mean.PitchClassEntropy, mean.ScaleFit, mean.EmptyBarShare));
        }
        foreach (var f in failed) Console.Error.WriteLine("cadenza: " + f);
        return failed.Count == 0 ? Program.Ok : Program.SomeFailed;
    }

    /// <summary>Means of the statistics (pitch statistics over the files that have pitched notes).</summary>
    public sealed record MeanStats(double Notes, double Bars, double NotesPerBar, double? PitchRange, double? PitchClassEntropy, double? ScaleFit, double EmptyBarShare);

    private static MeanStats Mean(List<MusicStats> s)
    {
        double? M(IEnumerable<double?> xs) { var v = xs.Where(x => x.HasValue).Select(x => x!.Value).ToList(); return v.Count == 0 ? null : v.Average(); }
        return new MeanStats(s.Average(x => x.Notes), s.Average(x => x.Bars), s.Average(x => x.NotesPerBar),
            M(s.Select(x => (double?)x.PitchRange)), M(s.Select(x => x.PitchClassEntropy)), M(s.Select(x => x.ScaleFit)), s.Average(x => x.EmptyBarShare));
    }

    private static string Line(string name, double notes, double bars, double npb, double? range, double? ent, double? fit, double empty)
    {
        string F(double? v, string fmt) => v.HasValue ? v.Value.ToString(fmt, CultureInfo.InvariantCulture) : "-";
        return $"{name,-40} {notes,6:0.#} {bars,5:0.#} {npb,9:0.00} {F(range, "0.#"),5} {F(ent, "0.00"),10} {F(fit, "0.0%"),9} {empty,10:0.0%}";
    }

    private static string Shorten(string s, int max) => s.Length <= max ? s : "..." + s[^(max - 3)..];
}
