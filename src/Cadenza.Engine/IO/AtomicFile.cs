namespace Cadenza.Engine.IO;

/// <summary>
/// A file written under a temporary name in its final directory and moved over the final name
/// only when complete, so that readers (and a crash) see either the old file or the whole new one.
/// Disposing without <see cref="Commit"/> deletes the temporary file.
/// </summary>
internal sealed class AtomicFile : IDisposable
{
    /// <summary>Test hook: wraps each temporary file's stream (to simulate failures mid-write). Flows with the async context only.</summary>
    internal static readonly AsyncLocal<Func<string, Stream, Stream>?> StreamWrapperForTests = new();

    private readonly FileStream _file;
    private bool _closed, _committed;

    public AtomicFile(string finalPath)
    {
        FinalPath = Path.GetFullPath(finalPath);
        string dir = Path.GetDirectoryName(FinalPath)!;
        TempPath = Path.Combine(dir, $".{Path.GetFileName(FinalPath)}.{Guid.NewGuid():N}.tmp");
        _file = new FileStream(TempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        var wrap = StreamWrapperForTests.Value;
        Stream = wrap is null ? _file : wrap(FinalPath, _file);
    }

    public string FinalPath { get; }

    public string TempPath { get; }

    /// <summary>Where the content goes.</summary>
    public Stream Stream { get; }

    /// <summary>Flushes the content to disk and closes the temporary file.</summary>
    public void Finish()
    {
        Stream.Flush();
        _file.Flush(flushToDisk: true);
        _file.Dispose();
        _closed = true;
    }

    /// <summary>Moves the finished temporary file over the final name.</summary>
    public void Commit()
    {
        if (!_closed) Finish();
        File.Move(TempPath, FinalPath, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed) return;
        try { _file.Dispose(); } catch (IOException) { }
        try { File.Delete(TempPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
