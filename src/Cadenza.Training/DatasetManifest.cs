using System.Text.Json;
using Cadenza.Music;
using System.Text.Json.Serialization;

namespace Cadenza.Training;

/// <summary>
/// <c>manifest.json</c> of a token dataset: which tokenizer made it, the shards of each split with
/// their documents, token counts by split and genre, the files used and the files skipped with reasons.
/// </summary>
public sealed class DatasetManifest
{
    /// <summary>Marker that identifies the file.</summary>
    public const string FileFormat = "cadenza-dataset";

    /// <summary>Layout version.</summary>
    public const int FileVersion = 1;

    /// <summary>Always <see cref="FileFormat"/>.</summary>
    public string Format { get; set; } = FileFormat;

    /// <summary>Always <see cref="FileVersion"/> for files this code writes.</summary>
    public int Version { get; set; } = FileVersion;

    /// <summary>File name of the tokenizer (beside the manifest).</summary>
    public string Tokenizer { get; set; } = "tokenizer.json";

    /// <summary>Tokenization scheme (e.g. "remi").</summary>
    public string Scheme { get; set; } = "";

    /// <summary>Vocabulary size; every id in the shards is below it.</summary>
    public int VocabSize { get; set; }

    /// <summary>SHA-256 (hex) of the vocabulary tokens joined by newlines: detects a manifest used with another tokenizer.</summary>
    public string VocabularyHash { get; set; } = "";

    /// <summary>Little-endian element type of the shard files.</summary>
    public string Dtype { get; set; } = "uint16";

    /// <summary>The options the dataset was built with.</summary>
    public DatasetBuildInfo Build { get; set; } = new();

    /// <summary>Training split.</summary>
    public SplitInfo Train { get; set; } = new();

    /// <summary>Validation split.</summary>
    public SplitInfo Validation { get; set; } = new();

    /// <summary>Every file that was used.</summary>
    public List<FileEntry> Files { get; set; } = new();

    /// <summary>Files that were skipped, with the reason.</summary>
    public List<SkippedFile> Skipped { get; set; } = new();

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes the manifest atomically (temporary file, then rename).</summary>
    /// <exception cref="IOException">When it cannot be written.</exception>
    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>Reads and checks a manifest.</summary>
    /// <exception cref="DatasetException">When the file is missing, not JSON, or not a Cadenza dataset manifest.</exception>
    public static DatasetManifest Load(string path)
    {
        if (!File.Exists(path)) throw new DatasetException($"{path}: dataset manifest not found (is this a folder made by 'cadenza dataset build'?)");
        DatasetManifest? m;
        try { m = JsonSerializer.Deserialize<DatasetManifest>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new DatasetException($"{path}: not a dataset manifest (invalid JSON: {e.Message})"); }
        if (m == null || m.Format != FileFormat) throw new DatasetException($"{path}: not a Cadenza dataset manifest");
        if (m.Version != FileVersion) throw new DatasetException($"{path}: unsupported manifest version {m.Version} (expected {FileVersion})");
        if (m.Dtype != "uint16") throw new DatasetException($"{path}: unsupported shard dtype '{m.Dtype}'");
        return m;
    }
}

/// <summary>How a dataset was built.</summary>
public sealed class DatasetBuildInfo
{
    /// <summary>Input files and folders as given.</summary>
    public List<string> Inputs { get; set; } = new();
    /// <summary>Labels file, if one was used.</summary>
    public string? Labels { get; set; }
    /// <summary>Lowest transposition in semitones (training pieces only).</summary>
    public int TransposeMin { get; set; }
    /// <summary>Highest transposition in semitones (training pieces only).</summary>
    public int TransposeMax { get; set; }
    /// <summary>Share of pieces held out for validation.</summary>
    public double ValFraction { get; set; }
    /// <summary>Seed of the split.</summary>
    public int Seed { get; set; }
    /// <summary>When it was built (UTC, ISO 8601).</summary>
    public string Created { get; set; } = "";
}

/// <summary>One split (train or validation).</summary>
public sealed class SplitInfo
{
    /// <summary>Total tokens.</summary>
    public long Tokens { get; set; }
    /// <summary>Number of pieces (original files).</summary>
    public int Pieces { get; set; }
    /// <summary>Number of token sequences (pieces × transpositions).</summary>
    public int Sequences { get; set; }
    /// <summary>Tokens per genre ("none" for unlabelled pieces).</summary>
    public SortedDictionary<string, long> TokensByGenre { get; set; } = new(StringComparer.Ordinal);
    /// <summary>The shard files of this split.</summary>
    public List<ShardInfo> Shards { get; set; } = new();
}

/// <summary>One shard file: little-endian uint16 token ids, sequences back to back.</summary>
public sealed class ShardInfo
{
    /// <summary>File name, relative to the dataset folder.</summary>
    public string File { get; set; } = "";
    /// <summary>Number of tokens (file size / 2).</summary>
    public long Tokens { get; set; }
    /// <summary>Documents in it: [offset, length, genre index into <see cref="Genres"/>].</summary>
    public List<long[]> Documents { get; set; } = new();
    /// <summary>Genre names referenced by <see cref="Documents"/>.</summary>
    public List<string> Genres { get; set; } = new();
}

/// <summary>A file used in the dataset.</summary>
public sealed class FileEntry
{
    /// <summary>Path as found (relative to its input folder, prefixed with that folder's name).</summary>
    public string Path { get; set; } = "";
    /// <summary>Genre ("none" when unlabelled).</summary>
    public string Genre { get; set; } = "none";
    /// <summary>"train" or "validation".</summary>
    public string Split { get; set; } = "";
    /// <summary>Tokens of the untransposed sequence.</summary>
    public int Tokens { get; set; }
    /// <summary>Transpositions used (semitones), 0 included.</summary>
    public List<int> Transpositions { get; set; } = new();
}

/// <summary>A file that was not used.</summary>
/// <param name="Path">The file.</param>
/// <param name="Reason">Why.</param>
public sealed record SkippedFile(string Path, string Reason);

/// <summary>A dataset that cannot be built or used: the message names the file and the problem.</summary>
public sealed class DatasetException(string message) : Exception(message);
