using System.Runtime.InteropServices;
using Cadenza.Training;

namespace Cadenza.Cli;

/// <summary><c>cadenza train</c>: train a GPT on a dataset folder.</summary>
public static class TrainCommand
{
    /// <summary>Help text.</summary>
    public const string Help = """
        usage: cadenza train --data <dataset dir> -o <run dir> [--preset small] [--steps N | --epochs E]
                             [--batch B] [--grad-accum K] [--lr LR] [--seed S] [--context T]
                             [--eval-every N] [--eval-tokens N] [--checkpoint-every N] [--resume]

        Trains a GPT (tiny, small, medium or large preset) on a folder made by 'cadenza dataset build'.
        Shows step, loss, tokens/s and ETA; validates every --eval-every steps (loss, perplexity,
        next-token accuracy); saves a checkpoint every --checkpoint-every steps, at the end, and on
        Ctrl-C or SIGTERM. The run folder is also a model folder (model.safetensors, config.json,
        tokenizer.json) with metrics.jsonl (the curve) and train_config.json (the resolved settings).

          --preset <p>           tiny, small (default), medium, large
          --steps <n>            optimizer steps (or --epochs: passes over the training tokens)
          --batch <b>            sequences per micro-batch (default 8)
          --grad-accum <k>       micro-batches per step (default 1)
          --lr <lr>              peak learning rate (default 3e-4; warm-up, then cosine to lr/10)
          --seed <s>             seed of the weights and the sampled windows (default 1337)
          --context <t>          training window length (default: the preset's context)
          --eval-every <n>       validate every n steps (default 250)
          --eval-tokens <n>      validation tokens per evaluation (default 65536; 0 = all)
          --checkpoint-every <n> checkpoint every n steps (default 500)
          --resume               continue the run in the run folder exactly where it stopped
                                 (its saved settings are used; a larger --steps extends it)

        exit codes: 0 finished, 1 interrupted (checkpoint saved), 2 usage error or unusable data/checkpoint
        """;

    /// <summary>Runs the verb.</summary>
    public static int Run(string[] args)
    {
        var a = CliArgs.Parse("train", args, ["resume"],
            ["data", "output", "preset", "steps", "epochs", "batch", "grad-accum", "lr", "seed", "context", "eval-every", "eval-tokens", "checkpoint-every"],
            new Dictionary<string, string> { ["o"] = "output" });
        if (a.Positionals.Count > 0) throw new UsageException($"train: unexpected argument '{a.Positionals[0]}' (see 'cadenza train --help')");
        string data = a.Get("data") ?? throw new UsageException("train: --data <dataset dir> is required");
        string runDir = a.Get("output") ?? throw new UsageException("train: -o <run dir> is required");
        bool resume = a.Has("resume");
        if (a.Has("steps") && a.Has("epochs")) throw new UsageException("train: give --steps or --epochs, not both");
        var options = new TrainOptions
        {
            Preset = (a.Get("preset") ?? "small").ToLowerInvariant(),
            Steps = a.Has("steps") ? a.GetInt("steps", 0, 1) : 0,
            Epochs = a.Has("epochs") ? a.GetDouble("epochs", 1) : (a.Has("steps") || resume ? 0 : 1),
            Batch = a.GetInt("batch", 8, 1, 4096),
            GradAccum = a.GetInt("grad-accum", 1, 1, 4096),
            LearningRate = (float)a.GetDouble("lr", 3e-4),
            Seed = a.GetInt("seed", 1337),
            Context = a.Has("context") ? a.GetInt("context", 0, 2) : null,
            EvalEvery = a.GetInt("eval-every", 250, 1),
            EvalTokens = a.GetInt("eval-tokens", 65536, 0),
            CheckpointEvery = a.GetInt("checkpoint-every", 500, 1),
        };
        if (a.Has("epochs") && !(options.Epochs > 0)) throw new UsageException($"train: --epochs must be a positive number, got {a.Get("epochs")}");
        if (resume && options.Steps == 0 && options.Epochs == 0) options = options with { Steps = 1 };   // the saved count wins
        try { options.Validate(); }
        catch (ArgumentException e) { throw new UsageException("train: " + e.Message); }
        if (!resume && File.Exists(Path.Combine(runDir, Trainer.OptionsFile)))
            throw new UsageException($"{runDir}: already holds a training run; add --resume to continue it, or choose another folder");
        if (File.Exists(runDir)) throw new UsageException($"{runDir}: exists and is a file; give a folder");
        OutputFiles.CheckWritableFolder(runDir, "run");

        using var dataset = TokenDataset.Open(data);
        var trainer = new Trainer(dataset, runDir, options, resume);
        var o = trainer.Options;
        Console.Error.WriteLine($"train: {o.Preset} model ({trainer.Model.Layout.TotalLength / 1e6:F2} M parameters), context {trainer.Context}, " +
                                $"batch {o.Batch}x{o.GradAccum}, lr {o.LearningRate:G3}, {TokenDataset.TotalTokens(dataset.Train):N0} training tokens, " +
                                $"{(resume ? $"resuming at step {trainer.Step} of" : "steps:")} {trainer.TotalSteps:N0}; matrix products: {(Cadenza.Engine.Kernels.Gemm.Active == Cadenza.Engine.Kernels.GemmBackend.OpenBlas ? "OpenBLAS (" + Cadenza.Engine.Kernels.Gemm.BlasLibrary + ")" : "managed SIMD (install libopenblas0-pthread for speed)")}");
        if (resume && a.Has("steps") && options.Steps < trainer.TotalSteps)
            Console.Error.WriteLine($"train: note: the run is planned for {trainer.TotalSteps:N0} steps; a smaller --steps ({options.Steps:N0}) does not shorten it");
        if (TokenDataset.TotalTokens(dataset.Validation) == 0)
            Console.Error.WriteLine("train: note: the dataset has no validation pieces, so validation is skipped (build it with --val-fraction > 0)");
        bool interactive = !Console.IsErrorRedirected;
        trainer.Progress += p =>
        {
            string line = $"step {p.Step,7:N0}/{p.TotalSteps:N0}  loss {p.Loss,7:F4}  lr {p.LearningRate:0.0e+0}  {p.TokensPerSecond,8:N0} tok/s  ETA {Eta(p.Eta)}";
            if (interactive) Console.Error.Write("\r" + line.PadRight(100));
            else Console.Error.WriteLine(line);
        };
        trainer.Evaluated += (step, r) =>
        {
            if (interactive) Console.Error.WriteLine();
            Console.Error.WriteLine($"  validation @ {step:N0}: loss {r.Overall.Loss:F4}  perplexity {r.Overall.Perplexity:F3}  accuracy {r.Overall.Accuracy:P1}  " +
                                    string.Join("  ", r.ByGenre.Select(kv => $"{kv.Key} {kv.Value.Loss:F3}")));
        };

        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; cts.Cancel(); });
        TrainResult result;
        try
        {
            result = trainer.Run(cts.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        if (interactive) Console.Error.WriteLine();
        if (!result.Completed)
        {
            Console.Error.WriteLine($"train: interrupted at step {result.Step:N0}; checkpoint saved in {runDir}. Continue with: cadenza train --data {data} -o {runDir} --resume");
            return Program.SomeFailed;
        }
        Console.Error.WriteLine($"train: done, {result.Step:N0} steps at {result.TokensPerSecond:N0} tokens/s; model in {runDir}");
        return Program.Ok;
    }

    private static string Eta(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t:mm\\:ss}" : $"{t:mm\\:ss}";
}
