using System.Globalization;
using System.Text.RegularExpressions;
using Cadenza.Music;
using Cadenza.Music.Abc;
using Cadenza.Music.Midi;

namespace Cadenza.Cli;

/// <summary>Which tune of an ABC file to use: by <c>X:</c> reference number, by title, or (both null) the first.</summary>
/// <param name="Reference">The <c>X:</c> number wanted (<c>--tune</c>), or null.</param>
/// <param name="Title">The title wanted (<c>--title</c>), or null.</param>
public sealed record TuneSelection(string? Reference = null, string? Title = null)
{
    /// <summary>No selection: the first tune of the file.</summary>
    public static TuneSelection First { get; } = new();

    /// <summary>True when <c>--tune</c> or <c>--title</c> was given.</summary>
    public bool IsSet => Reference != null || Title != null;

    /// <summary>Reads <c>--tune</c> and <c>--title</c> from parsed arguments (at most one of them).</summary>
    /// <exception cref="UsageException">When both are given, or one is empty.</exception>
    public static TuneSelection From(CliArgs a, string verb)
    {
        string? x = a.Get("tune"), title = a.Get("title");
        if (x != null && title != null) throw new UsageException($"{verb}: give --tune or --title, not both");
        if (x != null && x.Trim().Length == 0) throw new UsageException($"{verb}: --tune needs an X: reference number");
        if (title != null && title.Trim().Length == 0) throw new UsageException($"{verb}: --title needs a title (or part of one)");
        return new TuneSelection(x?.Trim(), title?.Trim());
    }

    /// <inheritdoc />
    public override string ToString() => Reference != null ? $"X:{Reference}" : Title != null ? $"title '{Title}'" : "the first tune";
}

/// <summary>A score loaded from a MIDI or ABC file, with where it came from and what the reader repaired or ignored.</summary>
public sealed class LoadedScore
{
    internal LoadedScore(string path, Score score, IReadOnlyList<string> warnings, AbcTune? tune, MidiReadResult? midi)
    {
        Path = path;
        Score = score;
        Warnings = warnings;
        Tune = tune;
        Midi = midi;
    }

    /// <summary>The path as given (used in messages).</summary>
    public string Path { get; }

    /// <summary>The music.</summary>
    public Score Score { get; }

    /// <summary>Repairs (MIDI) or warnings (ABC: the file's and the tune's), each a short line without the path.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The ABC tune, when the file is ABC; null for MIDI.</summary>
    public AbcTune? Tune { get; }

    /// <summary>The MIDI read result, when the file is MIDI; null for ABC.</summary>
    public MidiReadResult? Midi { get; }

    /// <summary>True when the score came from an ABC file.</summary>
    public bool IsAbc => Tune != null;

    /// <summary>"file.abc tune X:2 "Title"" for ABC, the path for MIDI: how messages name this input.</summary>
    public string Label => Tune == null ? Path : $"{Path} {ScoreInput.TuneLabel(Tune)}";
}

/// <summary>The kinds of music file the CLI reads.</summary>
public enum MusicFileKind
{
    /// <summary>A Standard MIDI File (or RIFF RMID).</summary>
    Midi,
    /// <summary>ABC notation text.</summary>
    Abc,
}

/// <summary>
/// Loads MIDI (<c>.mid .midi .kar .rmi .smf</c>) and ABC (<c>.abc</c>) files into <see cref="Score"/>s for the verbs,
/// choosing one tune of an ABC file by <see cref="TuneSelection"/>. Errors are thrown as exceptions whose messages name
/// the file and the problem in one line; nothing is printed here.
/// </summary>
/// <remarks>
/// Tune selection: <c>--tune X</c> takes the tune whose <c>X:</c> field equals X (as text, or as a number, so
/// <c>07</c> finds <c>X:7</c>). <c>--title T</c> compares case-insensitively with every <c>T:</c> title of every tune: a tune
/// with a title <em>equal</em> to T wins; when no title is equal, T may be a <em>part</em> of a title. Either way the
/// choice must be one tune: two tunes with the same number or title, or a part found in several titles, is an error that
/// lists them. Without either, the first tune of the file is used. A selected tune that could not be read gives that
/// tune's parse error.
/// </remarks>
public static partial class ScoreInput
{
    /// <summary>The extension of ABC files.</summary>
    public const string AbcExtension = ".abc";

