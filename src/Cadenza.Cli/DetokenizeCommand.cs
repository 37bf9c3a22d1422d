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
        OutputFiles.CheckNotInput(output, input);
        OutputFiles.CheckWritable(output, "MIDI file");
        var tokenizer = TokenizerChoice.Resolve(a.Get("tokenizer"), Path.GetDirectoryName(Path.GetFullPath(input)), out var which);

        string text = File.ReadAllText(input);
        var parts = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new UsageException($"{input}: the file holds no tokens");
        bool allIds = parts.All(p => System.Text.RegularExpressions.Regex.IsMatch(p, "^[-+]?[0-9]+$"));
        Tokens.DecodeResult result;
        if (allIds)
        {
            var idList = new int[parts.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                if (!int.TryParse(parts[i], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out idList[i])
                    || idList[i] < 0 || idList[i] >= tokenizer.Vocabulary.Count)
                    throw new UsageException($"{input}: token id {Printable(parts[i], 24)} at position {i} is outside the vocabulary (0-{tokenizer.Vocabulary.Count - 1}) of {which}");
            }
            result = tokenizer.Decode(idList);
        }
        else result = tokenizer.DecodeText(text);

        if (result.Score.NoteCount == 0 && result.ErrorCount > 0)
        {
            Console.Error.WriteLine($"cadenza: {input}: nothing decodable ({result.ErrorCount} of {parts.Length} tokens broke the grammar); no MIDI file written. First problems:");
            foreach (var e in result.Errors.Take(5)) Console.Error.WriteLine("  " + Printable(e, 120));
            return Program.Fatal;
        }
        MidiFile.Write(result.Score, output);
        Console.Error.WriteLine($"{input}: {parts.Length} tokens -> {result.Score.NoteCount} notes in {result.Score.Tracks.Count} track(s), " +
                                $"{result.Score.DurationSeconds:F1} s -> {output} (tokenizer: {which})");
        if (result.ErrorCount > 0)
        {
            Console.Error.WriteLine($"{result.ErrorCount} token(s) broke the grammar and were skipped:");
            foreach (var e in result.Errors.Take(10)) Console.Error.WriteLine("  " + Printable(e, 120));
        }
        return Program.Ok;
    }

    /// <summary>The text with control characters replaced and cut to <paramref name="max"/> characters, safe to print.</summary>
    private static string Printable(string s, int max)
    {
        var chars = s.Select(c => char.IsControl(c) || c == '\uFFFD' ? '?' : c).Take(max + 1).ToArray();
        return chars.Length > max ? new string(chars, 0, max) + "..." : new string(chars);
    }
}
