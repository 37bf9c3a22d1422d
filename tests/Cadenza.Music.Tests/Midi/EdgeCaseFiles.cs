using System.Text;

namespace Cadenza.Music.Tests.Midi;

/// <summary>
/// The MIDI cases of shared/data/edge-cases/EXPECTED.md, rebuilt byte for byte in code so the unit tests
/// run on a fresh clone without the shared data.
/// </summary>
public static class EdgeCaseFiles
{
    private static readonly byte[] Tempo120 = [0x07, 0xA1, 0x20];

    private static byte[] Arpeggio(TrackBody t) => t
        .On(0, 60, 100).Off(480, 60).On(0, 64, 100).Off(480, 64).On(0, 67, 100).Off(480, 67).End().ToArray();

    public static byte[] RiffRmidWrapped()
    {
        var smf = Smf.File(0, 480, Arpeggio(new TrackBody().Name("Arpeggio").Meta(0, 0x51, Tempo120).Program(0, 0)));
        // 75 bytes: odd, so a pad byte follows the data chunk.
        var inam = Smf.Concat("INAM"u8.ToArray(), [10, 0, 0, 0], Encoding.ASCII.GetBytes("Edge Case\0"));
        var list = Smf.Concat("LIST"u8.ToArray(), Le32(4 + inam.Length), "INFO"u8.ToArray(), inam);
        var data = Smf.Concat("data"u8.ToArray(), Le32(smf.Length), smf, smf.Length % 2 == 1 ? [0] : []);
        var body = Smf.Concat("RMID"u8.ToArray(), data, list);
        return Smf.Concat("RIFF"u8.ToArray(), Le32(body.Length), body);
    }

    private static byte[] Le32(int v) => [(byte)v, (byte)(v >> 8), (byte)(v >> 16), (byte)(v >> 24)];

    /// <summary>Byte offset (37) of the first status-less data byte after the text event.</summary>
    public const int RunningStatusAfterMetaOffset = 37;

    public static byte[] RunningStatusAcrossMeta() => Smf.File(0, 480, new TrackBody()
        .On(0, 60, 100)
        .Raw(0x81, 0x70).Raw(0xFF, 0x01, 5).Raw("cue 1"u8.ToArray())
        .Raw(0x00, 60, 0) // running status resumed after the text event: note-on vel 0
        .Raw(0x00, 62, 100)
        .Raw(0x81, 0x70, 62, 0)
        .Raw(0x00, 0xFF, 0x06, 4).Raw("next"u8.ToArray())
        .Raw(0x00, 64, 100)
        .Raw(0x81, 0x70, 64, 0)
        .End().ToArray());

    public static byte[] MissingEndOfTrack() => Smf.File(0, 480, new TrackBody()
        .Meta(0, 0x51, Tempo120).On(0, 60, 100).Off(480, 60).On(0, 64, 100).Off(480, 64).On(0, 67, 100).Off(480, 67).ToArray());

    public static byte[] UnknownChunkOverrun() => Smf.Concat(
        Smf.File(0, 480, Arpeggio(new TrackBody().Meta(0, 0x51, Tempo120).Program(0, 0))),
        Smf.Chunk("XFIH", [0, 1, 2, 3, 4, 5], length: 4096));

    public static byte[] TrackTruncatedMidEvent()
    {
        var body = new TrackBody().Meta(0, 0x51, Tempo120).On(0, 60, 100).Raw(0x83, 0x60, 0x80, 60).ToArray(); // 15 bytes
        return Smf.Concat(Smf.Header(0, 1, 480), Smf.Track(body, length: 40));
    }

    public static byte[] ZeroTracks() => Smf.Header(1, 0, 480);

    public static byte[] Format2TwoPatterns() => Smf.Concat(Smf.Header(2, 2, 480),
        Smf.Track(new TrackBody().Meta(0, 0x51, Tempo120).On(0, 60, 100).Off(480, 60).On(0, 62, 100).Off(480, 62).End().ToArray()),
        Smf.Track(new TrackBody().On(0, 67, 100).Off(480, 67).On(0, 69, 100).Off(480, 69).End().ToArray()));

    public static byte[] VlqMaxDelta() => Smf.File(0, 96, new TrackBody()
        .Meta(0, 0x51, Tempo120).On(0, 60, 100).Raw(0xFF, 0xFF, 0xFF, 0x7F, 0x80, 60, 64).On(0, 62, 100).Off(96, 62).End().ToArray());

