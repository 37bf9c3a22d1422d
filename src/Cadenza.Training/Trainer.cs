using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Cadenza.Engine;
using Cadenza.Engine.IO;
using AtomicFile = Cadenza.Music.AtomicFile;

namespace Cadenza.Training;

/// <summary>Settings of a training run (saved as <c>train_config.json</c> in the run folder).</summary>
public sealed record TrainOptions
{
    /// <summary>Model preset: tiny, small, medium or large.</summary>
    public string Preset { get; init; } = "small";
    /// <summary>Context length used for training windows (default: the preset's block size).</summary>
    public int? Context { get; init; }
    /// <summary>Optimizer steps; 0 to derive them from <see cref="Epochs"/>.</summary>
    public long Steps { get; init; }
    /// <summary>Passes over the training tokens, used when <see cref="Steps"/> is 0.</summary>
    public double Epochs { get; init; }
    /// <summary>Sequences per micro-batch.</summary>
    public int Batch { get; init; } = 8;
    /// <summary>Micro-batches accumulated per optimizer step.</summary>
    public int GradAccum { get; init; } = 1;
    /// <summary>Peak learning rate.</summary>
    public float LearningRate { get; init; } = 3e-4f;
    /// <summary>Final learning rate of the cosine (default: a tenth of the peak).</summary>
    public float? MinLearningRate { get; init; }
    /// <summary>Warm-up steps (default: 5% of the steps, at most 200).</summary>
    public int? WarmupSteps { get; init; }
    /// <summary>AdamW weight decay on 2-D weights.</summary>
    public float WeightDecay { get; init; } = 0.1f;
    /// <summary>Global gradient-norm clip.</summary>
    public float GradClip { get; init; } = 1.0f;
    /// <summary>Seed of the weights and of the window sampling.</summary>
    public int Seed { get; init; } = 1337;
    /// <summary>Validate every this many steps (and at the end).</summary>
    public int EvalEvery { get; init; } = 250;
    /// <summary>Validation tokens per evaluation (0 = the whole validation split).</summary>
    public long EvalTokens { get; init; } = 65536;
    /// <summary>Save a checkpoint every this many steps (and at the end, and on interruption).</summary>
    public int CheckpointEvery { get; init; } = 500;
    /// <summary>Write a metrics line every this many steps.</summary>
    public int LogEvery { get; init; } = 10;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">When a value is out of range.</exception>
    public void Validate()
    {
        if (!GptConfig.PresetNames.Contains(Preset)) throw new ArgumentException($"unknown preset '{Preset}' (expected {string.Join(", ", GptConfig.PresetNames)})");
        if (Steps < 0) throw new ArgumentException("steps must not be negative");
        if (Steps == 0 && !(Epochs > 0)) throw new ArgumentException("give a number of steps or epochs");
        if (Batch < 1 || Batch > 4096) throw new ArgumentException($"batch must be between 1 and 4096, got {Batch}");
        if (GradAccum < 1 || GradAccum > 4096) throw new ArgumentException($"grad-accum must be between 1 and 4096, got {GradAccum}");
        if (!(LearningRate > 0 && LearningRate < 1)) throw new ArgumentException($"learning rate must be in (0, 1), got {LearningRate}");
        if (Context is < 2) throw new ArgumentException("context must be at least 2");
        if (EvalEvery < 1 || CheckpointEvery < 1 || LogEvery < 1) throw new ArgumentException("eval, checkpoint and log intervals must be at least 1");
        if (!(GradClip > 0)) throw new ArgumentException("grad-clip must be positive");
    }
}

/// <summary>One progress report of a running training.</summary>
/// <param name="Step">Optimizer steps done.</param>
/// <param name="TotalSteps">Steps planned.</param>
/// <param name="Loss">Mean training loss of the step.</param>
/// <param name="LearningRate">Learning rate used for the step.</param>
/// <param name="TokensPerSecond">Training throughput since the run (or resume) started.</param>
/// <param name="Elapsed">Wall time since the run (or resume) started.</param>
/// <param name="Eta">Estimated time to the last step.</param>
public readonly record struct TrainProgress(long Step, long TotalSteps, double Loss, double LearningRate, double TokensPerSecond, TimeSpan Elapsed, TimeSpan Eta);

/// <summary>How a run ended.</summary>
/// <param name="Step">Steps done.</param>
/// <param name="Completed">True when every planned step ran; false when interrupted (a checkpoint was saved).</param>
/// <param name="LastEval">The last validation report, if any.</param>
/// <param name="TokensPerSecond">Training throughput of this process.</param>
public sealed record TrainResult(long Step, bool Completed, EvalReport? LastEval, double TokensPerSecond);

