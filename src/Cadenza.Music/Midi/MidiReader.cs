using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace Cadenza.Music.Midi;

/// <summary>
/// Collects the repairs made while reading. In strict mode a repair is an error instead.
/// Repeated problems of one kind (same key) are kept once, with a count, so that warnings never
/// grow without bound on damaged input.
/// </summary>
internal sealed class WarningSink
{
    private readonly string _source;
    private readonly bool _strict;
    private readonly Dictionary<string, int> _index = new();
    private readonly List<string> _messages = new();
    private readonly List<int> _counts = new();

    public WarningSink(string source, bool strict)
    {
        _source = source;
        _strict = strict;
    }

    public string Source => _source;
    public bool Strict => _strict;

    /// <summary>A repair of damaged input: an error in strict mode, a warning otherwise.</summary>
    public void Repair(string key, string problem, long? offset)
    {
        if (_strict) throw new MusicFormatException(_source, problem, offset);
        Add(key, problem);
    }

    /// <summary>A reinterpretation that is not damage (e.g. format 2 flattening): a warning in both modes.</summary>
    public void Info(string key, string message) => Add(key, message);

    /// <summary>Unreadable input: always an error.</summary>
    public MusicFormatException Error(string problem, long? offset) => new(_source, problem, offset);

    private void Add(string key, string message)
    {
        if (_index.TryGetValue(key, out int i)) { _counts[i]++; return; }
        _index[key] = _messages.Count;
        _messages.Add(message);
        _counts.Add(1);
    }

    public List<string> Build()
    {
        var list = new List<string>(_messages.Count);
        for (int i = 0; i < _messages.Count; i++)
            list.Add(_counts[i] > 1 ? $"{_messages[i]} ({_counts[i]} times in all)" : _messages[i]);
        return list;
    }
}

/// <summary>The tolerant Standard MIDI File reader behind <see cref="MidiFile.Read(ReadOnlySpan{byte}, string, MidiReadOptions?)"/>.</summary>
internal sealed class MidiReader
{
    private readonly byte[] _d;
    private readonly WarningSink _w;
    private int _smfEnd;
    private int _format;
    private int _ppq;
    private bool _smpte;
    private int _smpteMicrosPerQuarter;
    private string? _riffTitle;
    private bool _riff;

    private readonly List<ChunkData> _chunks = new();
    private Queue<OpenNote>?[]? _open0;

    private readonly bool _closeAll;
    private readonly bool _applyPedal;

    private MidiReader(byte[] data, string source, MidiReadOptions? options)
    {
        _d = data;
        _w = new WarningSink(source, options?.Strict ?? false);
        _closeAll = options?.Pairing == NotePairing.AllSounding;
        _applyPedal = options?.ApplySustainPedal ?? false;
    }

    public static MidiReadResult Read(byte[] data, string sourceName, MidiReadOptions? options)
        => new MidiReader(data, sourceName, options).Run();

    // ---------------------------------------------------------------- per-chunk raw data

    private readonly record struct RawNote(long Onset, long Duration, int Pitch, int Velocity, int Port, int Channel, int EventIndex, int Program);
    private readonly record struct RawProgram(long Tick, int Chunk, int EventIndex, int Port, int Channel, int Program);
    private readonly record struct RawControl(long Tick, int Port, int Channel, int Controller, int Value);
    private readonly record struct RawBend(long Tick, int Port, int Channel, int Value);
    private readonly record struct OpenNote(long Onset, int Velocity, int EventIndex, int Program, int NoteIndex);

    private sealed class ChunkData
    {
        public int Index;
        public string? Name;
        public string? InstrumentName;
        public long LastTick;
        public long Offset; // tick offset (format 2 patterns)
        public readonly List<RawNote> Notes = new();
        public readonly List<RawControl> Controls = new();
        public readonly List<RawBend> Bends = new();
        public readonly List<TempoChange> Tempos = new();
        public readonly List<TimeSignature> TimeSignatures = new();
        public readonly List<KeySignature> KeySignatures = new();
        public readonly List<TextEvent> Texts = new();
        /// <summary>Program in effect per (port &lt;&lt; 4 | channel) from this chunk's own program changes.</summary>
        public readonly Dictionary<int, int> Programs = new();
        /// <summary>The programs of port 0's channels (-1 = none yet), a fast copy of <see cref="Programs"/>.</summary>
        public readonly int[] Port0Programs = [-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1];

        public void SyncPort0()
        {
            for (int ch = 0; ch < 16; ch++) Port0Programs[ch] = Programs.TryGetValue(ch, out int p) ? p : -1;
        }
        public bool PortSeen;
        public int ProgramStart;
        public int NoteOns;
    }

    private readonly List<RawProgram> _programs = new();
    private int _zeroLength;

    // ---------------------------------------------------------------- top level

