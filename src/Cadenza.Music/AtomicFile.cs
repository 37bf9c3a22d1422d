namespace Cadenza.Music;

/// <summary>
/// Atomic file writes: the content goes to a temporary file in the target's folder, is flushed to disk, and is renamed
/// over the target, so a failure (a full disk, a crash, Ctrl-C) never leaves a half-written file.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes UTF-8 text (no byte-order mark) atomically, creating the folder if needed.</summary>
    /// <param name="path">The file to write; replaced if it exists.</param>
    /// <param name="text">The text.</param>
    /// <exception cref="IOException">When it cannot be written; the message names <paramref name="path"/> (never the temporary file) and the reason.</exception>
    /// <exception cref="UnauthorizedAccessException">When the folder may not be written.</exception>
    public static void WriteAllText(string path, string text) =>
        Write(path, s => { var bytes = new System.Text.UTF8Encoding(false).GetBytes(text); s.Write(bytes, 0, bytes.Length); });

    /// <summary>Writes bytes atomically, creating the folder if needed.</summary>
    /// <param name="path">The file to write; replaced if it exists.</param>
    /// <param name="bytes">The content.</param>
    /// <exception cref="IOException">When it cannot be written; the message names <paramref name="path"/> and the reason.</exception>
    /// <exception cref="UnauthorizedAccessException">When the folder may not be written.</exception>
    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes, 0, bytes.Length));

    /// <summary>Writes through <paramref name="write"/> to a temporary file, then renames it to <paramref name="path"/>.
    /// On any exception the temporary file is removed and the old file (if any) is left as it was.</summary>
    /// <param name="path">The file to write; replaced if it exists. Its folder is created if needed.</param>
    /// <param name="write">Writes the content to the stream it is given.</param>
    /// <exception cref="IOException">When it cannot be written (a full disk, a folder in the way ...): the message names
    /// <paramref name="path"/> and the reason; <see cref="IsDiskFull"/> tells a full disk.</exception>
    /// <exception cref="UnauthorizedAccessException">When the folder may not be written.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        if (Directory.Exists(full)) throw new IOException($"{path}: cannot write the file: a folder of that name is in the way");
        var tmp = Path.Combine(dir, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..12] + ".tmp");
        try
        {
            Directory.CreateDirectory(dir);
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch (IOException e) when (e is not FileNotFoundException)
        {
            throw new IOException($"{path}: cannot write the file ({Reason(e)})", e);
        }
        finally
        {
            try { if (File.Exists(tmp)) File.Delete(tmp); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>True when <paramref name="e"/> (or an exception inside it) says the disk or the user's quota is full (ENOSPC, EDQUOT, or Windows' disk-full codes).</summary>
    /// <param name="e">The exception from a write.</param>
    public static bool IsDiskFull(Exception e)
    {
        for (var x = e; x != null; x = x.InnerException)
        {
            if (x is not IOException) continue;
            int code = x.HResult & 0xFFFF;
            if (OperatingSystem.IsWindows() ? code is 0x70 or 0x27 : x.HResult is 28 or 122) return true;
            if (x.Message.Contains("No space left on device", StringComparison.Ordinal) || x.Message.Contains("quota exceeded", StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    // The OS message without the " : 'path'" .NET appends (it names the temporary file).
    private static string Reason(IOException e)
    {
        if (IsDiskFull(e)) return "the disk is full";
        string m = e.Message;
        int cut = m.IndexOf(" : '", StringComparison.Ordinal);
        if (cut < 0) cut = m.IndexOf(" '", StringComparison.Ordinal) is int q && q >= 0 && m.IndexOf(".tmp", q, StringComparison.Ordinal) > 0 ? q : -1;
        return (cut >= 0 ? m[..cut] : m).Trim().TrimEnd('.');
    }
}
