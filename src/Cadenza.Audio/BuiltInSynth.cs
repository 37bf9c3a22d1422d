using Cadenza.Audio.Dsp;
using Cadenza.Audio.Synth;
using Cadenza.Music;

namespace Cadenza.Audio;

/// <summary>
/// A self-contained General MIDI-style synthesizer: renders a <see cref="Score"/> offline to interleaved stereo float
/// audio with nothing installed. Each GM family has its own timbre built from band-limited oscillators (PolyBLEP saw and
/// square, additive wavetables, two-operator FM, Karplus-Strong plucked strings, noise), state-variable filters and
/// ADSR envelopes; drum tracks use a synthesized kit mapped by GM key. Velocity sets loudness and brightness;
/// controllers 7 (volume), 10 (pan), 11 (expression), 64 (sustain pedal), 67 (soft pedal), 91 (reverb send), 120/121/123, RPN 0 (bend range) and pitch bend
/// (±2 semitones by default) are honoured; a small FDN reverb adds room; a look-ahead limiter keeps every peak at or below
/// <see cref="SynthOptions.CeilingDb"/> (-1 dBFS by default), so the output never clips.
/// </summary>
/// <remarks>
/// Length: exactly ceil((seconds at the end of the last note + <see cref="SynthOptions.TailSeconds"/>) × rate) frames;
/// an empty score gives <see cref="SynthOptions.TailSeconds"/> of silence. Output is deterministic: the same score and
/// options give the same samples, on any number of cores.
/// </remarks>
public static class BuiltInSynth
{
    /// <summary>Voice groups rendered independently (a fixed number, so the output does not depend on the core count).</summary>
    private const int Groups = 2;
    private const int ChunkFrames = 16384;

    /// <summary>The timbre family used for a track: <see cref="InstrumentFamily.Drums"/> for a drum track (<see cref="Track.IsDrum"/>, or MIDI channel 10, i.e. <c>Channel == 9</c>), else GM program / 8.</summary>
    /// <param name="program">General MIDI program (clamped to 0-127).</param>
    /// <param name="isDrum">True for a percussion track (the renderer passes <c>Track.IsDrum || Track.Channel == 9</c>).</param>
    public static InstrumentFamily FamilyOf(int program, bool isDrum) =>
        isDrum ? InstrumentFamily.Drums : (InstrumentFamily)(Math.Clamp(program, 0, 127) / 8);

    /// <summary>Number of frames <see cref="Render"/> produces for <paramref name="score"/>: ceil((end of last note + tail) × rate).</summary>
    /// <exception cref="ArgumentNullException">When <paramref name="score"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When an option is out of range.</exception>
    public static long FrameCount(Score score, SynthOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(score);
        var o = options ?? new SynthOptions();
        o.Validate();
        return FrameCount(new TickClock(score).Seconds(score.EndTick), o);
    }

    private static long FrameCount(double endSeconds, SynthOptions o) =>
        (long)Math.Ceiling(Math.Round((endSeconds + o.TailSeconds) * o.SampleRate, 6));

