using Cadenza.Audio;
using Cadenza.Audio.Effects;
using Cadenza.Audio.FluidSynth;
using Cadenza.Music;

namespace Cadenza.Cli;

/// <summary>The audio options shared by <c>render</c> and <c>generate --wav</c>, and the one way both render and report.</summary>
public static class AudioOptions
{
    /// <summary>Option names (taking a value) that <see cref="Parse"/> reads.</summary>
    public static readonly string[] Names = ["soundfont", "sample-rate", "gain", "effects", "lufs", "synth", "reverb", "chorus"];

    /// <summary>Help lines for the shared options.</summary>
    public const string Help = """
          --synth <s>          auto (default): FluidSynth with a SoundFont when libfluidsynth3 is installed, else the
                               built-in synthesizer (and says why); fluidsynth: FluidSynth or an error; builtin: always
                               the built-in synthesizer
          --soundfont <f.sf2>  SoundFont for FluidSynth (default: /usr/share/sounds/sf2/FluidR3_GM.sf2, Debian
                               package fluid-soundfont-gm, when installed)
          --sample-rate <hz>   8000-96000 with FluidSynth, 8000-192000 built-in (default 44100)
          --gain <g>           synthesizer gain 0-10 (default: FluidSynth 0.2, built-in 0.8); with loudness
                               normalization it only sets the headroom inside the synthesizer
          --effects <p>        room (default), dry, hall, or none: reverb/chorus of the synthesizer, then low/high
                               shelf EQ, compressor, loudness normalization and a -1 dBFS peak limiter (none: the
                               synthesizer's output untouched)
          --lufs <target>      integrated loudness target, ITU-R BS.1770 (default -14; -70 to 0)
          --reverb <r>         FluidSynth's reverb instead of the preset's: off, or room,damping,width,level
                               (room and damping 0-1, width 0-100, level 0-1; e.g. 0.6,0.4,0.8,0.6)
          --chorus <c>         FluidSynth's chorus instead of the preset's: off, or voices,level,speed,depth
                               (voices 0-99, level 0-10, speed 0.1-5 Hz, depth 0-256 ms; e.g. 3,1.2,0.3,8)
        """;

