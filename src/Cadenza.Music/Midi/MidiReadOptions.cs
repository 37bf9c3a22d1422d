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
}
