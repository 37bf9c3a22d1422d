using System.Text;

namespace Cadenza.Music.Abc;

/// <summary>
/// Reads ABC 2.1 files (one or several tunes) into <see cref="Score"/>s.
/// </summary>
/// <remarks>
/// A file is split into a file header (the fields before the first <c>X:</c>, whose <c>M:</c>, <c>L:</c>, <c>Q:</c> and
/// other defaults apply to every tune), free text (ignored) and tunes, each starting at an <c>X:</c> line and ending at
/// an empty line, the next <c>X:</c> line or the end of the file. Each tune is read on its own: a tune that cannot be
/// read is reported in <see cref="AbcParseResult.Errors"/> and does not stop the others. See docs/formats.md, section ABC.
/// </remarks>
public static class AbcFile
{
    /// <summary>Reads and parses an ABC file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="options">Reading options, or null for the defaults.</param>
    /// <returns>The tunes, per-tune errors and warnings; the source name is the file name.</returns>
    /// <exception cref="IOException">When the file cannot be read (including <see cref="FileNotFoundException"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">When an option is out of range (see <see cref="Parse(string, string, AbcReadOptions?)"/>).</exception>
    public static AbcParseResult Read(string path, AbcReadOptions? options = null)
    {
        var bytes = File.ReadAllBytes(path);
        return Parse(bytes, Path.GetFileName(path), options);
    }

    /// <summary>Decodes and parses ABC bytes: UTF-8 by default (a byte-order mark is skipped), ISO-8859-1 when the file says
    /// <c>%%abc-charset iso-8859-1</c> (or latin1), and ISO-8859-1 as a fallback when the bytes are not valid UTF-8
    /// (with a warning), so no input decodes to replacement characters.</summary>
    /// <param name="data">The file's bytes.</param>
    /// <param name="sourceName">Name used in messages.</param>
    /// <param name="options">Reading options, or null for the defaults.</param>
    /// <returns>The tunes, per-tune errors and warnings.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When an option is out of range (see <see cref="Parse(string, string, AbcReadOptions?)"/>).</exception>
    public static AbcParseResult Parse(ReadOnlySpan<byte> data, string sourceName, AbcReadOptions? options = null)
    {
        string text = Decode(data, out string? warning);
        var result = Parse(text, sourceName, options);
        if (warning != null) result.WarningList.Insert(0, warning);
        // NUL bytes outside a UTF-16 text: binary data, not ABC.
        if (result.NoTuneReason != null && data.Length > 0 && data[..Math.Min(data.Length, 4096)].Contains((byte)0)
            && !(data.Length >= 2 && data[0] is 0xFF or 0xFE && data[1] is 0xFF or 0xFE))
        {
            result.WarningList.Remove(result.NoTuneReason);
            result.NoTuneReason = "not a text file (it holds binary data); ABC is text, each tune starting with an X: line";
            result.WarningList.Add(result.NoTuneReason);
        }
        return result;
    }

    /// <summary>Decodes ABC bytes to text by the rules of <see cref="Parse(ReadOnlySpan{byte}, string, AbcReadOptions?)"/>.</summary>
    /// <param name="data">The bytes.</param>
    /// <param name="warning">Set when the declared or default encoding did not fit and ISO-8859-1 was used instead.</param>
    /// <returns>The decoded text.</returns>
    public static string Decode(ReadOnlySpan<byte> data, out string? warning)
    {
        warning = null;
        if (data.Length >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF) data = data[3..];
        else if (data.Length >= 2 && data[0] == 0xFF && data[1] == 0xFE) return Encoding.Unicode.GetString(data[2..]);
        else if (data.Length >= 2 && data[0] == 0xFE && data[1] == 0xFF) return Encoding.BigEndianUnicode.GetString(data[2..]);
        string? charset = FindCharset(data);
        if (charset != null)
        {
            string cs = charset.ToLowerInvariant();
            if (cs is "iso-8859-1" or "iso8859-1" or "latin1" or "latin-1" or "iso-8859-15" or "windows-1252" or "cp1252")
                return Encoding.Latin1.GetString(data);
        }
        try
        {
            return new UTF8Encoding(false, true).GetString(data);
        }
        catch (DecoderFallbackException)
        {
            warning = charset == null
                ? "the file is not valid UTF-8; it was read as ISO-8859-1"
                : $"the file declares charset '{charset}' but is not valid in it; it was read as ISO-8859-1";
            return Encoding.Latin1.GetString(data);
        }
    }

