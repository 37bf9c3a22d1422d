using Cadenza.Audio;
using Cadenza.Music;
using Cadenza.Music.Abc;
using Cadenza.Music.Midi;

namespace Cadenza.Cli;

/// <summary><c>cadenza convert</c>: between ABC and MIDI, and to WAV, for files and folders.</summary>
public static class ConvertCommand
{
    /// <summary>Help text.</summary>
    public const string Help = """
        usage: cadenza convert <in> -o <out> [--to mid|abc|wav] [--tune X | --title T | --all-tunes] [--track N]
                               [--quantize 1/16] [--chords] [--strict] [--verbose] [audio options, for WAV output]

        Converts music files between ABC (.abc) and MIDI (.mid, .midi), and renders them to audio (.wav, with the
        same synthesizer as 'cadenza render'). .abc -> .abc and .mid -> .mid also work: they rewrite the file
        in Cadenza's normal form. The output format is -o's extension, or --to.

          <in>             a .mid/.midi/.kar/.rmi/.smf or .abc file, or a folder: every such file below it
          -o, --output     the output file; for a folder input (or --all-tunes) an output folder
          --to <fmt>       output format mid, abc or wav (needed for folders; else taken from -o)
          --tune <X>       the tune of an ABC file with reference number X: (default: the first tune)
          --title <T>      the tune with title T (any T: line, case-insensitive); when no title equals T,
                           a part of a title, if it matches exactly one tune
          --all-tunes      every tune of an ABC file, each to its own file <file>-<X>.<ext> in the -o folder
                           (-o name.mid gives name-<X>.mid beside it; a file with one tune keeps its name);
                           folders always convert every tune
          --track <N>      for ABC output: the track (0-based, as 'cadenza info' lists them) to write;
                           default: the melody (the track named "melody", else among the busier non-drum
                           tracks the one with the highest average pitch). ABC holds one voice.
          --quantize <1/n> move every note's start and end to the nearest multiple of a 1/n note (n 1-128;
                           1/12 and 1/24 are triplet grids): played MIDI becomes readable ABC. Off by default.
          --chords         for MIDI and WAV output: play the ABC chord symbols ("G", "D7", "Em/B" ...) as a
                           chord track (bass and chord, each held to the next symbol)
          --strict         refuse damaged MIDI files instead of repairing them
          -v, --verbose    list every warning and repair (by default only their number is shown)
          audio options    for WAV output, as 'cadenza render' takes them: --synth, --soundfont, --sample-rate,
                           --gain, --effects, --lufs, --reverb, --chorus

        What is kept: ABC -> MIDI keeps every note's pitch, onset and duration, the meter, key and tempo (grace
        notes, which take no time in ABC, are left out). MIDI -> ABC writes one track, every note of it with the
        same pitch, onset and duration (chords and ties as needed); velocities, other tracks, controllers and
        programs are not written. See docs/formats.md, "Converting".

        A folder is converted recursively into the -o folder with the same sub-folders. A file (or a tune) that
        cannot be read is reported and skipped; the others are still written. An output never replaces an input.
        exit codes: 0 ok, 1 some files or tunes failed (listed at the end), 2 usage error or nothing converted
        """;

    /// <summary>Output formats.</summary>
    private enum Format { Mid, Abc, Wav }

    private sealed record Plan(Format To, int? Track, bool Verbose, MidiReadOptions MidiOptions, int? QuantizeDenominator, RenderSettings? Audio, bool Chords);

