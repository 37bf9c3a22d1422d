using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cadenza.Audio.Dsp;

namespace Cadenza.Audio.Synth;

/// <summary>
/// One sounding note. Voices are pooled and reused: starting a note allocates nothing (a plucked voice allocates its
/// delay line once, on first use). Rendering runs in sub-blocks of at most <see cref="SubBlock"/> frames: controls
/// (filter cutoff, vibrato, bend, envelope end points) are computed once per sub-block, samples in tight loops, and
/// the amplitude envelope is interpolated linearly inside a sub-block.
/// </summary>
internal sealed class Voice
{
    public const int SubBlock = 64;
    private const float Silence = 1e-4f; // -80 dB: a voice below this is finished

    private enum Stage : byte { Attack, Decay, Release }

    public bool Active, KeyUp, Sustained, Dying, IsDrum;
    public int Chan, Pitch, NoteId, ChokeGroup;
    public long StartFrame;

    private Patch _patch = null!;
    private DrumSound _drum;
    private float _sr, _vel, _velGain;
    private long _age;

    // amplitude envelope
    private Stage _stage;
    private float _level, _attackInc, _decayCoef, _decayBlock, _sustain, _releaseCoef, _releaseBlock;
    private int _attackLeft;

    // oscillators
    private double _inc, _ph0;
    private float _f0, _f1;
    private uint _u0, _u1, _um;
    private float _xfVel;
    private double _det0 = 1, _det1 = 1;
    private float _fmIndex, _fmIndexCoef;
    private Svf _svf;
    private float _fenv, _fenvCoef;
    private float _noiseAmp, _noiseCoef, _noiseLp;
    private uint _rng;

    // plucked string
    private float[]? _line;
    private int _w;
    private float _prev, _loopGain, _loopS;
    private int _quiet;

    // drum
    private double _toneInc, _toneEndInc, _tone2Inc, _ph2;
    private float _sweepCoef, _toneAmp, _toneCoef, _dNoiseAmp, _dNoiseCoef, _burstCoef;
    private int _burstsLeft, _burstTimer, _burstInterval;
    private Svf _dsvf;

    /// <summary>Rough current loudness, used to pick a voice to steal.</summary>
    public float Loudness => _level * _velGain * (IsDrum ? Math.Max(_toneAmp * _drum.ToneLevel, _dNoiseAmp * _drum.NoiseLevel) : _patch.Gain);

    /// <summary>Starts a melodic note with <paramref name="patch"/>.</summary>
    public void StartNote(Patch patch, int chan, int pitch, int velocity, int noteId, long frame, float sampleRate, uint seed)
    {
        Reset(chan, pitch, velocity, noteId, frame, sampleRate, seed);
        IsDrum = false;
        _patch = patch;
        double f = 440.0 * Math.Pow(2, (pitch - 69) / 12.0);
        f = Math.Min(f, 0.45 * sampleRate);
        _inc = f / sampleRate;
        _velGain = MathF.Pow(_vel, 1.7f);
        double detune = Math.Pow(2, patch.DetuneCents / 1200.0);
        _det0 = patch.Unison > 1 ? detune : 1;
        _det1 = patch.Unison > 1 ? 1 / detune : 1;
        _ph0 = 0; _f0 = 0; _f1 = patch.Unison > 1 ? 0.37f : 0;
        _u0 = 0; _u1 = patch.Unison > 1 ? 0x5EB851EBu : 0; _um = 0;
        _xfVel = 0.25f + 0.75f * _vel;

        float decay = patch.Decay;
        if (patch.DecayKeyTrack) decay *= MathF.Pow(2, -(pitch - 60) / 24f);
        _attackLeft = Math.Max(1, (int)(patch.Attack * sampleRate));
        _attackInc = 1f / _attackLeft;
        _decayCoef = Coef(decay);
        _decayBlock = MathF.Pow(_decayCoef, SubBlock);
        _sustain = patch.Sustain;
        _releaseCoef = Coef(patch.Release);
        _releaseBlock = MathF.Pow(_releaseCoef, SubBlock);

        _fmIndex = patch.FmIndex * (0.35f + 0.65f * _vel);
        _fmIndexCoef = Coef(patch.FmIndexDecay);
        _fenv = 1f;
        _fenvCoef = Coef(patch.CutoffEnvDecay);
        _noiseAmp = patch.NoiseAttack * _vel;
        _noiseCoef = Coef(patch.NoiseDecay);
        _noiseLp = 0;
        _svf.Reset();
        if (patch.Osc == OscKind.Noise) _svf.Set((float)f, patch.FilterK, sampleRate);
        if (patch.Osc == OscKind.Pluck) StartPluck(f);
    }

