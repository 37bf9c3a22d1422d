using Cadenza.Music.Midi;

namespace Cadenza.Music.Tests.Midi;

/// <summary>The MIDI cases of shared/data/edge-cases/EXPECTED.md, on bytes built in code.</summary>
public class MidiEdgeCaseTests
{
    private static readonly MidiReadOptions Strict = new() { Strict = true };

    /// <summary>All notes as (pitch, start, duration, velocity, channel), sorted by start then pitch.</summary>
    internal static List<(int, long, long, int, int)> Notes(Score s) =>
        s.Tracks.SelectMany(t => t.Notes.Select(n => (n.Pitch, n.Onset, n.Duration, n.Velocity, t.Channel)))
            .OrderBy(n => n.Onset).ThenBy(n => n.Pitch).ThenBy(n => n.Duration).ToList();

    private static readonly (int, long, long, int, int)[] Arpeggio = [(60, 0, 480, 100, 0), (64, 480, 480, 100, 0), (67, 960, 480, 100, 0)];

    internal static MidiReadResult RoundTrip(Score s)
    {
        var bytes = MidiFile.ToBytes(s);
        return MidiFile.Read(bytes, "roundtrip.mid", Strict); // our own output must pass strict reading
    }

    [Fact]
    public void RiffRmidWrapped_ReadsEmbeddedFile()
    {
        var r = MidiFile.Read(EdgeCaseFiles.RiffRmidWrapped(), "riff_rmid_wrapped.mid");
        Assert.True(r.RiffWrapped);
        Assert.Equal(0, r.Format);
        Assert.Equal(480, r.Score.TicksPerQuarter);
        Assert.Equal(500_000, r.Score.MicrosecondsPerQuarterAt(0));
        Assert.Equal(Arpeggio, Notes(r.Score));
        Assert.Equal("Arpeggio", Assert.Single(r.Score.Tracks).Name);
        Assert.Equal("Edge Case", r.Score.Title);
        Assert.Empty(r.Warnings);
        Assert.Empty(MidiFile.Read(EdgeCaseFiles.RiffRmidWrapped(), "x", Strict).Warnings);

        var bytes = MidiFile.ToBytes(r.Score);
        Assert.Equal("MThd"u8.ToArray(), bytes[..4]); // a plain SMF
        Assert.Equal(Arpeggio, Notes(RoundTrip(r.Score).Score));
    }

    [Fact]
    public void RunningStatusAcrossMeta_TolerantResumesWithOneWarning()
    {
        var r = MidiFile.Read(EdgeCaseFiles.RunningStatusAcrossMeta(), "running_status_across_meta.mid");
        Assert.Equal([(60, 0, 240, 100, 0), (62, 240, 240, 100, 0), (64, 480, 240, 100, 0)], Notes(r.Score));
        Assert.Equal([new TextEvent(240, TextKind.Text, "cue 1"), new TextEvent(480, TextKind.Marker, "next")], r.Score.Texts);
        var w = Assert.Single(r.Warnings);
        Assert.Contains("running status resumed after a meta", w);
    }

    [Fact]
    public void RunningStatusAcrossMeta_StrictRejectsAtTheDataByte()
    {
        var e = Assert.Throws<MusicFormatException>(() => MidiFile.Read(EdgeCaseFiles.RunningStatusAcrossMeta(), "rs.mid", Strict));
        Assert.Equal(EdgeCaseFiles.RunningStatusAfterMetaOffset, e.Offset);
        Assert.Equal("rs.mid", e.SourceName);
        Assert.StartsWith("rs.mid: track 0 at byte 37:", e.Message);
    }

    [Fact]
    public void RunningStatusAcrossMeta_WriterPutsStatusAfterEveryMeta()
    {
        var r = MidiFile.Read(EdgeCaseFiles.RunningStatusAcrossMeta(), "x");
        var back = RoundTrip(r.Score); // strict: would throw on status-less data after a meta event
        Assert.Equal(Notes(r.Score), Notes(back.Score));
        Assert.Equal(r.Score.Texts, back.Score.Texts);
    }

    [Fact]
    public void MissingEndOfTrack_ReadsWithOneWarning()
    {
        var r = MidiFile.Read(EdgeCaseFiles.MissingEndOfTrack(), "missing_end_of_track.mid");
        Assert.Equal(Arpeggio, Notes(r.Score));
        var w = Assert.Single(r.Warnings);
        Assert.Contains("track 0", w);
        Assert.Contains("End-of-Track missing", w);
        Assert.Contains("tick 1440", w);

        var e = Assert.Throws<MusicFormatException>(() => MidiFile.Read(EdgeCaseFiles.MissingEndOfTrack(), "m.mid", Strict));
        Assert.Contains("track 0", e.Message);

        var bytes = MidiFile.ToBytes(r.Score);
        Assert.Equal([0xFF, 0x2F, 0x00], bytes[^3..]);
    }

