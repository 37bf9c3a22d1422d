namespace Cadenza.Audio;

/// <summary>Settings of the built-in synthesizer (<see cref="BuiltInSynth"/>). The defaults give 44.1 kHz stereo with a light room.</summary>
public sealed class SynthOptions
{
    /// <summary>Output frames per second (8,000 to 384,000). Default 44,100.</summary>
    public int SampleRate { get; set; } = 44100;

    /// <summary>Reverb level, 0 (dry) to 1. Default 0.15.</summary>
    public double ReverbWet { get; set; } = 0.15;

    /// <summary>
    /// Seconds rendered after the end of the last note, for release and reverb tails (0 to 60). Default 2.
    /// The output is exactly ceil((end of last note in seconds + TailSeconds) × SampleRate) frames long, and its
    /// last 50 ms (or the whole tail when shorter) fade out linearly to silence.
    /// </summary>
    public double TailSeconds { get; set; } = 2.0;

    /// <summary>Most voices sounding at once (8 to 1024); beyond it the quietest voice is stolen with a 5 ms fade. Default 64.</summary>
    public int MaxPolyphony { get; set; } = 64;

    /// <summary>Gain applied to the mix before the limiter (0 to 16). Default 0.8.</summary>
    public double MasterGain { get; set; } = 0.8;

    /// <summary>Peak ceiling of the limiter in dBFS (-40 to 0). Default -1: no output sample exceeds 0.891 in magnitude.</summary>
    public double CeilingDb { get; set; } = -1.0;

    /// <summary>Render the two voice groups on two threads when the machine has more than one core. Output is identical either way. Default true.</summary>
    public bool Parallel { get; set; } = true;

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Naming the first setting out of range.</exception>
    public void Validate()
    {
        if (SampleRate is < 8000 or > 384000) throw new ArgumentOutOfRangeException(nameof(SampleRate), SampleRate, "must be 8000..384000");
        if (!(ReverbWet >= 0 && ReverbWet <= 1)) throw new ArgumentOutOfRangeException(nameof(ReverbWet), ReverbWet, "must be 0..1");
        if (!(TailSeconds >= 0 && TailSeconds <= 60)) throw new ArgumentOutOfRangeException(nameof(TailSeconds), TailSeconds, "must be 0..60");
        if (MaxPolyphony is < 8 or > 1024) throw new ArgumentOutOfRangeException(nameof(MaxPolyphony), MaxPolyphony, "must be 8..1024");
        if (!(MasterGain >= 0 && MasterGain <= 16)) throw new ArgumentOutOfRangeException(nameof(MasterGain), MasterGain, "must be 0..16");
        if (!(CeilingDb >= -40 && CeilingDb <= 0)) throw new ArgumentOutOfRangeException(nameof(CeilingDb), CeilingDb, "must be -40..0");
    }
}
