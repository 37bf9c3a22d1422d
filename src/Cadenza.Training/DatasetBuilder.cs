using System.Security.Cryptography;
using System.Text;
using Cadenza.Music;
using Cadenza.Music.Abc;
using Cadenza.Music.Midi;
using Cadenza.Tokens;

namespace Cadenza.Training;

/// <summary>Options of <see cref="DatasetBuilder.Build"/>.</summary>
public sealed class DatasetOptions
{
    /// <summary>A labels CSV (columns path, genre; paths relative to it). Files it does not list get their genre from a folder name.</summary>
    public string? LabelsPath { get; init; }
    /// <summary>Lowest transposition in semitones applied to training pieces (e.g. -5).</summary>
    public int TransposeMin { get; init; }
    /// <summary>Highest transposition in semitones applied to training pieces (e.g. 6).</summary>
    public int TransposeMax { get; init; }
    /// <summary>Share of pieces held out for validation, in [0, 0.5].</summary>
    public double ValFraction { get; init; } = 0.05;
    /// <summary>Seed of the train / validation split.</summary>
    public int Seed { get; init; } = 1337;
    /// <summary>Read MIDI strictly (refuse damaged files).</summary>
    public bool Strict { get; init; }
    /// <summary>Worker threads for reading and tokenizing.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;
    /// <summary>Largest shard in tokens before a new shard file is started.</summary>
    public long MaxTokensPerShard { get; init; } = 1L << 26;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">When a value is out of range.</exception>
    public void Validate()
    {
        if (TransposeMin > TransposeMax) throw new ArgumentException($"transpose range {TransposeMin}..{TransposeMax} is empty");
        if (TransposeMin < -12 || TransposeMax > 12) throw new ArgumentException($"transpose range {TransposeMin}..{TransposeMax} must lie within -12..12");
        if (!(ValFraction >= 0 && ValFraction <= 0.5)) throw new ArgumentException($"val-fraction must be between 0 and 0.5, got {ValFraction}");
        if (MaxDegreeOfParallelism < 1) throw new ArgumentException("parallelism must be at least 1");
        if (MaxTokensPerShard < 1024) throw new ArgumentException("shards must hold at least 1024 tokens");
    }
}

/// <summary>Progress of a dataset build: files done out of the total.</summary>
/// <param name="Done">Files processed so far.</param>
/// <param name="Total">Files in all.</param>
/// <param name="Current">The file just processed.</param>
public readonly record struct DatasetProgress(int Done, int Total, string Current);

/// <summary>
/// Builds a token dataset: reads and tokenizes music files in parallel, adds the genre control
/// token, splits train / validation by piece (transposed copies always stay with their original,
/// and only training pieces are transposed), and writes little-endian uint16 shards, the
/// tokenizer and a JSON manifest into one folder.
/// </summary>
public static class DatasetBuilder
{
    /// <summary>Shard and manifest names inside a dataset folder.</summary>
    public const string ManifestFile = "manifest.json";

    /// <summary>One piece: a MIDI file, or one tune (<paramref name="Tune"/> = its index) of an ABC file (-1 = the ABC
    /// file as a whole, when none of its tunes can be read).</summary>
    private sealed record Input(string FullPath, string Key, string? Genre, int Tune = -1);

    private sealed class Processed
    {
        public FileEntry? Entry;
        public SkippedFile? Skipped;
        public List<int[]> Sequences = new();
    }

