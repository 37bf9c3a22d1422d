namespace Cadenza.Music.Midi;

/// <summary>Options for <see cref="MidiFile.Read(string, MidiReadOptions?)"/>.</summary>
public sealed class MidiReadOptions
{
    /// <summary>
    /// When true, every repair the tolerant reader would make (missing End-of-Track, chunk lengths
    /// that overrun the file, running status resumed after a meta event, trailing garbage, notes left
    /// open, ...) is instead raised as a <see cref="MusicFormatException"/> naming the byte offset.
    /// Default false: repair and report each repair in <see cref="MidiReadResult.Warnings"/>.
    /// </summary>
    public bool Strict { get; init; }

    /// <summary>
    /// How note-offs are matched to sounding notes of the same key (port, channel, pitch).
    /// Default <see cref="NotePairing.FirstInFirstOut"/>.
    /// </summary>
    public NotePairing Pairing { get; init; }

    /// <summary>
    /// When true, note lengths include the sustain pedal (see <see cref="SustainPedal.Apply"/>): a note released
    /// while the pedal is down sounds until the pedal is lifted or its key is struck again. Default false: notes
    /// keep their key-release lengths and the pedal is only kept in <see cref="Track.Controls"/>.
    /// </summary>
    public bool ApplySustainPedal { get; init; }
}

/// <summary>How a note-off is matched with the sounding notes of its key (port, channel and pitch).</summary>
public enum NotePairing
{
    /// <summary>
    /// A note-off ends the oldest sounding note of its key (first in, first out). Overlapping same-pitch
    /// notes keep their own lengths; a note-off with nothing sounding ends nothing. The default.
    /// </summary>
    FirstInFirstOut,

    /// <summary>
    /// A note-off ends every sounding note of its key that began before the note-off's tick (notes begun at
    /// that very tick stay sounding unless nothing else was sounding, then they end with length 0).
    /// This is how pretty_midi reads files; useful to compare against its output.
    /// </summary>
    AllSounding,
}
