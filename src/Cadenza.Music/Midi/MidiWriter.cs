using System.Text;

namespace Cadenza.Music.Midi;

/// <summary>Writes a <see cref="Score"/> as a format-1 Standard MIDI File (see <see cref="MidiFile.ToBytes"/>).</summary>
internal static class MidiWriter
{
    private sealed class ByteBuffer
    {
        private byte[] _buf = new byte[256];
        public int Length { get; private set; }

        public void Add(byte b)
        {
            if (Length == _buf.Length) Array.Resize(ref _buf, _buf.Length * 2);
            _buf[Length++] = b;
        }

        public void Add(ReadOnlySpan<byte> bytes)
        {
            foreach (var b in bytes) Add(b);
        }

        public void Vlq(long value)
        {
            // value is checked by the caller to fit in 28 bits
            Span<byte> tmp = stackalloc byte[4];
            int n = 0;
            tmp[n++] = (byte)(value & 0x7F);
            value >>= 7;
            while (value > 0)
            {
                tmp[n++] = (byte)(0x80 | (value & 0x7F));
                value >>= 7;
            }
            for (int i = n - 1; i >= 0; i--) Add(tmp[i]);
        }

        public void U32(long v)
        {
            Add((byte)(v >> 24)); Add((byte)(v >> 16)); Add((byte)(v >> 8)); Add((byte)v);
        }

        public void U16(int v)
        {
            Add((byte)(v >> 8)); Add((byte)v);
        }

        public ReadOnlySpan<byte> Span => _buf.AsSpan(0, Length);
    }

    /// <summary>One event of a track chunk before encoding: time, sort class, then bytes.</summary>
    private readonly record struct Ev(long Tick, int Class, int Sub, int Seq, byte[] Bytes, bool IsMeta);

    // Sort classes at one tick: meta/program first, then controllers and bends, note-offs of notes that
    // started earlier, note-ons (shorter first), and last the note-offs of zero-length notes.
    private const int ClassMeta = 0, ClassProgram = 1, ClassControl = 2, ClassNoteOff = 3, ClassNoteOn = 4, ClassZeroOff = 5;

    public const long MaxDelta = 0x0FFF_FFFF;

    public static byte[] ToBytes(Score score)
    {
        ArgumentNullException.ThrowIfNull(score);
        if (score.TicksPerQuarter < 1 || score.TicksPerQuarter > 0x7FFF)
            throw new ArgumentException($"TicksPerQuarter {score.TicksPerQuarter} cannot be written (1..32767)", nameof(score));

        var chunks = new List<ByteBuffer> { Conductor(score) };
        for (int i = 0; i < score.Tracks.Count; i++)
        {
            var lanes = Lanes(score.Tracks[i].Notes);
            for (int lane = 0; lane < lanes.Count; lane++) chunks.Add(TrackChunk(score.Tracks[i], i, lanes[lane], withControls: lane == 0));
        }
        if (chunks.Count > 0xFFFF) throw new ArgumentException($"too many tracks ({score.Tracks.Count}) for one MIDI file", nameof(score));

        var file = new ByteBuffer();
        file.Add("MThd"u8);
        file.U32(6);
        file.U16(1);
        file.U16(chunks.Count);
        file.U16(score.TicksPerQuarter);
        foreach (var c in chunks)
        {
            file.Add("MTrk"u8);
            file.U32(c.Length);
            file.Add(c.Span);
        }
        return file.Span.ToArray();
    }

    private static byte[] Meta(int type, ReadOnlySpan<byte> data)
    {
        var b = new ByteBuffer();
        b.Add(0xFF);
        b.Add((byte)type);
        b.Vlq(data.Length);
        b.Add(data);
        return b.Span.ToArray();
    }

    private static void CheckTick(long tick, string what)
    {
        if (tick < 0) throw new ArgumentException($"{what} at negative tick {tick}");
    }