    [Fact]
    public void UnknownChunkOverrun_SkipsChunkWithOneWarning()
    {
        var r = MidiFile.Read(EdgeCaseFiles.UnknownChunkOverrun(), "unknown_chunk_overrun.mid");
        Assert.Equal(Arpeggio, Notes(r.Score));
        var w = Assert.Single(r.Warnings);
        Assert.Contains("'XFIH'", w);
        Assert.Contains("claims 4096 bytes but only 6 remain", w);

        var e = Assert.Throws<MusicFormatException>(() => MidiFile.Read(EdgeCaseFiles.UnknownChunkOverrun(), "u.mid", Strict));
        Assert.Contains("XFIH", e.Message);
        Assert.Contains("only 6 remain", e.Message);
    }

    [Fact]
    public void TrackTruncatedMidEvent_KeepsCompleteEventsWithOneWarning()
    {
        var r = MidiFile.Read(EdgeCaseFiles.TrackTruncatedMidEvent(), "track_truncated_mid_event.mid");
        Assert.Equal([new TempoChange(0, 500_000)], r.Score.Tempos);
        Assert.Equal([(60, 0, 480, 100, 0)], Notes(r.Score)); // closed at the last decoded tick
        var w = Assert.Single(r.Warnings);
        Assert.Contains("track 0", w);
        Assert.Contains("truncated", w);
        Assert.Contains("closed at tick 480", w);

        var e = Assert.Throws<MusicFormatException>(() => MidiFile.Read(EdgeCaseFiles.TrackTruncatedMidEvent(), "t.mid", Strict));
        Assert.Contains("track 0", e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.NotNull(e.Offset);
    }

    [Fact]
    public void ZeroTracks_ReadsEmptyAndWritesValidFile()
    {
        var r = MidiFile.Read(EdgeCaseFiles.ZeroTracks(), "zero_tracks.mid", Strict);
        Assert.Equal(1, r.Format);
        Assert.Equal(0, r.TrackChunks);
        Assert.Empty(r.Score.Tracks);
        Assert.Equal(0, r.Score.NoteCount);
        Assert.Equal(500_000, r.Score.MicrosecondsPerQuarterAt(0));
        Assert.Equal(new TimeSignature(0, 4, 4), r.Score.TimeSignatureAt(0));
        Assert.Empty(r.Warnings);
        var back = RoundTrip(r.Score);
        Assert.Empty(back.Score.Tracks);
        Assert.Empty(back.Warnings);
    }

    [Fact]
    public void Format2_PatternsPlayOneAfterAnother()
    {
        var r = MidiFile.Read(EdgeCaseFiles.Format2TwoPatterns(), "format2_two_patterns.mid");
        Assert.Equal(2, r.Format);
        Assert.Equal(2, r.TrackChunks);
        Assert.Equal(2, r.Score.Tracks.Count);
        Assert.Equal([new Note(0, 480, 60, 100), new Note(480, 480, 62, 100)], r.Score.Tracks[0].Notes);
        Assert.Equal([new Note(960, 480, 67, 100), new Note(1440, 480, 69, 100)], r.Score.Tracks[1].Notes);
        Assert.Contains(r.Warnings, w => w.Contains("format 2") && w.Contains("one after another"));
        // Reading strictly still works: format 2 is not damage.
        Assert.Equal(Notes(r.Score), Notes(MidiFile.Read(EdgeCaseFiles.Format2TwoPatterns(), "x", Strict).Score));
    }

    [Fact]
    public void VlqMaxDelta_NoOverflow()
    {
        var r = MidiFile.Read(EdgeCaseFiles.VlqMaxDelta(), "vlq_max_delta.mid", Strict);
        Assert.Equal([(60, 0, 268_435_455, 100, 0), (62, 268_435_455, 96, 100, 0)], Notes(r.Score));
        Assert.Equal(1_398_101.33, r.Score.TicksToSeconds(268_435_455), 2);
        Assert.Equal(Notes(r.Score), Notes(RoundTrip(r.Score).Score));
    }

    [Fact]
    public void VlqFiveBytes_RejectedWithOffset()
    {
        foreach (var opts in new[] { null, Strict })
        {
            var e = Assert.Throws<MusicFormatException>(() => MidiFile.Read(EdgeCaseFiles.VlqFiveBytes(), "vlq_five_bytes.mid", opts));
            Assert.Equal(EdgeCaseFiles.VlqFiveBytesOffset, e.Offset);
            Assert.Equal("vlq_five_bytes.mid: track 0 at byte 26: variable-length number longer than 4 bytes", e.Message);
        }
    }

    [Fact]
    public void ZeroLengthNote_KeptWithDurationZero()
    {
        var r = MidiFile.Read(EdgeCaseFiles.ZeroLengthNote(), "zero_length_note.mid", Strict);
        Assert.Equal([(60, 0, 0, 100, 0), (60, 480, 480, 80, 0), (67, 960, 480, 100, 0)], Notes(r.Score));
        Assert.Equal(1, r.ZeroLengthNotes);
        Assert.Empty(r.Warnings);

        var bytes = MidiFile.ToBytes(r.Score);
        var back = MidiFile.Read(bytes, "x", Strict);
        Assert.Equal(Notes(r.Score), Notes(back.Score));
        // The note-on of the zero-length note comes before its note-off.
        int on = IndexOf(bytes, [0x00, 0x90, 60, 100]);
        int off = IndexOf(bytes, [0x00, 0x80, 60]);
        Assert.True(on >= 0 && off > on);
    }

    private static int IndexOf(byte[] hay, byte[] needle) => hay.AsSpan().IndexOf(needle);

    [Fact]
    public void OverlappingSamePitch_PairedFirstInFirstOut()
    {
        var r = MidiFile.Read(EdgeCaseFiles.OverlappingSamePitch(), "overlapping_same_pitch.mid", Strict);
        Assert.Equal([(60, 0, 480, 100, 0), (60, 240, 480, 80, 0)], Notes(r.Score));
        Assert.Equal(Notes(r.Score), Notes(RoundTrip(r.Score).Score));
    }

    [Fact]
    public void Velocity0RunningStatus_Velocity0IsNoteOff()
    {
        var r = MidiFile.Read(EdgeCaseFiles.Velocity0RunningStatus(), "velocity0_running_status.mid", Strict);
        Assert.Equal([(60, 0, 480, 100, 0), (62, 480, 480, 100, 0), (64, 960, 480, 100, 0)], Notes(r.Score));
        Assert.DoesNotContain(r.Score.Tracks.SelectMany(t => t.Notes), n => n.Velocity == 0);
    }

    [Fact]
    public void TimeSignatureChanges_MapAndBars()
    {
        var r = MidiFile.Read(EdgeCaseFiles.TimeSignatureChanges(), "time_signature_changes.mid", Strict);
        Assert.Equal([new TimeSignature(0, 5, 8), new TimeSignature(2400, 8, 8), new TimeSignature(4320, 5, 8), new TimeSignature(4920, 3, 4)],
            r.Score.TimeSignatures);
        Assert.Equal([0L, 1200, 2400, 4320, 4920, 6360], r.Score.BarStarts(6360));
        Assert.Equal([60, 72, 62, 64, 65, 67, 69], Notes(r.Score).Select(n => n.Item1));
        Assert.Equal([0L, 480, 1200, 2400, 4320, 4920, 6360], Notes(r.Score).Select(n => n.Item2));
        Assert.All(Notes(r.Score), n => Assert.Equal((240L, 100, 0), (n.Item3, n.Item4, n.Item5)));
        var back = RoundTrip(r.Score);
        Assert.Equal(r.Score.TimeSignatures, back.Score.TimeSignatures);
        Assert.Equal(Notes(r.Score), Notes(back.Score));
    }

    [Fact]
    public void MultiportDrums_FourDistinctParts()
    {
        var r = MidiFile.Read(EdgeCaseFiles.MultiportDrums(), "multiport_drums.mid", Strict);
        var parts = r.Score.Tracks.Select(t => (t.Port, t.Channel, t.IsDrum, t.IsDrum ? -1 : t.Program, t.Name, t.Notes.Single())).ToList();
        Assert.Equal(
        [
            (0, 0, false, 0, "Port A", new Note(0, 480, 60, 100)),
            (0, 9, true, -1, "Port A", new Note(0, 240, 36, 100)),
            (1, 0, false, 40, "Port B", new Note(0, 480, 64, 100)),
            (1, 9, true, -1, "Port B", new Note(240, 240, 38, 100)),
        ], parts);
        Assert.Null(r.Score.Title); // "Conductor" is not a title

        var back = RoundTrip(r.Score);
        Assert.Equal(parts, back.Score.Tracks.Select(t => (t.Port, t.Channel, t.IsDrum, t.IsDrum ? -1 : t.Program, t.Name, t.Notes.Single())).ToList());
    }

    [Fact]
    public void SustainPedal_NotesAsWrittenAndPedalKept()
    {
        var r = MidiFile.Read(EdgeCaseFiles.SustainPedal(), "sustain_pedal.mid", Strict);
        Assert.Equal([(60, 0, 240, 100, 0), (64, 480, 240, 100, 0), (60, 960, 240, 80, 0), (67, 1920, 240, 100, 0)], Notes(r.Score));
        var t = Assert.Single(r.Score.Tracks);
        Assert.Equal([new ControlChange(0, 64, 127), new ControlChange(1440, 64, 0)], t.Controls);
        Assert.Equal(t.Controls, Assert.Single(RoundTrip(r.Score).Score.Tracks).Controls);
    }

    [Fact]
    public void SustainPedal_AppliedWhenAsked()
    {
        var r = MidiFile.Read(EdgeCaseFiles.SustainPedal(), "sustain_pedal.mid", new MidiReadOptions { ApplySustainPedal = true });
        Assert.Equal([(60, 0, 960, 100, 0), (64, 480, 960, 100, 0), (60, 960, 480, 80, 0), (67, 1920, 240, 100, 0)], Notes(r.Score));
        Assert.Equal(2, r.Score.Tracks[0].Controls.Count); // pedal events kept
    }
}