    /// <summary>Runs the verb.</summary>
    public static int Run(string[] args)
    {
        var a = CliArgs.Parse("convert", args, ["all-tunes", "strict", "verbose", "chords"], ["output", "to", "tune", "title", "track", "quantize", .. AudioOptions.Names],
            new Dictionary<string, string> { ["o"] = "output", ["v"] = "verbose" });
        if (a.Positionals.Count != 1) throw new UsageException("convert: give one input file or folder (see 'cadenza convert --help')");
        string input = a.Positionals[0];
        string output = a.Get("output") ?? throw new UsageException("convert: -o <output> is required (see 'cadenza convert --help')");
        if (string.IsNullOrWhiteSpace(output)) throw new UsageException("convert: empty output path");
        var selection = TuneSelection.From(a, "convert");
        bool allTunes = a.Has("all-tunes");
        if (allTunes && selection.IsSet) throw new UsageException("convert: --all-tunes converts every tune; leave out --tune/--title");
        Format? to = a.Get("to") is { } t ? ParseFormat(t) ?? throw new UsageException($"convert: --to must be mid, abc or wav, got '{t}'") : null;
        int? track = a.Has("track") ? a.GetInt("track", 0, 0, 65535) : null;
        int? quantize = a.Get("quantize") is { } q ? ParseGrid(q) : null;
        if (!Directory.Exists(input) && !File.Exists(input)) throw new UsageException($"{input}: no such file or folder");
        bool isFolder = Directory.Exists(input);
        // --all-tunes -o book.mid: the files are book-1.mid, book-2.mid ... beside it.
        string? bookStem = null;
        if (allTunes && !isFolder && !Directory.Exists(output) && !EndsWithSeparator(output) && FormatOf(output) is { } patternFormat)
        {
            if (to != null && to != patternFormat) throw new UsageException($"convert: --to {Ext(to.Value)[1..]} does not match the output name {output}");
            to = patternFormat;
            bookStem = Path.GetFileNameWithoutExtension(output);
            output = Path.GetDirectoryName(Path.GetFullPath(output))!;
        }
        bool outIsFolder = isFolder || allTunes || Directory.Exists(output) || EndsWithSeparator(output);

        if (!outIsFolder)
        {
            var fromExt = FormatOf(output);
            if (fromExt == null && to == null)
                throw new UsageException($"{output}: cannot tell the output format from the extension '{Path.GetExtension(output)}'; use .mid, .abc or .wav, or --to");
            if (fromExt != null && to != null && fromExt != to)
                throw new UsageException($"convert: --to {Ext(to.Value)[1..]} does not match the output name {output}");
            to ??= fromExt;
        }
        else if (to == null)
        {
            throw new UsageException(isFolder
                ? "convert: a folder input needs --to mid|abc|wav (the format of the files written)"
                : "convert: an output folder needs --to mid|abc|wav (the format of the files written)");
        }
        if (track != null && to != Format.Abc) throw new UsageException("convert: --track chooses the track written as ABC; it needs ABC output");
        if (to != Format.Wav && AudioOptions.Names.FirstOrDefault(a.Has) is { } stray) throw new UsageException($"convert: --{stray} is an audio option; it needs WAV output");
        var audio = to == Format.Wav ? AudioOptions.Parse(a) : null;
        if (a.Has("chords") && to == Format.Abc) throw new UsageException("convert: --chords adds a chord track to MIDI or WAV output; ABC keeps chord symbols as symbols");
        var plan = new Plan(to!.Value, track, a.Has("verbose"), new MidiReadOptions { Strict = a.Has("strict") }, quantize, audio, a.Has("chords"));

        if (isFolder)
        {
            if (selection.IsSet) throw new UsageException("convert: --tune/--title choose a tune of one file; a folder converts every tune");
            return ConvertFolder(input, output, plan);
        }
        if (allTunes || outIsFolder)
        {
            if (ScoreInput.KindOf(input) != MusicFileKind.Abc)
            {
                if (allTunes) throw new UsageException($"{input}: --all-tunes converts the tunes of an ABC file; this is a MIDI file");
                output = Path.Combine(output, Path.GetFileNameWithoutExtension(input) + Ext(plan.To));
            }
            else if (allTunes) return ConvertBook(input, output, bookStem ?? Path.GetFileNameWithoutExtension(input), plan);
            else output = Path.Combine(output, Path.GetFileNameWithoutExtension(input) + Ext(plan.To));
        }
        return ConvertFile(input, output, selection, plan);
    }

    private static int ConvertFile(string input, string output, TuneSelection selection, Plan plan)
    {
        OutputFiles.CheckNotInput(output, input);
        // Read first (quick, and a wrong --tune creates nothing), then check the output before the slow part (rendering).
        var src = ScoreInput.Load(input, selection, plan.MidiOptions);
        OutputFiles.CheckWritable(output, OutputName(plan.To));
        ReportWarnings(src.Label, src.Warnings, plan.Verbose);
        string detail = Write(src, output, plan);
        Console.Error.WriteLine($"{src.Label}: {detail} -> {output}");
        return Program.Ok;
    }