/// <summary>
/// Trains a GPT on a <see cref="TokenDataset"/>: random windows of the context length drawn from
/// the memory-mapped training shards, AdamW with warm-up and cosine decay, gradient clipping and
/// accumulation, validation every N steps, checkpoints every N steps, at the end and when cancelled,
/// and a JSON-lines metrics log. The run folder doubles as a model folder (model.safetensors,
/// config.json, tokenizer.json). Resuming restores weights, optimizer moments, step and the sampling
/// RNG, so a stopped and resumed run ends with the same weights as an uninterrupted one.
/// </summary>
public sealed class Trainer
{
    /// <summary>The resolved options file in a run folder.</summary>
    public const string OptionsFile = "train_config.json";
    /// <summary>The metrics log in a run folder.</summary>
    public const string MetricsFile = "metrics.jsonl";

    private readonly TokenDataset _data;
    private readonly string _runDir;
    private readonly AdamW _adam;
    private readonly SplitMix64 _rng;
    private readonly LearningRateSchedule _schedule;
    private readonly int[] _inputs, _targets;
    private readonly double[] _shardCdf;
    private readonly int _pad;
    private long _tokensSeen;

    /// <summary>The options in force (on resume: those the run was started with, with the step count possibly raised).</summary>
    public TrainOptions Options { get; }
    /// <summary>The model being trained.</summary>
    public GptModel Model { get; }
    /// <summary>Steps done so far.</summary>
    public long Step { get; private set; }
    /// <summary>Steps planned.</summary>
    public long TotalSteps { get; }
    /// <summary>Training context length.</summary>
    public int Context { get; }

    /// <summary>Called every <see cref="TrainOptions.LogEvery"/> steps.</summary>
    public event Action<TrainProgress>? Progress;
    /// <summary>Called after each validation with the step and the report.</summary>
    public event Action<long, EvalReport>? Evaluated;
    /// <summary>Called after each checkpoint with the step.</summary>
    public event Action<long>? CheckpointSaved;

    /// <summary>Prepares a run: a new model, or (with <paramref name="resume"/>) the checkpoint in <paramref name="runDir"/>.</summary>
    /// <param name="data">The dataset.</param>
    /// <param name="runDir">The run folder (created).</param>
    /// <param name="options">The options. On resume, the saved options are used; only a larger step count is taken from these.</param>
    /// <param name="resume">Continue the run saved in <paramref name="runDir"/>.</param>
    /// <exception cref="ArgumentException">When the options are invalid.</exception>
    /// <exception cref="DatasetException">When the dataset has no training tokens, or differs from the run's.</exception>
    /// <exception cref="CheckpointException">When the checkpoint to resume is missing, damaged, or does not fit the dataset.</exception>
    public Trainer(TokenDataset data, string runDir, TrainOptions options, bool resume = false)
    {
        _data = data;
        _runDir = runDir;
        options.Validate();
        if (resume)
        {
            var saved = LoadOptions(runDir);
            // The run's settings win; a longer run may be asked for.
            options = saved with { Steps = Math.Max(saved.Steps, options.Steps) };
        }
        int vocab = data.Tokenizer.Vocabulary.Count;
        var preset = GptConfig.FromPreset(options.Preset, vocab);
        int context = options.Context ?? preset.BlockSize;
        if (context > preset.BlockSize) throw new ArgumentException($"context {context} is longer than the {options.Preset} preset's {preset.BlockSize}");
        long trainTokens = TokenDataset.TotalTokens(data.Train);
        if (trainTokens < 2) throw new DatasetException($"{data.Directory}: the training split has no tokens");
        long steps = options.Steps > 0 ? options.Steps
            : Math.Max(1, (long)Math.Ceiling(options.Epochs * trainTokens / ((double)options.Batch * context * options.GradAccum)));
        options = options with { Steps = steps, Context = context };
        Options = options;
        TotalSteps = steps;
        Context = context;

        Model = new GptModel(preset, options.Batch, context);
        _adam = new AdamW(Model.Layout, options.LearningRate, weightDecay: options.WeightDecay);
        int warmup = options.WarmupSteps ?? (int)Math.Min(200, Math.Max(1, steps / 20));
        _schedule = new LearningRateSchedule(options.LearningRate, options.MinLearningRate ?? options.LearningRate / 10, warmup, (int)Math.Min(int.MaxValue, steps));
        _rng = new SplitMix64((ulong)options.Seed * 0x9E3779B97F4A7C15UL + 1);
        _inputs = new int[options.Batch * context];
        _targets = new int[options.Batch * context];
        _pad = data.Tokenizer.Vocabulary.TryGetId("PAD", out int pad) ? pad : 0;
        _shardCdf = new double[data.Train.Count];
        double acc = 0;
        for (int i = 0; i < data.Train.Count; i++) { acc += data.Train[i].Length; _shardCdf[i] = acc / trainTokens; }

        if (resume)
        {
            var ck = Checkpoint.Load(runDir);
            if (ck.Config != preset)
                throw new CheckpointException(Path.Combine(runDir, Checkpoint.ModelFileName),
                    $"the checkpoint is {Describe(ck.Config)} but the dataset and options give {Describe(preset)}");
            if (ck.State == null)
                throw new CheckpointException(Path.Combine(runDir, Checkpoint.StateJsonFileName), "no training state to resume from");
            ck.Parameters.CopyTo(Model.Parameters, 0);
            ck.State.AdamM.CopyTo(_adam.M);
            ck.State.AdamV.CopyTo(_adam.V);
            _adam.Step = ck.State.Step;
            Step = ck.State.Step;
            _tokensSeen = ck.State.TokensSeen;
            if (ck.State.RngState.Length != 1) throw new CheckpointException(Path.Combine(runDir, Checkpoint.StateJsonFileName), "rng_state must hold one value");
            _rng.State = ck.State.RngState[0];
        }
        else
        {
            Model.InitializeWeights((ulong)options.Seed);
        }
        Directory.CreateDirectory(runDir);
        SaveOptions();
        data.Tokenizer.Save(Path.Combine(runDir, "tokenizer.json"));
    }

