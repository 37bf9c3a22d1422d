using System.Globalization;
using System.Text;
using Cadenza.Music;
using Cadenza.Music.Abc;

namespace Cadenza.Cli;

public static partial class InfoCommand
{
    // Text (string) or JSON (object) report of an ABC file; null when the file (or the selected tune) could not be read,
    // after printing why. tunesFailed: some tunes of the file could not be read (they are listed in the report).
    private static object? AbcInfo(string path, byte[] bytes, TuneSelection selection, bool json, out bool tunesFailed)
    {
        tunesFailed = false;
        AbcParseResult book;
        List<AbcTune> tunes;
        try
        {
            book = AbcFile.Parse(bytes, path);
            tunes = selection.IsSet || book.Tunes.Count + book.Errors.Count <= 1
                ? [ScoreInput.SelectTune(path, book, selection)]
                : [.. book.Tunes];
        }
        catch (Exception e) when (e is UsageException or MusicFormatException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine("cadenza: " + (e is IOException or UnauthorizedAccessException ? $"{path}: {OutputFiles.ShortReason(e)}" : e.Message));
            return null;
        }
        var errors = selection.IsSet || tunes.Count == 0 ? [] : book.Errors.Select(e => Inputs.WithoutPath(e.Message, path)).ToList();
        if (book.Tunes.Count == 0 && !selection.IsSet && errors.Count > 0)
        {
            foreach (var e in errors) Console.Error.WriteLine($"cadenza: {path}: {e}");
            return null;
        }
        if (errors.Count > 0)
        {
            tunesFailed = true;
            Console.Error.WriteLine($"cadenza: {path}: {errors.Count} of {book.Tunes.Count + errors.Count} tunes could not be read{(json ? "" : " (listed in the report)")}");
        }
        if (json)
        {
            return new
            {
                file = path,
                format = "abc",
                tunes = tunes.Select(TuneJson),
                errors,
                warnings = book.Warnings,
            };
        }
        return tunes.Count == 1 && errors.Count == 0 ? TuneText(path, book, tunes[0]) : BookText(path, book, tunes, errors);
    }

    private sealed record TuneFacts(int Bars, int Notes, double Seconds, int? Low, int? High, string Tempo);

    private static TuneFacts Facts(AbcTune tune)
    {
        var s = tune.Score;
        long end = s.EndTick;
        int bars = end == 0 ? 0 : s.BarStarts(end - 1).Count;
        var pitched = s.Tracks.Where(t => !t.IsDrum).SelectMany(t => t.Notes).ToList();
        string tempo = s.Tempos.Count == 0 ? "120 (default)" : string.Join(", ", s.Tempos.Take(8).Select(t => $"{Bpm(t.MicrosecondsPerQuarter)}@{t.Tick}"))
            + (s.Tempos.Count > 8 ? $" ... ({s.Tempos.Count} changes)" : "");
        return new TuneFacts(bars, s.NoteCount, s.DurationSeconds,
            pitched.Count == 0 ? null : pitched.Min(n => n.Pitch), pitched.Count == 0 ? null : pitched.Max(n => n.Pitch), tempo);
    }

