namespace Cadenza.Audio.Synth;

/// <summary>
/// A voice pool plus channel states that renders its own slice of the score's events into a stereo scratch block.
/// The renderer runs a fixed number of engines (notes are partitioned between them by key) so the work can be spread
/// over cores while the output stays identical however many cores there are.
/// </summary>
internal sealed class SynthEngine
{
    private readonly Voice[] _voices;
    private readonly int _maxActive;
    private readonly ChannelState[] _chans;
    private readonly SynthEvent[] _events;
    private readonly float _sr;
    private readonly float _master;
    private readonly float[] _scratch = new float[Voice.SubBlock];
    private readonly float[] _scratch2 = new float[Voice.SubBlock];
    private int _next;

    public SynthEngine(SynthEvent[] events, int channels, int maxPolyphony, float sampleRate, float masterGain)
    {
        _events = events;
        _maxActive = Math.Max(1, maxPolyphony);
        _voices = new Voice[_maxActive + 8]; // spare slots let stolen voices fade out instead of clicking
        for (int i = 0; i < _voices.Length; i++) _voices[i] = new Voice();
        _chans = new ChannelState[Math.Max(1, channels)];
        for (int i = 0; i < _chans.Length; i++) _chans[i] = new ChannelState();
        _sr = sampleRate;
        _master = masterGain;
    }

    /// <summary>Number of voices sounding now (including fading ones).</summary>
    public int ActiveVoices
    {
        get { int n = 0; foreach (var v in _voices) if (v.Active) n++; return n; }
    }

    /// <summary>
    /// Renders frames [start, start + frames) into <paramref name="mix"/> (cleared here first), three interleaved
    /// channels per frame: left, right, and the mono reverb send.
    /// </summary>
    public void Render(float[] mix, long start, int frames)
    {
        Array.Clear(mix, 0, frames * 3);
        long end = start + frames, pos = start;
        var ev = _events;
        while (pos < end)
        {
            while (_next < ev.Length && ev[_next].Frame <= pos) Apply(ev[_next++]);
            long until = _next < ev.Length ? Math.Min(end, ev[_next].Frame) : end;
            int n = (int)(until - pos), off = (int)(pos - start);
            foreach (var v in _voices)
                if (v.Active) v.Render(mix, off, n, _chans[v.Chan], _scratch, _scratch2, _master);
            pos = until;
        }
    }

    private void Apply(in SynthEvent e)
    {
        var ch = _chans[e.Chan];
        switch (e.Kind)
        {
            case EventKind.NoteOn:
                NoteOn(e, ch);
                break;
            case EventKind.NoteOff:
                foreach (var v in _voices)
                {
                    if (!v.Active || v.NoteId != e.NoteId || v.KeyUp || v.IsDrum) continue;
                    if (ch.Sustain) v.Sustained = true; else v.Release();
                }
                break;
            case EventKind.Bend:
                ch.Bend = e.Data1;
                ch.Update();
                break;
            case EventKind.Control:
                Control(e.Chan, ch, e.Data1, e.Data2);
                break;
        }
    }

    private void Control(int chan, ChannelState ch, int cc, int value)
    {
        switch (cc)
        {
            case 7: ch.Volume = value; break;
            case 10: ch.Pan = value; break;
            case 11: ch.Expression = value; break;
            case 91: ch.ReverbSend = value; break;
            case 67: ch.Soft = value >= 64; return;
            case 64:
                bool down = value >= 64;
                if (ch.Sustain && !down)
                    foreach (var v in _voices)
                        if (v.Active && v.Chan == chan && v.Sustained) v.Release();
                ch.Sustain = down;
                break;
            case 101: ch.RpnMsb = value; return;
            case 100: ch.RpnLsb = value; return;
            case 6: // data entry: semitones of the pitch-bend range when RPN 0/0 is selected
                if (ch.RpnMsb == 0 && ch.RpnLsb == 0) ch.BendSemitones = Math.Min(value, 24);
                break;
            case 38: // data entry LSB: cents of the pitch-bend range
                if (ch.RpnMsb == 0 && ch.RpnLsb == 0) ch.BendSemitones = MathF.Floor(ch.BendSemitones) + Math.Min(value, 99) / 100f;
                break;
            case 120: // all sound off
                foreach (var v in _voices) if (v.Active && v.Chan == chan) v.Die();
                break;
            case 121: // reset controllers
                bool wasDown = ch.Sustain;
                ch.Expression = 127; ch.Bend = 0; ch.Sustain = false;
                if (wasDown) foreach (var v in _voices) if (v.Active && v.Chan == chan && v.Sustained) v.Release();
                break;
            case 123: // all notes off (the pedal still holds)
                foreach (var v in _voices)
                    if (v.Active && v.Chan == chan && !v.KeyUp && !v.IsDrum) { if (ch.Sustain) v.Sustained = true; else v.Release(); }
                break;
            default:
                return;
        }
        ch.Update();
    }

    private void NoteOn(in SynthEvent e, ChannelState ch)
    {
        uint seed = (uint)(e.NoteId * 2654435761u) ^ (uint)(e.Data1 * 40503) ^ 0x9E3779B9u;
        if (e.Drum)
        {
            ref readonly var sound = ref DrumKit.For(e.Data1);
            int choked = DrumKit.Chokes(sound.ChokeGroup);
            if (choked != 0)
                foreach (var v in _voices)
                    if (v.Active && v.IsDrum && v.Chan == e.Chan && v.ChokeGroup == choked && !v.Dying) v.Die();
            var voice = Allocate();
            voice.StartDrum(sound, e.Chan, e.Data1, e.Data2, e.NoteId, e.Frame, _sr, seed);
        }
        else
        {
            // The same key struck again on the same channel: the old note is released (it keeps its release tail).
            foreach (var v in _voices)
                if (v.Active && !v.IsDrum && v.Chan == e.Chan && v.Pitch == e.Data1 && !v.KeyUp) v.Release();
            var voice = Allocate();
            int velocity = ch.Soft ? Math.Max(1, e.Data2 * 3 / 4) : e.Data2;
            voice.StartNote(Patch.For(e.Program), e.Chan, e.Data1, velocity, e.NoteId, e.Frame, _sr, seed);
        }
    }

    /// <summary>
    /// A free voice. When <see cref="_maxActive"/> voices already sound, the quietest one (released voices count
    /// as a quarter as loud, so they go first; ties go to the oldest) is stolen: it fades out over 5 ms in a spare slot.
    /// </summary>
    private Voice Allocate()
    {
        int sounding = 0;
        Voice? free = null;
        foreach (var v in _voices)
        {
            if (!v.Active) free ??= v;
            else if (!v.Dying) sounding++;
        }
        if (sounding >= _maxActive)
        {
            Voice? victim = null;
            float best = float.MaxValue;
            foreach (var v in _voices)
            {
                if (!v.Active || v.Dying) continue;
                float score = v.Loudness * (v.KeyUp ? 0.25f : 1f);
                if (score < best || (score == best && victim != null && v.StartFrame < victim.StartFrame)) { best = score; victim = v; }
            }
            victim?.Die();
        }
        if (free != null) return free;
        // No spare slot: cut the quietest fading voice outright.
        Voice? cut = null;
        float q = float.MaxValue;
        foreach (var v in _voices)
        {
            float l = v.Loudness;
            if (v.Dying && l < q) { q = l; cut = v; }
        }
        cut ??= _voices[0];
        cut.Active = false;
        return cut;
    }
}