    /// <summary>A number as JSON: non-finite values (a diverged loss) become null, so the log stays valid JSON.</summary>
    private static string J(double v) => double.IsFinite(v) ? v.ToString("G6", CultureInfo.InvariantCulture) : "null";

    private static string Describe(GptConfig c) => $"n_layer={c.NLayer} n_head={c.NHead} n_embd={c.NEmbd} block_size={c.BlockSize} vocab_size={c.VocabSize}";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private void SaveOptions() => AtomicFile.WriteAllText(Path.Combine(_runDir, OptionsFile), JsonSerializer.Serialize(Options, Json) + "\n");

    /// <summary>Reads the options a run was started with.</summary>
    /// <exception cref="CheckpointException">When the file is missing or unreadable.</exception>
    public static TrainOptions LoadOptions(string runDir)
    {
        var path = Path.Combine(runDir, OptionsFile);
        if (!File.Exists(path)) throw new CheckpointException(path, "no run to resume here (train_config.json is missing)");
        try { return JsonSerializer.Deserialize<TrainOptions>(File.ReadAllText(path), Json) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new CheckpointException(path, "unreadable run options: " + e.Message); }
    }

    private void FillBatch()
    {
        int T = Context;
        for (int b = 0; b < Options.Batch; b++)
        {
            double u = _rng.NextDouble();
            int si = Array.BinarySearch(_shardCdf, u);
            if (si < 0) si = ~si;
            si = Math.Min(si, _data.Train.Count - 1);
            while (_data.Train[si].Length < 2) si = (si + 1) % _data.Train.Count;
            var shard = _data.Train[si];
            var inRow = _inputs.AsSpan(b * T, T);
            var tgRow = _targets.AsSpan(b * T, T);
            if (shard.Length >= T + 1)
            {
                long start = (long)(_rng.NextDouble() * (shard.Length - T));
                var w = shard.Slice(start, T + 1);
                for (int t = 0; t < T; t++) { inRow[t] = w[t]; tgRow[t] = w[t + 1]; }
            }
            else
            {
                var w = shard.Slice(0, (int)shard.Length);
                int len = w.Length - 1;
                for (int t = 0; t < len; t++) { inRow[t] = w[t]; tgRow[t] = w[t + 1]; }
                inRow[len..].Fill(_pad);
                tgRow[len..].Fill(-1);
            }
        }
    }

    /// <summary>Validates the current weights on the validation split (at most <see cref="TrainOptions.EvalTokens"/> tokens).</summary>
    public EvalReport Evaluate() => Evaluator.Evaluate(Model, _data.Validation, Context, Options.EvalTokens, _pad);