    /// <summary>Reads the shared options from <paramref name="a"/>.</summary>
    /// <exception cref="UsageException">When a value is out of range or unknown.</exception>
    public static RenderSettings Parse(CliArgs a)
    {
        var s = new RenderSettings
        {
            Synth = (a.Get("synth") ?? "auto").ToLowerInvariant() switch
            {
                "auto" => SynthChoice.Auto,
                "fluidsynth" => SynthChoice.FluidSynth,
                "builtin" or "built-in" => SynthChoice.BuiltIn,
                var x => throw new UsageException($"--synth must be auto, fluidsynth or builtin, got '{x}'"),
            },
            SoundFont = a.Get("soundfont"),
            SampleRate = a.GetInt("sample-rate", 44100, 8000, 192000),
            Effects = (a.Get("effects") ?? "room").ToLowerInvariant() switch
            {
                "room" => EffectPreset.Room,
                "dry" => EffectPreset.Dry,
                "hall" => EffectPreset.Hall,
                "none" => EffectPreset.None,
                var x => throw new UsageException($"--effects must be dry, room, hall or none, got '{x}'"),
            },
            TargetLufs = a.GetDouble("lufs", -14),
        };
        if (a.Has("gain"))
        {
            double g = a.GetDouble("gain", 0.2);
            if (g is <= 0 or > 10) throw new UsageException($"--gain must be above 0 and at most 10, got {g}");
            s.Gain = g;
        }
        if (a.Get("reverb") is { } rv)
        {
            var v = ParseList("reverb", rv, 4, "room,damping,width,level");
            s.Reverb = v == null ? new ReverbSettings { Active = false } : new ReverbSettings { RoomSize = v[0], Damping = v[1], Width = v[2], Level = v[3] };
        }
        if (a.Get("chorus") is { } ch)
        {
            var v = ParseList("chorus", ch, 4, "voices,level,speed,depth");
            if (v != null && v[0] != Math.Floor(v[0])) throw new UsageException($"--chorus: the number of voices must be a whole number, got {v[0]}");
            s.Chorus = v == null ? new ChorusSettings { Active = false } : new ChorusSettings { Voices = (int)Math.Clamp(v[0], -1, 100), Level = v[1], Speed = v[2], Depth = v[3] };
        }
        if ((s.Reverb != null || s.Chorus != null) && s.Synth == SynthChoice.BuiltIn)
            throw new UsageException("--reverb and --chorus set FluidSynth's effects; the built-in synth takes its reverb from --effects (leave one of them out)");
        if (s.Reverb != null || s.Chorus != null)
        {
            var check = new FluidSynthOptions { Reverb = s.Reverb ?? new ReverbSettings(), Chorus = s.Chorus ?? new ChorusSettings() };
            try { check.Validate(); }
            catch (ArgumentOutOfRangeException e) { throw new UsageException($"--{(e.ParamName == nameof(FluidSynthOptions.Chorus) ? "chorus" : "reverb")}: {e.Message.Split(" (Parameter '")[0].Split(Environment.NewLine)[0]}"); }
        }
        if (s.TargetLufs is < -70 or > 0) throw new UsageException($"--lufs must be between -70 and 0, got {s.TargetLufs}");
        if (s.SoundFont != null && s.Synth == SynthChoice.BuiltIn)
            throw new UsageException("--soundfont is for FluidSynth; --synth builtin does not use it (leave one of them out)");
        if (a.Has("lufs") && s.Effects == EffectPreset.None)
            throw new UsageException("--lufs sets the loudness the effects aim at; --effects none leaves the level as synthesized (leave one of them out)");
        if (s.SoundFont != null) CheckSoundFont(s.SoundFont);
        return s;
    }

    // "off" -> null; "a,b,c,d" -> the numbers.
    private static double[]? ParseList(string name, string text, int count, string shape)
    {
        if (text.Trim().Equals("off", StringComparison.OrdinalIgnoreCase)) return null;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!double.TryParse(parts[i], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
                throw new UsageException($"--{name} must be off or {count} numbers {shape}, got '{text}'");
        if (values.Length != count) throw new UsageException($"--{name} must be off or {count} numbers {shape}, got '{text}'");
        return values;
    }

    /// <summary>Checks the SoundFont file early (before any output is touched).</summary>
    /// <exception cref="UsageException">When it is missing or not a SoundFont 2 file.</exception>
    public static void CheckSoundFont(string path)
    {
        try { SoundFont.Check(path); }
        catch (SoundFontException e) { throw new UsageException(e.Message); }
    }

    /// <summary>Renders <paramref name="score"/> with <paramref name="settings"/>, turning the library's errors into one-line usage errors that name <paramref name="inputName"/>.</summary>
    /// <exception cref="UsageException">For a score without notes, a bad SoundFont, an unavailable FluidSynth, or settings the synthesizer refuses.</exception>
    public static RenderResult Render(Score score, RenderSettings settings, string inputName)
    {
        if (score.NoteCount == 0) throw new UsageException($"{inputName}: has no notes; there is nothing to render");
        try { return ScoreRenderer.Render(score, settings); }
        catch (SoundFontException e) { throw new UsageException(e.Message); }
        catch (SynthUnavailableException e) { throw new UsageException(e.Message); }
        catch (ArgumentOutOfRangeException e) { throw new UsageException($"{inputName}: cannot render: {e.Message.Split(" (Parameter '")[0].Split(Environment.NewLine)[0]}"); }
        catch (ArgumentException e) { throw new UsageException($"{inputName}: cannot render: {e.Message.Split(" (Parameter '")[0]}"); }
        catch (InvalidOperationException e) { throw new UsageException($"{inputName}: cannot render: {e.Message}"); }
    }

    /// <summary>The line saying which synthesizer made the audio (and why the built-in one, when it was a fallback).</summary>
    public static string SynthLine(RenderResult r) => r.Notice == null ? r.SynthDescription : $"{r.SynthDescription} ({r.Notice})";

    /// <summary>The loudness part of the report line; it warns when peaks above full scale will be clipped in a 16-bit file.</summary>
    public static string LoudnessLine(RenderResult r, RenderSettings s, bool float32 = false, bool offerFloat = false)
    {
        var e = r.Effects;
        string peak = $"peak {e.PeakDbfs:F1} dBFS" + ClipNote(e.PeakDbfs, float32, offerFloat);
        if (s.Effects == EffectPreset.None)
            return $"effects none: loudness {Lufs(e.OutputLufs)}, {peak}";
        return $"effects {s.Effects.ToString().ToLowerInvariant()}: loudness {Lufs(e.OutputLufs)} (target {s.TargetLufs:0.#} LUFS" +
               (e.LimiterDb > 0.05 ? $"; the limiter took {e.LimiterDb:F1} dB off the peaks, so it can end under the target" : "") + $"), {peak}";
    }

    /// <summary>" (clipped in the 16-bit WAV: ...)" when a peak above full scale goes into a 16-bit file, else "";
    /// <paramref name="offerFloat"/> for verbs that have <c>--float</c>.</summary>
    public static string ClipNote(double peakDbfs, bool float32, bool offerFloat) =>
        !float32 && peakDbfs > 0.05 ? $" (clipped in the 16-bit WAV: lower --gain{(offerFloat ? ", or write --float" : "")})" : "";

    private static string Lufs(double v) => double.IsFinite(v) ? $"{v:F1} LUFS" : "silent";
}
