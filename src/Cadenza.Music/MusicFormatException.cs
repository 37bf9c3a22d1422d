namespace Cadenza.Music;

/// <summary>
/// The one typed error for music input that cannot be read (MIDI, ABC, ...): it names the source
/// (usually a file name) and the problem, and, where useful, the byte offset at which it was found.
/// </summary>
/// <remarks>
/// The message reads "<c>SourceName: problem</c>", for example
/// "<c>song.mid: track 0 at byte 1234: variable-length number longer than 4 bytes</c>".
/// </remarks>
public class MusicFormatException : Exception
{
    /// <summary>Creates the error.</summary>
    /// <param name="sourceName">The file name or other label of the input.</param>
    /// <param name="problem">What is wrong, including where (track, byte offset, line) when known.</param>
    /// <param name="offset">Byte offset of the problem from the start of the input, when known.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public MusicFormatException(string sourceName, string problem, long? offset = null, Exception? innerException = null)
        : base($"{sourceName}: {problem}", innerException)
    {
        SourceName = sourceName;
        Problem = problem;
        Offset = offset;
    }

    /// <summary>The file name or label of the input that could not be read.</summary>
    public string SourceName { get; }

    /// <summary>The problem without the source name prefix.</summary>
    public string Problem { get; }

    /// <summary>Byte offset of the problem from the start of the input (null when it has no single location).</summary>
    public long? Offset { get; }
}
