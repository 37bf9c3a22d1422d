using System.Globalization;
using System.Text;
using System.Text.Json;
using Cadenza.Music;
using Cadenza.Music.Midi;

namespace Cadenza.Cli;

/// <summary><c>cadenza info</c>: what a music file holds.</summary>
public static partial class InfoCommand
{
    /// <summary>Help text.</summary>
    public const string Help = """
        usage: cadenza info <file> [<file> ...] [--json] [--strict] [--tune X | --title T]

        Shows what a MIDI file holds: format, time base, tracks (name, program, channel, drums,
        notes, pitch range), tempo and time-signature maps, key signatures, duration, and every
        repair the tolerant reader made.

        For an ABC file: each tune's X: number, titles, meter, unit length, key, bars, notes,
        duration, pitch range, chord symbols, grace notes and warnings; a file with several tunes
        is listed one line per tune, and the tunes that could not be read with their errors.

          --json        machine-readable output (one JSON object per file, in an array when several)
          --strict      refuse damaged MIDI files instead of repairing them
          --tune <X>    ABC: show only the tune with reference number X: (in full)
          --title <T>   ABC: show only the tune with title T (case-insensitive; a part of a title
                        is enough when it matches one tune only)

        exit codes: 0 ok, 1 some files (or tunes of an ABC file) could not be read, 2 usage error
        or nothing readable
        """;

    /// <summary>Runs the verb.</summary>
    public static int Run(string[] args)
    {
        var a = CliArgs.Parse("info", args, ["json", "strict"], ["tune", "title"]);
        if (a.Positionals.Count == 0) throw new UsageException("info: give at least one file (see 'cadenza info --help')");
        bool json = a.Has("json");
        var options = new MidiReadOptions { Strict = a.Has("strict") };
        var selection = TuneSelection.From(a, "info");
        var reports = new List<object>();
        int failed = 0;
        bool someTunesFailed = false;
        foreach (var path in a.Positionals)
        {
            if (Directory.Exists(path)) { Console.Error.WriteLine($"cadenza: {path}: is a folder (info takes files)"); failed++; continue; }
            if (!File.Exists(path)) { Console.Error.WriteLine($"cadenza: {path}: no such file"); failed++; continue; }
            byte[] bytes;
            try { bytes = ScoreInput.ReadBytes(path); }
            catch (Exception e) when (e is MusicFormatException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine("cadenza: " + (e is MusicFormatException ? e.Message : $"{path}: cannot read ({OutputFiles.ShortReason(e)})"));
                failed++;
                continue;
            }
            if (ScoreInput.KindOf(path, bytes) == MusicFileKind.Abc)
            {
                var abc = AbcInfo(path, bytes, selection, json, out bool tunesFailed);
                if (abc == null) { failed++; continue; }
                someTunesFailed |= tunesFailed;
                if (json) reports.Add(abc);
                else Console.Out.Write((string)abc);
                continue;
            }
            if (selection.IsSet) { Console.Error.WriteLine($"cadenza: {path}: --tune and --title choose a tune of an ABC file; this is a MIDI file"); failed++; continue; }
            MidiReadResult result;
            try
            {
                result = MidiFile.Read(bytes, path, options);
            }
            catch (MusicFormatException e)
            {
                Console.Error.WriteLine("cadenza: " + e.Message);
                failed++;
                continue;
            }
            if (json) reports.Add(ToJson(path, result));
            else Console.Out.Write(ToText(path, result));
        }
        if (json && reports.Count > 0)
        {
            var opts = new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            Console.Out.WriteLine(reports.Count == 1 && a.Positionals.Count == 1
                ? JsonSerializer.Serialize(reports[0], opts)
                : JsonSerializer.Serialize(reports, opts));
        }
        if (failed == 0) return someTunesFailed ? Program.SomeFailed : Program.Ok;
        return failed == a.Positionals.Count ? Program.Fatal : Program.SomeFailed;
    }

    private static string Bpm(int us) => (60_000_000.0 / us).ToString("0.##", CultureInfo.InvariantCulture);

