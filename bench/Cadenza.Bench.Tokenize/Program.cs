// Tokenize benchmark: read, and read + tokenize, every MIDI file of the given folders.
// Usage: dotnet run -c Release --project bench/Cadenza.Bench.Tokenize -- <folder> [<folder> ...] [--repeat N]
// Prints one JSON line per folder and mode, so bench/tokenize/run.sh can put it beside mido.
using System.Diagnostics;
using System.Text.Json;
using Cadenza.Music.Midi;
using Cadenza.Tokens;

var folders = new List<string>();
int repeat = 3;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--repeat") repeat = int.Parse(args[++i]);
    else folders.Add(args[i]);
}
if (folders.Count == 0)
{
    Console.Error.WriteLine("usage: Cadenza.Bench.Tokenize <folder> [<folder> ...] [--repeat N]");
    return 2;
}

var tokenizer = new RemiTokenizer();
foreach (var folder in folders)
{
    var files = Directory.EnumerateFiles(folder, "*.mid", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal).ToArray();
    var bytes = files.Select(File.ReadAllBytes).ToArray();   // timing excludes the disk
    // Warm-up pass (JIT, tiering).
    for (int w = 0; w < 2; w++)
        foreach (var b in bytes) tokenizer.Encode(MidiFile.Read(b, "warmup").Score);

    foreach (var mode in new[] { "read", "read+tokenize" })
    {
        double best = double.MaxValue;
        long notes = 0, tokens = 0;
        for (int r = 0; r < repeat; r++)
        {
            notes = 0; tokens = 0;
            var sw = Stopwatch.StartNew();
            foreach (var b in bytes)
            {
                var score = MidiFile.Read(b, "bench").Score;
                notes += score.NoteCount;
                if (mode == "read+tokenize") tokens += tokenizer.Encode(score).Ids.Length;
            }
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            folder = Path.GetFileName(Path.GetFullPath(folder).TrimEnd('/')) is var n && n == "midi" ? Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(folder).TrimEnd('/'))) : n,
            mode,
            files = files.Length,
            notes,
            tokens,
            seconds = best,
            filesPerSec = files.Length / best,
            notesPerSec = notes / best,
            tokensPerSec = tokens / best,
            msPerFile = best * 1000 / files.Length,
            peakMB = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0,
        }));
    }
}
return 0;