    private static ByteBuffer Conductor(Score score)
    {
        var evs = new List<Ev>();
        int seq = 0;
        if (!string.IsNullOrEmpty(score.Title))
            evs.Add(new Ev(0, ClassMeta, 0, seq++, Meta(0x03, Encoding.UTF8.GetBytes(score.Title)), true));
        foreach (var t in score.Tempos)
        {
            CheckTick(t.Tick, "tempo change");
            if (t.MicrosecondsPerQuarter < 1 || t.MicrosecondsPerQuarter > 0xFFFFFF)
                throw new ArgumentException($"tempo of {t.MicrosecondsPerQuarter} microseconds per quarter cannot be written (1..16777215)");
            int us = t.MicrosecondsPerQuarter;
            evs.Add(new Ev(t.Tick, ClassMeta, 1, seq++, Meta(0x51, [(byte)(us >> 16), (byte)(us >> 8), (byte)us]), true));
        }
        foreach (var ts in score.TimeSignatures)
        {
            CheckTick(ts.Tick, "time signature");
            int d = ts.Denominator;
            if (ts.Numerator < 1 || ts.Numerator > 255 || d < 1 || d > 128 || (d & (d - 1)) != 0)
                throw new ArgumentException($"time signature {ts.Numerator}/{d} cannot be written (numerator 1..255, denominator a power of two up to 128)");
            int pow = System.Numerics.BitOperations.Log2((uint)d);
            evs.Add(new Ev(ts.Tick, ClassMeta, 1, seq++, Meta(0x58, [(byte)ts.Numerator, (byte)pow, 24, 8]), true));
        }
        foreach (var ks in score.KeySignatures)
        {
            CheckTick(ks.Tick, "key signature");
            if (ks.Fifths < -7 || ks.Fifths > 7) throw new ArgumentException($"key signature with {ks.Fifths} fifths cannot be written (-7..7)");
            evs.Add(new Ev(ks.Tick, ClassMeta, 1, seq++, Meta(0x59, [(byte)(sbyte)ks.Fifths, (byte)(ks.IsMinor ? 1 : 0)]), true));
        }
        foreach (var tx in score.Texts)
        {
            CheckTick(tx.Tick, "text event");
            int type = tx.Kind switch
            {
                TextKind.Copyright => 0x02,
                TextKind.Lyric => 0x05,
                TextKind.Marker => 0x06,
                TextKind.Cue => 0x07,
                _ => 0x01,
            };
            evs.Add(new Ev(tx.Tick, ClassMeta, 2, seq++, Meta(type, Encoding.UTF8.GetBytes(tx.Text ?? "")), true));
        }
        return Encode(evs);
    }

    /// <summary>
    /// Splits a track's notes into lanes that a first-in first-out reader pairs exactly: within a lane, a
    /// note never ends before an earlier-starting note of the same pitch that is still sounding (nested
    /// same-pitch notes, common when parts with one program are merged, would otherwise swap their ends).
    /// Almost every track needs one lane; each extra lane is written as an extra track chunk with the same
    /// name, port, channel and program.
    /// </summary>
    internal static List<List<Note>> Lanes(List<Note> trackNotes)
    {
        var notes = trackNotes.ToList();
        Score.StableSort(notes, (a, b) => a.Onset != b.Onset ? a.Onset.CompareTo(b.Onset) : a.Duration.CompareTo(b.Duration));
        var lanes = new List<List<Note>> { new() };
        var lastEnd = new List<long[]> { NewEnds() };
        foreach (var n in notes)
        {
            int lane = 0;
            if ((uint)n.Pitch < 128)
            {
                while (lane < lanes.Count && n.End < lastEnd[lane][n.Pitch]) lane++;
                if (lane == lanes.Count) { lanes.Add(new()); lastEnd.Add(NewEnds()); }
                lastEnd[lane][n.Pitch] = Math.Max(lastEnd[lane][n.Pitch], n.End);
            }
            lanes[lane].Add(n);
        }
        return lanes;

        static long[] NewEnds()
        {
            var a = new long[128];
            Array.Fill(a, long.MinValue);
            return a;
        }
    }

