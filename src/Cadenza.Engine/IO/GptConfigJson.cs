using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cadenza.Engine.IO;

/// <summary>
/// Reads and writes a <see cref="GptConfig"/> as a Hugging Face GPT-2 <c>config.json</c>, so that
/// <c>transformers.GPT2LMHeadModel.from_pretrained(dir)</c> understands the folder and a GPT-2
/// config from the Hugging Face hub can be read back.
/// </summary>
public static class GptConfigJson
{
    /// <summary>The file name used inside a model folder.</summary>
    public const string FileName = "config.json";

    /// <summary>Layer-norm epsilon of the engine (GPT-2's <c>layer_norm_epsilon</c>).</summary>
    public const double LayerNormEpsilon = 1e-5;

    /// <summary>GELU variants the engine computes (the tanh approximation, GPT-2's <c>gelu_new</c>).</summary>
    private static readonly string[] SupportedActivations = ["gelu_new", "gelu_pytorch_tanh", "gelu_fast"];

    /// <summary>
    /// Builds the <c>config.json</c> text: <c>model_type</c> "gpt2", <c>architectures</c>
    /// ["GPT2LMHeadModel"], <c>n_layer</c>, <c>n_head</c>, <c>n_embd</c>, <c>n_positions</c> and
    /// <c>n_ctx</c> (both the block size), <c>vocab_size</c>, <c>n_inner</c> null (4 × n_embd),
    /// <c>activation_function</c> "gelu_new", <c>layer_norm_epsilon</c> 1e-5,
    /// <c>tie_word_embeddings</c> true, dropouts 0, <c>torch_dtype</c> "float32", then
    /// <paramref name="extra"/> (string values; they cannot replace the keys above).
    /// </summary>
    /// <exception cref="ArgumentException">When the config is not valid.</exception>
    public static string ToJson(GptConfig config, IReadOnlyDictionary<string, string>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var o = new JsonObject
        {
            ["model_type"] = "gpt2",
            ["architectures"] = new JsonArray("GPT2LMHeadModel"),
            ["n_layer"] = config.NLayer,
            ["n_head"] = config.NHead,
            ["n_embd"] = config.NEmbd,
            ["n_positions"] = config.BlockSize,
            ["n_ctx"] = config.BlockSize,
            ["vocab_size"] = config.VocabSize,
            ["n_inner"] = null,
            ["activation_function"] = "gelu_new",
            ["layer_norm_epsilon"] = LayerNormEpsilon,
            ["tie_word_embeddings"] = true,
            ["scale_attn_weights"] = true,
            ["resid_pdrop"] = 0.0,
            ["embd_pdrop"] = 0.0,
            ["attn_pdrop"] = 0.0,
            ["initializer_range"] = 0.02,
            ["use_cache"] = true,
            ["torch_dtype"] = "float32",
        };
        if (extra is not null)
            foreach (var kv in extra)
                if (!o.ContainsKey(kv.Key)) o[kv.Key] = kv.Value;
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="stream"/> as UTF-8.</summary>
    /// <exception cref="ArgumentException">When the config is not valid.</exception>
    /// <exception cref="IOException">When the stream fails.</exception>
    public static void Write(Stream stream, GptConfig config, IReadOnlyDictionary<string, string>? extra = null)
    {
        var bytes = Encoding.UTF8.GetBytes(ToJson(config, extra));
        stream.Write(bytes);
    }

    /// <summary>Writes <c>config.json</c> at <paramref name="path"/>, atomically (temporary file, then rename).</summary>
    /// <exception cref="ArgumentException">When the config is not valid.</exception>
    /// <exception cref="IOException">When the file cannot be written.</exception>
    public static void Write(string path, GptConfig config, IReadOnlyDictionary<string, string>? extra = null)
    {
        using var file = new AtomicFile(path);
        Write(file.Stream, config, extra);
        file.Commit();
    }

    /// <summary>Reads a GPT-2 <c>config.json</c> file.</summary>
    /// <exception cref="FileNotFoundException">When the file does not exist.</exception>
    /// <exception cref="CheckpointException">When the text is not a GPT-2 config the engine can run (see <see cref="Parse"/>).</exception>
    public static GptConfig Read(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>
    /// Parses GPT-2 <c>config.json</c> text. Needs <c>n_layer</c>, <c>n_head</c>, <c>n_embd</c>,
    /// <c>vocab_size</c> and <c>n_positions</c> (or <c>n_ctx</c>) as positive integers. Rejects what
    /// the engine would compute differently: a <c>model_type</c> other than gpt2, an activation
    /// other than the tanh GELU, an <c>n_inner</c> other than null or 4 × n_embd,
    /// <c>tie_word_embeddings</c> false, a <c>layer_norm_epsilon</c> other than 1e-5.
    /// Other keys are ignored.
    /// </summary>
    /// <param name="json">The file's text.</param>
    /// <param name="fileName">Used in error messages.</param>
    /// <exception cref="CheckpointException">Naming the file and the offending key.</exception>
    public static GptConfig Parse(string json, string fileName = FileName)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new CheckpointException(fileName, $"not valid JSON: {e.Message}", e);
        }
        if (root is not JsonObject o)
            throw new CheckpointException(fileName, "must be a JSON object");

        string? modelType = GetString(o, "model_type", fileName);
        if (modelType is not null && modelType != "gpt2")
            throw new CheckpointException(fileName, $"model_type is '{modelType}', expected 'gpt2'");
        string? act = GetString(o, "activation_function", fileName);
        if (act is not null && Array.IndexOf(SupportedActivations, act) < 0)
            throw new CheckpointException(fileName, $"activation_function '{act}' is not supported (the engine computes the tanh GELU: {string.Join(", ", SupportedActivations)})");
        if (o["tie_word_embeddings"] is JsonValue tie && tie.TryGetValue(out bool tied) && !tied)
            throw new CheckpointException(fileName, "tie_word_embeddings is false, but the engine ties the LM head to wte");
        if (o["layer_norm_epsilon"] is JsonValue epsNode)
        {
            if (!epsNode.TryGetValue(out double eps))
                throw new CheckpointException(fileName, "layer_norm_epsilon must be a number");
            if (Math.Abs(eps - LayerNormEpsilon) > 1e-12)
                throw new CheckpointException(fileName, $"layer_norm_epsilon is {eps}, but the engine uses {LayerNormEpsilon}");
        }

        int nLayer = GetInt(o, "n_layer", fileName) ?? throw Missing(fileName, "n_layer");
        int nHead = GetInt(o, "n_head", fileName) ?? throw Missing(fileName, "n_head");
        int nEmbd = GetInt(o, "n_embd", fileName) ?? throw Missing(fileName, "n_embd");
        int vocab = GetInt(o, "vocab_size", fileName) ?? throw Missing(fileName, "vocab_size");
        int block = GetInt(o, "n_positions", fileName) ?? GetInt(o, "n_ctx", fileName)
            ?? throw new CheckpointException(fileName, "missing 'n_positions' (or 'n_ctx'): the context length");
        int? inner = GetInt(o, "n_inner", fileName);
        if (inner is not null && inner != 4 * nEmbd)
            throw new CheckpointException(fileName, $"n_inner is {inner}, but the engine's MLP is 4 × n_embd = {4 * nEmbd}");

        var config = new GptConfig(nLayer, nHead, nEmbd, block, vocab);
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException(fileName, e.Message, e);
        }
        return config;
    }

    private static CheckpointException Missing(string file, string key) => new(file, $"missing '{key}'");

    private static string? GetString(JsonObject o, string key, string file)
    {
        var n = o[key];
        if (n is null) return null;
        if (n is JsonValue v && v.TryGetValue(out string? s)) return s;
        throw new CheckpointException(file, $"'{key}' must be a string");
    }

    private static int? GetInt(JsonObject o, string key, string file)
    {
        var n = o[key];
        if (n is null) return null;
        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out int i) && i > 0) return i;
        if (n is JsonValue d && d.GetValueKind() == JsonValueKind.Number && d.TryGetValue(out double x) && x == Math.Floor(x) && x > 0 && x <= int.MaxValue) return (int)x;
        throw new CheckpointException(file, $"'{key}' must be a positive integer, got {n.ToJsonString()}");
    }
}
