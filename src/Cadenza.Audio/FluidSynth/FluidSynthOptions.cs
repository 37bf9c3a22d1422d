namespace Cadenza.Audio.FluidSynth;

/// <summary>FluidSynth's reverb (a Freeverb-style model). Ranges and defaults are FluidSynth 2.3's <c>synth.reverb.*</c> settings.</summary>
public sealed record ReverbSettings
{
    /// <summary>Reverb on (<c>synth.reverb.active</c>). Default true.</summary>
    public bool Active { get; init; } = true;
    /// <summary>Room size 0-1 (<c>synth.reverb.room-size</c>). Default 0.2.</summary>
    public double RoomSize { get; init; } = 0.2;
    /// <summary>High-frequency damping 0-1 (<c>synth.reverb.damp</c>). Default 0.</summary>
    public double Damping { get; init; } = 0.0;
    /// <summary>Stereo width 0-100 (<c>synth.reverb.width</c>). Default 0.5.</summary>
    public double Width { get; init; } = 0.5;
    /// <summary>Output level 0-1 (<c>synth.reverb.level</c>). Default 0.9.</summary>
    public double Level { get; init; } = 0.9;
}

/// <summary>FluidSynth's chorus. Ranges and defaults are FluidSynth 2.3's <c>synth.chorus.*</c> settings.</summary>
public sealed record ChorusSettings
{
    /// <summary>Chorus on (<c>synth.chorus.active</c>). Default true.</summary>
    public bool Active { get; init; } = true;
    /// <summary>Voices 0-99 (<c>synth.chorus.nr</c>). Default 3.</summary>
    public int Voices { get; init; } = 3;
    /// <summary>Output level 0-10 (<c>synth.chorus.level</c>). Default 2.</summary>
    public double Level { get; init; } = 2.0;
    /// <summary>Modulation speed in Hz, 0.1-5 (<c>synth.chorus.speed</c>). Default 0.3.</summary>
    public double Speed { get; init; } = 0.3;
    /// <summary>Modulation depth in ms, 0-256 (<c>synth.chorus.depth</c>). Default 8.</summary>
    public double Depth { get; init; } = 8.0;
}

/// <summary>Settings of <see cref="FluidSynthRenderer"/>. The defaults equal the <c>fluidsynth</c> command line's.</summary>
public sealed class FluidSynthOptions
{
    /// <summary>Output frames per second, 8,000-96,000 (FluidSynth's range). Default 44,100.</summary>
    public int SampleRate { get; set; } = 44100;

    /// <summary>Master gain 0-10 (<c>synth.gain</c>, the command line's <c>-g</c>). Default 0.2, FluidSynth's.</summary>
    public double Gain { get; set; } = 0.2;

    /// <summary>Reverb settings.</summary>
    public ReverbSettings Reverb { get; set; } = new();

    /// <summary>Chorus settings.</summary>
    public ChorusSettings Chorus { get; set; } = new();

    /// <summary>Most voices at once, 1-65535 (<c>synth.polyphony</c>). Default 256.</summary>
    public int Polyphony { get; set; } = 256;

    /// <summary>
    /// Seconds rendered after the ring-out ends, for reverb and chorus tails (0-60). Default 2, the <c>fluidsynth</c>
    /// player's grace time (FLUID_PLAYER_STOP_GRACE_MS). See <see cref="FluidSynthRenderer"/> for the length rule.
    /// </summary>
    public double TailSeconds { get; set; } = 2.0;

    /// <summary>Longest ring-out after the last event while voices still sound, in seconds (0-600). Default 30; bounds the output of a SoundFont whose releases never end.</summary>
    public double MaxRingOutSeconds { get; set; } = 30.0;

    /// <summary>
    /// FluidSynth synthesizers that render the score at once, each on its own thread, 1-8 (FluidSynth itself renders on
    /// one core). The notes are shared out among them (all notes of one key of one channel, and every note of a drum
    /// channel, stay together; controllers and bends go to all) and their outputs are summed, which equals one
    /// synthesizer's output because the voices, reverb and chorus are linear. Each loads the SoundFont. Default: 2 on a
    /// machine with two or more cores, else 1. A score too small to share gets one.
    /// </summary>
    public int Threads { get; set; } = Math.Clamp(Environment.ProcessorCount, 1, 2);

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Naming the first setting out of range.</exception>
    public void Validate()
    {
        if (SampleRate is < 8000 or > 96000) throw new ArgumentOutOfRangeException(nameof(SampleRate), SampleRate, "FluidSynth renders 8000..96000 Hz");
        if (!(Gain >= 0 && Gain <= 10)) throw new ArgumentOutOfRangeException(nameof(Gain), Gain, "must be 0..10");
        if (Polyphony is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(Polyphony), Polyphony, "must be 1..65535");
        if (!(TailSeconds >= 0 && TailSeconds <= 60)) throw new ArgumentOutOfRangeException(nameof(TailSeconds), TailSeconds, "must be 0..60");
        if (Threads is < 1 or > 8) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "must be 1..8");
        if (!(MaxRingOutSeconds >= 0 && MaxRingOutSeconds <= 600)) throw new ArgumentOutOfRangeException(nameof(MaxRingOutSeconds), MaxRingOutSeconds, "must be 0..600");
        var r = Reverb ?? throw new ArgumentOutOfRangeException(nameof(Reverb), "must not be null");
        if (!(r.RoomSize >= 0 && r.RoomSize <= 1)) throw new ArgumentOutOfRangeException(nameof(Reverb), r.RoomSize, "room size must be 0..1");
        if (!(r.Damping >= 0 && r.Damping <= 1)) throw new ArgumentOutOfRangeException(nameof(Reverb), r.Damping, "damping must be 0..1");
        if (!(r.Width >= 0 && r.Width <= 100)) throw new ArgumentOutOfRangeException(nameof(Reverb), r.Width, "width must be 0..100");
        if (!(r.Level >= 0 && r.Level <= 1)) throw new ArgumentOutOfRangeException(nameof(Reverb), r.Level, "level must be 0..1");
        var c = Chorus ?? throw new ArgumentOutOfRangeException(nameof(Chorus), "must not be null");
        if (c.Voices is < 0 or > 99) throw new ArgumentOutOfRangeException(nameof(Chorus), c.Voices, "voices must be 0..99");
        if (!(c.Level >= 0 && c.Level <= 10)) throw new ArgumentOutOfRangeException(nameof(Chorus), c.Level, "level must be 0..10");
        if (!(c.Speed >= 0.1 && c.Speed <= 5)) throw new ArgumentOutOfRangeException(nameof(Chorus), c.Speed, "speed must be 0.1..5");
        if (!(c.Depth >= 0 && c.Depth <= 256)) throw new ArgumentOutOfRangeException(nameof(Chorus), c.Depth, "depth must be 0..256");
    }
}