    /// <summary>Builds the dataset in <paramref name="outputDir"/> and returns its manifest (also written there).</summary>
    /// <param name="tokenizer">Tokenizer to encode with; saved as tokenizer.json in the folder.</param>
    /// <param name="inputs">Files and folders (folders are searched recursively for MIDI and ABC files; every tune of an
    /// ABC file is a piece of its own, keyed <c>file.abc#n</c>).</param>
    /// <param name="outputDir">Output folder (created; existing dataset files in it are replaced).</param>
    /// <param name="options">Split, transposition, labels.</param>
    /// <param name="progress">Receives one report per file.</param>
    /// <param name="cancellationToken">Stops the build; nothing is left half-written.</param>
    /// <exception cref="DatasetException">When an input does not exist, no music file is found, every file fails,
    /// the labels file is unusable, or the vocabulary does not fit uint16.</exception>
    /// <exception cref="ArgumentException">When the options are invalid.</exception>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    public static DatasetManifest Build(Tokenizer tokenizer, IReadOnlyList<string> inputs, string outputDir, DatasetOptions options,
        IProgress<DatasetProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        options.Validate();
        if (tokenizer.Vocabulary.Count > ushort.MaxValue + 1)
            throw new DatasetException($"the vocabulary has {tokenizer.Vocabulary.Count} tokens; uint16 shards hold at most 65536");
        Labels? labels = null;
        if (options.LabelsPath != null)
        {
            try { labels = Labels.Load(options.LabelsPath); }
            catch (Exception e) when (e is IOException or InvalidDataException) { throw new DatasetException(e.Message); }
        }
        var genres = new HashSet<string>(tokenizer.Config.Genres, StringComparer.Ordinal);
        var files = Expand(inputs, labels, genres);
        if (files.Count == 0) throw new DatasetException($"no MIDI or ABC files found in {string.Join(", ", inputs)}");

        // Split by piece: a seeded hash of the file's key, so the split does not depend on order or machine.
        var isVal = new bool[files.Count];
        if (options.ValFraction > 0 && files.Count > 1)
        {
            var u = files.Select(f => Unit(f.Key, options.Seed)).ToArray();
            int nVal = 0;
            for (int i = 0; i < files.Count; i++) if (u[i] < options.ValFraction) { isVal[i] = true; nVal++; }
            if (nVal == 0) isVal[Array.IndexOf(u, u.Min())] = true;
        }

