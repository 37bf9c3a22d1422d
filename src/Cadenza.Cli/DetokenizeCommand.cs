using Cadenza.Music.Midi;

namespace Cadenza.Cli;

/// <summary><c>cadenza detokenize</c>: a token file back to MIDI.</summary>
public static class DetokenizeCommand
{
    /// <summary>Help text.</summary>
    public const string Help = """
        usage: cadenza detokenize <tokens.txt> -o <out.mid> [--tokenizer <tokenizer.json>]

        Turns a token file (text tokens, or integer ids as written by 'tokenize --ids') back into
        a MIDI file. Decoding is grammar-safe: tokens that break the grammar are skipped and
        counted, and the count is reported.

          -o, --output     the MIDI file to write (required)
          --tokenizer <f>  the tokenizer.json the tokens were made with; by default the
                           tokenizer.json beside the token file, else the default REMI+ settings

        exit codes: 0 ok, 2 usage error or unreadable input
        """;

    /// <summary>Runs the verb.</summary>
    public static int Run(string[] args)
    {
        var a = CliArgs.Parse("detokenize", args, [], ["output", "tokenizer"], new Dictionary<string, string> { ["o"] = "output" });
        if (a.Positionals.Count != 1) throw new UsageException("detokenize: give one token file (see 'cadenza detokenize --help')");
        string input = a.Positionals[0];
        string output = a.Get("output") ?? throw new UsageException("detokenize: -o <out.mid> is required");
        if (!File.Exists(input)) throw new UsageException($"{input}: no such file");
        if (Directory.Exists(output)) throw new UsageException($"{output}: is a folder; give a file name ending in .mid");
        var tokenizer = TokenizerChoice.Resolve(a.Get("tokenizer"), Path.GetDirectoryName(Path.GetFullPath(input)), out var which);

        string text = File.ReadAllText(input);
        var parts = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new UsageException($"{input}: the file holds no tokens");
        bool allIds = parts.All(p => int.TryParse(p, out _));
        Tokens.DecodeResult result;
        if (allIds)
        {
            var idList = new int[parts.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                idList[i] = int.Parse(parts[i], System.Globalization.CultureInfo.InvariantCulture);
                if (idList[i] < 0 || idList[i] >= tokenizer.Vocabulary.Count)
                    throw new UsageException($"{input}: token id {idList[i]} at position {i} is outside the vocabulary (0-{tokenizer.Vocabulary.Count - 1}) of {which}");
            }
            result = tokenizer.Decode(idList);
        }
        else result = tokenizer.DecodeText(text);

        MidiFile.Write(result.Score, output);
        Console.Error.WriteLine($"{input}: {parts.Length} tokens -> {result.Score.NoteCount} notes in {result.Score.Tracks.Count} track(s), " +
                                $"{result.Score.DurationSeconds:F1} s -> {output} (tokenizer: {which})");
        if (result.ErrorCount > 0)
        {
            Console.Error.WriteLine($"{result.ErrorCount} token(s) broke the grammar and were skipped:");
            foreach (var e in result.Errors.Take(10)) Console.Error.WriteLine("  " + e);
        }
        return Program.Ok;
    }
}
