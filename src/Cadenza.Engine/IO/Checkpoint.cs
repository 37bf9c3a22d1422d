using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cadenza.Engine.IO;

/// <summary>What <see cref="Checkpoint.Load"/> read from a model folder.</summary>
public sealed class LoadedCheckpoint
{
    internal LoadedCheckpoint(GptConfig config, ParameterLayout layout, float[] parameters, TrainingState? state,
        IReadOnlyDictionary<string, string> metadata, IReadOnlyList<string> warnings)
    {
        Config = config;
        Layout = layout;
        Parameters = parameters;
        State = state;
        Metadata = metadata;
        Warnings = warnings;
    }

    /// <summary>The model shape, from <c>config.json</c>.</summary>
    public GptConfig Config { get; }

    /// <summary>The parameter layout of <see cref="Config"/>.</summary>
    public ParameterLayout Layout { get; }

    /// <summary>All weights, one contiguous buffer in <see cref="Layout"/> order.</summary>
    public float[] Parameters { get; }

    /// <summary>The training state, or null when the folder has none.</summary>
    public TrainingState? State { get; }

    /// <summary>The <c>__metadata__</c> strings of <c>model.safetensors</c>.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Things tolerated but worth telling the user, e.g. unknown tensors that were ignored.</summary>
    public IReadOnlyList<string> Warnings { get; }
}

/// <summary>
/// Saves and loads a model folder (a checkpoint):
/// <list type="bullet">
/// <item><c>config.json</c>: Hugging Face GPT-2 config (<see cref="GptConfigJson"/>).</item>
/// <item><c>model.safetensors</c>: every weight as F32 under its GPT-2 name and shape from
/// <see cref="ParameterLayout"/>; projection weights input-major <c>(in, out)</c> as GPT-2's Conv1D
/// stores them; no <c>lm_head.weight</c> (tied to <c>wte.weight</c>); metadata <c>format</c>=<c>pt</c>.</item>
/// <item><c>training_state.safetensors</c> (optional): the AdamW moments as one F32 tensor per
/// parameter, named <c>exp_avg.{name}</c> and <c>exp_avg_sq.{name}</c> with the parameter's shape.</item>
/// <item><c>training_state.json</c> (optional): step, tokens seen, learning rate, the RNG state as a
/// string of space-separated decimal ulongs, and the extra key/values.</item>
/// </list>
/// Every file is written to a temporary file in the same folder, flushed to disk, and only when all
/// of them are complete moved over the final names, so a failure while saving leaves the previous
/// checkpoint as it was and no temporary files behind.
/// </summary>
public static class Checkpoint
{
    /// <summary>Name of the weights file.</summary>
    public const string ModelFileName = "model.safetensors";

    /// <summary>Name of the optimizer-moments file.</summary>
    public const string StateTensorsFileName = "training_state.safetensors";

    /// <summary>Name of the training-counters file.</summary>
    public const string StateJsonFileName = "training_state.json";

    /// <summary>Prefix of the AdamW first-moment tensors in <see cref="StateTensorsFileName"/>.</summary>
    public const string ExpAvgPrefix = "exp_avg.";

    /// <summary>Prefix of the AdamW second-moment tensors in <see cref="StateTensorsFileName"/>.</summary>
    public const string ExpAvgSqPrefix = "exp_avg_sq.";