    private MidiReadResult Run()
    {
        int start = UnwrapRiff();
        int headerDeclaredTracks = ReadHeader(start, out int chunksStart);
        ReadChunks(chunksStart, headerDeclaredTracks);

        int found = _chunks.Count;
        if (found != headerDeclaredTracks)
            _w.Repair("ntrks", $"header declares {headerDeclaredTracks} track chunk(s) but {found} were found; all {found} were read", start + 10);
        if (_format == 0 && found > 1)
        {
            _w.Repair("format0multi", $"format 0 file has {found} track chunks; read as format 1", start + 8);
            _format = 1;
        }

        if (_format == 2)
        {
            long offset = 0;
            var starts = new List<string>();
            foreach (var c in _chunks)
            {
                c.Offset = offset;
                starts.Add(offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
                offset += c.LastTick;
            }
            if (_chunks.Count > 0)
                _w.Info("format2", $"format 2: {_chunks.Count} pattern(s) placed one after another on one timeline (starting at ticks {string.Join(", ", starts)})");
        }

        var score = BuildScore();
        if (_applyPedal) SustainPedal.Apply(score);
        return new MidiReadResult(score, _w.Build(), _format, _chunks.Count, _smpte, _zeroLength, _riff);
    }

    // ---------------------------------------------------------------- RIFF RMID

    private static bool Tag(byte[] d, long p, string tag)
    {
        if (p < 0 || p + 4 > d.Length) return false;
        for (int i = 0; i < 4; i++) if (d[p + i] != tag[i]) return false;
        return true;
    }

    private static string TagText(byte[] d, long p)
    {
        var sb = new StringBuilder(4);
        for (int i = 0; i < 4 && p + i < d.Length; i++)
        {
            byte b = d[p + i];
            sb.Append(b >= 0x20 && b < 0x7F ? (char)b : '?');
        }
        return sb.ToString();
    }

    /// <summary>Detects a RIFF RMID wrapper; returns the start of the SMF and sets <see cref="_smfEnd"/>.</summary>
    private int UnwrapRiff()
    {
        _smfEnd = _d.Length;
        if (!Tag(_d, 0, "RIFF")) return 0;
        if (_d.Length < 12 || !Tag(_d, 8, "RMID"))
            throw _w.Error($"RIFF file of form '{TagText(_d, 8)}' is not an RMID MIDI file", 8);
        _riff = true;
        long riffEnd = 8L + BinaryPrimitives.ReadUInt32LittleEndian(_d.AsSpan(4, 4));
        if (riffEnd > _d.Length)
        {
            _w.Repair("riffsize", $"RIFF size field claims {riffEnd - 8} bytes but only {_d.Length - 8} remain", 4);
            riffEnd = _d.Length;
        }
        long p = 12;
        int dataStart = -1, dataEnd = -1;
        while (p + 8 <= riffEnd)
        {
            long size = BinaryPrimitives.ReadUInt32LittleEndian(_d.AsSpan((int)p + 4, 4));
            long body = p + 8;
            long bodyEnd = body + size;
            if (bodyEnd > riffEnd)
            {
                _w.Repair("riffchunk", $"RIFF chunk '{TagText(_d, p)}' at byte {p} claims {size} bytes but only {riffEnd - body} remain", p);
                bodyEnd = riffEnd;
            }
            if (Tag(_d, p, "data") && dataStart < 0)
            {
                dataStart = (int)body;
                dataEnd = (int)bodyEnd;
            }
            else if (Tag(_d, p, "LIST") && Tag(_d, body, "INFO"))
            {
                long q = body + 4;
                while (q + 8 <= bodyEnd)
                {
                    long sz = BinaryPrimitives.ReadUInt32LittleEndian(_d.AsSpan((int)q + 4, 4));
                    long e = Math.Min(q + 8 + sz, bodyEnd);
                    if (Tag(_d, q, "INAM") && _riffTitle == null)
                    {
                        var t = DecodeText(_d.AsSpan((int)(q + 8), (int)(e - q - 8))).Trim();
                        if (t.Length > 0) _riffTitle = t;
                    }
                    q = q + 8 + sz + (sz & 1);
                }
            }
            p = body + size + (size & 1); // chunks are padded to even length
        }
        if (dataStart < 0) throw _w.Error("RIFF RMID file has no 'data' chunk holding a MIDI file", 12);
        _smfEnd = dataEnd;
        return dataStart;
    }

    // ---------------------------------------------------------------- header

    private int ReadHeader(int p, out int chunksStart)
    {
        int avail = _smfEnd - p;
        if (_d.Length == 0) throw _w.Error("empty file (0 bytes): not a MIDI file", 0);
        if (avail < 4 || !Tag(_d, p, "MThd"))
        {
            // Tolerate a short prefix (e.g. a 128-byte MacBinary header) before MThd.
            int limit = Math.Min(_smfEnd - 4, p + 1024);
            int found = -1;
            for (int i = p + 1; i <= limit; i++)
                if (Tag(_d, i, "MThd")) { found = i; break; }
            if (found < 0) throw _w.Error($"not a MIDI file: no 'MThd' header chunk at byte {p}", p);
            _w.Repair("prefix", $"{found - p} byte(s) before the 'MThd' header skipped", p);
            p = found;
        }
        if (_smfEnd - p < 14)
            throw _w.Error($"file ends inside the header chunk (needs 14 bytes, {_smfEnd - p} present)", p);
        long hlen = BinaryPrimitives.ReadUInt32BigEndian(_d.AsSpan(p + 4, 4));
        if (hlen < 6) throw _w.Error($"header chunk length {hlen} is shorter than 6 bytes", p + 4);
        int format = BinaryPrimitives.ReadUInt16BigEndian(_d.AsSpan(p + 8, 2));
        int ntrks = BinaryPrimitives.ReadUInt16BigEndian(_d.AsSpan(p + 10, 2));
        int division = BinaryPrimitives.ReadUInt16BigEndian(_d.AsSpan(p + 12, 2));
        if (format > 2)
        {
            _w.Repair("format", $"unknown SMF format {format}; read as format 1", p + 8);
            format = 1;
        }
        _format = format;
        if ((division & 0x8000) != 0)
        {
            int fps = -(sbyte)(division >> 8);
            int tpf = division & 0xFF;
            if (tpf == 0) throw _w.Error("SMPTE division with 0 ticks per frame", p + 12);
            if (fps != 24 && fps != 25 && fps != 29 && fps != 30)
                _w.Repair("smptefps", $"unusual SMPTE frame rate {fps} frames per second in the header", p + 12);
            _smpte = true;
            int nominal = fps == 29 ? 30 : fps;
            _ppq = nominal * tpf;
            // One quarter note = one second of nominal frames; 29 means 29.97 drop-frame (30 / 1.001 fps).
            _smpteMicrosPerQuarter = fps == 29 ? 1_001_000 : 1_000_000;
        }
        else
        {
            if (division == 0) throw _w.Error("division of 0 ticks per quarter note", p + 12);
            _ppq = division;
        }
        long next = p + 8 + hlen;
        if (next > _smfEnd)
        {
            _w.Repair("headerlen", $"header chunk length {hlen} overruns the file", p + 4);
            next = _smfEnd;
        }
        chunksStart = (int)next;
        return ntrks;
    }

    // ---------------------------------------------------------------- chunks

    private bool LooksLikeChunkId(long p)
    {
        if (p + 8 > _smfEnd) return false;
        for (int i = 0; i < 4; i++)
        {
            byte b = _d[p + i];
            if (b < 0x20 || b > 0x7E) return false;
        }
        byte first = _d[p];
        return first is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z';
    }

    private void ReadChunks(int p0, int declaredTracks)
    {
        long p = p0;
        while (p < _smfEnd)
        {
            long remaining = _smfEnd - p;
            if (remaining < 8 || !LooksLikeChunkId(p))
            {
                _w.Repair("trailing", $"{remaining} byte(s) of trailing data at byte {p} ignored", p);
                break;
            }
            long len = BinaryPrimitives.ReadUInt32BigEndian(_d.AsSpan((int)p + 4, 4));
            long body = p + 8;
            long avail = _smfEnd - body;
            bool isTrack = Tag(_d, p, "MTrk");
            if (!isTrack && _chunks.Count < declaredTracks && OneByteFromMTrk(p))
            {
                // More tracks declared than found, and an id one letter away from MTrk: a damaged track header.
                _w.Repair("chunkid", $"chunk id '{TagText(_d, p)}' at byte {p} read as 'MTrk' (the header declares {declaredTracks} track chunk(s))", p);
                isTrack = true;
            }
            if (isTrack)
            {
                long next = ReadTrack(_chunks.Count, p, len);
                p = Math.Max(next, p + 8);
            }
            else
            {
                if (len > avail)
                {
                    _w.Repair("chunkoverrun:" + TagText(_d, p), $"chunk '{TagText(_d, p)}' at byte {p} claims {len} bytes but only {avail} remain", p);
                    break;
                }
                p = body + len;
            }
        }
    }

    private bool OneByteFromMTrk(long p)
    {
        int diff = 0;
        for (int i = 0; i < 4; i++) if (_d[p + i] != "MTrk"[i]) diff++;
        return diff == 1;
    }

    /// <summary>Reads a VLQ of at most 4 bytes. Returns false when the data ends first.</summary>
    private bool TryReadVlq(ref long pos, long end, out long value, string where)
    {
        value = 0;
        long start = pos;
        for (int i = 0; i < 4; i++)
        {
            if (pos >= end) return false;
            byte b = _d[pos++];
            value = (value << 7) | (uint)(b & 0x7F);
            if ((b & 0x80) == 0) return true;
        }
        if (pos >= end) return false;
        throw _w.Error($"{where} at byte {start}: variable-length number longer than 4 bytes", start);
    }

    private static int DataBytes(int status) => (status & 0xF0) is 0xC0 or 0xD0 ? 1 : 2;

    /// <summary>Reads one MTrk chunk starting at <paramref name="chunkPos"/>; returns where the next chunk starts.</summary>
    private long ReadTrack(int idx, long chunkPos, long declaredLen)
    {
        string where = $"track {idx}";
        var c = new ChunkData { Index = idx, ProgramStart = _programs.Count };
        _chunks.Add(c);

        long body = chunkPos + 8;
        long avail = _smfEnd - body;
        bool overrun = declaredLen > avail;
        if (overrun && _w.Strict)
            throw _w.Error($"{where} at byte {chunkPos}: chunk length {declaredLen} overruns the file (only {avail} bytes remain): truncated track", chunkPos);
        long end = overrun ? _smfEnd : body + declaredLen;
        // A note takes at least 6 bytes (two events with running status); bounded by the bytes present.
        c.Notes.Capacity = (int)Math.Min(Math.Max(0, end - body) / 6, 1 << 16);
        bool extended = false;

        long pos = body, tick = 0;
        int running = 0;
        bool afterMeta = false;
        bool eot = false;
        long eotEnd = -1;
        bool truncated = false;
        long truncatedAt = -1;
        int port = 0;
        int eventIndex = 0;
        // Open notes per (port, channel, key), first in first out. Port 0 (nearly every file) uses a flat
        // table reused across chunks; other ports a dictionary.
        var open = new Dictionary<int, Queue<OpenNote>>();
        var open0 = _open0 ??= new Queue<OpenNote>?[16 * 128];
        int openCount = 0;

        while (true)
        {
            if (pos >= end)
            {
                if (!extended && end < _smfEnd && !LooksLikeChunkId(end))
                {
                    _w.Repair("lenshort", $"{where} at byte {chunkPos}: chunk length {declaredLen} ends before the End-of-Track; reading on", chunkPos);
                    extended = true;
                    end = _smfEnd;
                    continue;
                }
                break;
            }
            long evStart = pos;
            long tickBefore = tick;
            if (!TryReadVlq(ref pos, end, out long delta, where)) { truncated = true; truncatedAt = evStart; goto Truncated; }
            tick += delta;
            if (pos >= end) { truncated = true; truncatedAt = pos; goto Truncated; }
            eventIndex++;
            byte b = _d[pos];
            if (b == 0xFF)
            {
                long metaPos = pos;
                pos++;
                if (pos >= end) { truncated = true; truncatedAt = metaPos; goto Truncated; }
                int type = _d[pos++];
                if (!TryReadVlq(ref pos, end, out long mlen, where)) { truncated = true; truncatedAt = metaPos; goto Truncated; }
                if (mlen > end - pos) { truncated = true; truncatedAt = metaPos; goto Truncated; }
                var data = _d.AsSpan((int)pos, (int)mlen);
                pos += mlen;
                if (running != 0) afterMeta = true;
                if (type == 0x2F)
                {
                    eot = true;
                    eotEnd = pos;
                    break;
                }
                HandleMeta(c, type, data, tick, metaPos, where, ref port);
                continue;
            }
            if (b == 0xF0 || b == 0xF7)
            {
                long sysPos = pos;
                pos++;
                if (!TryReadVlq(ref pos, end, out long slen, where)) { truncated = true; truncatedAt = sysPos; goto Truncated; }
                if (slen > end - pos) { truncated = true; truncatedAt = sysPos; goto Truncated; }
                pos += slen;
                if (running != 0) afterMeta = true;
                continue;
            }
            if (b > 0xF0)
            {
                int n = b switch { 0xF1 or 0xF3 => 1, 0xF2 => 2, _ => 0 };
                _w.Repair("illegal", $"{where} at byte {pos}: system message 0x{b:X2} is not allowed in a MIDI file; skipped", pos);
                pos++;
                for (int i = 0; i < n && pos < end && _d[pos] < 0x80; i++) pos++;
                continue;
            }
            int status;
            if (b >= 0x80)
            {
                status = b;
                running = b;
                afterMeta = false;
                pos++;
            }
            else
            {
                if (running == 0)
                {
                    _w.Repair("nostatus", $"{where} at byte {pos}: data byte 0x{b:X2} without a status byte; skipped", pos);
                    pos++;
                    continue;
                }
                if (afterMeta)
                {
                    _w.Repair("rsmeta", $"{where} at byte {pos}: running status resumed after a meta or system-exclusive event", pos);
                    afterMeta = false;
                }
                status = running;
            }
            int nd = DataBytes(status);
            if (pos + nd > end) { truncated = true; truncatedAt = evStart; goto Truncated; }
            int d1 = _d[pos], d2 = nd == 2 ? _d[pos + 1] : 0;
            if (d1 >= 0x80 || d2 >= 0x80)
            {
                _w.Repair("highdata", $"{where} at byte {pos}: channel message data byte above 127; high bit cleared", pos);
                d1 &= 0x7F;
                d2 &= 0x7F;
            }
            pos += nd;
            int ch = status & 0x0F;
            switch (status & 0xF0)
            {
                case 0x90 when d2 > 0:
                {
                    int key = ((port << 4) | ch) << 7 | d1;
                    Queue<OpenNote>? q;
                    if (port == 0) q = open0[key] ??= new Queue<OpenNote>();
                    else if (!open.TryGetValue(key, out q)) open[key] = q = new Queue<OpenNote>();
                    c.NoteOns++;
                    int pr = port == 0 ? c.Port0Programs[ch] : c.Programs.TryGetValue((port << 4) | ch, out int prv) ? prv : -1;
                    // The note takes its place in note-on order now; its duration is filled in at its note-off.
                    q.Enqueue(new OpenNote(tick, d2, eventIndex, pr, c.Notes.Count));
                    c.Notes.Add(new RawNote(tick, -1, d1, d2, port, ch, eventIndex, pr));
                    openCount++;
                    break;
                }
                case 0x80:
                case 0x90:
                {
                    int key = ((port << 4) | ch) << 7 | d1;
                    // A note-off with nothing open (e.g. one placed before its note-on at the same tick) ends nothing.
                    var q = port == 0 ? open0[key] : open.GetValueOrDefault(key);
                    if (q != null && q.Count > 0)
                    {
                        // FIFO: end the oldest. AllSounding: end all begun before this tick (or, when only
                        // notes begun at this tick sound, all of those with length 0).
                        bool allAtThisTick = q.Peek().Onset == tick;
                        do
                        {
                            var on = q.Dequeue();
                            openCount--;
                            long dur = tick - on.Onset;
                            if (dur == 0) _zeroLength++;
                            c.Notes[on.NoteIndex] = c.Notes[on.NoteIndex] with { Duration = dur };
                        }
                        while (_closeAll && q.Count > 0 && (allAtThisTick || q.Peek().Onset < tick));
                    }
                    break;
                }
                case 0xB0:
                    c.Controls.Add(new RawControl(tick, port, ch, d1, d2));
                    break;
                case 0xC0:
                    _programs.Add(new RawProgram(tick, idx, eventIndex, port, ch, d1));
                    c.Programs[(port << 4) | ch] = d1;
                    if (port == 0) c.Port0Programs[ch] = d1;
                    break;
                case 0xE0:
                    c.Bends.Add(new RawBend(tick, port, ch, (d1 | (d2 << 7)) - 8192));
                    break;
            }
            continue;

        Truncated:
            // The event starting at evStart does not fit in the chunk.
            if (!extended && end < _smfEnd && !LooksLikeChunkId(end))
            {
                _w.Repair("lenshort", $"{where} at byte {chunkPos}: chunk length {declaredLen} ends inside an event; reading on", chunkPos);
                extended = true;
                end = _smfEnd;
                pos = evStart;
                tick = tickBefore;
                truncated = false;
                continue;
            }
            if (_w.Strict)
                throw _w.Error($"{where} at byte {truncatedAt}: truncated track: the event at byte {evStart} does not fit in the chunk", truncatedAt);
            break;
        }

        c.LastTick = tick;

        // Close notes still open at the end of the track.
        string openInfo = "";
        if (openCount > 0)
        {
            void CloseAll(Queue<OpenNote> q)
            {
                while (q.Count > 0)
                {
                    var on = q.Dequeue();
                    long dur = tick - on.Onset;
                    if (dur == 0) _zeroLength++;
                    c.Notes[on.NoteIndex] = c.Notes[on.NoteIndex] with { Duration = dur };
                }
            }
            foreach (var q in open0) if (q != null) CloseAll(q);
            foreach (var q in open.Values) CloseAll(q);
            openInfo = $"{openCount} note(s) still sounding at the end closed at tick {tick}";
        }

        if (truncated)
        {
            string why = overrun
                ? $"chunk length {declaredLen} overruns the file (only {avail} bytes remain) and the file ends inside an event at byte {truncatedAt}"
                : $"the event at byte {truncatedAt} runs past the end of the chunk";
            _w.Repair("trunc", $"{where} at byte {truncatedAt}: truncated track: {why}; the incomplete event was dropped"
                + (openInfo.Length > 0 ? "; " + openInfo : ""), truncatedAt);
            return _smfEnd > end ? end : _smfEnd;
        }
        if (!eot)
        {
            string why = overrun ? $"chunk length {declaredLen} overruns the file (only {avail} bytes remain) and " : "";
            _w.Repair("noeot", $"{where}: {why}End-of-Track missing; the track ends at tick {tick}"
                + (openInfo.Length > 0 ? "; " + openInfo : ""), pos);
            return end;
        }
        if (openInfo.Length > 0)
            _w.Repair("open", $"{where}: {openInfo}", eotEnd);
        if (overrun)
            _w.Repair("overrun", $"{where} at byte {chunkPos}: chunk length {declaredLen} overruns the file (only {avail} bytes remain); End-of-Track found at byte {eotEnd - 3}", chunkPos);
        if (extended) return eotEnd;
        if (eotEnd < end)
        {
            if (end - eotEnd >= 8 && Tag(_d, eotEnd, "MTrk"))
            {
                _w.Repair("lenlong", $"{where} at byte {chunkPos}: chunk length {declaredLen} runs past the End-of-Track into the next 'MTrk' chunk at byte {eotEnd}; length corrected", chunkPos);
                return eotEnd;
            }
            _w.Repair("aftereot", $"{where}: {end - eotEnd} byte(s) after the End-of-Track ignored", eotEnd);
        }
        return end;
    }

    private void HandleMeta(ChunkData c, int type, ReadOnlySpan<byte> data, long tick, long metaPos, string where, ref int port)
    {
        switch (type)
        {
            case 0x01: c.Texts.Add(new TextEvent(tick, TextKind.Text, DecodeText(data))); break;
            case 0x02: c.Texts.Add(new TextEvent(tick, TextKind.Copyright, DecodeText(data))); break;
            case 0x05: c.Texts.Add(new TextEvent(tick, TextKind.Lyric, DecodeText(data))); break;
            case 0x06: c.Texts.Add(new TextEvent(tick, TextKind.Marker, DecodeText(data))); break;
            case 0x07: c.Texts.Add(new TextEvent(tick, TextKind.Cue, DecodeText(data))); break;
            case 0x03:
                if (c.Name == null) c.Name = DecodeText(data).Trim();
                break;
            case 0x04:
                if (c.InstrumentName == null) c.InstrumentName = DecodeText(data).Trim();
                break;
            case 0x21:
                if (data.Length < 1)
                {
                    _w.Repair("badport", $"{where} at byte {metaPos}: port event without data; ignored", metaPos);
                    break;
                }
                if (!c.PortSeen && tick == 0 && c.NoteOns == 0 && data[0] != port)
                {
                    // The track's first port event, at tick 0 before any note: it names the port of the whole
                    // track, so the program changes and controllers written before it move to that port.
                    int from = port, to = data[0];
                    for (int i = c.ProgramStart; i < _programs.Count; i++)
                        if (_programs[i].Chunk == c.Index && _programs[i].Port == from) _programs[i] = _programs[i] with { Port = to };
                    foreach (var k in c.Programs.Keys.Where(k => k >> 4 == from).ToList())
                    {
                        c.Programs[(to << 4) | (k & 15)] = c.Programs[k];
                        c.Programs.Remove(k);
                    }
                    c.SyncPort0();
                    for (int i = 0; i < c.Controls.Count; i++)
                        if (c.Controls[i].Port == from) c.Controls[i] = c.Controls[i] with { Port = to };
                    for (int i = 0; i < c.Bends.Count; i++)
                        if (c.Bends[i].Port == from) c.Bends[i] = c.Bends[i] with { Port = to };
                }
                c.PortSeen = true;
                port = data[0];
                break;
            case 0x51:
                if (data.Length < 3)
                {
                    _w.Repair("badtempo", $"{where} at byte {metaPos}: tempo event with {data.Length} data byte(s); ignored", metaPos);
                    break;
                }
                if (data.Length > 3) _w.Repair("longtempo", $"{where} at byte {metaPos}: tempo event with {data.Length} data bytes; the first 3 used", metaPos);
                int us = (data[0] << 16) | (data[1] << 8) | data[2];
                if (us == 0) { _w.Repair("zerotempo", $"{where} at byte {metaPos}: tempo of 0 microseconds per quarter; ignored", metaPos); break; }
                c.Tempos.Add(new TempoChange(tick, us));
                break;
            case 0x58:
                if (data.Length < 2 || data[0] == 0 || data[1] > 7)
                {
                    _w.Repair("badts", $"{where} at byte {metaPos}: invalid time signature; ignored", metaPos);
                    break;
                }
                c.TimeSignatures.Add(new TimeSignature(tick, data[0], 1 << data[1]));
                break;
            case 0x59:
            {
                if (data.Length < 2)
                {
                    _w.Repair("badks", $"{where} at byte {metaPos}: key signature with {data.Length} data byte(s); ignored", metaPos);
                    break;
                }
                int sf = (sbyte)data[0];
                int mi = data[1];
                if (sf < -7 || sf > 7 || mi > 1)
                {
                    _w.Repair("badks", $"{where} at byte {metaPos}: invalid key signature ({sf} sharps/flats, mode {mi}); ignored", metaPos);
                    break;
                }
                c.KeySignatures.Add(new KeySignature(tick, sf, mi == 1));
                break;
            }
        }
    }

    /// <summary>UTF-8 when the bytes are valid UTF-8, else Latin-1; trailing NULs removed.</summary>
    internal static string DecodeText(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0 && data[^1] == 0) data = data[..^1];
        return Utf8.IsValid(data) ? Encoding.UTF8.GetString(data) : Encoding.Latin1.GetString(data);
    }