    private static string ToText(string path, MidiReadResult r)
    {
        var s = r.Score;
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(path);
        if (!string.IsNullOrEmpty(s.Title)) sb.AppendLine($"  title:          {s.Title}");
        sb.AppendLine($"  format:         {r.Format} ({r.TrackChunks} track chunk{(r.TrackChunks == 1 ? "" : "s")}){(r.SmpteDivision ? ", SMPTE time base" : "")}");
        sb.AppendLine($"  ticks/quarter:  {s.TicksPerQuarter}");
        sb.AppendLine(string.Create(inv, $"  duration:       {FormatDuration(s.DurationSeconds)} ({s.EndTick} ticks)"));
        sb.AppendLine($"  notes:          {s.NoteCount}");
        var tempos = s.Tempos.Count == 0 ? "120 (default)" : string.Join(", ", s.Tempos.Take(8).Select(t => $"{Bpm(t.MicrosecondsPerQuarter)}@{t.Tick}"))
            + (s.Tempos.Count > 8 ? $" ... ({s.Tempos.Count} changes)" : "");
        sb.AppendLine($"  tempo (bpm):    {tempos}");
        var sigs = s.TimeSignatures.Count == 0 ? "4/4 (default)" : string.Join(", ", s.TimeSignatures.Take(8).Select(t => t.ToString()))
            + (s.TimeSignatures.Count > 8 ? $" ... ({s.TimeSignatures.Count} changes)" : "");
        sb.AppendLine($"  time signature: {sigs}");
        if (s.KeySignatures.Count > 0)
            sb.AppendLine($"  key signature:  {string.Join(", ", s.KeySignatures.Take(8).Select(k => $"{KeyName(k)}@{k.Tick}"))}");
        sb.AppendLine($"  tracks:         {s.Tracks.Count}");
        for (int i = 0; i < s.Tracks.Count; i++)
        {
            var t = s.Tracks[i];
            string range = t.Notes.Count == 0 ? "-" : $"{t.Notes.Min(n => n.Pitch)}-{t.Notes.Max(n => n.Pitch)}";
            string inst = t.IsDrum ? "drums" : $"program {t.Program,3}";
            string port = t.Port != 0 ? $" port {t.Port}" : "";
            sb.AppendLine($"    {i,2}. {inst,-12} ch {t.Channel + 1,2}{port}  {t.Notes.Count,6} notes  pitch {range,-7}  {(t.Name.Length > 0 ? "'" + t.Name + "'" : "")}");
        }
        if (r.Warnings.Count == 0) sb.AppendLine("  repairs:        none");
        else
        {
            sb.AppendLine($"  repairs:        {r.Warnings.Count}");
            foreach (var w in r.Warnings) sb.AppendLine("    - " + w);
        }
        return sb.ToString();
    }

    private static string FormatDuration(double seconds)
    {
        var ts = TimeSpan.FromSeconds(Math.Min(seconds, TimeSpan.MaxValue.TotalSeconds / 2));
        return ts.TotalHours >= 1 ? $"{(int)ts.TotalHours}:{ts:mm\\:ss\\.f}" : $"{ts:m\\:ss\\.f}";
    }

    private static readonly string[] MajorNames = ["Cb", "Gb", "Db", "Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#"];
    private static readonly string[] MinorNames = ["Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#", "G#", "D#", "A#"];

    private static string KeyName(KeySignature k)
    {
        int i = Math.Clamp(k.Fifths, -7, 7) + 7;
        return k.Mode ?? (k.IsMinor ? MinorNames[i] + "m" : MajorNames[i]);
    }

    private static object ToJson(string path, MidiReadResult r)
    {
        var s = r.Score;
        return new
        {
            file = path,
            title = s.Title,
            format = r.Format,
            trackChunks = r.TrackChunks,
            smpteDivision = r.SmpteDivision,
            ticksPerQuarter = s.TicksPerQuarter,
            durationSeconds = Math.Round(s.DurationSeconds, 3),
            endTick = s.EndTick,
            notes = s.NoteCount,
            tempos = s.Tempos.Select(t => new { tick = t.Tick, bpm = Math.Round(t.Bpm, 3) }),
            timeSignatures = s.TimeSignatures.Select(t => new { tick = t.Tick, numerator = t.Numerator, denominator = t.Denominator }),
            keySignatures = s.KeySignatures.Select(k => new { tick = k.Tick, fifths = k.Fifths, minor = k.IsMinor, name = KeyName(k) }),
            tracks = s.Tracks.Select(t => new
            {
                name = t.Name,
                program = t.Program,
                channel = t.Channel,
                port = t.Port,
                drums = t.IsDrum,
                notes = t.Notes.Count,
                lowestPitch = t.Notes.Count == 0 ? (int?)null : t.Notes.Min(n => n.Pitch),
                highestPitch = t.Notes.Count == 0 ? (int?)null : t.Notes.Max(n => n.Pitch),
                controllers = t.Controls.Count,
                pitchBends = t.PitchBends.Count,
            }),
            repairs = r.Warnings,
        };
    }
}