    private static ByteBuffer TrackChunk(Track track, int index, List<Note> laneNotes, bool withControls)
    {
        string where = $"track {index}";
        if (track.Channel < 0 || track.Channel > 15) throw new ArgumentException($"{where}: channel {track.Channel} is not 0..15");
        if (track.Port < 0 || track.Port > 255) throw new ArgumentException($"{where}: port {track.Port} is not 0..255");
        if (track.Program < 0 || track.Program > 127) throw new ArgumentException($"{where}: program {track.Program} is not 0..127");
        int ch = track.IsDrum ? 9 : track.Channel; // drums always sound on the General MIDI percussion channel
        var evs = new List<Ev>();
        int seq = 0;
        if (!string.IsNullOrEmpty(track.Name))
            evs.Add(new Ev(0, ClassMeta, 0, seq++, Meta(0x03, Encoding.UTF8.GetBytes(track.Name)), true));
        if (track.Port != 0)
            evs.Add(new Ev(0, ClassMeta, 1, seq++, Meta(0x21, [(byte)track.Port]), true));
        evs.Add(new Ev(0, ClassProgram, 0, seq++, [(byte)(0xC0 | ch), (byte)track.Program], false));
        foreach (var cc in withControls ? track.Controls : [])
        {
            CheckTick(cc.Tick, $"{where}: controller");
            if (cc.Controller is < 0 or > 127 || cc.Value is < 0 or > 127)
                throw new ArgumentException($"{where}: controller {cc.Controller} value {cc.Value} out of range 0..127");
            evs.Add(new Ev(cc.Tick, ClassControl, 0, seq++, [(byte)(0xB0 | ch), (byte)cc.Controller, (byte)cc.Value], false));
        }
        foreach (var pb in withControls ? track.PitchBends : [])
        {
            CheckTick(pb.Tick, $"{where}: pitch bend");
            if (pb.Value < -8192 || pb.Value > 8191) throw new ArgumentException($"{where}: pitch bend {pb.Value} out of range -8192..8191");
            int v = pb.Value + 8192;
            evs.Add(new Ev(pb.Tick, ClassControl, 0, seq++, [(byte)(0xE0 | ch), (byte)(v & 0x7F), (byte)(v >> 7)], false));
        }
        // Notes in onset order, shorter first at one onset, so that a first-in first-out reader pairs each
        // note-off with the note it belongs to (exact whenever same-pitch notes are not nested).
        foreach (var n in laneNotes)
        {
            CheckTick(n.Onset, $"{where}: note");
            if (n.Duration < 0) throw new ArgumentException($"{where}: note {n.Pitch} at tick {n.Onset} has negative duration {n.Duration}");
            if (n.Pitch is < 0 or > 127) throw new ArgumentException($"{where}: pitch {n.Pitch} out of range 0..127");
            int vel = Math.Clamp(n.Velocity, 1, 127); // velocity 0 would be read as a note-off
            int s = seq++;
            evs.Add(new Ev(n.Onset, ClassNoteOn, 0, s, [(byte)(0x90 | ch), (byte)n.Pitch, (byte)vel], false));
            evs.Add(new Ev(n.End, n.Duration == 0 ? ClassZeroOff : ClassNoteOff, 0, s, [(byte)(0x80 | ch), (byte)n.Pitch, 64], false));
        }
        return Encode(evs);
    }

    /// <summary>Sorts the events and encodes them with delta times, running status between channel messages
    /// only (never across a meta event), and a closing End-of-Track.</summary>
    private static ByteBuffer Encode(List<Ev> evs)
    {
        evs.Sort((a, b) =>
        {
            int c = a.Tick.CompareTo(b.Tick);
            if (c != 0) return c;
            c = a.Class.CompareTo(b.Class);
            if (c != 0) return c;
            c = a.Sub.CompareTo(b.Sub);
            return c != 0 ? c : a.Seq.CompareTo(b.Seq);
        });
        var buf = new ByteBuffer();
        long tick = 0;
        int running = 0;
        foreach (var e in evs)
        {
            long delta = e.Tick - tick;
            while (delta > MaxDelta)
            {
                // A gap longer than one delta time can hold (2^28 - 1 ticks) is bridged with empty
                // sequencer-specific meta events (FF 7F 00), which every reader skips.
                buf.Vlq(MaxDelta);
                buf.Add([0xFF, 0x7F, 0x00]);
                running = 0;
                delta -= MaxDelta;
            }
            buf.Vlq(delta);
            tick = e.Tick;
            if (e.IsMeta)
            {
                buf.Add(e.Bytes);
                running = 0;
            }
            else
            {
                if (e.Bytes[0] != running) buf.Add(e.Bytes[0]);
                running = e.Bytes[0];
                buf.Add(e.Bytes.AsSpan(1));
            }
        }
        buf.Vlq(0);
        buf.Add([0xFF, 0x2F, 0x00]);
        return buf;
    }
}
