namespace Cadenza.Training;

/// <summary>
/// A labels file: CSV with a header row that has at least the columns <c>path</c> and <c>genre</c>
/// (as <c>../shared/data/labels.csv</c>); paths are relative to the labels file's folder.
/// Quoted fields (with commas and doubled quotes inside) are understood.
/// </summary>
public sealed class Labels
{
    private readonly Dictionary<string, string> _genreByFullPath;

    private Labels(Dictionary<string, string> map, string path)
    {
        _genreByFullPath = map;
        SourcePath = path;
    }

    /// <summary>The labels file this was read from.</summary>
    public string SourcePath { get; }

    /// <summary>Number of labelled files.</summary>
    public int Count => _genreByFullPath.Count;

    /// <summary>The genre labelled for <paramref name="fullPath"/>, or null when the file is not listed.</summary>
    public string? GenreOf(string fullPath) =>
        _genreByFullPath.TryGetValue(Path.GetFullPath(fullPath), out var g) ? g : null;

    /// <summary>Reads a labels file.</summary>
    /// <exception cref="FileNotFoundException">When the file does not exist.</exception>
    /// <exception cref="InvalidDataException">When it has no <c>path</c> and <c>genre</c> columns or a row is malformed.</exception>
    public static Labels Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: labels file not found", path);
        var root = Path.GetDirectoryName(Path.GetFullPath(path))!;
        using var reader = new StreamReader(path);
        var header = reader.ReadLine() ?? throw new InvalidDataException($"{path}: the labels file is empty");
        var cols = SplitCsv(header, path, 1);
        int pathCol = cols.FindIndex(c => c.Trim().Equals("path", StringComparison.OrdinalIgnoreCase));
        int genreCol = cols.FindIndex(c => c.Trim().Equals("genre", StringComparison.OrdinalIgnoreCase));
        if (pathCol < 0 || genreCol < 0)
            throw new InvalidDataException($"{path}: the header needs columns 'path' and 'genre' (found: {string.Join(", ", cols)})");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        int lineNo = 1;
        string? line;
        while ((line = reader.ReadLine()) != null)
        {
            lineNo++;
            if (line.Length == 0) continue;
            // A quoted field may span lines.
            while (CountQuotes(line) % 2 == 1)
            {
                var next = reader.ReadLine();
                if (next == null) throw new InvalidDataException($"{path}: line {lineNo}: unterminated quoted field");
                line += "\n" + next;
                lineNo++;
            }
            var f = SplitCsv(line, path, lineNo);
            if (f.Count <= Math.Max(pathCol, genreCol))
                throw new InvalidDataException($"{path}: line {lineNo}: expected at least {Math.Max(pathCol, genreCol) + 1} columns, found {f.Count}");
            var rel = f[pathCol].Trim();
            var genre = f[genreCol].Trim().ToLowerInvariant();
            if (rel.Length == 0 || genre.Length == 0) continue;
            map[Path.GetFullPath(Path.Combine(root, rel))] = genre;
        }
        return new Labels(map, path);
    }

    private static int CountQuotes(string s)
    {
        int n = 0;
        foreach (var c in s) if (c == '"') n++;
        return n;
    }

    private static List<string> SplitCsv(string line, string path, int lineNo)
    {
        var fields = new List<string>();
        var sb = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                    else quoted = false;
                }
                else sb.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(sb.ToString()); sb.Clear(); }
            else if (c != '\r') sb.Append(c);
        }
        if (quoted) throw new InvalidDataException($"{path}: line {lineNo}: unterminated quoted field");
        fields.Add(sb.ToString());
        return fields;
    }
}
