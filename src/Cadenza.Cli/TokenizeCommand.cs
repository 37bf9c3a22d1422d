using System.Collections.Concurrent;
using Cadenza.Music;
using Cadenza.Music.Midi;
using Cadenza.Tokens;

namespace Cadenza.Cli;

/// <summary><c>cadenza tokenize</c>: MIDI files to REMI+ tokens.</summary>
public static class TokenizeCommand
{
    /// <summary>Help text.</summary>
    public const string Help = """
        usage: cadenza tokenize <file|folder> [-o <out>] [--ids] [--genre <g>] [--tokenizer <tokenizer.json>] [--strict]

        Turns MIDI files into REMI+ tokens: text tokens such as "Bar_None Position_0 Program_0
        Pitch_60 Velocity_79 Duration_1.0.12" joined by spaces, or integer ids with --ids.

          <file>           one MIDI file; tokens go to standard output, or to -o <file>
          <folder>         every MIDI file below it; -o <folder> is required and gets one
                           <name>.tokens.txt (or .ids.txt) per input plus tokenizer.json
          -o, --output     output file or folder
          --ids            write token ids instead of text
          --genre <g>      put the control token Genre_<g> after BOS (folk, classical, pop, jazz, rock)
          --tokenizer <f>  use this tokenizer.json instead of the default REMI+ settings
          --strict         refuse damaged MIDI files instead of repairing them

        A file that cannot be read is reported and skipped; the others are still written.
        exit codes: 0 ok, 1 some files failed, 2 usage error or nothing could be tokenized
        """;

    /// <summary>Runs the verb.</summary>
    public static int Run(string[] args)
    {
        var a = CliArgs.Parse("tokenize", args, ["ids", "strict"], ["output", "genre", "tokenizer"],
            new Dictionary<string, string> { ["o"] = "output" });
        if (a.Positionals.Count != 1) throw new UsageException("tokenize: give one file or folder (see 'cadenza tokenize --help')");
        var inputs = Inputs.Expand(a.Positionals[0], out bool isFolder);
        var tokenizer = TokenizerChoice.Resolve(a.Get("tokenizer"), null, out _);
        var controls = TokenizerChoice.Controls(tokenizer, a.Get("genre"));
        bool ids = a.Has("ids");
        var readOptions = new MidiReadOptions { Strict = a.Has("strict") };
        string? output = a.Get("output");

        if (!isFolder)
        {
            var (full, _) = inputs[0];
            if (output != null && (Directory.Exists(output) || output.EndsWith('/') || output.EndsWith(Path.DirectorySeparatorChar)))
                output = Path.Combine(output, OutName(Path.GetFileName(full), ids));
            if (output != null)
            {
                OutputFiles.CheckNotInput(output, full);
                OutputFiles.CheckWritable(output, "token file");
            }
            TokenSequence seq;
            List<string> warnings;
            try { seq = Encode(full, tokenizer, controls, readOptions, out warnings); }
            catch (TokenizationException e) { throw new UsageException($"{full}: {e.Message}"); }
            foreach (var w in warnings) Console.Error.WriteLine($"warning: {full}: {w}");
            string text = Format(tokenizer, seq, ids);
            if (output == null) Console.Out.WriteLine(text);
            else
            {
                AtomicFile.WriteAllText(output, text + "\n");
                Console.Error.WriteLine($"{full}: {seq.Ids.Length} tokens -> {output}");
            }
            return Program.Ok;
        }

        if (output == null) throw new UsageException("tokenize: a folder input needs -o <output folder>");
        OutputFiles.CheckWritableFolder(output, "token files");
        // One output per input: names that would collide (a.mid and a.MID, a.mid and a.midi) keep their extension.
        var outNames = inputs.Select(i => OutName(i.Relative, ids)).ToList();
        var clashes = outNames.GroupBy(n => n, OutputFiles.NameComparer).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(OutputFiles.NameComparer);
        for (int i = 0; i < inputs.Count; i++)
            if (clashes.Contains(outNames[i])) outNames[i] = inputs[i].Relative + (ids ? ".ids.txt" : ".tokens.txt");
        var outOf = inputs.Select((x, i) => (x.FullPath, outNames[i])).ToDictionary(x => x.FullPath, x => x.Item2);
        var failures = new ConcurrentBag<(string File, string Reason)>();
        long tokenCount = 0, warningCount = 0;
        var progress = new Progress("tokenize", inputs.Count);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Parallel.ForEach(inputs, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, item =>
        {
            try
            {
                var seq = Encode(item.FullPath, tokenizer, controls, readOptions, out var warnings);
                Interlocked.Add(ref warningCount, warnings.Count);
                Interlocked.Add(ref tokenCount, seq.Ids.Length);
                AtomicFile.WriteAllText(Path.Combine(output, outOf[item.FullPath]), Format(tokenizer, seq, ids) + "\n");
            }
            catch (Exception e) when (e is MusicFormatException or TokenizationException or IOException or UnauthorizedAccessException)
            {
                failures.Add((item.Relative, Inputs.WithoutPath(e.Message, item.FullPath)));
            }
            progress.Tick(item.Relative);
        });
        progress.Done();
        tokenizer.Save(Path.Combine(output, "tokenizer.json"));
        int ok = inputs.Count - failures.Count;
        Console.Error.WriteLine($"tokenized {ok} of {inputs.Count} files: {tokenCount:N0} tokens in {watch.Elapsed.TotalSeconds:F1} s, {warningCount} repairs/warnings -> {output}");
        if (failures.IsEmpty) return Program.Ok;
        Console.Error.WriteLine($"{failures.Count} file(s) failed:");
        foreach (var (file, reason) in failures.OrderBy(f => f.File, StringComparer.Ordinal))
            Console.Error.WriteLine($"  {file}: {reason}");
        return ok == 0 ? Program.Fatal : Program.SomeFailed;
    }

    private static string OutName(string relative, bool ids)
    {
        string stem = Path.Combine(Path.GetDirectoryName(relative) ?? "", Path.GetFileNameWithoutExtension(relative));
        return stem + (ids ? ".ids.txt" : ".tokens.txt");
    }

    private static TokenSequence Encode(string path, Tokenizer tokenizer, IReadOnlyList<string>? controls, MidiReadOptions options, out List<string> warnings)
    {
        var read = MidiFile.Read(path, options);
        var seq = tokenizer.Encode(read.Score, controls);
        warnings = [.. read.Warnings, .. seq.Warnings];
        return seq;
    }

    private static string Format(Tokenizer tokenizer, TokenSequence seq, bool ids) =>
        ids ? string.Join(' ', seq.Ids) : tokenizer.ToText(seq.Ids);
}