    /// <summary>Saves weights, optimizer state and RNG into the run folder, atomically.</summary>
    /// <exception cref="IOException">When the files cannot be written; the previous checkpoint stays.</exception>
    public void SaveCheckpoint()
    {
        var state = new TrainingState
        {
            Step = Step,
            AdamM = _adam.M.ToArray(),
            AdamV = _adam.V.ToArray(),
            RngState = [_rng.State],
            LearningRate = _schedule.At(Math.Max(0, Step - 1)),
            TokensSeen = _tokensSeen,
        };
        state.Extra["preset"] = Options.Preset;
        state.Extra["context"] = Context.ToString(CultureInfo.InvariantCulture);
        Checkpoint.Save(_runDir, Model.Config, Model.Layout, Model.Parameters, state,
            new Dictionary<string, string> { ["step"] = Step.ToString(CultureInfo.InvariantCulture), ["producer"] = "cadenza" });
        CheckpointSaved?.Invoke(Step);
    }

    /// <summary>Runs until <see cref="TotalSteps"/> or until <paramref name="cancellationToken"/> fires (then saves and returns).</summary>
    /// <exception cref="IOException">When a checkpoint or the metrics log cannot be written.</exception>
    public TrainResult Run(CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        long startStep = Step;
        long tokensPerStep = (long)Options.Batch * Context * Options.GradAccum;
        EvalReport? last = null;
        using var metrics = new StreamWriter(Path.Combine(_runDir, MetricsFile), append: true) { AutoFlush = true };
        float scale = 1f / Options.GradAccum;
        double tps = 0;
        while (Step < TotalSteps)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                SaveCheckpoint();
                return new TrainResult(Step, false, last, tps);
            }
            float lr = _schedule.At(Step);
            Model.ZeroGrad();
            double loss = 0;
            for (int k = 0; k < Options.GradAccum; k++)
            {
                FillBatch();
                loss += Model.Forward(_inputs, _targets, Options.Batch, Context);
                Model.Backward();
            }
            loss /= Options.GradAccum;
            if (Options.GradAccum > 1)
            {
                var g = Model.Gradients;
                for (int i = 0; i < g.Length; i++) g[i] *= scale;
            }
            float norm = GradientClipping.ClipGlobalNorm(Model.Gradients, Options.GradClip);
            _adam.Update(Model.Parameters, Model.Gradients, lr);
            Step++;
            _tokensSeen += tokensPerStep;
            var elapsed = watch.Elapsed;
            tps = (Step - startStep) * tokensPerStep / Math.Max(1e-9, elapsed.TotalSeconds);
            if (Step % Options.LogEvery == 0 || Step == TotalSteps || Step == startStep + 1)
            {
                var eta = TimeSpan.FromSeconds((TotalSteps - Step) * elapsed.TotalSeconds / (Step - startStep));
                metrics.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"type\":\"train\",\"step\":{Step},\"loss\":{J(loss)},\"lr\":{J(lr)},\"grad_norm\":{J(norm)},\"tokens_per_sec\":{tps:F1},\"tokens_seen\":{_tokensSeen},\"elapsed_sec\":{elapsed.TotalSeconds:F1}}}"));
                Progress?.Invoke(new TrainProgress(Step, TotalSteps, loss, lr, tps, elapsed, eta));
            }
            if ((Step % Options.EvalEvery == 0 || Step == TotalSteps) && TokenDataset.TotalTokens(_data.Validation) > 0)
            {
                last = Evaluate();
                var o = last.Overall;
                var genres = string.Join(",", last.ByGenre.Select(kv => string.Create(CultureInfo.InvariantCulture,
                    $"{System.Text.Json.JsonSerializer.Serialize(kv.Key)}:{{\"loss\":{J(kv.Value.Loss)},\"ppl\":{J(kv.Value.Perplexity)},\"acc\":{J(kv.Value.Accuracy)},\"tokens\":{kv.Value.Tokens}}}")));
                metrics.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"type\":\"val\",\"step\":{Step},\"loss\":{J(o.Loss)},\"ppl\":{J(o.Perplexity)},\"acc\":{J(o.Accuracy)},\"tokens\":{o.Tokens},\"by_genre\":{{{genres}}}}}"));
                Evaluated?.Invoke(Step, last);
            }
            if (Step % Options.CheckpointEvery == 0 || Step == TotalSteps) SaveCheckpoint();
        }
        return new TrainResult(Step, true, last, tps);
    }
}