    /// <summary>Byte offset (26) of the 5-byte variable-length number.</summary>
    public const int VlqFiveBytesOffset = 26;

    public static byte[] VlqFiveBytes() => Smf.File(0, 96, new TrackBody()
        .On(0, 60, 100).Raw(0x81, 0x80, 0x80, 0x80, 0x00, 0x80, 60, 64).End().ToArray());

    public static byte[] ZeroLengthNote() => Smf.File(0, 480, new TrackBody()
        .On(0, 60, 100).Off(0, 60).On(480, 60, 80).Off(480, 60).Off(0, 67).On(0, 67, 100).Off(480, 67).End().ToArray());

    public static byte[] OverlappingSamePitch() => Smf.File(0, 480, new TrackBody()
        .On(0, 60, 100).Raw(0x81, 0x70, 0x90, 60, 80).Off(240, 60).Off(240, 60).End().ToArray());

    public static byte[] Velocity0RunningStatus() => Smf.File(0, 480, new TrackBody()
        .On(0, 60, 100).Raw(0x83, 0x60, 60, 0, 0, 62, 100, 0x83, 0x60, 62, 0, 0, 64, 100, 0x83, 0x60, 64, 0).End().ToArray());

    public static byte[] TimeSignatureChanges() => Smf.File(0, 480, new TrackBody()
        .Meta(0, 0x51, Tempo120).TimeSig(0, 5, 3)
        .On(0, 60, 100).Off(240, 60).On(240, 72, 100).Off(240, 72)
        .On(480, 62, 100).Off(240, 62)
        .TimeSig(960, 8, 3).On(0, 64, 100).Off(240, 64)
        .TimeSig(1680, 5, 3).On(0, 65, 100).Off(240, 65)
        .TimeSig(360, 3, 2).On(0, 67, 100).Off(240, 67)
        .On(1200, 69, 100).Off(240, 69).End().ToArray());

    public static byte[] MultiportDrums() => Smf.File(1, 480,
        new TrackBody().Name("Conductor").Meta(0, 0x51, Tempo120).End().ToArray(),
        new TrackBody().Meta(0, 0x21, [0]).Name("Port A").Program(0, 0).On(0, 60, 100).On(0, 36, 100, 9)
            .Off(240, 36, ch: 9).Off(240, 60).End().ToArray(),
        new TrackBody().Meta(0, 0x21, [1]).Name("Port B").Program(0, 40).On(0, 64, 100).On(240, 38, 100, 9)
            .Off(240, 38, ch: 9).Off(0, 64).End().ToArray());

    public static byte[] SustainPedal() => Smf.File(0, 480, new TrackBody()
        .Cc(0, 64, 127).On(0, 60, 100).Off(240, 60).On(240, 64, 100).Off(240, 64).On(240, 60, 80).Off(240, 60)
        .Cc(240, 64, 0).On(480, 67, 100).Off(240, 67).End().ToArray());

    /// <summary>All cases by their file name, for the fuzz test and the corpus cross-check.</summary>
    public static IReadOnlyDictionary<string, byte[]> All() => new Dictionary<string, byte[]>
    {
        ["riff_rmid_wrapped.mid"] = RiffRmidWrapped(),
        ["running_status_across_meta.mid"] = RunningStatusAcrossMeta(),
        ["missing_end_of_track.mid"] = MissingEndOfTrack(),
        ["unknown_chunk_overrun.mid"] = UnknownChunkOverrun(),
        ["track_truncated_mid_event.mid"] = TrackTruncatedMidEvent(),
        ["zero_tracks.mid"] = ZeroTracks(),
        ["format2_two_patterns.mid"] = Format2TwoPatterns(),
        ["vlq_max_delta.mid"] = VlqMaxDelta(),
        ["vlq_five_bytes.mid"] = VlqFiveBytes(),
        ["zero_length_note.mid"] = ZeroLengthNote(),
        ["overlapping_same_pitch.mid"] = OverlappingSamePitch(),
        ["velocity0_running_status.mid"] = Velocity0RunningStatus(),
        ["time_signature_changes.mid"] = TimeSignatureChanges(),
        ["multiport_drums.mid"] = MultiportDrums(),
        ["sustain_pedal.mid"] = SustainPedal(),
    };
}
