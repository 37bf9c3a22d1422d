using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using Cadenza.Tokens;

namespace Cadenza.Training;

/// <summary>One shard file mapped into memory: read-only little-endian uint16 token ids.</summary>
public sealed unsafe class TokenShard : IDisposable
{
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _pointer;

    /// <summary>Maps <paramref name="path"/>, which must hold exactly <paramref name="tokens"/> ids.</summary>
    /// <exception cref="DatasetException">When the file is missing or its size does not match.</exception>
    public TokenShard(string path, long tokens, ShardInfo info)
    {
        Path = path;
        Info = info;
        if (!File.Exists(path)) throw new DatasetException($"{path}: shard file is missing");
        long length = new FileInfo(path).Length;
        if (length != tokens * 2)
            throw new DatasetException($"{path}: shard is {length} bytes but the manifest says {tokens} tokens ({tokens * 2} bytes); the file is damaged or from another build");
        Length = tokens;
        if (tokens == 0) return;
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _pointer = p + _view.PointerOffset;
    }

    /// <summary>The shard file.</summary>
    public string Path { get; }

    /// <summary>The manifest entry of this shard (documents and genres).</summary>
    public ShardInfo Info { get; }

    /// <summary>Number of tokens.</summary>
    public long Length { get; }

    /// <summary>Tokens [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) as a span over the mapping.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When the range is outside the shard.</exception>
    public ReadOnlySpan<ushort> Slice(long start, int count)
    {
        if (start < 0 || count < 0 || start + count > Length) throw new ArgumentOutOfRangeException(nameof(start));
        return count == 0 ? default : new ReadOnlySpan<ushort>((ushort*)_pointer + start, count);
    }

    /// <summary>Releases the mapping.</summary>
    public void Dispose()
    {
        if (_view != null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _file?.Dispose();
    }
}

/// <summary>
/// A dataset folder made by <see cref="DatasetBuilder"/>, opened for training or evaluation: the
/// manifest, the tokenizer, and every shard memory-mapped and checked (size and id range).
/// </summary>
public sealed class TokenDataset : IDisposable
{
    private TokenDataset(string dir, DatasetManifest manifest, Tokenizer tokenizer, List<TokenShard> train, List<TokenShard> val)
    {
        Directory = dir;
        Manifest = manifest;
        Tokenizer = tokenizer;
        Train = train;
        Validation = val;
    }

    /// <summary>The dataset folder.</summary>
    public string Directory { get; }
    /// <summary>The manifest.</summary>
    public DatasetManifest Manifest { get; }
    /// <summary>The tokenizer the shards were made with.</summary>
    public Tokenizer Tokenizer { get; }
    /// <summary>Training shards.</summary>
    public IReadOnlyList<TokenShard> Train { get; }
    /// <summary>Validation shards.</summary>
    public IReadOnlyList<TokenShard> Validation { get; }

    /// <summary>Opens and checks a dataset folder.</summary>
    /// <param name="dir">The folder with manifest.json, tokenizer.json and the shards.</param>
    /// <param name="expected">When given, the tokenizer the caller will use (e.g. a model's): the dataset must have been made with it.</param>
    /// <exception cref="DatasetException">When the manifest is missing or invalid, the tokenizer is missing or differs from the
    /// manifest's or from <paramref name="expected"/>, a shard is missing or damaged, or a shard holds an id outside the vocabulary.</exception>
    public static TokenDataset Open(string dir, Tokenizer? expected = null)
    {
        if (!System.IO.Directory.Exists(dir)) throw new DatasetException($"{dir}: dataset folder not found");
        var manifest = DatasetManifest.Load(System.IO.Path.Combine(dir, DatasetBuilder.ManifestFile));
        var tokPath = System.IO.Path.Combine(dir, manifest.Tokenizer);
        Tokenizer tokenizer;
        try { tokenizer = Tokenizer.Load(tokPath); }
        catch (Exception e) when (e is IOException or InvalidDataException) { throw new DatasetException($"{tokPath}: {e.Message}"); }
        string hash = DatasetBuilder.VocabularyHash(tokenizer.Vocabulary);
        if (hash != manifest.VocabularyHash || tokenizer.Vocabulary.Count != manifest.VocabSize)
            throw new DatasetException($"{dir}: the manifest was made with another tokenizer than {manifest.Tokenizer} (vocabulary differs)");
        if (expected != null && !expected.Vocabulary.SequenceEqual(tokenizer.Vocabulary))
            throw new DatasetException($"{dir}: the dataset was made with a different tokenizer ({tokenizer.Config.Scheme}, {tokenizer.Vocabulary.Count} tokens) " +
                                       $"than the model's ({expected.Config.Scheme}, {expected.Vocabulary.Count} tokens)");
        var opened = new List<TokenShard>();
        try
        {
            var train = OpenSplit(dir, manifest.Train, manifest.VocabSize, opened);
            var val = OpenSplit(dir, manifest.Validation, manifest.VocabSize, opened);
            return new TokenDataset(dir, manifest, tokenizer, train, val);
        }
        catch
        {
            foreach (var s in opened) s.Dispose();
            throw;
        }
    }

    private static List<TokenShard> OpenSplit(string dir, SplitInfo split, int vocab, List<TokenShard> opened)
    {
        var list = new List<TokenShard>();
        long total = 0;
        foreach (var info in split.Shards)
        {
            if (info.File.Contains('/') || info.File.Contains('\\') || info.File.StartsWith('.'))
                throw new DatasetException($"{dir}: manifest names an invalid shard file '{info.File}'");
            var shard = new TokenShard(System.IO.Path.Combine(dir, info.File), info.Tokens, info);
            opened.Add(shard);
            list.Add(shard);
            total += info.Tokens;
            // Every id must be inside the vocabulary, and the documents must tile the shard.
            long pos = 0;
            foreach (var d in info.Documents)
            {
                if (d.Length != 3 || d[0] != pos || d[1] <= 0 || d[0] + d[1] > info.Tokens || d[2] < 0 || d[2] >= info.Genres.Count)
                    throw new DatasetException($"{shard.Path}: document table in the manifest does not match the shard");
                pos += d[1];
            }
            if (pos != info.Tokens) throw new DatasetException($"{shard.Path}: documents cover {pos} of {info.Tokens} tokens");
            const int Block = 1 << 20;
            for (long start = 0; start < shard.Length; start += Block)
            {
                var span = shard.Slice(start, (int)Math.Min(Block, shard.Length - start));
                int bad = IndexOfAtLeast(span, vocab);
                if (bad >= 0)
                    throw new DatasetException($"{shard.Path}: token {start + bad} has id {span[bad]}, outside the vocabulary of {vocab}; the shard is damaged");
            }
        }
        if (total != split.Tokens) throw new DatasetException($"{dir}: shards hold {total} tokens but the manifest says {split.Tokens}");
        return list;
    }

    private static int IndexOfAtLeast(ReadOnlySpan<ushort> span, int limit)
    {
        if (limit > ushort.MaxValue) return -1;
        return span.IndexOfAnyInRange((ushort)limit, ushort.MaxValue);
    }

    /// <summary>Total tokens of a split.</summary>
    public static long TotalTokens(IReadOnlyList<TokenShard> shards)
    {
        long n = 0;
        foreach (var s in shards) n += s.Length;
        return n;
    }

    /// <summary>Unmaps every shard.</summary>
    public void Dispose()
    {
        foreach (var s in Train) s.Dispose();
        foreach (var s in Validation) s.Dispose();
    }
}
