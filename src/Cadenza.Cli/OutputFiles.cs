namespace Cadenza.Cli;

/// <summary>Output paths: checks before any work, numbering for several outputs, clean-up on failure.</summary>
public static class OutputFiles
{
    /// <summary>How output names are compared for clashes: by case on Linux (where <c>a.mid</c> and <c>A.MID</c> are two
    /// files), ignoring case on Windows and macOS (where they are one).</summary>
    public static StringComparer NameComparer { get; } =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>
    /// Checks that <paramref name="path"/> can be written: not a folder, and its folder exists or can be
    /// created (creating it). Throws a usage error naming the path otherwise.
    /// </summary>
    /// <exception cref="UsageException">When the path cannot be written.</exception>
    public static void CheckWritable(string path, string what)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UsageException($"{what}: empty output path");
        if (path == "-") throw new UsageException($"-o -: Cadenza writes the {what} to a file, not to standard output; give a file name");
        if (Directory.Exists(path)) throw new UsageException($"{path}: is a folder; give a file name for the {what}");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        try
        {
            Directory.CreateDirectory(dir);
            var probe = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".probe");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new UsageException($"{path}: cannot write the {what} there ({ShortReason(e)})");
        }
    }

    /// <summary>Checks that <paramref name="dir"/> is or can become a writable folder (creating it).</summary>
    /// <exception cref="UsageException">When it cannot.</exception>
    public static void CheckWritableFolder(string dir, string what)
    {
        if (File.Exists(dir)) throw new UsageException($"{dir}: exists and is a file; give a folder for the {what}");
        try
        {
            Directory.CreateDirectory(dir);
            var probe = Path.Combine(dir, ".cadenza-probe-" + Guid.NewGuid().ToString("N"));
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new UsageException($"{dir}: cannot write the {what} there ({ShortReason(e)})");
        }
    }

    /// <summary>Refuses an output that would overwrite the input.</summary>
    /// <exception cref="UsageException">When both name the same file.</exception>
    public static void CheckNotInput(string output, string input)
    {
        if (string.Equals(Path.GetFullPath(output), Path.GetFullPath(input), StringComparison.Ordinal))
            throw new UsageException($"{output}: the output is the input file; choose another output name");
    }

    /// <summary>A short reason for a failed write, without the temporary names .NET puts in its messages.</summary>
    public static string ShortReason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        PathTooLongException => "the path is too long",
        DirectoryNotFoundException => "the folder does not exist",
        FileNotFoundException => "not a writable location",
        IOException io when io.Message.Contains("already exists") => "a file is in the way of a folder",
        _ => e.Message,
    };

    /// <summary>The path of output <paramref name="index"/> (1-based) of <paramref name="count"/>: <c>song.mid</c> → <c>song-2.mid</c>.</summary>
    public static string Numbered(string path, int index, int count)
    {
        if (count <= 1) return path;
        var dir = Path.GetDirectoryName(path) ?? "";
        return Path.Combine(dir, $"{Path.GetFileNameWithoutExtension(path)}-{index}{Path.GetExtension(path)}");
    }
}
