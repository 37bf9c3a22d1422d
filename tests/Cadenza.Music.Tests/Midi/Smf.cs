using System.Text;

namespace Cadenza.Music.Tests.Midi;

/// <summary>Builds Standard MIDI File bytes by hand, so tests need no data files.</summary>
public static class Smf
{
    public static byte[] Vlq(long value)
    {
        var bytes = new List<byte> { (byte)(value & 0x7F) };
        value >>= 7;
        while (value > 0)
        {
            bytes.Insert(0, (byte)(0x80 | (value & 0x7F)));
            value >>= 7;
        }
        return bytes.ToArray();
    }

    public static byte[] Header(int format, int tracks, int division) =>
        [.. "MThd"u8, 0, 0, 0, 6, (byte)(format >> 8), (byte)format, (byte)(tracks >> 8), (byte)tracks, (byte)(division >> 8), (byte)division];

    /// <summary>A chunk with the given id and body; <paramref name="length"/> overrides the length field.</summary>
    public static byte[] Chunk(string id, byte[] body, long? length = null)
    {
        long len = length ?? body.Length;
        return [.. Encoding.ASCII.GetBytes(id), (byte)(len >> 24), (byte)(len >> 16), (byte)(len >> 8), (byte)len, .. body];
    }

    public static byte[] Track(byte[] body, long? length = null) => Chunk("MTrk", body, length);

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>A format-0/1 file with the given track bodies.</summary>
    public static byte[] File(int format, int division, params byte[][] trackBodies) =>
        Concat([Header(format, trackBodies.Length, division), .. trackBodies.Select(b => Track(b))]);
}

/// <summary>Appends events of one track body: each call takes the delta time first.</summary>
public sealed class TrackBody
{
    private readonly List<byte> _b = new();

    public int Length => _b.Count;

    public TrackBody Raw(params byte[] bytes) { _b.AddRange(bytes); return this; }

    public TrackBody Ev(long delta, params byte[] bytes) { _b.AddRange(Smf.Vlq(delta)); _b.AddRange(bytes); return this; }

    public TrackBody Meta(long delta, int type, byte[] data)
    {
        _b.AddRange(Smf.Vlq(delta));
        _b.Add(0xFF);
        _b.Add((byte)type);
        _b.AddRange(Smf.Vlq(data.Length));
        _b.AddRange(data);
        return this;
    }

    public TrackBody Text(long delta, int type, string text) => Meta(delta, type, Encoding.UTF8.GetBytes(text));

    public TrackBody Name(string name) => Text(0, 0x03, name);

    public TrackBody Tempo(long delta, int microsPerQuarter) =>
        Meta(delta, 0x51, [(byte)(microsPerQuarter >> 16), (byte)(microsPerQuarter >> 8), (byte)microsPerQuarter]);

    public TrackBody TimeSig(long delta, int num, int denPow) => Meta(delta, 0x58, [(byte)num, (byte)denPow, 24, 8]);

    public TrackBody On(long delta, int pitch, int vel, int ch = 0) => Ev(delta, (byte)(0x90 | ch), (byte)pitch, (byte)vel);

    public TrackBody Off(long delta, int pitch, int vel = 64, int ch = 0) => Ev(delta, (byte)(0x80 | ch), (byte)pitch, (byte)vel);

    public TrackBody Program(long delta, int program, int ch = 0) => Ev(delta, (byte)(0xC0 | ch), (byte)program);

    public TrackBody Cc(long delta, int controller, int value, int ch = 0) => Ev(delta, (byte)(0xB0 | ch), (byte)controller, (byte)value);

    public TrackBody End(long delta = 0) => Meta(delta, 0x2F, []);

    public byte[] ToArray() => _b.ToArray();
}