    /// <summary>
    /// Writes the model folder <paramref name="dir"/> (created if missing): <c>config.json</c>,
    /// <c>model.safetensors</c> and, when <paramref name="state"/> is given, the two training-state
    /// files. When <paramref name="state"/> is null, training-state files left in the folder by an
    /// earlier save are deleted, since they would not belong to the new weights.
    /// </summary>
    /// <param name="dir">The folder.</param>
    /// <param name="config">The model shape.</param>
    /// <param name="layout">The layout of <paramref name="parameters"/>; must be built for <paramref name="config"/>.</param>
    /// <param name="parameters">All weights in layout order.</param>
    /// <param name="state">Optional optimizer and trainer state.</param>
    /// <param name="metadata">Optional strings for the <c>__metadata__</c> of <c>model.safetensors</c> (<c>format</c> is always <c>pt</c>).</param>
    /// <exception cref="ArgumentException">When the layout does not match the config, or a buffer's length does not match the layout.</exception>
    /// <exception cref="IOException">When a file cannot be written; the previous checkpoint, if any, is left as it was.</exception>
    public static void Save(string dir, GptConfig config, ParameterLayout layout, ReadOnlySpan<float> parameters,
        TrainingState? state = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(dir);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(layout);
        config.Validate();
        if (layout.Config != config)
            throw new ArgumentException($"the parameter layout was built for {layout.Config}, not {config}", nameof(layout));
        if (parameters.Length != layout.TotalLength)
            throw new ArgumentException($"parameters hold {parameters.Length} floats, the layout needs {layout.TotalLength}", nameof(parameters));
        if (state is not null)
        {
            ArgumentNullException.ThrowIfNull(state.AdamM, "state.AdamM");
            ArgumentNullException.ThrowIfNull(state.AdamV, "state.AdamV");
            bool empty = state.AdamM.Length == 0 && state.AdamV.Length == 0;
            if (!empty && (state.AdamM.Length != layout.TotalLength || state.AdamV.Length != layout.TotalLength))
                throw new ArgumentException($"AdamW moments hold {state.AdamM.Length} and {state.AdamV.Length} floats, the layout needs {layout.TotalLength} each (or both empty)", nameof(state));
        }

        Directory.CreateDirectory(dir);
        var files = new List<AtomicFile>();
        try
        {
            var configFile = Begin(files, Path.Combine(dir, GptConfigJson.FileName));
            GptConfigJson.Write(configFile.Stream, config);
            configFile.Finish();

            var meta = new Dictionary<string, string>(StringComparer.Ordinal);
            if (metadata is not null) foreach (var kv in metadata) meta[kv.Key] = kv.Value;
            meta["format"] = "pt";
            var modelFile = Begin(files, Path.Combine(dir, ModelFileName));
            WriteTensors(modelFile.Stream, layout, parameters, meta);
            modelFile.Finish();

            if (state is not null)
            {
                var tensorFile = Begin(files, Path.Combine(dir, StateTensorsFileName));
                WriteMoments(tensorFile.Stream, layout, state);
                tensorFile.Finish();

                var jsonFile = Begin(files, Path.Combine(dir, StateJsonFileName));
                WriteStateJson(jsonFile.Stream, state);
                jsonFile.Finish();
            }

            // Everything is on disk under temporary names: now swap them in.
            foreach (var f in files) f.Commit();
            if (state is null)
            {
                File.Delete(Path.Combine(dir, StateTensorsFileName));
                File.Delete(Path.Combine(dir, StateJsonFileName));
            }
        }
        finally
        {
            foreach (var f in files) f.Dispose();
        }
    }

    private static AtomicFile Begin(List<AtomicFile> files, string path)
    {
        var f = new AtomicFile(path);
        files.Add(f);
        return f;
    }

    private static void WriteTensors(Stream stream, ParameterLayout layout, ReadOnlySpan<float> buffer,
        IReadOnlyDictionary<string, string>? metadata, string prefix = "")
    {
        var specs = new List<SafeTensorSpec>(layout.Tensors.Count);
        foreach (var t in layout.Tensors) specs.Add(new SafeTensorSpec(prefix + t.Name, t.Shape));
        using var writer = new SafeTensorsWriter(stream, specs, metadata);
        foreach (var t in layout.Tensors)
            writer.WriteTensor(prefix + t.Name, buffer.Slice(checked((int)t.Offset), checked((int)t.Length)));
        writer.Complete();
    }

    private static void WriteMoments(Stream stream, ParameterLayout layout, TrainingState state)
    {
        var specs = new List<SafeTensorSpec>(2 * layout.Tensors.Count);
        bool any = state.AdamM.Length > 0;
        if (any)
        {
            foreach (var t in layout.Tensors) specs.Add(new SafeTensorSpec(ExpAvgPrefix + t.Name, t.Shape));
            foreach (var t in layout.Tensors) specs.Add(new SafeTensorSpec(ExpAvgSqPrefix + t.Name, t.Shape));
        }
        using var writer = new SafeTensorsWriter(stream, specs, new Dictionary<string, string> { ["format"] = "pt", ["optimizer"] = "adamw" });
        if (any)
        {
            foreach (var t in layout.Tensors)
                writer.WriteTensor(ExpAvgPrefix + t.Name, state.AdamM.AsSpan(checked((int)t.Offset), checked((int)t.Length)));
            foreach (var t in layout.Tensors)
                writer.WriteTensor(ExpAvgSqPrefix + t.Name, state.AdamV.AsSpan(checked((int)t.Offset), checked((int)t.Length)));
        }
        writer.Complete();
    }