    // --all-tunes on one ABC file: every tune to its own file in the output folder.
    private static int ConvertBook(string input, string outDir, string stem, Plan plan)
    {
        OutputFiles.CheckWritableFolder(outDir, OutputName(plan.To) + "s");
        var inputs = new HashSet<string>([Path.GetFullPath(input)], StringComparer.Ordinal);
        var claimed = new HashSet<string>(OutputFiles.NameComparer);
        var failures = new List<(string File, string Reason)>();
        int written = 0, warnings = 0;
        var book = ConvertAbcFile(input, input, Path.Combine(outDir, stem), plan, inputs, claimed, failures, ref written, ref warnings, quiet: !plan.Verbose);
        int tunes = book.Tunes.Count + book.Errors.Count;
        return Finish($"converted {written} of {tunes} tune{(tunes == 1 ? "" : "s")} of {input}", written, warnings, outDir, plan, failures);
    }

    private static int ConvertFolder(string input, string outDir, Plan plan)
    {
        var root = Path.GetFullPath(input);
        var outFull = Path.GetFullPath(outDir);
        if (File.Exists(outDir)) throw new UsageException($"{outDir}: exists and is a file; give a folder for the converted files");
        // An output folder inside the input folder is not read as input (so that running twice does not convert the outputs).
        bool outInside = !string.Equals(outFull.TrimEnd('/'), root.TrimEnd('/'), StringComparison.Ordinal)
                         && outFull.StartsWith(root.TrimEnd('/') + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        var files = Inputs.Expand(input, out _, p => ScoreInput.HasMusicExtension(p)
                && !(outInside && p.StartsWith(outFull.TrimEnd('/') + Path.DirectorySeparatorChar, StringComparison.Ordinal)),
            "MIDI or ABC files (" + string.Join(", ", MidiFile.Extensions) + ", " + ScoreInput.AbcExtension + ")");
        OutputFiles.CheckWritableFolder(outDir, OutputName(plan.To) + "s");

        // Inputs whose names differ only in extension (a.mid, a.abc) keep their extension in the output name (a.abc.mid).
        var stems = files.Select(f => Path.Combine(Path.GetDirectoryName(f.Relative) ?? "", Path.GetFileNameWithoutExtension(f.Relative))).ToList();
        var clashes = stems.GroupBy(s => s, OutputFiles.NameComparer).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(OutputFiles.NameComparer);
        var inputSet = files.Select(f => f.FullPath).ToHashSet(StringComparer.Ordinal);
        var claimed = new HashSet<string>(OutputFiles.NameComparer);
        var failures = new List<(string File, string Reason)>();
        int written = 0, warnings = 0, okFiles = 0;
        var progress = new Progress("convert", files.Count);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < files.Count; i++)
        {
            var (full, rel) = files[i];
            string stem = Path.Combine(outDir, clashes.Contains(stems[i]) ? rel : stems[i]);
            int before = failures.Count;
            try
            {
                if (ScoreInput.KindOf(full) == MusicFileKind.Abc)
                    ConvertAbcFile(full, rel, stem, plan, inputSet, claimed, failures, ref written, ref warnings, quiet: !plan.Verbose);
                else
                {
                    var read = MidiFile.Read(full, plan.MidiOptions);
                    var src = new LoadedScore(rel, read.Score, read.Warnings, null, read);
                    warnings += src.Warnings.Count;
                    if (plan.Verbose) ReportWarnings(rel, src.Warnings, true);
                    WriteClaimed(src, stem + Ext(plan.To), plan, inputSet, claimed);
                    written++;
                }
            }
            catch (IOException e) when (AtomicFile.IsDiskFull(e))
            {
                // Every file after this one would fail the same way: stop, and say what was written.
                failures.Add((rel, Reason(e, full, rel)));
                progress.Done();
                Console.Error.WriteLine($"convert: stopped after {i} of {files.Count} files: the disk is full");
                Finish($"converted {okFiles} of {files.Count} files", written, warnings, outDir, plan, failures);
                return Program.Fatal;
            }
            catch (Exception e) when (IsInputProblem(e))
            {
                failures.Add((rel, Reason(e, full, rel)));
            }
            if (failures.Count == before) okFiles++;
            progress.Tick(rel);
        }
        progress.Done();
        return Finish($"converted {okFiles} of {files.Count} file{(files.Count == 1 ? "" : "s")} in {watch.Elapsed.TotalSeconds:F1} s",
            written, warnings, outDir, plan, failures);
    }

