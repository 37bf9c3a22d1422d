using Cadenza.Tokens;
using Cadenza.Training;

namespace Cadenza.Cli;

/// <summary><c>cadenza dataset build</c>: music files to token shards for training.</summary>
public static class DatasetCommand
{
    /// <summary>Help text.</summary>
    public const string Help = """
        usage: cadenza dataset build <folder|file> [...] -o <dir> [--tokenizer remi|abc|<tokenizer.json>]
                                     [--labels labels.csv] [--transpose -5..6] [--val-fraction 0.05] [--seed N] [--strict]

        Reads and tokenizes music files (MIDI, and ABC with every tune a piece of its own) in
        parallel and writes a dataset folder: train_*.bin and
        val_*.bin (little-endian uint16 token ids, pieces back to back), tokenizer.json and
        manifest.json (token counts by split and genre, files used, files skipped with reasons).

          -o, --output <dir>    the dataset folder (created)
          --tokenizer <t>       'remi' (REMI+, default settings), 'abc' (ABC text) or a tokenizer.json
          --labels <csv>        genre labels: columns path,genre with paths relative to the CSV
                                (as ../shared/data/labels.csv); files labelled 'test' are skipped.
                                Without a label, a folder named after a genre (folk, classical,
                                pop, jazz, rock) gives the genre.
          --transpose <a..b>    also add training copies transposed by a..b semitones (drums never
                                move; a copy that would push notes out of range is left out)
          --val-fraction <f>    share of pieces held out for validation (default 0.05). The split
                                is by piece: a piece and its transposed copies are never on both sides;
                                validation pieces are not transposed.
          --seed <n>            seed of the split (default 1337)
          --strict              refuse damaged MIDI files instead of repairing them

        A file that cannot be read is skipped and listed at the end, never fatal.
        exit codes: 0 ok, 1 some files skipped for errors, 2 usage error or nothing usable
        """;

    /// <summary>Runs the verb.</summary>
    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] != "build")
            throw new UsageException("dataset: the only sub-command is 'build' (see 'cadenza dataset --help')");
        var a = CliArgs.Parse("dataset build", args[1..], ["strict"], ["output", "tokenizer", "labels", "transpose", "val-fraction", "seed"],
            new Dictionary<string, string> { ["o"] = "output" });
        if (a.Positionals.Count == 0) throw new UsageException("dataset build: give at least one folder or file");
        string output = a.Get("output") ?? throw new UsageException("dataset build: -o <dir> is required");
        if (File.Exists(output)) throw new UsageException($"{output}: exists and is a file; give a folder");
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any() && !File.Exists(Path.Combine(output, DatasetBuilder.ManifestFile)))
            throw new UsageException($"{output}: the folder is not empty and holds no dataset; choose an empty or new folder (nothing was written)");
        OutputFiles.CheckWritableFolder(output, "dataset");
        var tokArg = a.Get("tokenizer") ?? "remi";
        Tokenizer tokenizer = tokArg switch { "remi" => new RemiTokenizer(), "abc" => new AbcTextTokenizer(), _ => TokenizerChoice.Resolve(tokArg, null, out _) };
        int tmin = 0, tmax = 0;
        if (a.Get("transpose") is { } tr)
        {
            var parts = tr.Split("..");
            if (parts.Length != 2 || !int.TryParse(parts[0], out tmin) || !int.TryParse(parts[1], out tmax))
                throw new UsageException($"--transpose must look like -5..6, got '{tr}'");
        }
        var options = new DatasetOptions
        {
            LabelsPath = a.Get("labels"),
            TransposeMin = tmin,
            TransposeMax = tmax,
            ValFraction = a.GetDouble("val-fraction", 0.05),
            Seed = a.GetInt("seed", 1337),
            Strict = a.Has("strict"),
        };
        try { options.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        if (options.LabelsPath != null && !File.Exists(options.LabelsPath)) throw new UsageException($"{options.LabelsPath}: labels file not found");

        Progress? bar = null;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        DatasetManifest manifest;
        try
        {
            manifest = DatasetBuilder.Build(tokenizer, a.Positionals, output, options,
                new SyncProgress<DatasetProgress>(p =>
                {
                    bar ??= new Progress("dataset", p.Total);
                    bar.Tick(p.Current);
                }));
        }
        catch (DatasetException e)
        {
            bar?.Done();
            Console.Error.WriteLine("cadenza: " + e.Message);
            return Program.Fatal;
        }
        bar?.Done();
        Console.Error.WriteLine($"dataset: {manifest.Files.Count} pieces in {watch.Elapsed.TotalSeconds:F1} s -> {output}");
        foreach (var (name, split) in new[] { ("train", manifest.Train), ("validation", manifest.Validation) })
        {
            Console.Error.WriteLine($"  {name,-10} {split.Pieces,5} pieces, {split.Sequences,6} sequences, {split.Tokens,12:N0} tokens  " +
                string.Join(", ", split.TokensByGenre.Select(kv => $"{kv.Key} {kv.Value:N0}")));
        }
        if (manifest.Validation.Pieces == 0)
            Console.Error.WriteLine("  note: no piece went to validation (too few pieces or --val-fraction 0); 'train' will skip validation and 'eval' needs one");
        var errors = manifest.Skipped.Where(s => !s.Reason.StartsWith("labelled 'test'", StringComparison.Ordinal) && s.Reason != "no notes").ToList();
        int otherSkips = manifest.Skipped.Count - errors.Count;
        if (otherSkips > 0) Console.Error.WriteLine($"  skipped {otherSkips} file(s) on purpose (test files, no notes); see manifest.json");
        if (errors.Count == 0) return Program.Ok;
        Console.Error.WriteLine($"{errors.Count} file(s) could not be used:");
        foreach (var s in errors) Console.Error.WriteLine($"  {s.Path}: {s.Reason}");
        return Program.SomeFailed;
    }
}

/// <summary>An <see cref="IProgress{T}"/> that calls its handler on the reporting thread (no synchronization context hop).</summary>
public sealed class SyncProgress<T>(Action<T> handler) : IProgress<T>
{
    private readonly object _gate = new();

    /// <inheritdoc />
    public void Report(T value)
    {
        lock (_gate) handler(value);
    }
}