    private static void WriteStateJson(Stream stream, TrainingState state)
    {
        var extra = new JsonObject();
        foreach (var kv in state.Extra) extra[kv.Key] = kv.Value;
        var o = new JsonObject
        {
            ["format"] = "cadenza-training-state",
            ["version"] = 1,
            ["step"] = state.Step,
            ["tokens_seen"] = state.TokensSeen,
            ["learning_rate"] = state.LearningRate,
            ["rng_state"] = string.Join(' ', state.RngState.Select(u => u.ToString(CultureInfo.InvariantCulture))),
            ["optimizer"] = "adamw",
            ["moments"] = state.AdamM.Length > 0 ? $"{StateTensorsFileName}: {ExpAvgPrefix}<name>, {ExpAvgSqPrefix}<name>" : "none",
            ["extra"] = extra,
        };
        var bytes = System.Text.Encoding.UTF8.GetBytes(o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        stream.Write(bytes);
    }

    /// <summary>
    /// Reads the model folder <paramref name="dir"/>: <c>config.json</c>, <c>model.safetensors</c>,
    /// and the training state when <c>training_state.json</c> is present. Every tensor the config
    /// needs must be present with the expected shape and a float dtype (F32; F16, BF16 and F64 are
    /// converted). Files saved by Hugging Face are accepted as well: a <c>transformer.</c> name prefix
    /// is stripped, the attention-mask buffers <c>h.{i}.attn.bias</c> / <c>masked_bias</c> are skipped,
    /// and <c>lm_head.weight</c> and other unknown tensors are ignored with a warning in
    /// <see cref="LoadedCheckpoint.Warnings"/>.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">When the folder does not exist.</exception>
    /// <exception cref="CheckpointException">When a file is missing, damaged, or does not fit the config; the message names the file and the tensor.</exception>
    /// <exception cref="IOException">When a file cannot be read.</exception>
    public static LoadedCheckpoint Load(string dir)
    {
        ArgumentNullException.ThrowIfNull(dir);
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"model folder not found: {dir}");
        string configPath = Path.Combine(dir, GptConfigJson.FileName);
        if (!File.Exists(configPath)) throw new CheckpointException(configPath, $"file not found in {dir}");
        var config = GptConfigJson.Read(configPath);
        var layout = new ParameterLayout(config);
        var warnings = new List<string>();

        string modelPath = Path.Combine(dir, ModelFileName);
        if (!File.Exists(modelPath)) throw new CheckpointException(modelPath, $"file not found in {dir}");
        var parameters = new float[layout.TotalLength];
        IReadOnlyDictionary<string, string> metadata;
        using (var reader = SafeTensorsReader.Open(modelPath))
        {
            metadata = reader.Metadata;
            ReadTensors(reader, layout, parameters, "", isHuggingFaceModel: true, warnings);
        }

        TrainingState? state = null;
        string stateJsonPath = Path.Combine(dir, StateJsonFileName);
        string stateTensorPath = Path.Combine(dir, StateTensorsFileName);
        bool hasJson = File.Exists(stateJsonPath), hasTensors = File.Exists(stateTensorPath);
        if (hasJson != hasTensors)
            throw new CheckpointException(hasJson ? stateTensorPath : stateJsonPath,
                $"file not found, but {(hasJson ? StateJsonFileName : StateTensorsFileName)} is present: the training state is incomplete");
        if (hasJson)
        {
            state = ReadStateJson(stateJsonPath);
            using var reader = SafeTensorsReader.Open(stateTensorPath);
            if (reader.Tensors.Count > 0)
            {
                state.AdamM = new float[layout.TotalLength];
                state.AdamV = new float[layout.TotalLength];
                ReadTensors(reader, layout, state.AdamM, ExpAvgPrefix, false, warnings, strict: true, otherPrefix: ExpAvgSqPrefix);
                ReadTensors(reader, layout, state.AdamV, ExpAvgSqPrefix, false, warnings, strict: true, otherPrefix: ExpAvgPrefix);
            }
        }
        return new LoadedCheckpoint(config, layout, parameters, state, metadata, warnings);
    }