    /// <summary>True when <paramref name="path"/> has the ABC extension (any case).</summary>
    public static bool HasAbcExtension(string path) => Path.GetExtension(path).Equals(AbcExtension, StringComparison.OrdinalIgnoreCase);

    /// <summary>True when <paramref name="path"/> has a MIDI or ABC extension: the files a folder contributes.</summary>
    public static bool HasMusicExtension(string path) => MidiFile.HasMidiExtension(path) || HasAbcExtension(path);

    /// <summary>
    /// The kind of <paramref name="path"/>: by extension (<c>.abc</c> or a MIDI one); for any other extension, by content
    /// (<c>MThd</c>/<c>RIFF</c> is MIDI, a line starting with <c>X:</c> is ABC, anything else is read as MIDI so that its
    /// reader names the problem).
    /// </summary>
    /// <exception cref="IOException">When the file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">When the file may not be read.</exception>
    public static MusicFileKind KindOf(string path)
    {
        if (HasAbcExtension(path)) return MusicFileKind.Abc;
        if (MidiFile.HasMidiExtension(path)) return MusicFileKind.Midi;
        var head = new byte[4096];
        int n;
        using (var fs = File.OpenRead(path)) n = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return KindOf(path, head.AsSpan(0, n));
    }

    /// <summary>The kind of a file whose bytes are already read (see <see cref="KindOf(string)"/>; nothing is read again,
    /// so this works for pipes such as <c>/dev/stdin</c>).</summary>
    /// <param name="path">The file's name (its extension decides first).</param>
    /// <param name="data">Its bytes (the first 4 KiB are enough).</param>
    public static MusicFileKind KindOf(string path, ReadOnlySpan<byte> data)
    {
        if (HasAbcExtension(path)) return MusicFileKind.Abc;
        if (MidiFile.HasMidiExtension(path)) return MusicFileKind.Midi;
        var span = data[..Math.Min(data.Length, 4096)];
        if (span.StartsWith("MThd"u8) || span.StartsWith("RIFF"u8)) return MusicFileKind.Midi;
        string text = System.Text.Encoding.Latin1.GetString(span);
        return text.StartsWith("X:", StringComparison.Ordinal) || text.Contains("\nX:", StringComparison.Ordinal) ? MusicFileKind.Abc : MusicFileKind.Midi;
    }

    /// <summary>The largest input read: 64 MiB. The biggest MIDI and ABC files in the corpora are a few MiB; a larger
    /// "file" (or an endless device such as <c>/dev/zero</c>) is refused instead of filling the memory.</summary>
    public const long MaxFileBytes = 64L << 20;