    /// <summary>Renders <paramref name="score"/> to interleaved stereo float samples at <see cref="SynthOptions.SampleRate"/>.</summary>
    /// <param name="score">The music; it is read, never changed. Tracks need not be normalized.</param>
    /// <param name="options">Settings; null for the defaults.</param>
    /// <param name="progress">Receives the fraction done, 0 to 1, after each chunk of 16,384 frames (about 0.37 s at 44.1 kHz) and once more at the end.</param>
    /// <param name="cancellationToken">Checked between blocks.</param>
    /// <returns>A 2-channel buffer whose peak magnitude is at most the limiter ceiling.</returns>
    /// <exception cref="ArgumentNullException">When <paramref name="score"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When an option is out of range.</exception>
    /// <exception cref="ArgumentException">When the output would exceed 2^31 samples (about 6.7 hours at 44.1 kHz).</exception>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled.</exception>
    public static AudioBuffer Render(Score score, SynthOptions? options = null, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(score);
        var o = options ?? new SynthOptions();
        o.Validate();
        int sr = o.SampleRate;
        var clock = new TickClock(score);
        long totalFrames = FrameCount(clock.Seconds(score.EndTick), o);
        if (totalFrames * 2 > Array.MaxLength)
            throw new ArgumentException($"the piece lasts {FluidSynth.FluidSynthRenderer.Duration(totalFrames / (double)o.SampleRate)}; one render holds at most {FluidSynth.FluidSynthRenderer.Duration(Array.MaxLength / 2.0 / o.SampleRate)} of audio at {o.SampleRate} Hz", nameof(score));
        var output = new float[totalFrames * 2];

        var (events, channels) = BuildEvents(score, clock, sr);
        int perGroup = Math.Max(4, o.MaxPolyphony / Groups);
        var engine0 = new SynthEngine(events[0], channels, perGroup, sr, (float)o.MasterGain);
        var engine1 = new SynthEngine(events[1], channels, perGroup, sr, (float)o.MasterGain);
        // Double-buffered chunk mixes: while chunk k renders (group 0 here, group 1 on the worker), chunk k-1 is mixed and reverberated.
        var mix0 = new[] { new float[ChunkFrames * 3], new float[ChunkFrames * 3] };
        var mix1 = new[] { new float[ChunkFrames * 3], new float[ChunkFrames * 3] };
        var post = new PostMix(output, new Reverb(sr), (float)o.ReverbWet, sr);
        using var worker = o.Parallel && Environment.ProcessorCount > 1 && totalFrames > ChunkFrames ? new GroupWorker(engine1) : null;

        long prevStart = -1;
        int prevN = 0, k = 0;
        for (long start = 0; start < totalFrames; start += ChunkFrames, k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = (int)Math.Min(ChunkFrames, totalFrames - start);
            int b = k & 1;
            if (worker != null) worker.Start(mix1[b], start, n);
            else engine1.Render(mix1[b], start, n);
            engine0.Render(mix0[b], start, n);
            if (prevStart >= 0)
            {
                post.Finish(prevStart, prevN, mix0[b ^ 1], mix1[b ^ 1]);
                progress?.Report((double)(prevStart + prevN) / totalFrames);
            }
            worker?.Wait();
            prevStart = start;
            prevN = n;
        }
        if (prevStart >= 0) post.Finish(prevStart, prevN, mix0[(k - 1) & 1], mix1[(k - 1) & 1]);

        FadeOut(output, sr, o.TailSeconds);
        Limiter.Process(output, 2, sr, (float)Math.Pow(10, o.CeilingDb / 20));
        progress?.Report(1.0);
        return new AudioBuffer(sr, 2, output);
    }

    /// <summary>
    /// Sums the two groups' chunk mixes (left, right, send per frame) into the output, removes DC (one-pole high-pass
    /// at 5 Hz, on the send too) and adds the reverb of the summed sends.
    /// </summary>
    private sealed class PostMix(float[] output, Reverb reverb, float wet, int sampleRate)
    {
        private readonly float _dcR = (float)(1 - 2 * Math.PI * 5.0 / sampleRate);
        private readonly float[] _send = new float[ChunkFrames];
        private float _yl, _xl, _yr, _xr, _ys, _xs;

        public void Finish(long start, int frames, float[] a, float[] b)
        {
            var dst = output.AsSpan((int)(start * 2), frames * 2);
            var send = _send;
            float r = _dcR, yl = _yl, xl = _xl, yr = _yr, xr = _xr, ys = _ys, xs = _xs;
            for (int f = 0; f < frames; f++)
            {
                int i = 3 * f;
                float l = a[i] + b[i], rr = a[i + 1] + b[i + 1], s = a[i + 2] + b[i + 2];
                yl = l - xl + r * yl; xl = l;
                yr = rr - xr + r * yr; xr = rr;
                ys = s - xs + r * ys; xs = s;
                dst[2 * f] = yl; dst[2 * f + 1] = yr; send[f] = ys;
            }
            _yl = yl; _xl = xl; _yr = yr; _xr = xr; _ys = ys; _xs = xs;
            reverb.Process(dst, send.AsSpan(0, frames), wet);
        }
    }

