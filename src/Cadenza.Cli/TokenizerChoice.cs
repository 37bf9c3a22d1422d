using Cadenza.Tokens;

namespace Cadenza.Cli;

/// <summary>Finds the tokenizer a verb should use: an explicit file, one beside the input, or the default REMI+.</summary>
public static class TokenizerChoice
{
    /// <summary>
    /// Loads <paramref name="explicitPath"/> when given, else the nearest <c>tokenizer.json</c> in
    /// <paramref name="besideFolder"/> or one of its parent folders, else the default REMI+ tokenizer.
    /// </summary>
    /// <exception cref="UsageException">When the explicit file is missing or cannot be loaded.</exception>
    public static Tokenizer Resolve(string? explicitPath, string? besideFolder, out string description)
    {
        string? path = explicitPath;
        for (var dir = besideFolder == null ? null : new DirectoryInfo(besideFolder); path == null && dir != null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tokenizer.json");
            if (File.Exists(candidate)) path = candidate;
        }
        if (path == null)
        {
            description = "default REMI+";
            return new RemiTokenizer();
        }
        if (!File.Exists(path)) throw new UsageException($"{path}: tokenizer file not found");
        try
        {
            var t = Tokenizer.Load(path);
            description = path;
            return t;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new UsageException(e.Message.StartsWith(path, StringComparison.Ordinal) ? e.Message : $"{path}: {e.Message}");
        }
    }

    /// <summary>Turns <c>--genre</c> into control tokens, checking the vocabulary has them.</summary>
    /// <exception cref="UsageException">When the genre has no token in the vocabulary.</exception>
    public static IReadOnlyList<string>? Controls(Tokenizer tokenizer, string? genre)
    {
        if (genre == null) return null;
        string token = "Genre_" + genre.ToLowerInvariant();
        if (!tokenizer.Vocabulary.TryGetId(token, out _))
        {
            var known = tokenizer.Vocabulary.Tokens.Where(t => t.StartsWith("Genre_", StringComparison.Ordinal)).Select(t => t[6..]);
            throw new UsageException($"unknown genre '{genre}' (known: {string.Join(", ", known)})");
        }
        return [token];
    }
}