    private static readonly string[] PitchNames = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];

    private static string PitchName(int p) => PitchNames[p % 12] + (p / 12 - 1).ToString(CultureInfo.InvariantCulture);

    private static string Range(TuneFacts f) => f.Low is int lo && f.High is int hi ? $"{PitchName(lo)}-{PitchName(hi)} ({lo}-{hi})" : "-";

    private static string TuneText(string path, AbcParseResult book, AbcTune tune)
    {
        var f = Facts(tune);
        var sb = new StringBuilder();
        int count = book.Tunes.Count + book.Errors.Count;
        sb.AppendLine(path);
        sb.AppendLine($"  tune:           X:{tune.ReferenceNumber}, line {tune.Line}{(count > 1 ? $" (one of {count} tunes in the file)" : "")}");
        sb.AppendLine($"  title:          {(tune.Titles.Count == 0 ? "-" : string.Join(" / ", tune.Titles))}");
        if (tune.Composer != null) sb.AppendLine($"  composer:       {tune.Composer}");
        sb.AppendLine($"  meter:          {(tune.Meter.Length == 0 ? "(none)" : tune.Meter)}");
        sb.AppendLine($"  unit length:    {tune.UnitLength}");
        sb.AppendLine($"  key:            {(tune.Key.Length == 0 ? "(none: C major)" : tune.Key)}");
        sb.AppendLine($"  tempo (bpm):    {f.Tempo}");
        sb.AppendLine($"  bars:           {f.Bars}");
        sb.AppendLine($"  notes:          {f.Notes}");
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"  duration:       {FormatDuration(f.Seconds)} ({tune.Score.EndTick} ticks at {tune.Score.TicksPerQuarter}/quarter)"));
        sb.AppendLine($"  range:          {Range(f)}");
        if (tune.Score.Tracks.Count > 1)
            sb.AppendLine($"  voices:         {tune.Score.Tracks.Count} ({string.Join(", ", tune.Score.Tracks.Select(t => $"'{t.Name}' {t.Notes.Count} notes"))})");
        sb.AppendLine($"  chord symbols:  {tune.ChordSymbols.Count}");
        sb.AppendLine($"  grace notes:    {tune.GraceNotes.Count}");
        var warnings = book.Warnings.Concat(tune.Warnings).ToList();
        sb.AppendLine($"  warnings:       {(warnings.Count == 0 ? "none" : warnings.Count.ToString(CultureInfo.InvariantCulture))}");
        foreach (var w in warnings) sb.AppendLine("    - " + w);
        return sb.ToString();
    }

    private static string BookText(string path, AbcParseResult book, List<AbcTune> tunes, List<string> errors)
    {
        var sb = new StringBuilder();
        sb.AppendLine(path);
        sb.AppendLine($"  tunes:          {tunes.Count + errors.Count}{(errors.Count > 0 ? $" ({errors.Count} could not be read)" : "")}   (--tune X shows one in full)");
        sb.AppendLine($"  {"X",5}  {"title",-32} {"meter",-6} {"key",-6} {"bars",4} {"notes",5} {"duration",8} {"range",-9} {"chords",6} {"graces",6} {"warn",4}");
        foreach (var t in tunes)
        {
            var f = Facts(t);
            string title = t.Titles.Count == 0 ? "-" : t.Titles[0];
            if (title.Length > 32) title = title[..29] + "...";
            string range = f.Low is int lo && f.High is int hi ? $"{lo}-{hi}" : "-";
            sb.AppendLine($"  {Cut(t.ReferenceNumber, 5),5}  {title,-32} {Cut(t.Meter, 6),-6} {Cut(t.Key, 6),-6} {f.Bars,4} {f.Notes,5} {FormatDuration(f.Seconds),8} {range,-9} {t.ChordSymbols.Count,6} {t.GraceNotes.Count,6} {t.Warnings.Count,4}");
        }
        if (errors.Count > 0)
        {
            sb.AppendLine("  could not be read:");
            foreach (var e in errors) sb.AppendLine("    - " + e);
        }
        if (book.Warnings.Count > 0)
        {
            sb.AppendLine($"  file warnings:  {book.Warnings.Count}");
            foreach (var w in book.Warnings) sb.AppendLine("    - " + w);
        }
        return sb.ToString();
    }

    private static string Cut(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "~";

    private static object TuneJson(AbcTune t)
    {
        var f = Facts(t);
        return new
        {
            x = t.ReferenceNumber,
            line = t.Line,
            titles = t.Titles,
            composer = t.Composer,
            meter = t.Meter,
            unitLength = t.UnitLength,
            key = t.Key,
            tempos = t.Score.Tempos.Select(x => new { tick = x.Tick, bpm = Math.Round(x.Bpm, 3) }),
            bars = f.Bars,
            notes = f.Notes,
            durationSeconds = Math.Round(f.Seconds, 3),
            endTick = t.Score.EndTick,
            ticksPerQuarter = t.Score.TicksPerQuarter,
            lowestPitch = f.Low,
            highestPitch = f.High,
            voices = t.Score.Tracks.Select(x => new { name = x.Name, notes = x.Notes.Count }),
            chordSymbols = t.ChordSymbols.Count,
            graceNotes = t.GraceNotes.Count,
            warnings = t.Warnings,
        };
    }
}
