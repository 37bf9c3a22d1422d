using Cadenza.Audio;
using Cadenza.Music.Midi;

namespace Cadenza.Cli;

/// <summary><c>cadenza render</c>: MIDI to WAV with the built-in synthesizer.</summary>
public static class RenderCommand
{
    /// <summary>Help text.</summary>
    public const string Help = """
        usage: cadenza render <in.mid> -o <out.wav> [--sample-rate 44100] [--reverb 0.15] [--float]

        Renders a MIDI file to a stereo WAV with Cadenza's built-in synthesizer (no SoundFont or
        other software needed): a timbre per General MIDI instrument family, a drum kit on channel
        10, sustain pedal, pan and volume, a reverb, and a limiter so the output never clips.

          -o, --output <f>     the WAV file to write
          --sample-rate <hz>   8000-192000 (default 44100)
          --reverb <wet>       reverb level 0-1 (default 0.15)
          --float              32-bit float samples instead of 16-bit PCM

        exit codes: 0 ok, 2 usage error or unreadable input
        """;

    /// <summary>Runs the verb.</summary>
    public static int Run(string[] args)
    {
        var a = CliArgs.Parse("render", args, ["float"], ["output", "sample-rate", "reverb"], new Dictionary<string, string> { ["o"] = "output" });
        if (a.Positionals.Count != 1) throw new UsageException("render: give one MIDI file (see 'cadenza render --help')");
        string input = a.Positionals[0];
        string output = a.Get("output") ?? throw new UsageException("render: -o <out.wav> is required");
        if (!File.Exists(input)) throw new UsageException($"{input}: no such file");
        var options = new SynthOptions { SampleRate = a.GetInt("sample-rate", 44100, 8000, 192000), ReverbWet = a.GetDouble("reverb", 0.15) };
        if (options.ReverbWet is < 0 or > 1) throw new UsageException($"--reverb must be between 0 and 1, got {options.ReverbWet}");
        OutputFiles.CheckNotInput(output, input);
        OutputFiles.CheckWritable(output, "WAV file");
        var read = MidiFile.Read(input);
        foreach (var w in read.Warnings) Console.Error.WriteLine($"warning: {input}: {w}");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        AudioBuffer audio;
        try { audio = BuiltInSynth.Render(read.Score, options); }
        catch (ArgumentException e) { throw new UsageException($"{input}: cannot render: {e.Message.Split(" (Parameter '")[0]}"); }
        double secs = watch.Elapsed.TotalSeconds;
        WavWriter.Write(output, audio, a.Has("float") ? WavFormat.Float32 : WavFormat.Pcm16);
        Console.Error.WriteLine($"{input}: {audio.DurationSeconds:F1} s of audio rendered in {secs:F2} s ({audio.DurationSeconds / Math.Max(secs, 1e-9):F0}x real time), " +
                                $"peak {20 * Math.Log10(Math.Max(audio.Peak(), 1e-9)):F1} dBFS -> {output} (built-in synthesizer)");
        return Program.Ok;
    }
}