    // Every tune of one ABC file: "<stem>.<ext>" when the file has one tune, else "<stem>-<X>.<ext>".
    private static AbcParseResult ConvertAbcFile(string full, string shown, string stem, Plan plan, HashSet<string> inputs, HashSet<string> claimed,
        List<(string File, string Reason)> failures, ref int written, ref int warnings, bool quiet)
    {
        var book = ScoreInput.ReadAbc(full);
        foreach (var e in book.Errors) failures.Add((shown, Reason(e, full)));
        if (book.Tunes.Count == 0 && book.Errors.Count == 0) { failures.Add((shown, book.NoTuneReason ?? "no tune (X: field) found")); return book; }
        bool several = book.Tunes.Count + book.Errors.Count > 1;
        var usedNames = new HashSet<string>(OutputFiles.NameComparer);
        for (int i = 0; i < book.Tunes.Count; i++)
        {
            var tune = book.Tunes[i];
            var src = ScoreInput.FromTune(shown, book, tune);
            if (i > 0) src = new LoadedScore(shown, tune.Score, tune.Warnings, tune, null);   // the file's own warnings once
            warnings += src.Warnings.Count;
            if (!quiet) ReportWarnings(src.Label, src.Warnings, plan.Verbose);
            string name = several ? stem + "-" + TuneSuffix(tune, i, usedNames) : stem;
            try
            {
                string detail = WriteClaimed(src, name + Ext(plan.To), plan, inputs, claimed);
                written++;
                if (!quiet) Console.Error.WriteLine($"{src.Label}: {detail} -> {name + Ext(plan.To)}");
            }
            catch (Exception e) when (IsInputProblem(e))
            {
                failures.Add((shown, ScoreInput.TuneLabel(tune) + ": " + Reason(e, full, src.Label, shown)));
            }
        }
        return book;
    }

    // The part of an output name that tells a tune: its X: number when it is a plain, unused name; else "tune<n>" (n = position).
    private static string TuneSuffix(AbcTune tune, int index, HashSet<string> used)
    {
        string x = tune.ReferenceNumber.Trim();
        bool plain = x.Length > 0 && x.Length <= 20 && x.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.');
        string name = plain && !used.Contains(x) ? x : $"tune{index + 1}";
        while (!used.Add(name)) name += "_";
        return name;
    }

    private static string WriteClaimed(LoadedScore src, string path, Plan plan, HashSet<string> inputs, HashSet<string> claimed)
    {
        string full = Path.GetFullPath(path);
        if (inputs.Contains(full)) throw new UsageException($"{path}: the output would replace an input file; choose another output folder");
        if (!claimed.Add(full)) throw new UsageException($"{path}: another input was already converted to this name");
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return Write(src, path, plan);
    }

    /// <summary>Writes <paramref name="src"/> in the plan's format; returns what was written, for the report line.</summary>
    private static string Write(LoadedScore src, string path, Plan plan)
    {
        var score = src.Score;
        if (score.NoteCount == 0) throw new UsageException($"{src.Label}: has no notes; there is nothing to convert");
        if (plan.QuantizeDenominator is int den) Quantize(score, den);
        string chords = plan.Chords ? ScoreInput.AddChords(score) : "";
        switch (plan.To)
        {
            case Format.Mid:
                MidiFile.Write(score, path);
                return $"{score.NoteCount} notes, {score.Tracks.Count} track{(score.Tracks.Count == 1 ? "" : "s")}{chords}";
            case Format.Abc:
            {
                int ti = plan.Track ?? AbcWriter.ChooseMelodyTrack(score);
                if (plan.Track is int given && given >= score.Tracks.Count)
                    throw new UsageException($"{src.Label}: no track {given} (the score has {score.Tracks.Count} track{(score.Tracks.Count == 1 ? "" : "s")}, 0-{score.Tracks.Count - 1})");
                if (ti < 0) throw new UsageException($"{src.Label}: no pitched notes to write as ABC (the score has only drums or no notes)");
                var t = score.Tracks[ti];
                string? title = string.IsNullOrWhiteSpace(score.Title) ? Path.GetFileNameWithoutExtension(src.Path) : null;
                string reference = src.Tune is { } tune && tune.ReferenceNumber.Trim().Length > 0 ? tune.ReferenceNumber.Trim() : "1";
                string text = AbcWriter.Write(score, new AbcWriteOptions { TrackIndex = ti, ReferenceNumber = reference, Title = title });
                AtomicFile.WriteAllText(path, text);
                string why = plan.Track != null ? "chosen with --track"
                    : score.Tracks.Count(x => !x.IsDrum && x.Notes.Count > 0) <= 1 ? "the only pitched track" : "chosen as the melody";
                string name = t.Name.Length > 0 ? $" '{t.Name}'" : "";
                return $"track {ti}{name} ({(t.IsDrum ? "drums" : "program " + t.Program)}, {t.Notes.Count} notes; {why})";
            }
            default:
            {
                var wav = AudioOutput.WriteWav(score, path, plan.Audio, src.Label);
                return $"{wav.DurationSeconds:F1} s of audio, peak {wav.PeakDbfs:F1} dBFS{AudioOptions.ClipNote(wav.PeakDbfs, float32: false, offerFloat: false)} ({wav.Renderer}){chords}";
            }
        }
    }

