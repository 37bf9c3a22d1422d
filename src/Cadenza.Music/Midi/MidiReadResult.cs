namespace Cadenza.Music.Midi;

/// <summary>What <see cref="MidiFile"/> read from a Standard MIDI File: the score and what was repaired.</summary>
public sealed class MidiReadResult
{
    internal MidiReadResult(Score score, IReadOnlyList<string> warnings, int format, int trackChunks, bool smpteDivision,
        int zeroLengthNotes, bool riffWrapped)
    {
        Score = score;
        Warnings = warnings;
        Format = format;
        TrackChunks = trackChunks;
        SmpteDivision = smpteDivision;
        ZeroLengthNotes = zeroLengthNotes;
        RiffWrapped = riffWrapped;
    }

    /// <summary>The music read from the file.</summary>
    public Score Score { get; }

    /// <summary>
    /// One human-readable line per repair or reinterpretation made while reading (empty for a clean file).
    /// Repeated problems of one kind are reported once, with a count.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The SMF format from the header: 0 (one track), 1 (simultaneous tracks) or 2 (sequential patterns).</summary>
    public int Format { get; }

    /// <summary>Number of <c>MTrk</c> chunks actually found and read (may differ from the header's count).</summary>
    public int TrackChunks { get; }

    /// <summary>True when the file's division was SMPTE frames × ticks per frame (converted to a PPQ time base).</summary>
    public bool SmpteDivision { get; }

    /// <summary>Number of zero-length notes (note-off at the note-on's tick) that were kept with duration 0.</summary>
    public int ZeroLengthNotes { get; }

    /// <summary>True when the file was a RIFF <c>RMID</c> wrapper around a standard MIDI file.</summary>
    public bool RiffWrapped { get; }
}
