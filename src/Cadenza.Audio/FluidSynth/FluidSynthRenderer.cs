using Cadenza.Audio.Synth;
using Cadenza.Music;

namespace Cadenza.Audio.FluidSynth;

/// <summary>
/// Renders a <see cref="Score"/> through FluidSynth with a SoundFont, offline: no audio device, no temporary MIDI file.
/// The score's events go straight to the synthesizer (program and channel type per part, then note on/off, controllers
/// and pitch bend through FluidSynth's sequencer), each at the first 64-frame block boundary at or after its sample
/// position from the tempo map, and <c>fluid_synth_write_float</c> renders the audio, block by block, into an
/// interleaved stereo buffer. With <see cref="FluidSynthOptions.Threads"/> above 1 the notes are shared out among that
/// many synthesizers rendering at once, and their outputs summed.
/// </summary>
/// <remarks>
/// <para><b>Channels.</b> Each distinct (port, channel, program, drum) part gets its own FluidSynth channel — its MIDI
/// channel (port × 16 + channel) when free, else the next free one — set to drum or melodic type explicitly (a part is
/// a drum part when <see cref="Track.IsDrum"/> or its channel is 9, MIDI channel 10), so two programs that shared a MIDI
/// channel in the file still sound at once. A part's controllers and bends go to every FluidSynth channel of its
/// (port, channel). Bank-select controllers (0, 32) are not sent: the program picks the preset (bank 0, or the drum bank 128).
/// Overlapping notes of one key on one channel hold the key until the last of them ends.</para>
/// <para><b>Length</b> (the rule of the <c>fluidsynth</c> command line's fast render, so the two agree to a block):
/// after the last event (note end, controller, bend or tempo change) the sustain and sostenuto pedals are released
/// on every channel; rendering then goes on, 64-frame block by block, while any voice still sounds (at most
/// <see cref="FluidSynthOptions.MaxRingOutSeconds"/>), then <see cref="FluidSynthOptions.TailSeconds"/> more (rounded up
/// to a block) for the reverb. A MIDI file's End-of-Track is not part of a <see cref="Score"/>, so trailing silence that a
/// file's End-of-Track adds after its last event is not rendered (the command line renders it).</para>
/// </remarks>
public static unsafe class FluidSynthRenderer
{
    /// <summary>FluidSynth's internal block size in frames (FLUID_BUFSIZE).</summary>
    public const int BlockFrames = 64;

    private const int WriteChunk = 8192;

    private static readonly object CreateLock = new();

    private enum Kind : byte { NoteOff = 0, Control = 1, Bend = 2, NoteOn = 3 }

    private readonly record struct Ev(long Frame, Kind Kind, int Chan, int A, int B, int Seq);

