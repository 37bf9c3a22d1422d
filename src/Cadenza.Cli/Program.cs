using Cadenza.Music;

namespace Cadenza.Cli;

/// <summary>Entry point of the <c>cadenza</c> command: dispatches to one class per verb.</summary>
public static class Program
{
    /// <summary>Exit code: everything worked.</summary>
    public const int Ok = 0;
    /// <summary>Exit code: the batch ran, but some inputs failed (each one was reported).</summary>
    public const int SomeFailed = 1;
    /// <summary>Exit code: wrong arguments or a fatal error; nothing useful was produced.</summary>
    public const int Fatal = 2;

    private static readonly (string Name, string Summary, Func<string[], int> Run, string Help)[] Verbs =
    [
        ("generate", "compose a new piece with a model and write MIDI (and WAV)", GenerateCommand.Run, GenerateCommand.Help),
        ("render", "render a MIDI or ABC file to WAV (FluidSynth with a SoundFont, or the built-in synthesizer)", RenderCommand.Run, RenderCommand.Help),
        ("stats", "musical statistics of MIDI files (notes per bar, range, pitch classes, scale fit, empty bars)", StatsCommand.Run, StatsCommand.Help),
        ("info", "show what a music file holds (MIDI: tracks, notes, tempo, repairs; ABC: its tunes)", InfoCommand.Run, InfoCommand.Help),
        ("convert", "convert between ABC and MIDI, or render to WAV (files or folders)", ConvertCommand.Run, ConvertCommand.Help),
        ("tokenize", "turn MIDI files into REMI+ tokens (text or ids)", TokenizeCommand.Run, TokenizeCommand.Help),
        ("detokenize", "turn a token file back into a MIDI file", DetokenizeCommand.Run, DetokenizeCommand.Help),
        ("dataset", "build a token dataset (shards + manifest) for training", DatasetCommand.Run, DatasetCommand.Help),
        ("train", "train a GPT on a dataset (progress, validation, checkpoints, resume)", TrainCommand.Run, TrainCommand.Help),
        ("eval", "validation loss / perplexity / accuracy per genre, with an n-gram baseline", EvalCommand.Run, EvalCommand.Help),
    ];

    /// <summary>Runs the CLI and returns its exit code.</summary>
    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            if (args.Length > 1 && args[0] == "help") return Main([args[1], "--help"]);
            Console.Out.Write(TopHelp());
            return args.Length == 0 ? Fatal : Ok;
        }
        if (args[0] == "--version")
        {
            Console.Out.WriteLine("cadenza " + (typeof(Program).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"));
            return Ok;
        }
        foreach (var verb in Verbs)
        {
            if (verb.Name != args[0]) continue;
            var rest = args[1..];
            if (rest.Contains("--help") || rest.Contains("-h"))
            {
                Console.Out.WriteLine(verb.Help.TrimEnd());
                return Ok;
            }
            try
            {
                return verb.Run(rest);
            }
            catch (UsageException e)
            {
                Console.Error.WriteLine("cadenza: " + e.Message);
                return Fatal;
            }
            catch (MusicFormatException e)
            {
                Console.Error.WriteLine("cadenza: " + e.Message);
                return Fatal;
            }
            catch (Exception e) when (e is Training.DatasetException or Engine.IO.CheckpointException or Tokens.TokenizationException)
            {
                Console.Error.WriteLine("cadenza: " + e.Message);
                return Fatal;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException)
            {
                Console.Error.WriteLine($"cadenza {verb.Name}: " + e.Message.Split(" (Parameter '")[0]);
                return Fatal;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"cadenza {verb.Name}: cancelled");
                return Fatal;
            }
            catch (Exception e) when (Environment.GetEnvironmentVariable("CADENZA_DEBUG") != "1")
            {
                // A bug of ours, not the user's: one line, and how to get the details for a report.
                Console.Error.WriteLine($"cadenza {verb.Name}: internal error ({e.GetType().Name}): {e.Message} — run again with CADENZA_DEBUG=1 for the stack trace, and please report it");
                return Fatal;
            }
        }
        Console.Error.WriteLine($"cadenza: unknown command '{args[0]}' (run 'cadenza --help' for the list)");
        return Fatal;
    }

    private static string TopHelp()
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine("cadenza - compose music with transformers");
        sb.AppendLine();
        sb.AppendLine("usage: cadenza <command> [options]   (cadenza <command> --help for details)");
        sb.AppendLine();
        sb.AppendLine("commands:");
        foreach (var v in Verbs) sb.AppendLine($"  {v.Name,-12} {v.Summary}");
        sb.AppendLine();
        sb.AppendLine("exit codes: 0 ok, 1 some inputs failed, 2 usage or fatal error");
        return sb.ToString();
    }
}
