namespace Cadenza.Audio.Synth;

/// <summary>Controller state of one MIDI channel (one (port, channel) pair of the score) as the render proceeds.</summary>
internal sealed class ChannelState
{
    public int Volume = 100, Expression = 127, Pan = 64, ReverbSend = 40;
    public bool Sustain;
    /// <summary>Soft pedal (CC67 ≥ 64): notes struck while it is down play at 3/4 velocity (softer and darker).</summary>
    public bool Soft;
    public int Bend;
    public float BendSemitones = 2f;
    /// <summary>Registered parameter selected by CC101/CC100 (127/127 = none); RPN 0/0 is the pitch-bend range.</summary>
    public int RpnMsb = 127, RpnLsb = 127;

    /// <summary>Linear gain from volume (CC7) and expression (CC11): (v/127)² · (e/127)², the General MIDI 40·log10 curve.</summary>
    public float Gain;
    public float PanL, PanR;
    /// <summary>Reverb send from CC91 relative to the General MIDI default of 40 (40 → 1, 0 → dry, 127 → 3.2).</summary>
    public float Send = 1f;
    public double BendRatio = 1;

    public ChannelState() => Update();

    public void Reset()
    {
        Volume = 100; Expression = 127; Pan = 64; ReverbSend = 40; Sustain = false; Soft = false; Bend = 0; BendSemitones = 2f; RpnMsb = RpnLsb = 127;
        Update();
    }

    /// <summary>Recomputes the derived gains (equal-power pan, centre = 0.707 each side) and the pitch-bend ratio.</summary>
    public void Update()
    {
        float v = Volume / 127f, e = Expression / 127f;
        Gain = v * v * e * e;
        float p = Math.Clamp((Pan - 64) / 63f, -1f, 1f);
        float a = (p + 1) * MathF.PI / 4;
        PanL = MathF.Cos(a);
        PanR = MathF.Sin(a);
        BendRatio = Math.Pow(2, Bend / 8192.0 * BendSemitones / 12.0);
        Send = ReverbSend / 40f;
    }
}
