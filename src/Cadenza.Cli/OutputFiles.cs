namespace Cadenza.Cli;

/// <summary>Output paths: checks before any work, numbering for several outputs, clean-up on failure.</summary>
public static class OutputFiles
{
    /// <summary>
    /// Checks that <paramref name="path"/> can be written: not a folder, and its folder exists or can be
    /// created (creating it). Throws a usage error naming the path otherwise.
    /// </summary>
    /// <exception cref="UsageException">When the path cannot be written.</exception>
    public static void CheckWritable(string path, string what)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UsageException($"{what}: empty output path");
        if (Directory.Exists(path)) throw new UsageException($"{path}: is a folder; give a file name for the {what}");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        try
        {
            Directory.CreateDirectory(dir);
            var probe = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".probe");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{path}: cannot write the {what} there ({e.Message})");
        }
    }

    /// <summary>The path of output <paramref name="index"/> (1-based) of <paramref name="count"/>: <c>song.mid</c> → <c>song-2.mid</c>.</summary>
    public static string Numbered(string path, int index, int count)
    {
        if (count <= 1) return path;
        var dir = Path.GetDirectoryName(path) ?? "";
        return Path.Combine(dir, $"{Path.GetFileNameWithoutExtension(path)}-{index}{Path.GetExtension(path)}");
    }
}
