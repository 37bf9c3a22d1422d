using Cadenza.Audio.Effects;
using Cadenza.Audio.FluidSynth;
using Cadenza.Music;

namespace Cadenza.Audio;

/// <summary>Which synthesizer <see cref="ScoreRenderer"/> uses.</summary>
public enum SynthChoice
{
    /// <summary>FluidSynth when libfluidsynth loads and a SoundFont is at hand (given, or the Debian General MIDI one), else the built-in synth with a notice.</summary>
    Auto,
    /// <summary>FluidSynth, or an error when it cannot be used.</summary>
    FluidSynth,
    /// <summary>The built-in synthesizer, always.</summary>
    BuiltIn,
}

/// <summary>Raised when FluidSynth was asked for explicitly (<see cref="SynthChoice.FluidSynth"/>) but cannot be used.</summary>
public sealed class SynthUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Why, in one line.</param>
    public SynthUnavailableException(string message) : base(message) { }
}

/// <summary>Settings of <see cref="ScoreRenderer.Render"/>.</summary>
public sealed class RenderSettings
{
    /// <summary>Which synthesizer. Default <see cref="SynthChoice.Auto"/>.</summary>
    public SynthChoice Synth { get; set; } = SynthChoice.Auto;

    /// <summary>SoundFont for FluidSynth; null for <see cref="SoundFont.FindDefault"/>.</summary>
    public string? SoundFont { get; set; }

    /// <summary>Output frames per second. Default 44,100 (FluidSynth accepts 8,000-96,000, the built-in synth 8,000-384,000).</summary>
    public int SampleRate { get; set; } = 44100;

    /// <summary>Synthesizer gain; null for the synthesizer's default (FluidSynth 0.2, built-in 0.8).</summary>
    public double? Gain { get; set; }

    /// <summary>Finishing preset. Default <see cref="EffectPreset.Room"/>.</summary>
    public EffectPreset Effects { get; set; } = EffectPreset.Room;

    /// <summary>Loudness target in LUFS for every preset but <see cref="EffectPreset.None"/>. Default −14.</summary>
    public double TargetLufs { get; set; } = -14;

    /// <summary>FluidSynth's reverb, in place of the preset's; null keeps the preset's. The built-in synth does not use it.</summary>
    public ReverbSettings? Reverb { get; set; }

    /// <summary>FluidSynth's chorus, in place of the preset's; null keeps the preset's. The built-in synth does not use it.</summary>
    public ChorusSettings? Chorus { get; set; }
}

/// <summary>What <see cref="ScoreRenderer.Render"/> produced.</summary>
/// <param name="Audio">The finished audio (stereo float).</param>
/// <param name="SynthDescription">Which synthesizer made it, e.g. "FluidSynth 2.3.1 with /usr/share/sounds/sf2/FluidR3_GM.sf2" or "built-in synth".</param>
/// <param name="Notice">Why the built-in synth was used in <see cref="SynthChoice.Auto"/> mode, or null.</param>
/// <param name="Effects">What the effects chain did.</param>
public sealed record RenderResult(AudioBuffer Audio, string SynthDescription, string? Notice, EffectsReport Effects);

/// <summary>
/// Score → finished audio, the one path shared by <c>cadenza render</c> and <c>cadenza generate --wav</c>: picks the
/// synthesizer, sets its reverb/chorus from the effects preset, renders, and runs <see cref="EffectsChain"/>.
/// </summary>
/// <remarks>
/// Preset → synthesizer settings. FluidSynth: <c>none</c> keeps FluidSynth's defaults (reverb room 0.2, damping 0, width 0.5,
/// level 0.9; chorus on); <c>dry</c> turns reverb and chorus off; <c>room</c>: reverb room 0.45, damping 0.35, width 0.8,
/// level 0.5, chorus off; <c>hall</c>: reverb room 0.85, damping 0.2, width 1.0, level 0.7, chorus 3 voices, level 1.2,
/// 0.3 Hz, depth 8 ms. Built-in synth reverb level: none 0.15 (its default), dry 0, room 0.15, hall 0.35.
/// </remarks>
public static class ScoreRenderer
{
    /// <summary>FluidSynth's settings for a preset (see the remarks of <see cref="ScoreRenderer"/>).</summary>
    /// <param name="preset">The preset.</param>
    /// <param name="sampleRate">Output rate.</param>
    /// <param name="gain">Synth gain, or null for FluidSynth's default 0.2.</param>
    public static FluidSynthOptions FluidSynthOptionsFor(EffectPreset preset, int sampleRate = 44100, double? gain = null)
    {
        var o = new FluidSynthOptions { SampleRate = sampleRate };
        if (gain is { } g) o.Gain = g;
        switch (preset)
        {
            case EffectPreset.Dry:
                o.Reverb = new ReverbSettings { Active = false };
                o.Chorus = new ChorusSettings { Active = false };
                break;
            case EffectPreset.Room:
                o.Reverb = new ReverbSettings { RoomSize = 0.45, Damping = 0.35, Width = 0.8, Level = 0.5 };
                o.Chorus = new ChorusSettings { Active = false };
                break;
            case EffectPreset.Hall:
                o.Reverb = new ReverbSettings { RoomSize = 0.85, Damping = 0.2, Width = 1.0, Level = 0.7 };
                o.Chorus = new ChorusSettings { Voices = 3, Level = 1.2, Speed = 0.3, Depth = 8 };
                break;
        }
        return o;
    }