    private static void FadeOut(float[] io, int sr, double tailSeconds)
    {
        int frames = io.Length / 2;
        int fade = Math.Min(frames, (int)(Math.Min(0.05, tailSeconds) * sr));
        for (int k = 0; k < fade; k++)
        {
            int f = frames - fade + k;
            float g = 1f - (k + 1f) / fade;
            io[2 * f] *= g;
            io[2 * f + 1] *= g;
        }
    }

    /// <summary>
    /// Flattens the score into sorted events, one list per voice group. Channel state is shared per (port, channel)
    /// pair, as on a MIDI device. Notes shorter than 5 ms are lengthened to 5 ms so their release is always heard.
    /// </summary>
    private static (SynthEvent[][] groups, int channels) BuildEvents(Score score, TickClock clock, int sr)
    {
        var chanIndex = new Dictionary<(int, int), int>();
        var all = new List<SynthEvent>(score.NoteCount * 2 + 64);
        int seq = 0, noteId = 0;
        long minLen = Math.Max(1, (long)(0.005 * sr));
        long Frame(long tick) => (long)Math.Round(clock.Seconds(Math.Max(0, tick)) * sr);

        foreach (var track in score.Tracks)
        {
            var key = (track.Port, track.Channel);
            if (!chanIndex.TryGetValue(key, out int chan)) chanIndex[key] = chan = chanIndex.Count;
            bool drum = track.IsDrum || track.Channel == 9; // GM: channel 10 is the percussion channel
            int program = Math.Clamp(track.Program, 0, 127);
            foreach (var c in track.Controls)
                all.Add(new SynthEvent(Frame(c.Tick), EventKind.Control, chan, c.Controller, Math.Clamp(c.Value, 0, 127), -1, 0, drum, seq++));
            foreach (var b in track.PitchBends)
                all.Add(new SynthEvent(Frame(b.Tick), EventKind.Bend, chan, Math.Clamp(b.Value, -8192, 8191), 0, -1, 0, drum, seq++));
            foreach (var n in track.Notes)
            {
                if (n.Velocity <= 0 || n.Pitch is < 0 or > 127) continue;
                long on = Frame(n.Onset);
                long off = Math.Max(on + minLen, Frame(n.End));
                int id = noteId++;
                all.Add(new SynthEvent(on, EventKind.NoteOn, chan, n.Pitch, Math.Min(127, n.Velocity), id, program, drum, seq++));
                all.Add(new SynthEvent(off, EventKind.NoteOff, chan, n.Pitch, 0, id, program, drum, seq++));
            }
        }
        all.Sort((a, b) =>
        {
            int c = a.Frame.CompareTo(b.Frame);
            if (c != 0) return c;
            c = Order(a.Kind).CompareTo(Order(b.Kind));
            return c != 0 ? c : a.Seq.CompareTo(b.Seq);
        });

        var groups = new List<SynthEvent>[Groups];
        for (int g = 0; g < Groups; g++) groups[g] = new List<SynthEvent>(all.Count / Groups + 16);
        foreach (var e in all)
        {
            if (e.Kind is EventKind.NoteOn or EventKind.NoteOff) groups[GroupOf(e)].Add(e);
            else for (int g = 0; g < Groups; g++) groups[g].Add(e);
        }
        return (groups.Select(g => g.ToArray()).ToArray(), Math.Max(1, chanIndex.Count));
    }

    private static int Order(EventKind k) => k switch { EventKind.NoteOff => 0, EventKind.NoteOn => 2, _ => 1 };

    /// <summary>Voice group of a note: by key, except that hi-hats share a group (so closed chokes open), as do the triangles.</summary>
    private static int GroupOf(in SynthEvent e)
    {
        int k = e.Data1;
        if (e.Drum)
        {
            int choke = DrumKit.For(k).ChokeGroup;
            if (choke is 1 or 2) return 1 % Groups;
            if (choke is 3 or 4) return 0;
        }
        return (k + e.Chan) % Groups;
    }
}