    private static int Finish(string headline, int written, int warnings, string outDir, Plan plan, List<(string File, string Reason)> failures)
    {
        string warn = warnings == 0 ? "" : plan.Verbose ? $", {warnings} warnings" : $", {warnings} warnings (--verbose lists them)";
        Console.Error.WriteLine($"{headline}: {written} {Ext(plan.To)[1..]} file{(written == 1 ? "" : "s")} written{warn} -> {outDir}");
        if (failures.Count == 0) return Program.Ok;
        Console.Error.WriteLine($"{failures.Count} file(s) or tune(s) failed:");
        foreach (var (file, reason) in failures) Console.Error.WriteLine($"  {file}: {reason}");
        return written == 0 ? Program.Fatal : Program.SomeFailed;
    }

    private static void ReportWarnings(string label, IReadOnlyList<string> warnings, bool verbose)
    {
        if (warnings.Count == 0) return;
        if (verbose) foreach (var w in warnings) Console.Error.WriteLine($"warning: {label}: {w}");
        else Console.Error.WriteLine($"{label}: {warnings.Count} warning{(warnings.Count == 1 ? "" : "s")} (--verbose lists them)");
    }

    // A problem with one input (or its output): reported, and the batch goes on. A full disk is not one of them.
    private static bool IsInputProblem(Exception e) =>
        e is MusicFormatException or UsageException or IOException or UnauthorizedAccessException or ArgumentException && !AtomicFile.IsDiskFull(e);

    // The message without a leading "path: " (the report names the file itself).
    private static string Reason(Exception e, params string[] prefixes)
    {
        string m = e is ArgumentException ? e.Message.Split(" (Parameter '")[0] : e.Message;
        foreach (var p in prefixes) m = Inputs.WithoutPath(m, p);
        return m;
    }

    // "1/16" or "16" -> 16.
    private static int ParseGrid(string s)
    {
        string t = s.Trim();
        if (t.StartsWith("1/", StringComparison.Ordinal)) t = t[2..];
        if (!int.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) || n is < 1 or > 128)
            throw new UsageException($"--quantize must be a note value 1/n with n from 1 to 128 (1/16, 1/12 ...), got '{s}'");
        return n;
    }

    // Moves every note's onset and end to the nearest multiple of a 1/den note; a note that would vanish keeps one step.
    private static void Quantize(Score score, int den)
    {
        double step = score.TicksPerQuarter * 4.0 / den;
        long Snap(long tick) => (long)Math.Round(Math.Round(tick / step, MidpointRounding.AwayFromZero) * step);
        foreach (var t in score.Tracks)
        {
            for (int i = 0; i < t.Notes.Count; i++)
            {
                var n = t.Notes[i];
                long on = Snap(n.Onset), end = Snap(n.End);
                if (end <= on) end = Snap(on + (long)Math.Ceiling(step));
                if (end <= on) end = on + 1;
                t.Notes[i] = n with { Onset = on, Duration = end - on };
            }
            t.Normalize();
        }
    }

    private static bool EndsWithSeparator(string p) => p.EndsWith('/') || p.EndsWith(Path.DirectorySeparatorChar);

    private static Format? ParseFormat(string s) => s.Trim().TrimStart('.').ToLowerInvariant() switch
    {
        "mid" or "midi" => Format.Mid,
        "abc" => Format.Abc,
        "wav" => Format.Wav,
        _ => null,
    };

    private static Format? FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".mid" or ".midi" => Format.Mid,
        ".abc" => Format.Abc,
        ".wav" => Format.Wav,
        _ => null,
    };

    private static string Ext(Format f) => f switch { Format.Mid => ".mid", Format.Abc => ".abc", _ => ".wav" };

    private static string OutputName(Format f) => f switch { Format.Mid => "MIDI file", Format.Abc => "ABC file", _ => "WAV file" };
}
