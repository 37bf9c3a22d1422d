using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cadenza.Music;

namespace Cadenza.Tokens;

/// <summary>
/// Base class of the tokenization schemes (one file per scheme, e.g. <see cref="RemiTokenizer"/> in Remi.cs):
/// encodes a <see cref="Score"/> to token ids, decodes ids back (grammar-safe: invalid successions are
/// skipped and counted, never thrown), and saves / loads itself as <c>tokenizer.json</c>.
/// </summary>
public abstract class Tokenizer
{
    /// <summary>Marker stored in tokenizer.json so foreign JSON files are recognised and refused.</summary>
    public const string FileFormat = "cadenza-tokenizer";

    /// <summary>Version of the tokenizer.json layout.</summary>
    public const int FileVersion = 1;

    /// <summary>Creates the base from a validated config and its vocabulary.</summary>
    protected Tokenizer(TokenizerConfig config, Vocabulary vocabulary)
    {
        Config = config;
        Vocabulary = vocabulary;
    }

    /// <summary>The configuration this tokenizer was built from.</summary>
    public TokenizerConfig Config { get; }

    /// <summary>The token vocabulary.</summary>
    public Vocabulary Vocabulary { get; }

    /// <summary>The grammar ("what may follow what") shared by the decoder and by generation.</summary>
    public abstract TokenGrammar Grammar { get; }

    /// <summary>Encodes a score as tokens: BOS, the control tokens, the body, EOS.</summary>
    /// <param name="score">The score; it is not modified.</param>
    /// <param name="controls">Control tokens such as "Genre_folk", written right after BOS in the given order.</param>
    /// <exception cref="TokenizationException">When the piece is longer than the config allows (reason "too-many-bars"),
    /// or a control token is unknown or repeated (reason "bad-control").</exception>
    /// <exception cref="ArgumentNullException">When <paramref name="score"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When the score's ticks per quarter is not positive.</exception>
    public abstract TokenSequence Encode(Score score, IReadOnlyList<string>? controls = null);

    /// <summary>Decodes ids to a score. Never throws on bad input: tokens the grammar does not allow are skipped and counted.</summary>
    public abstract DecodeResult Decode(ReadOnlySpan<int> ids);

    /// <summary>Decodes the text form (tokens separated by whitespace); unknown tokens are skipped and counted as errors.</summary>
    /// <exception cref="ArgumentNullException">When <paramref name="text"/> is null.</exception>
    public abstract DecodeResult DecodeText(string text);

    /// <summary>The text form of ids: tokens joined by single spaces (ids outside the vocabulary appear as <c>?id</c>).</summary>
    public string ToText(ReadOnlySpan<int> ids)
    {
        var sb = new StringBuilder(ids.Length * 8);
        for (int i = 0; i < ids.Length; i++)
        {
            if (i > 0) sb.Append(' ');
            int id = ids[i];
            if ((uint)id < (uint)Vocabulary.Count) sb.Append(Vocabulary.Tokens[id]);
            else sb.Append('?').Append(id);
        }
        return sb.ToString();
    }

    /// <summary>Creates the tokenizer a config describes.</summary>
    /// <exception cref="ArgumentException">When the config is invalid or names an unknown scheme.</exception>
    public static Tokenizer Create(TokenizerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        return config.Scheme switch
        {
            "remi" => new RemiTokenizer(config),
            "abc" => new AbcTextTokenizer(config),
            _ => throw new ArgumentException($"unknown tokenization scheme '{config.Scheme}'"),
        };
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>
    /// Writes <c>tokenizer.json</c>: a format marker, the config and the vocabulary list. The file is written
    /// to a temporary name in the same folder and then moved over <paramref name="path"/>, so readers never see half a file.
    /// </summary>
    /// <exception cref="IOException">When the file cannot be written.</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var root = new JsonObject
        {
            ["format"] = FileFormat,
            ["version"] = FileVersion,
            ["config"] = JsonSerializer.SerializeToNode(Config, JsonOptions),
            ["vocabulary"] = new JsonArray(Vocabulary.Tokens.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
        };
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, "." + Path.GetFileName(full) + "." + Environment.ProcessId + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            File.WriteAllText(tmp, root.ToJsonString(JsonOptions) + "\n", new UTF8Encoding(false));
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>
    /// Loads a tokenizer saved by <see cref="Save"/>. The result equals the saved one: same config, same vocabulary.
    /// </summary>
    /// <exception cref="FileNotFoundException">When the file does not exist.</exception>
    /// <exception cref="InvalidDataException">When the file is not JSON, is not a Cadenza tokenizer file, has an
    /// unsupported version or an invalid config, or its vocabulary differs from the one its config produces.</exception>
    public static Tokenizer Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"tokenizer file not found: {path}", path);
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a tokenizer file (invalid JSON: {e.Message})", e); }
        if (root is not JsonObject obj || obj["format"] is not JsonValue fmt || !fmt.TryGetValue(out string? f) || f != FileFormat)
            throw new InvalidDataException($"{path}: not a Cadenza tokenizer file (missing \"format\": \"{FileFormat}\")");
        if (obj["version"] is not JsonValue ver || !ver.TryGetValue(out int v) || v != FileVersion)
            throw new InvalidDataException($"{path}: unsupported tokenizer file version (expected {FileVersion})");
        TokenizerConfig? config;
        try { config = obj["config"]?.Deserialize<TokenizerConfig>(JsonOptions); }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        { throw new InvalidDataException($"{path}: invalid tokenizer config: {e.Message}", e); }
        if (config is null) throw new InvalidDataException($"{path}: missing \"config\"");
        Tokenizer tok;
        try { tok = Create(config); }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
        if (obj["vocabulary"] is not JsonArray arr)
            throw new InvalidDataException($"{path}: missing \"vocabulary\" list");
        if (arr.Count != tok.Vocabulary.Count)
            throw new InvalidDataException($"{path}: vocabulary has {arr.Count} tokens but its config gives {tok.Vocabulary.Count}");
        for (int i = 0; i < arr.Count; i++)
        {
            string? t = arr[i] is JsonValue jv && jv.TryGetValue(out string? s) ? s : null;
            if (t != tok.Vocabulary.Tokens[i])
                throw new InvalidDataException($"{path}: vocabulary token {i} is '{t}' but its config gives '{tok.Vocabulary.Tokens[i]}'");
        }
        return tok;
    }
}
