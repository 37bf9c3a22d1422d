namespace Cadenza.Audio.FluidSynth;

/// <summary>Raised when a SoundFont cannot be used: the file is missing, unreadable, not a SoundFont 2 file, or FluidSynth refuses it. The message names the file and the problem.</summary>
public sealed class SoundFontException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">One line naming the file and what is wrong with it.</param>
    public SoundFontException(string message) : base(message) { }
}

/// <summary>Where SoundFonts are found and a quick check that a file is one.</summary>
public static class SoundFont
{
    /// <summary>The General MIDI SoundFont of the Debian package fluid-soundfont-gm (FluidR3_GM, about 141 MiB).</summary>
    public const string DebianGeneralMidiPath = "/usr/share/sounds/sf2/FluidR3_GM.sf2";

    /// <summary>The default General MIDI SoundFont when installed: <see cref="DebianGeneralMidiPath"/>, else null.</summary>
    public static string? FindDefault() => File.Exists(DebianGeneralMidiPath) ? DebianGeneralMidiPath : null;

    /// <summary>
    /// Checks that <paramref name="path"/> exists and starts like a SoundFont 2 file (a RIFF header of form type
    /// <c>sfbk</c> whose size fits the file). This catches a missing, empty, truncated-header or wrong-format file
    /// before FluidSynth is asked; damage deeper inside is reported by FluidSynth when it loads the file.
    /// </summary>
    /// <param name="path">The file to check.</param>
    /// <exception cref="ArgumentException">When <paramref name="path"/> is null or empty.</exception>
    /// <exception cref="SoundFontException">When the file is missing, unreadable or not a SoundFont 2 file; the message names the file.</exception>
    public static void Check(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path)) throw new SoundFontException($"{path}: is a folder, not a SoundFont file");
        if (!File.Exists(path)) throw new SoundFontException($"{path}: SoundFont file not found");
        Span<byte> h = stackalloc byte[12];
        long length;
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            length = fs.Length;
            if (fs.ReadAtLeast(h, 12, throwOnEndOfStream: false) < 12)
                throw new SoundFontException($"{path}: not a SoundFont 2 file (only {length} bytes)");
        }
        catch (Exception e) when (e is IOException and not SoundFontException || e is UnauthorizedAccessException)
        {
            throw new SoundFontException($"{path}: cannot read the SoundFont: {e.Message}");
        }
        if (h[0] != 'R' || h[1] != 'I' || h[2] != 'F' || h[3] != 'F' || h[8] != 's' || h[9] != 'f' || h[10] != 'b' || h[11] != 'k')
            throw new SoundFontException($"{path}: not a SoundFont 2 file (no RIFF 'sfbk' header)");
        long riffSize = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(h[4..]);
        if (riffSize + 8 > length)
            throw new SoundFontException($"{path}: truncated SoundFont ({length} bytes, the header promises {riffSize + 8})");
    }
}
