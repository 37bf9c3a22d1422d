namespace Cadenza.Music.Midi;

/// <summary>
/// Reads and writes Standard MIDI Files (formats 0, 1 and 2; PPQ and SMPTE time; RIFF RMID wrapping).
/// Reading is tolerant by default and reports every repair in <see cref="MidiReadResult.Warnings"/>;
/// <see cref="MidiReadOptions.Strict"/> refuses the same damage. Writing produces format-1 files that
/// strict readers accept. The rules are documented in <c>docs/formats.md</c>, section "MIDI".
/// </summary>
public static class MidiFile
{
    /// <summary>File extensions (lower case) that batch tools read as MIDI: .mid, .midi, .rmi, .kar, .smf.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".mid", ".midi", ".rmi", ".kar", ".smf"];

    /// <summary>True when <paramref name="path"/> has one of the <see cref="Extensions"/> (any case).</summary>
    public static bool HasMidiExtension(string path) => Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>
    /// Reads the MIDI file at <paramref name="path"/> into a <see cref="Score"/>. The path as given names the
    /// file in error messages and warnings.
    /// </summary>
    /// <param name="path">File to read (a standard MIDI file or a RIFF RMID file, whatever its extension).</param>
    /// <param name="options">Reading options; null for tolerant reading.</param>
    /// <returns>The score, the repairs made, and facts about the file (format, track chunks, SMPTE time).</returns>
    /// <exception cref="MusicFormatException">The bytes are not a readable MIDI file (or, in strict mode, are damaged).</exception>
    /// <exception cref="FileNotFoundException">The file does not exist (passed through unchanged).</exception>
    /// <exception cref="IOException">The file cannot be read (passed through unchanged).</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read (passed through unchanged).</exception>
    public static MidiReadResult Read(string path, MidiReadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] data = File.ReadAllBytes(path);
        return MidiReader.Read(data, path, options);
    }

    /// <summary>Reads a MIDI file held in memory into a <see cref="Score"/>.</summary>
    /// <param name="data">The file's bytes (a standard MIDI file or a RIFF RMID file).</param>
    /// <param name="sourceName">Name used in error messages and warnings, usually the file name.</param>
    /// <param name="options">Reading options; null for tolerant reading.</param>
    /// <returns>The score, the repairs made, and facts about the file (format, track chunks, SMPTE time).</returns>
    /// <exception cref="MusicFormatException">The bytes are not a readable MIDI file (or, in strict mode, are damaged).</exception>
    public static MidiReadResult Read(ReadOnlySpan<byte> data, string sourceName, MidiReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        return MidiReader.Read(data.ToArray(), sourceName, options);
    }

    /// <summary>
    /// Encodes <paramref name="score"/> as a format-1 Standard MIDI File: a conductor track (title, tempo,
    /// time and key signatures, texts) then one track chunk per <see cref="Track"/> (name, port event when
    /// <see cref="Track.Port"/> is not 0, program change, notes, controllers, pitch bends). A track with
    /// <see cref="Track.IsDrum"/> is written on channel index 9 whatever its <see cref="Track.Channel"/>; reading
    /// makes every channel-9 part a drum part.
    /// </summary>
    /// <param name="score">The music to encode; it is not modified.</param>
    /// <returns>The file's bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="score"/> is null.</exception>
    /// <exception cref="ArgumentException">A value cannot be written to MIDI (channel outside 0-15, pitch outside
    /// 0-127, negative tick or duration, a time-signature denominator that is not a power of two, ...).</exception>
    public static byte[] ToBytes(Score score) => MidiWriter.ToBytes(score);

    /// <summary>Writes <paramref name="score"/> to <paramref name="stream"/> as in <see cref="ToBytes"/>.
    /// The whole file is encoded before the first byte is written, so an invalid score writes nothing.</summary>
    /// <param name="score">The music to write.</param>
    /// <param name="stream">A writable stream; it is not closed.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">A value in the score cannot be written to MIDI.</exception>
    /// <exception cref="IOException">The stream fails.</exception>
    public static void Write(Score score, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] bytes = MidiWriter.ToBytes(score);
        stream.Write(bytes, 0, bytes.Length);
    }

    /// <summary>
    /// Writes <paramref name="score"/> to the file <paramref name="path"/> as in <see cref="ToBytes"/>, atomically:
    /// the bytes go to a temporary file in the same folder, which then replaces <paramref name="path"/>.
    /// On failure no half-written file remains and an existing file at <paramref name="path"/> is untouched.
    /// </summary>
    /// <param name="score">The music to write.</param>
    /// <param name="path">Destination file; overwritten if it exists.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">A value in the score cannot be written to MIDI, or the path is empty.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder may not be written.</exception>
    public static void Write(Score score, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = MidiWriter.ToBytes(score);
        AtomicFile.WriteAllBytes(path, bytes);
    }
}