    private static string? FindCharset(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> key = "%%abc-charset"u8;
        int at = data.IndexOf(key);
        if (at < 0) return null;
        int i = at + key.Length;
        while (i < data.Length && (data[i] == ' ' || data[i] == '\t')) i++;
        int start = i;
        while (i < data.Length && data[i] > ' ' && data[i] < 0x7F) i++;
        return i > start ? Encoding.ASCII.GetString(data[start..i]) : null;
    }

    /// <summary>Parses ABC text (already decoded).</summary>
    /// <param name="text">The whole file.</param>
    /// <param name="sourceName">Name used in messages (usually the file name).</param>
    /// <param name="options">Reading options, or null for the defaults.</param>
    /// <returns>The tunes read, one <see cref="MusicFormatException"/> per tune that could not be read, and file-level warnings.
    /// This method does not throw for bad input.</returns>
    /// <exception cref="ArgumentNullException">When <paramref name="text"/> or <paramref name="sourceName"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When the options' time base is not positive, the velocity is outside
    /// 1..127 or the note limit is not positive.</exception>
    public static AbcParseResult Parse(string text, string sourceName, AbcReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sourceName);
        options ??= new AbcReadOptions();
        if (options.TicksPerQuarter <= 0 || options.Velocity is < 1 or > 127 || options.MaxNotesPerTune <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), "TicksPerQuarter and MaxNotesPerTune must be positive, Velocity 1..127");
        var result = new AbcParseResult(sourceName);
        var lines = SplitLines(text);

        // File header: the lines before the first X:, if they are not all free text.
        int firstX = lines.FindIndex(IsXLine);
        var fileHeader = new List<(string Line, int Number)>();
        int headerEnd = firstX < 0 ? lines.Count : firstX;
        bool inHeaderBlock = true;
        for (int i = 0; i < headerEnd; i++)
        {
            string l = lines[i];
            if (l.Trim().Length == 0) { if (fileHeader.Count > 0) inHeaderBlock = false; continue; }
            if (l.StartsWith('%')) continue;
            if (inHeaderBlock && AbcTuneParser.IsFieldLine(l)) fileHeader.Add((l, i + 1));
            else
            {
                inHeaderBlock = false;
                if (!AbcTuneParser.IsFieldLine(l)) result.WarningList.Add($"line {i + 1}: free text outside any tune ignored");
                else result.WarningList.Add($"line {i + 1}: field outside the file header and any tune ignored");
            }
        }

        int n = headerEnd;
        while (n < lines.Count)
        {
            if (!IsXLine(lines[n]))
            {
                if (lines[n].Trim().Length > 0 && !lines[n].StartsWith('%'))
                    result.WarningList.Add($"line {n + 1}: free text outside any tune ignored");
                n++;
                continue;
            }
            int start = n;
            n++;
            while (n < lines.Count && lines[n].Trim().Length > 0 && !IsXLine(lines[n])) n++;
            var parser = new AbcTuneParser(sourceName, options, fileHeader, lines, start, n);
            try
            {
                result.TuneList.Add(parser.Parse());
            }
            catch (MusicFormatException e)
            {
                result.ErrorList.Add(e);
            }
        }
        if (result.TuneList.Count == 0 && result.ErrorList.Count == 0)
        {
            result.NoTuneReason = text.Length == 0 ? "empty file (0 bytes)" : "no tune (X: field) found";
            result.WarningList.Add(result.NoTuneReason);
        }
        return result;
    }

    private static bool IsXLine(string l) => l.Length >= 2 && l[0] == 'X' && l[1] == ':';

    private static List<string> SplitLines(string text)
    {
        var lines = new List<string>();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\n' || c == '\r')
            {
                lines.Add(text[start..i]);
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                start = i + 1;
            }
        }
        if (start < text.Length) lines.Add(text[start..]);
        return lines;
    }
}
