namespace Cadenza.Cli;

/// <summary>Expands file and folder arguments into the list of music files to process.</summary>
public static class Inputs
{

    /// <summary>
    /// Expands <paramref name="path"/>: a file is returned as is (whatever its extension), a folder
    /// yields its MIDI files recursively in ordinal order with their paths relative to the folder.
    /// </summary>
    /// <exception cref="UsageException">When the path does not exist or a folder holds no MIDI files.</exception>
    public static List<(string FullPath, string Relative)> Expand(string path, out bool isFolder) =>
        Expand(path, out isFolder, Music.Midi.MidiFile.HasMidiExtension, "MIDI files (" + string.Join(", ", Music.Midi.MidiFile.Extensions) + ")");

    /// <summary>
    /// Expands <paramref name="path"/> like <see cref="Expand(string, out bool)"/>, taking from a folder the files for which
    /// <paramref name="wanted"/> is true.
    /// </summary>
    /// <param name="path">A file or folder.</param>
    /// <param name="isFolder">Set when <paramref name="path"/> is a folder.</param>
    /// <param name="wanted">Which files of a folder to take (by path).</param>
    /// <param name="what">What those files are, for the message when a folder holds none ("MIDI or ABC files").</param>
    /// <exception cref="UsageException">When the path does not exist or a folder holds no wanted files.</exception>
    public static List<(string FullPath, string Relative)> Expand(string path, out bool isFolder, Func<string, bool> wanted, string what)
    {
        if (File.Exists(path))
        {
            isFolder = false;
            return [(Path.GetFullPath(path), Path.GetFileName(path))];
        }
        if (!Directory.Exists(path)) throw new UsageException($"{path}: no such file or folder");
        isFolder = true;
        var root = Path.GetFullPath(path);
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(wanted)
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => (f, Path.GetRelativePath(root, f)))
            .ToList();
        if (files.Count == 0) throw new UsageException($"{path}: the folder holds no {what}");
        return files;
    }

    /// <summary>A message with a leading "path: " removed (the caller names the file itself).</summary>
    public static string WithoutPath(string message, string path) =>
        message.StartsWith(path + ": ", StringComparison.Ordinal) ? message[(path.Length + 2)..] : message;
}