    /// <summary>Reads a whole input file once, as a stream (so pipes and <c>/dev/stdin</c> work), up to <see cref="MaxFileBytes"/>.</summary>
    /// <exception cref="MusicFormatException">When the input is larger than <see cref="MaxFileBytes"/>.</exception>
    /// <exception cref="IOException">When it cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">When it may not be read.</exception>
    public static byte[] ReadBytes(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var ms = fs.CanSeek && fs.Length <= MaxFileBytes ? new MemoryStream((int)fs.Length) : new MemoryStream();
        var buffer = new byte[1 << 16];
        int n;
        while ((n = fs.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (ms.Length + n > MaxFileBytes)
                throw new MusicFormatException(path, $"larger than {MaxFileBytes >> 20} MiB: not a MIDI or ABC file Cadenza reads");
            ms.Write(buffer, 0, n);
        }
        return ms.Length == ms.Capacity ? ms.GetBuffer() : ms.ToArray();
    }

    /// <summary>"tune X:2 "Title"": how messages name a tune.</summary>
    public static string TuneLabel(AbcTune tune) =>
        $"tune X:{tune.ReferenceNumber}" + (tune.Titles.Count > 0 ? $" \"{tune.Titles[0]}\"" : "");

    /// <summary>
    /// Loads one score: the MIDI file, or the selected tune of the ABC file (see the class remarks).
    /// </summary>
    /// <param name="path">The file, as the user gave it (messages name it so).</param>
    /// <param name="selection">The tune wanted; must be unset for a MIDI file.</param>
    /// <param name="midiOptions">MIDI reading options (strict or tolerant), or null.</param>
    /// <returns>The score and its warnings.</returns>
    /// <exception cref="UsageException">When the file does not exist, a tune is selected in a MIDI file, or no tune matches
    /// the selection (the message lists the tunes there are).</exception>
    /// <exception cref="MusicFormatException">When the file, or the chosen tune, cannot be read.</exception>
    /// <exception cref="IOException">When the file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">When the file may not be read.</exception>
    public static LoadedScore Load(string path, TuneSelection? selection = null, MidiReadOptions? midiOptions = null)
    {
        selection ??= TuneSelection.First;
        if (Directory.Exists(path)) throw new UsageException($"{path}: is a folder; give a file");
        if (!File.Exists(path)) throw new UsageException($"{path}: no such file");
        var bytes = ReadBytes(path);
        if (KindOf(path, bytes) == MusicFileKind.Midi)
        {
            if (selection.IsSet) throw new UsageException($"{path}: --tune and --title choose a tune of an ABC file; this is a MIDI file");
            var read = MidiFile.Read(bytes, path, midiOptions);
            return new LoadedScore(path, read.Score, read.Warnings, null, read);
        }
        var book = AbcFile.Parse(bytes, path);
        return FromTune(path, book, SelectTune(path, book, selection));
    }

    /// <summary>Reads an ABC file, naming it in messages by <paramref name="path"/> as given.</summary>
    /// <exception cref="IOException">When the file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">When the file may not be read.</exception>
    /// <exception cref="MusicFormatException">When the file is larger than <see cref="MaxFileBytes"/>.</exception>
    public static AbcParseResult ReadAbc(string path) => AbcFile.Parse(ReadBytes(path), path);

    /// <summary>
    /// <c>--chords</c>: adds the chord-symbol accompaniment to <paramref name="score"/> (<see cref="ChordAccompaniment.Add"/>)
    /// and returns the report for the verb's summary line ("; 24 chord symbols played as a chord track", and any not understood).
    /// </summary>
    public static string AddChords(Score score)
    {
        var r = ChordAccompaniment.Add(score);
        if (r.AlreadyThere) return "; --chords: the score already has a chord track (left as it is)";
        string played = r.Chords == 0 ? "; --chords: no chord symbols to play" : $"; {r.Chords} chord symbol{(r.Chords == 1 ? "" : "s")} played as a chord track";
        return played + (r.NotUnderstood.Count > 0
            ? $" ({r.NotUnderstood.Count} not understood and left out: {string.Join(" ", r.NotUnderstood.Take(8).Select(x => "\"" + x + "\""))})" : "");
    }

    /// <summary>The score of one tune read from <paramref name="book"/>, with the file's and the tune's warnings.</summary>
    public static LoadedScore FromTune(string path, AbcParseResult book, AbcTune tune) =>
        new(path, tune.Score, [.. book.Warnings, .. tune.Warnings], tune, null);

    /// <summary>
    /// Chooses the tune of <paramref name="book"/> that <paramref name="selection"/> names (see the class remarks).
    /// </summary>
    /// <param name="path">The file, for messages.</param>
    /// <param name="book">The parsed file.</param>
    /// <param name="selection">The selection.</param>
    /// <returns>The tune.</returns>
    /// <exception cref="UsageException">When no tune matches, or several do (two tunes with the same X: number or title, or a
    /// part of a title found in several tunes).</exception>
    /// <exception cref="MusicFormatException">When the chosen tune (or, without a selection, the first tune) could not be
    /// read, or the file holds no tune at all.</exception>
    public static AbcTune SelectTune(string path, AbcParseResult book, TuneSelection selection)
    {
        var all = Entries(book);
        if (all.Count == 0) throw new MusicFormatException(path, book.NoTuneReason ?? "no tune (X: field) found");
        Entry chosen;
        if (selection.Reference is { } x)
        {
            var hits = all.Where(e => e.Reference == x).ToList();
            if (hits.Count == 0) hits = all.Where(e => SameNumber(e.Reference, x)).ToList();
            if (hits.Count == 0) throw new UsageException($"{path}: no tune X:{x} (tunes: {ListReferences(all)})");
            if (hits.Count > 1) throw new UsageException($"{path}: {hits.Count} tunes are numbered X:{x} ({ListTitles(hits)}); choose one with --title");
            chosen = hits[0];
        }
        else if (selection.Title is { } t)
        {
            var exact = all.Where(e => e.Titles.Any(s => s.Trim().Equals(t, StringComparison.OrdinalIgnoreCase))).ToList();
            if (exact.Count > 1) throw new UsageException($"{path}: {exact.Count} tunes are titled '{t}' ({ListTitles(exact)}); choose one with --tune X");
            if (exact.Count == 1) chosen = exact[0];
            else
            {
                var part = all.Where(e => e.Titles.Any(s => s.Contains(t, StringComparison.OrdinalIgnoreCase))).ToList();
                if (part.Count == 0) throw new UsageException($"{path}: no tune titled '{t}' ({all.Count} tune{(all.Count == 1 ? "" : "s")}: {ListTitles(all)})");
                if (part.Count > 1) throw new UsageException($"{path}: '{t}' is part of the titles of {part.Count} tunes ({ListTitles(part)}); give the whole title or --tune X");
                chosen = part[0];
            }
        }
        else chosen = all[0];
        if (chosen.Tune != null) return chosen.Tune;
        string more = !selection.IsSet && all.Count > 1 ? $" (the file has {all.Count} tunes: choose another with --tune X)" : "";
        throw new MusicFormatException(chosen.Error!.SourceName, chosen.Error.Problem + more, null, chosen.Error);
    }

    /// <summary>The reference numbers of the tunes of <paramref name="book"/> (read or not), in file order, for messages.</summary>
    public static string ListReferences(AbcParseResult book) => ListReferences(Entries(book));

    private sealed record Entry(int Line, string Reference, IReadOnlyList<string> Titles, AbcTune? Tune, MusicFormatException? Error);

    // Tunes that were read and those that were not, in file order. An unreadable tune is known only by its error, whose
    // problem text starts with "tune X:<ref> "<title>", line <n>:" (AbcTuneParser's format).
    private static List<Entry> Entries(AbcParseResult book)
    {
        var list = book.Tunes.Select(t => new Entry(t.Line, t.ReferenceNumber.Trim(), t.Titles, t, null)).ToList();
        foreach (var e in book.Errors)
        {
            var m = ErrorHead().Match(e.Problem);
            string reference = m.Success ? m.Groups[1].Value : "?";
            var titles = m.Success && m.Groups[2].Success ? new[] { m.Groups[2].Value } : [];
            int line = m.Success && int.TryParse(m.Groups[3].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int l) ? l : int.MaxValue;
            list.Add(new Entry(line, reference, titles, null, e));
        }
        // Read tunes are ordered by their X: line; an error's line is where it happened, after its own X: line and before
        // the next tune's, so the order by line is file order.
        return list.OrderBy(e => e.Line).ToList();
    }

    [GeneratedRegex("""^tune X:(\S*)(?: "(.*)")?, line (\d+):""", RegexOptions.CultureInvariant)]
    private static partial Regex ErrorHead();

    private static bool SameNumber(string a, string b) =>
        int.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out int x) &&
        int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out int y) && x == y;

    private static string ListReferences(List<Entry> all) =>
        Shorten(all.Select(e => e.Reference.Length == 0 ? "(empty)" : e.Reference), 20);

    private static string ListTitles(List<Entry> all) =>
        Shorten(all.Select(e => $"X:{e.Reference} \"{(e.Titles.Count > 0 ? e.Titles[0] : "")}\""), 5);

    private static string Shorten(IEnumerable<string> items, int max)
    {
        var list = items.ToList();
        return list.Count <= max ? string.Join(", ", list) : string.Join(", ", list.Take(max)) + $", ... ({list.Count} in all)";
    }
}
