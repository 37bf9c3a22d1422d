using Cadenza.Music;
using Cadenza.Music.Midi;

namespace Cadenza.Music.Tests.Midi;

public class NestedNotesTests
{
    [Fact]
    public void NestedSamePitchNotesSurviveAWriteReadRoundTrip()
    {
        // A long note with a short note of the same pitch inside it: first-in first-out pairing on one
        // channel would give (0,240) and (120,360); the writer puts the inner note in its own track chunk.
        var s = new Score(480);
        var t = new Track { Name = "piano", Program = 0, Channel = 0 };
        t.Notes.Add(new Note(0, 960, 60, 90));
        t.Notes.Add(new Note(120, 120, 60, 70));
        t.Notes.Add(new Note(480, 0, 60, 50));          // zero-length, also inside the long note
        t.Notes.Add(new Note(1000, 100, 62, 80));
        s.Tracks.Add(t);
        var back = MidiFile.Read(MidiFile.ToBytes(s), "nested", new MidiReadOptions { Strict = true }).Score;
        var notes = back.Tracks.SelectMany(x => x.Notes).OrderBy(n => n.Onset).ThenBy(n => n.Pitch).ToList();
        Assert.Equal(t.Notes.OrderBy(n => n.Onset).ThenBy(n => n.Pitch).ToList(), notes);
        Assert.All(back.Tracks, x => Assert.Equal(0, x.Program));
        Assert.All(back.Tracks, x => Assert.Equal(0, x.Channel));
        Assert.Equal(1, back.Tracks.Count(x => x.Controls.Count > 0 || x.Notes.Any(n => n.Pitch == 62)));
    }

    [Fact]
    public void TracksWithoutNestedNotesStayOneChunk()
    {
        var s = new Score(480);
        var t = new Track { Program = 5 };
        t.Notes.Add(new Note(0, 480, 60, 90));
        t.Notes.Add(new Note(240, 480, 60, 90));        // overlapping but first-in first-out consistent
        t.Notes.Add(new Note(720, 100, 60, 90));
        s.Tracks.Add(t);
        var r = MidiFile.Read(MidiFile.ToBytes(s), "overlap");
        Assert.Equal(2, r.TrackChunks);                  // conductor + one track
        Assert.Equal(t.Notes, r.Score.Tracks.Single().Notes);
    }
}