    /// <summary>Starts a drum hit for <paramref name="sound"/>.</summary>
    public void StartDrum(in DrumSound sound, int chan, int key, int velocity, int noteId, long frame, float sampleRate, uint seed)
    {
        Reset(chan, key, velocity, noteId, frame, sampleRate, seed);
        IsDrum = true;
        _drum = sound;
        ChokeGroup = sound.ChokeGroup;
        _velGain = MathF.Pow(_vel, 1.5f);
        _stage = Stage.Decay; _level = 1; _sustain = 1; _decayCoef = 1; _decayBlock = 1;
        _releaseCoef = Coef(0.02f); _releaseBlock = MathF.Pow(_releaseCoef, SubBlock);
        _toneInc = sound.ToneStart / sampleRate;
        _toneEndInc = sound.ToneEnd / sampleRate;
        _tone2Inc = sound.Tone2 / sampleRate;
        _sweepCoef = Coef(sound.Sweep);
        _toneAmp = sound.ToneLevel > 0 ? 1 : 0;
        _toneCoef = Coef(sound.ToneDecay);
        _dNoiseAmp = sound.Noise != NoiseShape.None && sound.NoiseLevel > 0 ? 1 : 0;
        _dNoiseCoef = Coef(sound.NoiseDecay);
        _burstsLeft = sound.Bursts;
        _burstInterval = (int)(0.011f * sampleRate);
        _burstTimer = 0;
        _burstCoef = Coef(0.004f);
        _dsvf.Reset();
        float bright = 0.6f + 0.4f * _vel;
        float nf = sound.Noise == NoiseShape.HighPass ? sound.NoiseFreq * (1.3f - 0.3f * bright) : sound.NoiseFreq * bright;
        _dsvf.Set(nf, sound.NoiseK, sampleRate);
        _ph0 = 0; _ph2 = 0;
    }

    private void Reset(int chan, int pitch, int velocity, int noteId, long frame, float sampleRate, uint seed)
    {
        Active = true; KeyUp = false; Sustained = false; Dying = false; ChokeGroup = 0;
        Chan = chan; Pitch = pitch; NoteId = noteId; StartFrame = frame;
        _sr = sampleRate;
        _vel = Math.Clamp(velocity, 1, 127) / 127f;
        _age = 0;
        _stage = Stage.Attack; _level = 0;
        _rng = seed | 1u;
        _quiet = 0;
    }

    private float Coef(float seconds) => seconds <= 0 ? 0f : MathF.Exp(-1f / (seconds * _sr));

    /// <summary>Key released (and not held by the pedal): enter the release stage. Drums ignore it.</summary>
    public void Release()
    {
        if (IsDrum) return;
        KeyUp = true;
        Sustained = false;
        _stage = Stage.Release;
    }

    /// <summary>Fast 5 ms fade (voice stolen, hi-hat choked, all sound off).</summary>
    public void Die()
    {
        Dying = true;
        KeyUp = true;
        Sustained = false;
        _stage = Stage.Release;
        _releaseCoef = Coef(0.005f);
        _releaseBlock = MathF.Pow(_releaseCoef, SubBlock);
    }

    private void StartPluck(double f)
    {
        int need = 1;
        while (need < _sr / 8 + 8) need <<= 1;
        if (_line == null || _line.Length < need) _line = new float[need];
        var line = _line;
        int mask = line.Length - 1;
        float bright = _patch.PluckBrightness;
        _loopS = 0.5f - 0.3f * bright * bright; // loop filter (1-s)·x[n] + s·x[n-1]: smaller s, brighter
        double period = _sr / f;
        float seconds = _patch.PluckSeconds * MathF.Pow((float)(261.6 / f), 0.35f);
        _loopGain = MathF.Pow(10, -3f / (seconds * (float)f));
        // excitation: white noise through a one-pole low-pass whose brightness follows velocity, zero-mean
        float a = Math.Clamp(0.15f + 0.85f * bright * (0.4f + 0.6f * _vel), 0.05f, 1f);
        int len = Math.Min(mask - 2, (int)period + 2);
        float lp = 0, mean = 0;
        _w = 0;
        for (int k = 0; k < len; k++)
        {
            lp += a * (NextNoise() - lp);
            line[k] = lp;
            mean += lp;
        }
        mean /= len;
        float peak = 1e-9f;
        for (int k = 0; k < len; k++) { line[k] -= mean; peak = Math.Max(peak, Math.Abs(line[k])); }
        for (int k = 0; k < len; k++) line[k] /= peak;
        for (int k = len; k < Math.Min(line.Length, len * 2 + 8); k++) line[k] = 0;
        _w = len; // next write position; the excitation sits behind it
        _prev = 0;
    }