    /// <summary>The built-in synth's settings for a preset (reverb level; see the remarks of <see cref="ScoreRenderer"/>).</summary>
    /// <param name="preset">The preset.</param>
    /// <param name="sampleRate">Output rate.</param>
    /// <param name="gain">Master gain, or null for the default 0.8.</param>
    public static SynthOptions BuiltInOptionsFor(EffectPreset preset, int sampleRate = 44100, double? gain = null)
    {
        var o = new SynthOptions { SampleRate = sampleRate };
        if (gain is { } g) o.MasterGain = g;
        o.ReverbWet = preset switch { EffectPreset.Dry => 0, EffectPreset.Hall => 0.35, _ => 0.15 };
        return o;
    }

    /// <summary>Renders <paramref name="score"/> and finishes it.</summary>
    /// <param name="score">The music; read, never changed.</param>
    /// <param name="settings">Synth, SoundFont, rate, gain, preset and loudness target.</param>
    /// <param name="cancellationToken">Checked while rendering.</param>
    /// <returns>The audio, which synthesizer made it, the fallback notice if any, and the effects report.</returns>
    /// <exception cref="ArgumentNullException">When an argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When a setting is out of range for the synthesizer used.</exception>
    /// <exception cref="ArgumentException">When the score would give more audio than one buffer holds.</exception>
    /// <exception cref="SoundFontException">When the given SoundFont is missing or corrupt (checked whichever synth ends up used, except <see cref="SynthChoice.BuiltIn"/>).</exception>
    /// <exception cref="SynthUnavailableException">When <see cref="SynthChoice.FluidSynth"/> was asked for and the library or a SoundFont is missing.</exception>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    public static RenderResult Render(Score score, RenderSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(settings);
        var chain = EffectsChain.For(settings.Effects, settings.TargetLufs);
        chain.Validate();
        AudioBuffer audio;
        string description;
        string? notice = null;
        if (settings.Synth == SynthChoice.BuiltIn)
        {
            audio = BuiltInSynth.Render(score, BuiltInOptionsFor(settings.Effects, settings.SampleRate, settings.Gain), null, cancellationToken);
            description = "built-in synth";
        }
        else
        {
            if (settings.SoundFont != null) SoundFont.Check(settings.SoundFont);
            var lib = FluidSynthLibrary.TryLoad(out var reason);
            string? sf = settings.SoundFont ?? SoundFont.FindDefault();
            string? why = lib == null ? reason
                : sf == null ? $"no SoundFont given and {SoundFont.DebianGeneralMidiPath} is not installed" : null;
            if (why != null)
            {
                if (settings.Synth == SynthChoice.FluidSynth)
                    throw new SynthUnavailableException($"FluidSynth cannot be used: {why} (install libfluidsynth3 and fluid-soundfont-gm, or give --soundfont)");
                notice = $"{why}: install libfluidsynth3 and fluid-soundfont-gm for SoundFont sound" +
                         (settings.Reverb != null || settings.Chorus != null ? "; the reverb and chorus settings given are FluidSynth's and were not used" : "");
                audio = BuiltInSynth.Render(score, BuiltInOptionsFor(settings.Effects, settings.SampleRate, settings.Gain), null, cancellationToken);
                description = "built-in synth";
            }
            else
            {
                var fo = FluidSynthOptionsFor(settings.Effects, settings.SampleRate, settings.Gain);
                if (settings.Reverb != null) fo.Reverb = settings.Reverb;
                if (settings.Chorus != null) fo.Chorus = settings.Chorus;
                audio = FluidSynthRenderer.Render(lib!, sf!, score, fo, null, cancellationToken);
                description = $"FluidSynth {lib!.Version} with {sf}";
            }
        }
        var report = EffectsChain.Process(audio, chain);
        return new RenderResult(audio, description, notice, report);
    }
}