    /// <summary>Renders <paramref name="score"/> with the SoundFont at <paramref name="soundFontPath"/>.</summary>
    /// <param name="library">The loaded libfluidsynth (<see cref="FluidSynthLibrary.TryLoad(out string)"/>).</param>
    /// <param name="soundFontPath">A SoundFont 2 file.</param>
    /// <param name="score">The music; read, never changed.</param>
    /// <param name="options">Settings; null for the <c>fluidsynth</c> command line's defaults.</param>
    /// <param name="progress">Receives the fraction of the score rendered, 0 to 1.</param>
    /// <param name="cancellationToken">Checked between blocks of 8,192 frames.</param>
    /// <returns>Stereo float audio at <see cref="FluidSynthOptions.SampleRate"/>, FluidSynth's output unchanged (no limiter: samples may exceed 1 at high gain).</returns>
    /// <exception cref="ArgumentNullException">When an argument other than <paramref name="options"/> or <paramref name="progress"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When an option is out of range.</exception>
    /// <exception cref="ArgumentException">When the score needs more than 256 FluidSynth channels or more audio than one buffer holds.</exception>
    /// <exception cref="SoundFontException">When the SoundFont is missing, not a SoundFont 2 file, or FluidSynth cannot load it.</exception>
    /// <exception cref="InvalidOperationException">When FluidSynth cannot create a synthesizer with these settings.</exception>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled.</exception>
    public static AudioBuffer Render(FluidSynthLibrary library, string soundFontPath, Score score, FluidSynthOptions? options = null,
        IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(soundFontPath);
        ArgumentNullException.ThrowIfNull(score);
        var o = options ?? new FluidSynthOptions();
        o.Validate();
        SoundFont.Check(soundFontPath);
        int sr = o.SampleRate;
        var (events, parts, channelCount, lastFrame) = BuildEvents(score, new TickClock(score), sr);

        var ct = cancellationToken;
        var lanes = new List<Lane>();
        try
        {
            var laneOf = ShareOut(events, parts.Where(x => x.Drum).Select(x => x.Chan).ToHashSet(), o.Threads);
            int laneCount = laneOf.Length == 0 ? 1 : laneOf.Max() + 1;
            for (int i = 0; i < laneCount; i++) lanes.Add(new Lane(library.Native));
            long tailFrames = ((long)Math.Ceiling(o.TailSeconds * sr) + BlockFrames - 1) / BlockFrames * BlockFrames;
            long estimate = lastFrame + tailFrames + 4L * sr + BlockFrames;
            if (estimate * 2 > Array.MaxLength)
                throw new ArgumentException($"the piece lasts {Duration(lastFrame / (double)sr)}; one render holds at most {Duration(Array.MaxLength / 2.0 / sr)} of audio at {sr} Hz", nameof(score));

            // Each lane loads the SoundFont and renders its share of the notes up to the last event, in parallel.
            void Main(int i)
            {
                var lane = lanes[i];
                lane.Open(soundFontPath, o, channelCount, parts, estimate);
                lane.Schedule(events, laneOf, i, lastFrame, sr);
                lane.Write(lastFrame, ct, i == 0 ? progress : null, lastFrame);
            }
            if (lanes.Count == 1) Main(0);
            else
            {
                try { Parallel.For(0, lanes.Count, new ParallelOptions { MaxDegreeOfParallelism = lanes.Count, CancellationToken = ct }, Main); }
                catch (AggregateException e) when (e.InnerExceptions.Count > 0)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
                    throw;
                }
            }

            // The command line's end of playback: pedals up, ring out while voices sound, then the grace time.
            var n = library.Native;
            foreach (var lane in lanes)
                foreach (var (chan, _, _) in parts)
                {
                    n.Cc(lane.Synth, chan, 64, 0);
                    n.Cc(lane.Synth, chan, 66, 0);
                }
            long pos = lanes[0].Position;
            if (pos % BlockFrames != 0) pos += BlockFrames - pos % BlockFrames;
            foreach (var lane in lanes) lane.Write(pos, ct);
            long ringLimit = pos + (long)(o.MaxRingOutSeconds * sr);
            while (pos < ringLimit && lanes.Any(l => n.ActiveVoiceCount(l.Synth) > 0))
            {
                pos += BlockFrames;
                foreach (var lane in lanes) lane.Write(pos, ct);
            }
            pos += tailFrames;
            foreach (var lane in lanes) lane.Write(pos, ct);
            progress?.Report(1.0);

            var buffer = lanes[0].TakeBuffer();
            if (buffer.Length != pos * 2) Array.Resize(ref buffer, (int)(pos * 2));
            for (int i = 1; i < lanes.Count; i++)
            {
                var other = lanes[i].TakeBuffer().AsSpan(0, buffer.Length);
                var sum = buffer.AsSpan();
                int v = System.Numerics.Vector<float>.Count, j = 0;
                for (; j + v <= sum.Length; j += v)
                    (new System.Numerics.Vector<float>(sum[j..]) + new System.Numerics.Vector<float>(other[j..])).CopyTo(sum[j..]);
                for (; j < sum.Length; j++) sum[j] += other[j];
            }
            return new AudioBuffer(sr, 2, buffer);
        }
        finally
        {
            foreach (var lane in lanes) lane.Dispose();
        }
    }

    /// <summary>A length in words: "3.5 hours", "16.2 days".</summary>
    internal static string Duration(double seconds) =>
        seconds >= 2 * 86400 ? $"{seconds / 86400:F1} days" : seconds >= 2 * 3600 ? $"{seconds / 3600:F1} hours" : $"{seconds / 60:F1} minutes";

    private static string Why() => FluidSynthNative.LastError is { Length: > 0 } e ? ": " + e.Trim() : "";

    private static void Set(int rc, string name)
    {
        if (rc != FluidSynthNative.FluidOk) throw new ArgumentOutOfRangeException(name, $"FluidSynth refused the setting {name}");
    }

    /// <summary>
    /// Shares the notes out among at most <paramref name="lanes"/> synthesizers: a unit is one key of one melodic channel,
    /// or a whole drum channel (its exclusive classes, such as open and closed hi-hat, cut each other off), or a whole
    /// channel that uses portamento, legato or mono mode; units go, largest first, to the lane with the fewest notes.
    /// Returns the lane of every event, -1 for controllers and bends (all lanes); empty when one lane does it all.
    /// </summary>
    private static int[] ShareOut(Ev[] events, HashSet<int> drumChannels, int lanes)
    {
        if (lanes <= 1 || events.Length < 256) return [];
        var whole = new HashSet<int>(drumChannels);
        foreach (var e in events)
            if (e.Kind == Kind.Control && e.A is 5 or 65 or 68 or 84 or 126 or 127) whole.Add(e.Chan);
        var count = new Dictionary<int, int>();
        foreach (var e in events) if (e.Kind == Kind.NoteOn) count[e.Chan << 8 | e.A] = count.GetValueOrDefault(e.Chan << 8 | e.A) + 1;
        // Units: the keys of a drum channel or a whole channel fold into one.
        var units = new Dictionary<int, int>();
        foreach (var (k, c) in count)
        {
            int chan = k >> 8;
            int u = whole.Contains(chan) ? chan << 8 | 255 : k;
            units[u] = units.GetValueOrDefault(u) + c;
        }
        if (units.Count < 2) return [];
        lanes = Math.Min(lanes, units.Count);
        var load = new long[lanes];
        var laneOfUnit = new Dictionary<int, int>();
        foreach (var (u, c) in units.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key))
        {
            int best = 0;
            for (int i = 1; i < lanes; i++) if (load[i] < load[best]) best = i;
            laneOfUnit[u] = best;
            load[best] += c;
        }
        var result = new int[events.Length];
        for (int i = 0; i < events.Length; i++)
        {
            var e = events[i];
            if (e.Kind is Kind.Control or Kind.Bend) { result[i] = -1; continue; }
            int chan = e.Chan;
            int u = whole.Contains(chan) ? chan << 8 | 255 : chan << 8 | e.A;
            result[i] = laneOfUnit[u];
        }
        return result;
    }

    /// <summary>One FluidSynth synthesizer with its settings, sequencer and output buffer.</summary>
    private sealed class Lane(FluidSynthNative n) : IDisposable
    {
        private nint _settings, _seq, _ev;
        private float[] _buffer = [];

        public nint Synth { get; private set; }

        public long Position { get; private set; }

        public void Open(string soundFontPath, FluidSynthOptions o, int channelCount, (int Chan, int Program, bool Drum)[] parts, long estimate)
        {
            int sr = o.SampleRate;
            _settings = n.NewSettings();
            if (_settings == 0) throw new InvalidOperationException("FluidSynth could not create its settings");
            Set(n.SetNum(_settings, "synth.sample-rate", sr), "synth.sample-rate");
            Set(n.SetNum(_settings, "synth.gain", o.Gain), "synth.gain");
            Set(n.SetInt(_settings, "synth.polyphony", o.Polyphony), "synth.polyphony");
            Set(n.SetInt(_settings, "synth.midi-channels", channelCount), "synth.midi-channels");
            Set(n.SetInt(_settings, "synth.reverb.active", o.Reverb.Active ? 1 : 0), "synth.reverb.active");
            Set(n.SetNum(_settings, "synth.reverb.room-size", o.Reverb.RoomSize), "synth.reverb.room-size");
            Set(n.SetNum(_settings, "synth.reverb.damp", o.Reverb.Damping), "synth.reverb.damp");
            Set(n.SetNum(_settings, "synth.reverb.width", o.Reverb.Width), "synth.reverb.width");
            Set(n.SetNum(_settings, "synth.reverb.level", o.Reverb.Level), "synth.reverb.level");
            Set(n.SetInt(_settings, "synth.chorus.active", o.Chorus.Active ? 1 : 0), "synth.chorus.active");
            Set(n.SetInt(_settings, "synth.chorus.nr", o.Chorus.Voices), "synth.chorus.nr");
            Set(n.SetNum(_settings, "synth.chorus.level", o.Chorus.Level), "synth.chorus.level");
            // FluidSynth keeps the range's minimum 0.1 as a float (0.100000001...) and refuses 0.1 itself: lift it just above.
            Set(n.SetNum(_settings, "synth.chorus.speed", Math.Max(o.Chorus.Speed, 0.1000001)), "synth.chorus.speed");
            Set(n.SetNum(_settings, "synth.chorus.depth", o.Chorus.Depth), "synth.chorus.depth");

            FluidSynthNative.ClearError();
            // new_fluid_synth fills FluidSynth's global tables the first time; a second thread creating a synthesizer
            // meanwhile does not wait for it (seen as a render 11 dB too loud), so creation is serialized.
            lock (CreateLock) Synth = n.NewSynth(_settings);
            if (Synth == 0) throw new InvalidOperationException("FluidSynth could not create a synthesizer" + Why());
            int id;
            FluidSynthNative.ClearError();
            fixed (byte* p = FluidSynthNative.Utf8(soundFontPath)) id = n.SfLoad(Synth, p, 1);
            if (id == FluidSynthNative.FluidFailed)
                throw new SoundFontException($"{soundFontPath}: FluidSynth cannot load this SoundFont{Why()}");
            foreach (var (chan, program, drum) in parts)
            {
                n.SetChannelType(Synth, chan, drum ? FluidSynthNative.ChannelTypeDrum : FluidSynthNative.ChannelTypeMelodic);
                n.ProgramChange(Synth, chan, program);
            }
            _buffer = new float[estimate * 2];
        }

        /// <summary>
        /// Hands this lane's events (<paramref name="laneOf"/> = <paramref name="lane"/> or -1; all when empty) to FluidSynth's
        /// sequencer, which passes them to the synthesizer from inside its rendering, as the command line's MIDI player
        /// does (calling the note functions between fluid_synth_write_float calls instead made FluidSynth itself about
        /// twice as slow for the same voices; docs/BENCHMARKS.md). An event at frame F sounds from the first block
        /// boundary at or after F, as a call made right at F would, and the events of one block keep their order.
        /// </summary>
        public void Schedule(Ev[] events, int[] laneOf, int lane, long lastFrame, int sr)
        {
            _seq = n.NewSequencer2(0);
            if (_seq == 0) throw new InvalidOperationException("FluidSynth could not create a sequencer");
            short dest = n.SequencerRegisterFluidSynth(_seq, Synth);
            if (dest < 0) throw new InvalidOperationException("FluidSynth could not connect its sequencer to the synthesizer");
            // Ticks of 1/16 frame give every event of a block its own tick; a very long score falls back to frames so
            // that the 32-bit tick does not overflow.
            int scale = (lastFrame + 16L * sr) * 16 < uint.MaxValue ? 16 : 1;
            n.SequencerSetTimeScale(_seq, (double)sr * scale);
            _ev = n.NewEvent();
            if (_ev == 0) throw new InvalidOperationException("FluidSynth could not create an event");
            n.EventSetSource(_ev, -1);
            n.EventSetDest(_ev, dest);
            var held = new Dictionary<int, int>(); // (chan << 7 | key) -> notes sounding on it
            long lastBlock = -1, inBlock = 0;
            for (int i = 0; i < events.Length; i++)
            {
                if (laneOf.Length > 0 && laneOf[i] != lane && laneOf[i] != -1) continue;
                var e = events[i];
                long block = (e.Frame + BlockFrames - 1) / BlockFrames;
                inBlock = block == lastBlock ? inBlock + 1 : 0;
                lastBlock = block;
                bool now = block == 0; // before the first block: straight to the synthesizer
                switch (e.Kind)
                {
                    case Kind.NoteOn:
                        {
                            int k = e.Chan << 7 | e.A;
                            held[k] = held.GetValueOrDefault(k) + 1;
                            if (now) n.NoteOn(Synth, e.Chan, e.A, e.B);
                            else n.EventNoteOn(_ev, e.Chan, (short)e.A, (short)e.B);
                            break;
                        }
                    case Kind.NoteOff:
                        {
                            int k = e.Chan << 7 | e.A;
                            int c = held.GetValueOrDefault(k) - 1;
                            if (c > 0) { held[k] = c; continue; }
                            held.Remove(k);
                            if (now) n.NoteOff(Synth, e.Chan, e.A);
                            else n.EventNoteOff(_ev, e.Chan, (short)e.A);
                            break;
                        }
                    case Kind.Control:
                        if (now) n.Cc(Synth, e.Chan, e.A, e.B);
                        else n.EventControlChange(_ev, e.Chan, (short)e.A, e.B);
                        break;
                    case Kind.Bend:
                        if (now) n.PitchBend(Synth, e.Chan, e.A);
                        else n.EventPitchBend(_ev, e.Chan, e.A);
                        break;
                }
                if (now) continue;
                // Handed over by the sequencer when it runs before block - 1 (once per block, in whole milliseconds),
                // the event takes effect at the start of block: its tick lies after the sequencer's clock at block - 2
                // and at most its clock at block - 1, one tick after the block's previous event.
                long lo = SequencerTick(block - 2, sr, scale) + 1, hi = SequencerTick(block - 1, sr, scale);
                long t = Math.Min(lo + inBlock, hi);
                if (t > uint.MaxValue) throw new ArgumentException($"The score is too long for FluidSynth's sequencer ({lastFrame} frames).", nameof(events));
                if (n.SequencerSendAt(_seq, _ev, (uint)t, 1) != FluidSynthNative.FluidOk)
                    throw new InvalidOperationException("FluidSynth's sequencer refused an event" + Why());
            }
        }

        /// <summary>Renders up to frame <paramref name="end"/>, in chunks of <see cref="WriteChunk"/> frames.</summary>
        public void Write(long end, CancellationToken ct, IProgress<double>? progress = null, long lastFrame = 0)
        {
            while (Position < end)
            {
                ct.ThrowIfCancellationRequested();
                int len = (int)Math.Min(end - Position, WriteChunk);
                long need = (Position + len) * 2;
                if (need > _buffer.Length)
                {
                    long grow = Math.Min(Array.MaxLength, Math.Max(need, _buffer.Length + _buffer.Length / 2));
                    if (need > grow) throw new ArgumentException("The render needs more audio than one buffer holds.");
                    Array.Resize(ref _buffer, (int)grow);
                }
                fixed (float* p = _buffer)
                    n.WriteFloat(Synth, len, p, (int)(Position * 2), 2, p, (int)(Position * 2 + 1), 2);
                Position += len;
                if (lastFrame > 0 && Position <= lastFrame) progress?.Report((double)Position / lastFrame);
            }
        }

        public float[] TakeBuffer()
        {
            var b = _buffer;
            _buffer = [];
            return b;
        }

        public void Dispose()
        {
            if (_ev != 0) { n.DeleteEvent(_ev); _ev = 0; }
            if (_seq != 0) { n.DeleteSequencer(_seq); _seq = 0; }
            if (Synth != 0) { n.DeleteSynth(Synth); Synth = 0; }
            if (_settings != 0) { n.DeleteSettings(_settings); _settings = 0; }
        }
    }

    /// <summary>
    /// The sequencer's clock (in frames, time scale = sample rate) when FluidSynth's sample timer runs before rendering
    /// block <paramref name="block"/>: the timer passes whole milliseconds since the start, the sequencer scales them back
    /// to ticks of 1/<paramref name="scale"/> frame.
    /// </summary>
    private static long SequencerTick(long block, int sr, int scale)
    {
        if (block < 0) return -1;
        long msec = (long)(1000.0 * ((double)(block * BlockFrames) / sr));
        return (long)(msec * ((double)sr * scale) / 1000.0);
    }

    /// <summary>The score's events sorted by frame (note-offs, then controllers and bends, then note-ons at one frame), its parts and the last event's frame.</summary>
    private static (Ev[] Events, (int Chan, int Program, bool Drum)[] Parts, int Channels, long LastFrame) BuildEvents(Score score, TickClock clock, int sr)
    {
        long Frame(long tick) => (long)Math.Round(clock.Seconds(Math.Max(0, tick)) * sr);
        // Pass 1: one FluidSynth channel per (port, channel, program, drum); the MIDI channel itself when free.
        var keys = new List<(int Port, int Channel, int Program, bool Drum)>();
        foreach (var t in score.Tracks)
        {
            var k = (t.Port, Math.Clamp(t.Channel, 0, 15), Math.Clamp(t.Program, 0, 127), t.IsDrum || t.Channel == 9);
            if (!keys.Contains(k)) keys.Add(k);
        }
        var slot = new Dictionary<(int, int, int, bool), int>();
        var used = new HashSet<int>();
        foreach (var k in keys)
        {
            int preferred = Math.Max(0, k.Port) * 16 + k.Channel;
            if (preferred < 256 && used.Add(preferred)) slot[k] = preferred;
        }
        int next = 0;
        foreach (var k in keys)
        {
            if (slot.ContainsKey(k)) continue;
            while (next < 256 && used.Contains(next)) next++;
            if (next >= 256) throw new ArgumentException($"The score has {keys.Count} instrument parts; FluidSynth renders at most 256 channels.", nameof(score));
            used.Add(next);
            slot[k] = next;
        }
        int channels = Math.Max(16, (used.Count == 0 ? 0 : used.Max() + 16) / 16 * 16);
        var parts = keys.Select(k => (slot[k], k.Program, k.Drum)).ToArray();

        var all = new List<Ev>(score.NoteCount * 2 + 64);
        int seq = 0;
        long last = 0;
        foreach (var tempo in score.Tempos) last = Math.Max(last, Frame(tempo.Tick));
        foreach (var t in score.Tracks)
        {
            var key = (t.Port, Math.Clamp(t.Channel, 0, 15), Math.Clamp(t.Program, 0, 127), t.IsDrum || t.Channel == 9);
            int chan = slot[key];
            // Controllers and bends reach every FluidSynth channel of this (port, channel).
            var targets = keys.Where(k => k.Port == key.Item1 && k.Channel == key.Item2).Select(k => slot[k]).Distinct().ToArray();
            foreach (var c in t.Controls)
            {
                if (c.Controller is 0 or 32 || c.Controller is < 0 or > 127) continue;
                long f = Frame(c.Tick);
                last = Math.Max(last, f);
                foreach (int ch in targets) all.Add(new Ev(f, Kind.Control, ch, c.Controller, Math.Clamp(c.Value, 0, 127), seq++));
            }
            foreach (var b in t.PitchBends)
            {
                long f = Frame(b.Tick);
                last = Math.Max(last, f);
                foreach (int ch in targets) all.Add(new Ev(f, Kind.Bend, ch, Math.Clamp(b.Value, -8192, 8191) + 8192, 0, seq++));
            }
            foreach (var note in t.Notes)
            {
                if (note.Velocity <= 0 || note.Pitch is < 0 or > 127) continue;
                long on = Frame(note.Onset), off = Math.Max(on + 1, Frame(note.End)); // a zero-length note still gets its note-off after its note-on
                last = Math.Max(last, off);
                all.Add(new Ev(on, Kind.NoteOn, chan, note.Pitch, Math.Min(127, note.Velocity), seq++));
                all.Add(new Ev(off, Kind.NoteOff, chan, note.Pitch, 0, seq++));
            }
        }
        all.Sort((a, b) =>
        {
            int c = a.Frame.CompareTo(b.Frame);
            if (c != 0) return c;
            c = a.Kind.CompareTo(b.Kind);
            return c != 0 ? c : a.Seq.CompareTo(b.Seq);
        });
        return (all.ToArray(), parts, channels, last);
    }
}
