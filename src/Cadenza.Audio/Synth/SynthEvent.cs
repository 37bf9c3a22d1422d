namespace Cadenza.Audio.Synth;

internal enum EventKind : byte { NoteOff = 0, Control = 1, Bend = 2, NoteOn = 3 }

/// <summary>One timed event of the render, at an absolute frame. Sorted by (frame, kind, sequence): note-offs first, then controllers and bends, then note-ons.</summary>
internal readonly record struct SynthEvent(long Frame, EventKind Kind, int Chan, int Data1, int Data2, int NoteId, int Program, bool Drum, int Seq);
