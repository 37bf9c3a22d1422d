using Cadenza.Audio;
using Cadenza.Music;

namespace Cadenza.Cli;

/// <summary><c>cadenza render</c>: MIDI or ABC to WAV, through FluidSynth with a SoundFont or the built-in synthesizer.</summary>
public static class RenderCommand
{
    /// <summary>Help text.</summary>
    public const string Help = """
        usage: cadenza render <in.mid|in.abc> -o <out.wav> [--soundfont f.sf2] [--synth auto|fluidsynth|builtin]
                              [--effects room|dry|hall|none] [--lufs -14] [--sample-rate 44100] [--gain g]
                              [--reverb r] [--chorus c] [--tune X | --title T] [--chords] [--float]

        Renders a MIDI or ABC file to a stereo WAV. With libfluidsynth3 installed it plays the music through
        FluidSynth with a SoundFont (the General MIDI FluidR3 when fluid-soundfont-gm is installed); otherwise
        with Cadenza's built-in synthesizer, which needs nothing installed. It says which it used. The audio is
        then finished: EQ, compression, loudness normalization (ITU-R BS.1770) and a peak limiter.

          -o, --output <f>     the WAV file to write (written whole or not at all)
        """ + "\n" + AudioOptions.Help + "\n" + """
          --tune <X>           for an ABC file with several tunes: the tune with reference number X
                               (default: the first)
          --title <T>          for an ABC file: the tune with this title (or a unique part of one)
          --chords             play the chord symbols of an ABC tune ("G", "D7", "Em/B" ...) as a chord track
                               (bass and chord, held to the next symbol; nylon guitar)
          --float              32-bit float samples instead of 16-bit PCM

        exit codes: 0 ok, 2 usage error, unreadable input or unusable SoundFont (nothing is written)
        """;

    /// <summary>Runs the verb.</summary>
    public static int Run(string[] args)
    {
        var a = CliArgs.Parse("render", args, ["float", "chords"], ["output", "tune", "title", .. AudioOptions.Names], new Dictionary<string, string> { ["o"] = "output" });
        if (a.Positionals.Count != 1) throw new UsageException("render: give one MIDI or ABC file (see 'cadenza render --help')");
        string input = a.Positionals[0];
        string output = a.Get("output") ?? throw new UsageException("render: -o <out.wav> is required");
        if (Directory.Exists(input)) throw new UsageException($"{input}: is a folder; render takes one MIDI or ABC file");
        if (!File.Exists(input)) throw new UsageException($"{input}: no such file");
        if (!output.EndsWith(".wav", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"{output}: render writes a WAV file; name the output with the extension .wav");
        var settings = AudioOptions.Parse(a);
        OutputFiles.CheckNotInput(output, input);
        OutputFiles.CheckWritable(output, "WAV file");
        var loaded = ScoreInput.Load(input, TuneSelection.From(a, "render"));
        foreach (var w in loaded.Warnings) Console.Error.WriteLine($"warning: {input}: {w}");
        var score = loaded.Score;
        string chords = a.Has("chords") ? ScoreInput.AddChords(score) : "";
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = AudioOptions.Render(score, settings, input);
        double secs = watch.Elapsed.TotalSeconds;
        var audio = result.Audio;
        Console.Error.WriteLine($"render: {AudioOptions.SynthLine(result)}");
        WavWriter.Write(output, audio, a.Has("float") ? WavFormat.Float32 : WavFormat.Pcm16);
        Console.Error.WriteLine($"{input}: {audio.DurationSeconds:F1} s of audio rendered in {secs:F2} s ({audio.DurationSeconds / Math.Max(secs, 1e-9):F0}x real time) -> {output}; " +
                                AudioOptions.LoudnessLine(result, settings, a.Has("float"), offerFloat: true) + chords);
        return Program.Ok;
    }
}
