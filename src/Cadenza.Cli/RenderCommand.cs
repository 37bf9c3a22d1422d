using Cadenza.Audio;
using Cadenza.Music;
using Cadenza.Music.Abc;
using Cadenza.Music.Midi;

namespace Cadenza.Cli;

/// <summary><c>cadenza render</c>: MIDI or ABC to WAV, through FluidSynth with a SoundFont or the built-in synthesizer.</summary>
public static class RenderCommand
{
    /// <summary>Help text.</summary>
    public const string Help = """
        usage: cadenza render <in.mid|in.abc> -o <out.wav> [--soundfont f.sf2] [--synth auto|fluidsynth|builtin]
                              [--effects room|dry|hall|none] [--lufs -14] [--sample-rate 44100] [--gain g]
                              [--tune X] [--float]

        Renders a MIDI or ABC file to a stereo WAV. With libfluidsynth3 installed it plays the music through
        FluidSynth with a SoundFont (the General MIDI FluidR3 when fluid-soundfont-gm is installed); otherwise
        with Cadenza's built-in synthesizer, which needs nothing installed. It says which it used. The audio is
        then finished: EQ, compression, loudness normalization (ITU-R BS.1770) and a peak limiter.

          -o, --output <f>     the WAV file to write (written whole or not at all)
        """ + "\n" + AudioOptions.Help + "\n" + """
          --tune <X>           for an ABC file with several tunes: the tune with reference number X
                               (default: the first)
          --float              32-bit float samples instead of 16-bit PCM

        exit codes: 0 ok, 2 usage error, unreadable input or unusable SoundFont (nothing is written)
        """;

    /// <summary>Runs the verb.</summary>
    public static int Run(string[] args)
    {
        var a = CliArgs.Parse("render", args, ["float"], ["output", "tune", .. AudioOptions.Names], new Dictionary<string, string> { ["o"] = "output" });
        if (a.Positionals.Count != 1) throw new UsageException("render: give one MIDI or ABC file (see 'cadenza render --help')");
        string input = a.Positionals[0];
        string output = a.Get("output") ?? throw new UsageException("render: -o <out.wav> is required");
        if (Directory.Exists(input)) throw new UsageException($"{input}: is a folder; render takes one MIDI or ABC file");
        if (!File.Exists(input)) throw new UsageException($"{input}: no such file");
        var settings = AudioOptions.Parse(a);
        OutputFiles.CheckNotInput(output, input);
        OutputFiles.CheckWritable(output, "WAV file");
        var score = Load(input, a.Get("tune"));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = AudioOptions.Render(score, settings, input);
        double secs = watch.Elapsed.TotalSeconds;
        var audio = result.Audio;
        Console.Error.WriteLine($"render: {AudioOptions.SynthLine(result)}");
        WavWriter.Write(output, audio, a.Has("float") ? WavFormat.Float32 : WavFormat.Pcm16);
        Console.Error.WriteLine($"{input}: {audio.DurationSeconds:F1} s of audio rendered in {secs:F2} s ({audio.DurationSeconds / Math.Max(secs, 1e-9):F0}x real time) -> {output}; " +
                                AudioOptions.LoudnessLine(result, settings));
        return Program.Ok;
    }

    /// <summary>
    /// Reads the score to render: a MIDI file, or one tune of an ABC file (by extension .abc; the first tune, or the one
    /// whose X: number is <paramref name="tune"/>). Kept small and local so a shared loader can replace it.
    /// </summary>
    private static Score Load(string input, string? tune)
    {
        if (!Path.GetExtension(input).Equals(".abc", StringComparison.OrdinalIgnoreCase))
        {
            if (tune != null) throw new UsageException("render: --tune is for ABC files");
            var read = MidiFile.Read(input);
            foreach (var w in read.Warnings) Console.Error.WriteLine($"warning: {input}: {w}");
            return read.Score;
        }
        var abc = AbcFile.Read(input);
        foreach (var w in abc.Warnings) Console.Error.WriteLine($"warning: {input}: {w}");
        if (abc.Tunes.Count == 0)
            throw new UsageException(abc.Errors.Count > 0 ? abc.Errors[0].Message : $"{input}: no tune in this ABC file");
        var chosen = tune == null ? abc.Tunes[0] : abc.Tunes.FirstOrDefault(t => t.ReferenceNumber == tune)
            ?? throw new UsageException($"{input}: no tune X:{tune} (it has {string.Join(", ", abc.Tunes.Select(t => "X:" + t.ReferenceNumber))})");
        foreach (var w in chosen.Warnings) Console.Error.WriteLine($"warning: {input}: {w}");
        return chosen.Score;
    }
}