    private static void ReadTensors(SafeTensorsReader reader, ParameterLayout layout, float[] destination, string prefix,
        bool isHuggingFaceModel, List<string> warnings, bool strict = false, string? otherPrefix = null)
    {
        var config = layout.Config;
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var info in reader.Tensors)
        {
            string name = info.Name;
            if (otherPrefix is not null && name.StartsWith(otherPrefix, StringComparison.Ordinal)) continue;
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
            {
                if (strict) throw new CheckpointException(reader.FilePath, $"unknown tensor {name}");
                warnings.Add($"{Path.GetFileName(reader.FilePath)}: unknown tensor {name} ignored");
                continue;
            }
            name = name[prefix.Length..];
            if (isHuggingFaceModel && name.StartsWith("transformer.", StringComparison.Ordinal)) name = name["transformer.".Length..];
            if (!layout.TryGet(name, out var t))
            {
                if (isHuggingFaceModel && IsAttentionBuffer(name)) continue;
                string why = name == "lm_head.weight" ? " (the LM head is tied to wte.weight)" : "";
                if (strict) throw new CheckpointException(reader.FilePath, $"unknown tensor {info.Name}");
                warnings.Add($"{Path.GetFileName(reader.FilePath)}: unknown tensor {info.Name} ignored{why}");
                continue;
            }
            if (!found.Add(name))
                throw new CheckpointException(reader.FilePath, $"tensor {name} appears twice (with and without the 'transformer.' prefix)");
            if (!info.Shape.AsSpan().SequenceEqual(t.Shape))
                throw new CheckpointException(reader.FilePath,
                    $"tensor {info.Name} has shape {info.ShapeText}, expected {SafeTensors.FormatShape(t.Shape)} for {Dimensions(name, config)}");
            if (info.DType is not (SafeTensorDType.F32 or SafeTensorDType.F16 or SafeTensorDType.BF16 or SafeTensorDType.F64))
                throw new CheckpointException(reader.FilePath, $"tensor {info.Name} has dtype {info.DType}, expected F32 (F16, BF16 and F64 are converted)");
            reader.ReadFloats(info, destination.AsSpan(checked((int)t.Offset), checked((int)t.Length)));
        }
        foreach (var t in layout.Tensors)
            if (!found.Contains(t.Name))
                throw new CheckpointException(reader.FilePath,
                    $"tensor {prefix}{t.Name} is missing (expected shape {SafeTensors.FormatShape(t.Shape)} for {Dimensions(t.Name, config)})");
    }

    private static bool IsAttentionBuffer(string name) =>
        name.StartsWith("h.", StringComparison.Ordinal)
        && (name.EndsWith(".attn.bias", StringComparison.Ordinal) || name.EndsWith(".attn.masked_bias", StringComparison.Ordinal));

    /// <summary>The config values a tensor's shape depends on, for error messages.</summary>
    private static string Dimensions(string name, GptConfig c) => name switch
    {
        "wte.weight" => $"vocab_size={c.VocabSize}, n_embd={c.NEmbd}",
        "wpe.weight" => $"n_positions={c.BlockSize}, n_embd={c.NEmbd}",
        _ => $"n_embd={c.NEmbd}",
    };

    private static TrainingState ReadStateJson(string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, $"not valid JSON: {e.Message}", e);
        }
        if (root is not JsonObject o) throw new CheckpointException(path, "must be a JSON object");
        var state = new TrainingState();
        try
        {
            state.Step = o["step"]?.GetValue<long>() ?? throw new CheckpointException(path, "missing 'step'");
            state.TokensSeen = o["tokens_seen"]?.GetValue<long>() ?? 0;
            state.LearningRate = o["learning_rate"]?.GetValue<double>();
            string rng = o["rng_state"]?.GetValue<string>() ?? "";
            var words = rng.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            state.RngState = new ulong[words.Length];
            for (int i = 0; i < words.Length; i++)
                if (!ulong.TryParse(words[i], NumberStyles.None, CultureInfo.InvariantCulture, out state.RngState[i]))
                    throw new CheckpointException(path, $"rng_state word '{words[i]}' is not an unsigned 64-bit integer");
            if (o["extra"] is JsonObject extra)
                foreach (var kv in extra)
                    state.Extra[kv.Key] = kv.Value?.GetValue<string>() ?? throw new CheckpointException(path, $"extra value '{kv.Key}' is null");
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new CheckpointException(path, $"a value has the wrong type: {e.Message}", e);
        }
        return state;
    }
}