    // ---------------------------------------------------------------- score assembly

    private sealed class Part
    {
        public required int Chunk;
        public required int Port;
        public required int Channel;
        public required int Program;
        public required int Order;
        public readonly Track Track = new();
    }

    private static readonly HashSet<string> GenericNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "untitled", "conductor", "conductor track", "tempo", "tempo track", "tempo map", "sequence", "sequenced by",
        "track", "track 0", "track 1", "track 01", "master", "meta", "setup", "system", "global", "none", "--none--",
        "piano", "piano right", "piano left", "right hand", "left hand", "melody", "bass", "drums", "new midi track",
    };

    /// <summary>
    /// A track name that can serve as the title: not blank, not generic ("Conductor", "Track 1", "Piano right",
    /// ...), and without control characters (which Latin-1 decoding of other code pages such as Shift-JIS gives).
    /// </summary>
    private static bool SensibleTitle(string? name)
        => !string.IsNullOrWhiteSpace(name) && !GenericNames.Contains(name.Trim())
           && !name.Trim().StartsWith("track ", StringComparison.OrdinalIgnoreCase)
           && !name.Any(char.IsControl) && name.Any(char.IsLetterOrDigit);

    /// <summary>
    /// Program of a note from another chunk's program changes: the last change on (port, channel) at or
    /// before <paramref name="onset"/> (absolute ticks), 0 when there is none. Binary search: O(log n).
    /// </summary>
    private static int ProgramFromOtherChunks(int port, int ch, long onset, Dictionary<int, List<(long Tick, int Program)>> byChannel)
    {
        if (!byChannel.TryGetValue((port << 4) | ch, out var list)) return 0;
        int lo = 0, hi = list.Count - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (list[mid].Tick <= onset) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found < 0 ? 0 : list[found].Program;
    }

    /// <summary>At most this many parts receive a copy of one channel's controllers (bounds memory).</summary>
    private const int MaxControlCopies = 16;

    private Score BuildScore()
    {
        var score = new Score(_ppq);

        // Maps, shifted by the pattern offset (format 2 only; 0 otherwise).
        foreach (var c in _chunks)
        {
            if (!_smpte)
                foreach (var t in c.Tempos) score.Tempos.Add(t with { Tick = t.Tick + c.Offset });
            foreach (var t in c.TimeSignatures) score.TimeSignatures.Add(t with { Tick = t.Tick + c.Offset });
            foreach (var k in c.KeySignatures) score.KeySignatures.Add(k with { Tick = k.Tick + c.Offset });
            foreach (var x in c.Texts) score.Texts.Add(x with { Tick = x.Tick + c.Offset });
        }
        if (_smpte)
        {
            int ignored = _chunks.Sum(c => c.Tempos.Count);
            if (ignored > 0)
                _w.Info("smptetempo", $"SMPTE-timed file: {ignored} tempo event(s) ignored (time is absolute in SMPTE files)");
            score.Tempos.Add(new TempoChange(0, _smpteMicrosPerQuarter));
        }
        score.Normalize();
        Dedupe(score.Tempos, t => t.Tick);
        Dedupe(score.TimeSignatures, t => t.Tick);
        Dedupe(score.KeySignatures, t => t.Tick);

        // Programs per (port, channel), sorted by absolute tick (stable: chunk order, then event order).
        var progs = new Dictionary<int, List<(long Tick, int Program)>>();
        foreach (var pc in _programs)
        {
            int k = (pc.Port << 4) | pc.Channel;
            if (!progs.TryGetValue(k, out var l)) progs[k] = l = new List<(long, int)>();
            l.Add((pc.Tick + _chunks[pc.Chunk].Offset, pc.Program));
        }
        foreach (var l in progs.Values)
            Score.StableSort(l, (a, b) => a.Tick.CompareTo(b.Tick));

        // One part per (chunk, port, channel, program) that has notes.
        var parts = new Dictionary<(int, int, int, int), Part>();
        var ordered = new List<Part>();
        var byChunkChannel = new Dictionary<(int, int), List<Part>>(); // (chunk, port<<4|channel)
        var byChannel = new Dictionary<int, List<Part>>();            // port<<4|channel
        Part GetPart(int chunk, int port, int ch, int program)
        {
            var key = (chunk, port, ch, program);
            if (parts.TryGetValue(key, out var part)) return part;
            parts[key] = part = new Part { Chunk = chunk, Port = port, Channel = ch, Program = program, Order = ordered.Count };
            ordered.Add(part);
            int pc = (port << 4) | ch;
            if (!byChunkChannel.TryGetValue((chunk, pc), out var l1)) byChunkChannel[(chunk, pc)] = l1 = new List<Part>();
            l1.Add(part);
            if (!byChannel.TryGetValue(pc, out var l2)) byChannel[pc] = l2 = new List<Part>();
            l2.Add(part);
            return part;
        }
        foreach (var c in _chunks)
        {
            // c.Notes is in note-on order already (each note was placed at its note-on).
            Part? last = null;
            foreach (var n in c.Notes)
            {
                long onset = n.Onset + c.Offset;
                int program = n.Program >= 0 ? n.Program : ProgramFromOtherChunks(n.Port, n.Channel, onset, progs);
                var part = last != null && last.Port == n.Port && last.Channel == n.Channel && last.Program == program
                    ? last : GetPart(c.Index, n.Port, n.Channel, program);
                last = part;
                part.Track.Notes.Add(new Note(onset, n.Duration, n.Pitch, n.Velocity));
            }
        }
        var noteParts = byChannel.ToDictionary(kv => kv.Key, kv => kv.Value.ToList());

        // Controllers and bends: to every note part on the same (chunk, port, channel); else (formats 0/1)
        // to the note parts on that (port, channel) in other chunks; else to a controller-only part.
        foreach (var c in _chunks)
        {
            var firstTick = new SortedDictionary<int, long>();
            foreach (var x in c.Controls) { int k = (x.Port << 4) | x.Channel; if (!firstTick.ContainsKey(k)) firstTick[k] = x.Tick; }
            foreach (var x in c.Bends) { int k = (x.Port << 4) | x.Channel; firstTick[k] = Math.Min(firstTick.GetValueOrDefault(k, long.MaxValue), x.Tick); }
            var targets = new Dictionary<int, List<Part>>();
            foreach (var (pc, first) in firstTick)
            {
                int port = pc >> 4, ch = pc & 15;
                List<Part>? t = byChunkChannel.TryGetValue((c.Index, pc), out var own) && own.Count > 0 ? own.Take(MaxControlCopies).ToList() : null;
                if (t == null && _format != 2 && noteParts.TryGetValue(pc, out var others) && others.Count > 0) t = others.Take(MaxControlCopies).ToList();
                if (t == null)
                {
                    int program = c.Programs.TryGetValue(pc, out int p) ? p : ProgramFromOtherChunks(port, ch, first + c.Offset, progs);
                    t = new List<Part> { GetPart(c.Index, port, ch, program) };
                }
                targets[pc] = t;
            }
            foreach (var x in c.Controls)
                foreach (var t in targets[(x.Port << 4) | x.Channel])
                    t.Track.Controls.Add(new ControlChange(x.Tick + c.Offset, x.Controller, x.Value));
            foreach (var x in c.Bends)
                foreach (var t in targets[(x.Port << 4) | x.Channel])
                    t.Track.PitchBends.Add(new PitchBend(x.Tick + c.Offset, x.Value));
        }

        Score.StableSort(ordered, (a, b) => a.Chunk != b.Chunk ? a.Chunk.CompareTo(b.Chunk) : a.Order.CompareTo(b.Order));
        foreach (var p in ordered)
        {
            var c = _chunks[p.Chunk];
            p.Track.Name = !string.IsNullOrEmpty(c.Name) ? c.Name : c.InstrumentName ?? "";
            p.Track.Port = p.Port;
            p.Track.Channel = p.Channel;
            p.Track.Program = p.Program;
            p.Track.IsDrum = p.Channel == 9;
            p.Track.Normalize();
            score.Tracks.Add(p.Track);
        }

        // Title: RIFF INAM, else the name of the format-0 track / format-1 conductor track / first pattern.
        if (_riffTitle != null) score.Title = _riffTitle;
        else if (_chunks.Count > 0)
        {
            var first = _chunks[0];
            bool conductor = _format != 1 || !ordered.Any(p => p.Chunk == 0 && p.Track.Notes.Count > 0) || _chunks.Count == 1;
            if (conductor && SensibleTitle(first.Name)) score.Title = first.Name!.Trim();
        }
        return score;
    }

    /// <summary>Of several map entries at one tick, keeps the last (the one in effect after that tick).</summary>
    private static void Dedupe<T>(List<T> list, Func<T, long> tick)
    {
        int w = 0;
        for (int i = 0; i < list.Count; i++)
        {
            if (w > 0 && tick(list[w - 1]) == tick(list[i])) list[w - 1] = list[i];
            else list[w++] = list[i];
        }
        list.RemoveRange(w, list.Count - w);
    }
}