        Directory.CreateDirectory(outputDir);
        var manifest = new DatasetManifest
        {
            Scheme = tokenizer.Config.Scheme,
            VocabSize = tokenizer.Vocabulary.Count,
            VocabularyHash = VocabularyHash(tokenizer.Vocabulary),
            Build = new DatasetBuildInfo
            {
                Inputs = inputs.ToList(),
                Labels = options.LabelsPath,
                TransposeMin = options.TransposeMin,
                TransposeMax = options.TransposeMax,
                ValFraction = options.ValFraction,
                Seed = options.Seed,
                Created = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            },
        };
        using var train = new ShardWriter(outputDir, "train", options.MaxTokensPerShard, manifest.Train);
        using var val = new ShardWriter(outputDir, "val", options.MaxTokensPerShard, manifest.Validation);
        var readOptions = new MidiReadOptions { Strict = options.Strict };
        int done = 0;
        int chunk = Math.Max(16, 16 * options.MaxDegreeOfParallelism);
        for (int start = 0; start < files.Count; start += chunk)
        {
            int n = Math.Min(chunk, files.Count - start);
            var results = new Processed[n];
            Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism, CancellationToken = cancellationToken }, i =>
            {
                var f = files[start + i];
                results[i] = Process(tokenizer, f, isVal[start + i], options, readOptions, genres);
                int d = Interlocked.Increment(ref done);
                progress?.Report(new DatasetProgress(d, files.Count, f.Key));
            });
            // Written in file order whatever order the workers finished in: the output is deterministic.
            for (int i = 0; i < n; i++)
            {
                var r = results[i];
                if (r.Skipped != null) { manifest.Skipped.Add(r.Skipped); continue; }
                var entry = r.Entry!;
                var writer = entry.Split == "train" ? train : val;
                var split = entry.Split == "train" ? manifest.Train : manifest.Validation;
                split.Pieces++;
                foreach (var seq in r.Sequences) writer.Add(seq, entry.Genre);
                manifest.Files.Add(entry);
            }
        }
        if (manifest.Files.Count == 0)
            throw new DatasetException($"none of the {files.Count} files could be used; first problem: {manifest.Skipped[0].Path}: {manifest.Skipped[0].Reason}");
        train.Commit();
        val.Commit();
        tokenizer.Save(Path.Combine(outputDir, manifest.Tokenizer));
        manifest.Save(Path.Combine(outputDir, ManifestFile));
        return manifest;
    }

    /// <summary>SHA-256 of the vocabulary tokens joined by newlines, as hex.</summary>
    public static string VocabularyHash(Vocabulary vocabulary) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', vocabulary.Tokens)))).ToLowerInvariant();

    private static double Unit(string key, int seed)
    {
        ulong h = 14695981039346656037UL ^ (ulong)(uint)seed * 0x9E3779B97F4A7C15UL;
        foreach (var b in Encoding.UTF8.GetBytes(key)) { h ^= b; h *= 1099511628211UL; }
        h ^= h >> 33; h *= 0xff51afd7ed558ccdUL; h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53UL; h ^= h >> 33;
        return (h >> 11) * (1.0 / (1UL << 53));
    }

    private static List<Input> Expand(IReadOnlyList<string> inputs, Labels? labels, HashSet<string> genres)
    {
        var list = new List<Input>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            var full = Path.GetFullPath(input);
            IEnumerable<string> found;
            string root;
            if (File.Exists(full)) { found = [full]; root = Path.GetDirectoryName(full)!; }
            else if (Directory.Exists(full))
            {
                root = full;
                found = Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories)
                    .Where(f => MidiFile.HasMidiExtension(f) || IsAbc(f))
                    .OrderBy(f => f, StringComparer.Ordinal);
            }
            else throw new DatasetException($"{input}: no such file or folder");
            string rootName = Path.GetFileName(root.TrimEnd(Path.DirectorySeparatorChar));
            foreach (var f in found)
            {
                if (!seen.Add(f)) continue;
                string key = rootName + "/" + Path.GetRelativePath(root, f).Replace('\\', '/');
                string? genre = labels?.GenreOf(f) ?? FolderGenre(f, root, genres);
                if (IsAbc(f))
                {
                    // Every tune of an ABC file is a piece of its own (split, counted and skipped on its own).
                    int tunes = 0;
                    try { tunes = AbcFile.Read(f).Tunes.Count; }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException or MusicFormatException) { }
                    if (tunes == 0) list.Add(new Input(f, key, genre));
                    for (int t = 0; t < tunes; t++) list.Add(new Input(f, key + "#" + (t + 1), genre, t));
                }
                else list.Add(new Input(f, key, genre));
            }
        }
        return list;
    }


    private static bool IsAbc(string path) => path.EndsWith(".abc", StringComparison.OrdinalIgnoreCase);

    private static Score ReadTune(Input f)
    {
        var r = AbcFile.Read(f.FullPath);
        if (f.Tune >= 0 && f.Tune < r.Tunes.Count) return r.Tunes[f.Tune].Score;
        throw new MusicFormatException(f.FullPath, r.Errors.Count > 0 ? r.Errors[0].Message : "no tune could be read");
    }

    private static string? FolderGenre(string file, string root, HashSet<string> genres)
    {
        var dir = new DirectoryInfo(Path.GetDirectoryName(file)!);
        var stop = Path.GetDirectoryName(root.TrimEnd(Path.DirectorySeparatorChar));
        while (dir != null && dir.FullName != stop)
        {
            var name = dir.Name.ToLowerInvariant();
            if (genres.Contains(name)) return name;
            dir = dir.Parent;
        }
        return null;
    }

    private static Processed Process(Tokenizer tokenizer, Input f, bool val, DatasetOptions options, MidiReadOptions readOptions, HashSet<string> genres)
    {
        var result = new Processed();
        if (f.Genre == "test")
        {
            result.Skipped = new SkippedFile(f.Key, "labelled 'test' (a parser test file, never training data)");
            return result;
        }
        try
        {
            var score = IsAbc(f.FullPath) ? ReadTune(f) : MidiFile.Read(f.FullPath, readOptions).Score;
            if (score.NoteCount == 0)
            {
                result.Skipped = new SkippedFile(f.Key, "no notes");
                return result;
            }
            IReadOnlyList<string>? controls = f.Genre != null && genres.Contains(f.Genre) ? ["Genre_" + f.Genre] : null;
            var entry = new FileEntry { Path = f.Key, Genre = f.Genre ?? "none", Split = val ? "validation" : "train" };
            var first = tokenizer.Encode(score, controls);
            result.Sequences.Add(first.Ids);
            entry.Tokens = first.Ids.Length;
            entry.Transpositions.Add(0);
            if (!val)
            {
                for (int t = options.TransposeMin; t <= options.TransposeMax; t++)
                {
                    if (t == 0) continue;
                    var shifted = Transpose(score, t, tokenizer.Config.PitchMin, tokenizer.Config.PitchMax);
                    if (shifted == null) continue;
                    result.Sequences.Add(tokenizer.Encode(shifted, controls).Ids);
                    entry.Transpositions.Add(t);
                }
            }
            result.Entry = entry;
        }
        catch (Exception e) when (e is MusicFormatException or TokenizationException or IOException or UnauthorizedAccessException)
        {
            string reason = e.Message.StartsWith(f.FullPath + ": ", StringComparison.Ordinal) ? e.Message[(f.FullPath.Length + 2)..] : e.Message;
            result.Skipped = new SkippedFile(f.Key, reason);
            result.Sequences.Clear();
        }
        return result;
    }

    /// <summary>
    /// A copy of <paramref name="score"/> with every pitched (non-drum) note moved by <paramref name="semitones"/>,
    /// or null when that would move an in-range note outside [<paramref name="pitchMin"/>, <paramref name="pitchMax"/>].
    /// Drum tracks are never transposed.
    /// </summary>
    public static Score? Transpose(Score score, int semitones, int pitchMin, int pitchMax)
    {
        foreach (var t in score.Tracks)
        {
            if (t.IsDrum) continue;
            foreach (var n in t.Notes)
            {
                if (n.Pitch < pitchMin || n.Pitch > pitchMax) continue;
                int p = n.Pitch + semitones;
                if (p < pitchMin || p > pitchMax) return null;
            }
        }
        var copy = new Score(score.TicksPerQuarter) { Title = score.Title, Composer = score.Composer };
        copy.Tempos.AddRange(score.Tempos);
        copy.TimeSignatures.AddRange(score.TimeSignatures);
        foreach (var k in score.KeySignatures) copy.KeySignatures.Add(k with { Fifths = TransposeFifths(k.Fifths, semitones) });
        int flats = copy.KeySignatures.Count > 0 ? copy.KeySignatures[0].Fifths : 0;
        foreach (var x in score.Texts)
            copy.Texts.Add(x.Kind == TextKind.Text && TransposeChordSymbol(x.Text, semitones, flats < 0) is { } sym ? x with { Text = sym } : x);
        foreach (var t in score.Tracks)
        {
            var nt = new Track { Name = t.Name, Program = t.Program, Channel = t.Channel, Port = t.Port, IsDrum = t.IsDrum };
            foreach (var n in t.Notes)
                nt.Notes.Add(t.IsDrum ? n : n with { Pitch = Math.Clamp(n.Pitch + semitones, 0, 127) });
            nt.Controls.AddRange(t.Controls);
            nt.PitchBends.AddRange(t.PitchBends);
            copy.Tracks.Add(nt);
        }
        return copy;
    }

    /// <summary>The key signature <paramref name="semitones"/> away: fifths moved by 7 per semitone, kept within -5..6.</summary>
    public static int TransposeFifths(int fifths, int semitones)
    {
        int f = ((fifths + 7 * semitones) % 12 + 12) % 12;
        return f > 6 ? f - 12 : f;
    }

    private static readonly string[] SharpNames = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
    private static readonly string[] FlatNames = ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"];

    /// <summary>
    /// A chord symbol (<c>"D7"</c>, <c>"Bbm"</c>) with its root moved by <paramref name="semitones"/>, spelled with flats or
    /// sharps; a bass note after <c>/</c> is dropped. Null when the text does not start with a root (A-G, optional # or b).
    /// </summary>
    public static string? TransposeChordSymbol(string text, int semitones, bool useFlats)
    {
        if (text.Length == 0 || text[0] < 'A' || text[0] > 'G') return null;
        int pc = "C D EF G A B".IndexOf(text[0]);
        int i = 1;
        if (i < text.Length && text[i] == '#') { pc++; i++; }
        else if (i < text.Length && text[i] == 'b') { pc--; i++; }
        string quality = text[i..];
        int slash = quality.IndexOf('/');
        if (slash >= 0) quality = quality[..slash];
        int n = ((pc + semitones) % 12 + 12) % 12;
        return (useFlats ? FlatNames : SharpNames)[n] + quality;
    }

    /// <summary>Writes one split's shards to temporary files; <see cref="Commit"/> renames them into place.</summary>
    private sealed class ShardWriter : IDisposable
    {
        private readonly string _dir, _name;
        private readonly long _max;
        private readonly SplitInfo _info;
        private readonly List<(string Tmp, string Final)> _files = new();
        private FileStream? _stream;
        private ShardInfo? _shard;
        private byte[] _buffer = new byte[1 << 16];
        private bool _committed;

        public ShardWriter(string dir, string name, long max, SplitInfo info)
        {
            _dir = dir; _name = name; _max = max; _info = info;
        }

        public void Add(int[] ids, string genre)
        {
            if (_stream == null || _shard!.Tokens + ids.Length > _max && _shard.Tokens > 0) Open();
            var shard = _shard!;
            int gi = shard.Genres.IndexOf(genre);
            if (gi < 0) { gi = shard.Genres.Count; shard.Genres.Add(genre); }
            shard.Documents.Add([shard.Tokens, ids.Length, gi]);
            if (_buffer.Length < ids.Length * 2) _buffer = new byte[ids.Length * 2];
            for (int i = 0; i < ids.Length; i++)
            {
                _buffer[2 * i] = (byte)ids[i];
                _buffer[2 * i + 1] = (byte)(ids[i] >> 8);
            }
            _stream!.Write(_buffer, 0, ids.Length * 2);
            shard.Tokens += ids.Length;
            _info.Tokens += ids.Length;
            _info.Sequences++;
            _info.TokensByGenre[genre] = _info.TokensByGenre.GetValueOrDefault(genre) + ids.Length;
        }

        private void Open()
        {
            _stream?.Dispose();
            string final = $"{_name}_{_info.Shards.Count:D3}.bin";
            string tmp = Path.Combine(_dir, "." + final + "." + Guid.NewGuid().ToString("N") + ".tmp");
            _files.Add((tmp, Path.Combine(_dir, final)));
            _stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
            _shard = new ShardInfo { File = final };
            _info.Shards.Add(_shard);
        }

        public void Commit()
        {
            if (_stream == null) Open();   // an empty split still gets an (empty) shard file
            _stream!.Flush(true);
            _stream.Dispose();
            _stream = null;
            // Remove shards of an earlier build that this one does not replace.
            foreach (var old in Directory.EnumerateFiles(_dir, _name + "_*.bin"))
                if (!_files.Any(f => f.Final == old)) File.Delete(old);
            foreach (var (tmp, final) in _files) File.Move(tmp, final, overwrite: true);
            _committed = true;
        }

        public void Dispose()
        {
            _stream?.Dispose();
            if (!_committed)
                foreach (var (tmp, _) in _files)
                    if (File.Exists(tmp)) File.Delete(tmp);
        }
    }
}
