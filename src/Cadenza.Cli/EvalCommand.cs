using System.Text.Json;
using Cadenza.Engine;
using Cadenza.Engine.IO;
using Cadenza.Tokens;
using Cadenza.Training;

namespace Cadenza.Cli;

/// <summary><c>cadenza eval</c>: validation metrics of a model, and of an n-gram baseline.</summary>
public static class EvalCommand
{
    /// <summary>Help text.</summary>
    public const string Help = """
        usage: cadenza eval --model <model dir> --data <dataset dir> [--baseline ngram] [--order 5]
                            [--max-tokens N] [--batch B] [--json]

        Measures a model on the validation split of a dataset: loss (nats per token), perplexity
        and next-token accuracy, overall and per genre. With --baseline ngram, also builds an
        interpolated Kneser-Ney n-gram model on the same training tokens and reports it beside.

          --model <dir>      a model folder (model.safetensors, config.json, tokenizer.json),
                             e.g. a 'cadenza train' run folder
          --data <dir>       a dataset made by 'cadenza dataset build' with the model's tokenizer
          --baseline ngram   add the Kneser-Ney baseline
          --order <n>        n-gram order, 1-5 (default 5, or 4 for vocabularies over 4,096 tokens
                             such as the 'abc' scheme's)
          --max-tokens <n>   evaluate about n validation tokens, whole context windows, taking the
                             genres in turn (default: all)
          --batch <b>        sequences per forward pass (default 8)
          --json             machine-readable output

        exit codes: 0 ok, 2 usage error or unusable model/data
        """;

    /// <summary>Runs the verb.</summary>
    public static int Run(string[] args)
    {
        var a = CliArgs.Parse("eval", args, ["json"], ["model", "data", "baseline", "order", "max-tokens", "batch"]);
        if (a.Positionals.Count > 0) throw new UsageException($"eval: unexpected argument '{a.Positionals[0]}'");
        string modelDir = a.Get("model") ?? throw new UsageException("eval: --model <dir> is required");
        string dataDir = a.Get("data") ?? throw new UsageException("eval: --data <dir> is required");
        string? baseline = a.Get("baseline");
        if (baseline != null && baseline != "ngram") throw new UsageException($"eval: unknown baseline '{baseline}' (the only one is 'ngram')");
        int order = a.GetInt("order", 5, 1, 5);
        long maxTokens = a.GetInt("max-tokens", 0, 0);
        int batch = a.GetInt("batch", 8, 1, 1024);
        if (!Directory.Exists(modelDir)) throw new UsageException($"{modelDir}: model folder not found");
        var tokPath = Path.Combine(modelDir, "tokenizer.json");
        if (!File.Exists(tokPath)) throw new UsageException($"{modelDir}: no tokenizer.json in the model folder");
        Tokenizer tokenizer;
        try { tokenizer = Tokenizer.Load(tokPath); }
        catch (InvalidDataException e) { throw new UsageException(e.Message); }
        var ck = Checkpoint.Load(modelDir);
        if (ck.Config.VocabSize != tokenizer.Vocabulary.Count)
            throw new CheckpointException(Path.Combine(modelDir, "config.json"), $"vocab_size {ck.Config.VocabSize} does not match tokenizer.json's {tokenizer.Vocabulary.Count} tokens");
        using var data = TokenDataset.Open(dataDir, tokenizer);
        if (data.Validation.Sum(s => s.Length) == 0) throw new DatasetException($"{dataDir}: the validation split is empty (build it with --val-fraction > 0)");

        var model = new GptModel(ck.Config, batch, ck.Config.BlockSize);
        ck.Parameters.CopyTo(model.Parameters, 0);
        int pad = tokenizer.Vocabulary.TryGetId("PAD", out int p) ? p : 0;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Console.Error.WriteLine($"eval: model {modelDir} ({ck.Config.NLayer} layers, {ck.Config.NEmbd} wide, context {ck.Config.BlockSize}) on {dataDir} validation split");
        var gpt = Evaluator.Evaluate(model, data.Validation, ck.Config.BlockSize, maxTokens, pad);
        Console.Error.WriteLine($"eval: GPT done in {watch.Elapsed.TotalSeconds:F1} s ({gpt.Overall.Tokens / Math.Max(1e-9, watch.Elapsed.TotalSeconds):N0} tokens/s)");
        EvalReport? ngram = null;
        if (baseline != null)
        {
            watch.Restart();
            int most = KneserNey.MaxOrder(tokenizer.Vocabulary.Count);
            if (order > most)
            {
                if (a.Has("order")) throw new UsageException($"eval: --order {order} is too high for this vocabulary of {tokenizer.Vocabulary.Count:N0} tokens (at most {most})");
                Console.Error.WriteLine($"eval: the n-gram baseline is {most}-gram for this vocabulary of {tokenizer.Vocabulary.Count:N0} tokens");
                order = most;
            }
            var lm = KneserNey.FromShards(data.Train, order, tokenizer.Vocabulary.Count, tokenizer.Vocabulary["BOS"]);
            ngram = lm.Evaluate(data.Validation, maxTokens);
            Console.Error.WriteLine($"eval: {order}-gram Kneser-Ney built and evaluated in {watch.Elapsed.TotalSeconds:F1} s");
        }

        if (a.Has("json"))
        {
            object Row(Metrics m) => new { loss = m.Loss, perplexity = m.Perplexity, accuracy = m.Accuracy, tokens = m.Tokens };
            object Rep(EvalReport r) => new { overall = Row(r.Overall), byGenre = r.ByGenre.ToDictionary(kv => kv.Key, kv => Row(kv.Value)) };
            Console.Out.WriteLine(JsonSerializer.Serialize(new { model = modelDir, data = dataDir, gpt = Rep(gpt), ngram = ngram == null ? null : Rep(ngram), order },
                new JsonSerializerOptions { WriteIndented = true }));
            return Program.Ok;
        }
        Console.Out.WriteLine(ngram == null
            ? $"{"split",-12} {"tokens",10} {"loss",8} {"ppl",8} {"acc",7}"
            : $"{"split",-12} {"tokens",10} {"loss",8} {"ppl",8} {"acc",7}   {order}-gram: {"loss",8} {"ppl",8} {"acc",7}");
        void Line(string name, Metrics m, Metrics? n) => Console.Out.WriteLine(
            $"{name,-12} {m.Tokens,10:N0} {m.Loss,8:F4} {m.Perplexity,8:F3} {m.Accuracy,7:P1}" +
            (n is { } b ? $"   {"",7} {b.Loss,8:F4} {b.Perplexity,8:F3} {b.Accuracy,7:P1}" : ""));
        Line("overall", gpt.Overall, ngram?.Overall);
        foreach (var (genre, m) in gpt.ByGenre)
            Line(genre, m, ngram != null && ngram.ByGenre.TryGetValue(genre, out var nm) ? nm : null);
        return Program.Ok;
    }
}