    private float NextNoise()
    {
        uint x = _rng;
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        _rng = x;
        return (int)x * (1f / 2147483648f);
    }

    /// <summary>
    /// Adds <paramref name="frames"/> frames of this voice into <paramref name="mix"/> (left, right, reverb send per frame) starting at frame
    /// <paramref name="offset"/>; the voice deactivates itself (<see cref="Active"/> false) once it has decayed to silence.
    /// </summary>
    public void Render(float[] mix, int offset, int frames, ChannelState ch, float[] scratch, float[] scratch2, float masterGain)
    {
        int done = 0;
        while (done < frames && Active)
        {
            int n = Math.Min(SubBlock, frames - done);
            if (_stage == Stage.Attack && n > _attackLeft) n = _attackLeft;
            var buf = scratch.AsSpan(0, n);
            if (IsDrum) RenderDrum(buf, scratch2.AsSpan(0, n));
            else RenderOsc(buf, ch, scratch2.AsSpan(0, n));

            // envelope end point for this sub-block
            float l0 = _level, l1;
            switch (_stage)
            {
                case Stage.Attack:
                    l1 = l0 + _attackInc * n;
                    _attackLeft -= n;
                    if (_attackLeft <= 0) { l1 = 1f; _stage = Stage.Decay; }
                    break;
                case Stage.Decay:
                    l1 = _sustain + (l0 - _sustain) * (n == SubBlock ? _decayBlock : MathF.Pow(_decayCoef, n));
                    break;
                default:
                    l1 = l0 * (n == SubBlock ? _releaseBlock : MathF.Pow(_releaseCoef, n));
                    break;
            }
            _level = l1;

            float g = _velGain * ch.Gain * masterGain * (IsDrum ? _drum.Gain : _patch.Gain);
            float gl = g * ch.PanL, gr = g * ch.PanR;
            if (IsDrum && _drum.Pan != 0)
            {
                float p = _drum.Pan;
                gl *= 1 - Math.Max(0, p); gr *= 1 + Math.Min(0, p);
            }
            float gs = g * ch.Send;
            float env = l0, dEnv = (l1 - l0) / n;
            if ((uint)((offset + done + n) * 3) > (uint)mix.Length) throw new ArgumentOutOfRangeException(nameof(frames));
            ref float m = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(mix), (offset + done) * 3);
            ref float bb = ref MemoryMarshal.GetArrayDataReference(scratch);
            for (int i = 0; i < n; i++)
            {
                env += dEnv;
                float s = Unsafe.Add(ref bb, i) * env;
                Unsafe.Add(ref m, 3 * i) += s * gl;
                Unsafe.Add(ref m, 3 * i + 1) += s * gr;
                Unsafe.Add(ref m, 3 * i + 2) += s * gs;
            }
            done += n;
            _age += n;

            if (_stage != Stage.Attack)
            {
                bool finished = _stage == Stage.Release || _sustain == 0 ? l1 < Silence : false;
                if (IsDrum && _toneAmp < Silence && _dNoiseAmp < Silence && _burstsLeft == 0) finished = true;
                if (!IsDrum && _patch.Osc == OscKind.Pluck && _quiet > 200) finished = true;
                if (finished) Active = false;
            }
        }
    }

    private void RenderOsc(Span<float> buf, ChannelState ch, Span<float> tmp)
    {
        var p = _patch;
        double ratio = ch.BendRatio;
        if (p.VibratoCents > 0)
        {
            float t = _age / _sr;
            float depth = p.VibratoCents * Math.Clamp((t - p.VibratoDelay) / 0.4f, 0f, 1f);
            if (depth > 0) ratio *= Math.Pow(2, depth * Math.Sin(2 * Math.PI * p.VibratoRate * t) / 1200.0);
        }
        double inc = _inc * ratio;
        int n = buf.Length;
        switch (p.Osc)
        {
            case OscKind.Table:
            {
                int mip = Tables.MipFor(inc * _det0);
                uint i0 = ToU(inc * _det0), i1 = ToU(inc * _det1);
                uint u0 = _u0, u1 = _u1;
                ref float t0 = ref MemoryMarshal.GetArrayDataReference(p.Table![mip]);
                ref float b = ref MemoryMarshal.GetReference(buf);
                if (p.Levels != null)
                {
                    // brightness decays from bright to dull: pick the precomputed blend nearest to the envelope
                    float x = _fenv * _xfVel;
                    _fenv *= MathF.Pow(_fenvCoef, n);
                    int level = (int)(x * (p.Levels.Length - 1) + 0.5f);
                    t0 = ref MemoryMarshal.GetArrayDataReference(p.Levels[level][mip]);
                    for (int i = 0; i < n; i++)
                    {
                        Unsafe.Add(ref b, i) = 0.6f * (LookupU(ref t0, u0) + LookupU(ref t0, u1));
                        u0 += i0; u1 += i1;
                    }
                }
                else if (p.Unison > 1)
                {
                    for (int i = 0; i < n; i++)
                    {
                        Unsafe.Add(ref b, i) = 0.6f * (LookupU(ref t0, u0) + LookupU(ref t0, u1));
                        u0 += i0; u1 += i1;
                    }
                }
                else
                {
                    for (int i = 0; i < n; i++)
                    {
                        Unsafe.Add(ref b, i) = LookupU(ref t0, u0);
                        u0 += i0;
                    }
                }
                _u0 = u0; _u1 = u1;
                break;
            }
            case OscKind.Saw:
            {
                float i0 = (float)(inc * _det0), ph = _f0;
                if (p.Unison > 1)
                {
                    float i1 = (float)(inc * _det1), ph1 = _f1;
                    for (int i = 0; i < n; i++)
                    {
                        buf[i] = 0.6f * (2 * (ph + ph1) - 2 - Blep(ph, i0) - Blep(ph1, i1));
                        ph += i0; if (ph >= 1) ph -= 1;
                        ph1 += i1; if (ph1 >= 1) ph1 -= 1;
                    }
                    _f1 = ph1;
                }
                else
                {
                    for (int i = 0; i < n; i++)
                    {
                        buf[i] = 2 * ph - 1 - Blep(ph, i0);
                        ph += i0; if (ph >= 1) ph -= 1;
                    }
                }
                _f0 = ph;
                break;
            }
            case OscKind.Square:
            case OscKind.SawSquare:
            {
                float ph = _f0, pw = p.PulseWidth, fi = (float)inc;
                float mix = p.Osc == OscKind.Square ? 1f : p.SquareMix;
                for (int i = 0; i < n; i++)
                {
                    float saw = 2 * ph - 1 - Blep(ph, fi);
                    float sq = (ph < pw ? 1f : -1f) + Blep(ph, fi);
                    float t2 = ph + 1 - pw; if (t2 >= 1) t2 -= 1;
                    sq -= Blep(t2, fi);
                    buf[i] = (1 - mix) * saw + mix * sq;
                    ph += fi; if (ph >= 1) ph -= 1;
                }
                _f0 = ph;
                break;
            }
            case OscKind.Fm:
            {
                uint pc = _u0, pm = _um, ic = ToU(inc), im = ToU(inc * p.FmRatio);
                float index0 = _fmIndex * (1f / (2 * MathF.PI));
                _fmIndex *= MathF.Pow(_fmIndexCoef, n);
                float index1 = _fmIndex * (1f / (2 * MathF.PI));
                float dIdx = (index1 - index0) / n, idx = index0;
                ref float sine = ref MemoryMarshal.GetArrayDataReference(Tables.Sine);
                ref float b = ref MemoryMarshal.GetReference(buf);
                for (int i = 0; i < n; i++)
                {
                    float mod = idx * LookupU(ref sine, pm);
                    Unsafe.Add(ref b, i) = LookupU(ref sine, pc + (uint)(int)(mod * 4294967296f * 0.25f) * 4u);
                    idx += dIdx;
                    pc += ic; pm += im;
                }
                _u0 = pc; _um = pm;
                break;
            }
            case OscKind.Pluck:
                RenderPluck(buf, ratio);
                break;
            default: // Noise: band-pass at the note's pitch
            {
                for (int i = 0; i < n; i++) buf[i] = NextNoise();
                _svf.Set((float)(inc * _sr), p.FilterK, _sr);
                _svf.BandPass(buf);
                for (int i = 0; i < n; i++) buf[i] *= 3f;
                break;
            }
        }

        // attack noise (hammer, chiff) and continuous breath
        if (_noiseAmp > Silence || p.Breath > 0)
        {
            float a = _noiseAmp, c = _noiseCoef, br = p.Breath * _vel, color = p.NoiseColor, lp = _noiseLp;
            for (int i = 0; i < n; i++)
            {
                lp += color * (NextNoise() - lp); // one-pole low-pass: a felt hammer thumps, a flute's chiff hisses
                buf[i] += lp * (a + br);
                a *= c;
            }
            _noiseAmp = a;
            _noiseLp = lp;
        }

        if (p.Filter && p.Osc != OscKind.Noise)
        {
            float envPart = p.CutoffFollowsAmp ? _level : _fenv;
            float f = (float)(inc * _sr);
            float velf = 1 - p.VelBright + p.VelBright * _vel;
            float cutoff = Math.Max(1.2f * f, f * (p.CutoffBase + p.CutoffEnv * envPart) * velf);
            _svf.Set(cutoff, p.FilterK, _sr);
            _svf.LowPass(buf);
            _fenv *= MathF.Pow(_fenvCoef, n);
        }
    }

    private void RenderPluck(Span<float> buf, double ratio)
    {
        var line = _line!;
        int mask = line.Length - 1;
        double delay = _sr / (_inc * _sr * ratio) - _loopS;
        delay = Math.Clamp(delay, 2, mask - 2);
        int di = (int)delay;
        float frac = (float)(delay - di);
        float g = _loopGain, s = _loopS, prev = _prev, peak = 0;
        int w = _w;
        for (int i = 0; i < buf.Length; i++)
        {
            int r = (w - di) & mask;
            int r1 = (r - 1) & mask;
            float x = line[r] + (line[r1] - line[r]) * frac;
            float v = g * ((1 - s) * x + s * prev);
            prev = x;
            line[w] = v;
            w = (w + 1) & mask;
            buf[i] = x;
            float ax = Math.Abs(x);
            if (ax > peak) peak = ax;
        }
        _prev = prev; _w = w;
        _quiet = peak < Silence ? _quiet + 1 : 0;
    }

    private void RenderDrum(Span<float> buf, Span<float> tmp)
    {
        int n = buf.Length;
        buf.Clear();
        ref readonly var d = ref _drum;
        if (_toneAmp > 1e-6f)
        {
            double ph = _ph0, inc = _toneInc, end = _toneEndInc, ph2 = _ph2, inc2 = _tone2Inc;
            float amp = _toneAmp, c = _toneCoef, sw = _sweepCoef, lvl = d.ToneLevel;
            bool two = inc2 > 0;
            for (int i = 0; i < n; i++)
            {
                float s = Tables.Sin(ph);
                if (two) { s = 0.6f * (s + Tables.Sin(ph2)); ph2 += inc2; }
                buf[i] = s * amp * lvl;
                ph += inc;
                inc = end + (inc - end) * sw;
                amp *= c;
            }
            _ph0 = ph - Math.Floor(ph); _ph2 = ph2 - Math.Floor(ph2); _toneInc = inc; _toneAmp = amp;
        }
        if (_dNoiseAmp > 1e-6f || _burstsLeft > 0)
        {
            for (int i = 0; i < n; i++) tmp[i] = NextNoise();
            switch (d.Noise)
            {
                case NoiseShape.LowPass: _dsvf.LowPass(tmp); break;
                case NoiseShape.BandPass: _dsvf.BandPass(tmp); break;
                default: _dsvf.HighPass(tmp); break;
            }
            float amp = _dNoiseAmp, lvl = d.NoiseLevel;
            for (int i = 0; i < n; i++)
            {
                if (_burstsLeft > 0 && ++_burstTimer >= _burstInterval)
                {
                    _burstTimer = 0;
                    _burstsLeft--;
                    amp = 1f;
                }
                buf[i] += tmp[i] * amp * lvl;
                amp *= _burstsLeft > 0 ? _burstCoef : _dNoiseCoef;
            }
            _dNoiseAmp = amp;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float LookupU(ref float t, uint phase)
    {
        int i = (int)(phase >> 21);
        float f = (phase & 0x1FFFFF) * (1f / 2097152f);
        float a = Unsafe.Add(ref t, i);
        return a + (Unsafe.Add(ref t, i + 1) - a) * f;
    }

    /// <summary>Cycles per sample as a 32-bit fixed-point phase increment.</summary>
    private static uint ToU(double cycles) => (uint)(long)(cycles * 4294967296.0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Blep(float t, float dt)
    {
        if (t < dt) { t /= dt; return t + t - t * t - 1; }
        if (t > 1 - dt) { t = (t - 1) / dt; return t * t + t + t + 1; }
        return 0;
    }

}
