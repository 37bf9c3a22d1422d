using Cadenza.Audio;
using Cadenza.Music;

namespace Cadenza.Cli;

/// <summary>What <see cref="AudioOutput.WriteWav"/> produced.</summary>
/// <param name="DurationSeconds">Length of the audio written.</param>
/// <param name="RenderSeconds">Wall-clock time the rendering took.</param>
/// <param name="PeakDbfs">Peak level of the audio, dBFS.</param>
/// <param name="Renderer">Which renderer made it, for messages ("built-in synthesizer").</param>
public readonly record struct WavOutput(double DurationSeconds, double RenderSeconds, double PeakDbfs, string Renderer);

/// <summary>
/// Score → WAV file: the one place the CLI turns music into audio for an output file, so that every verb that writes WAV
/// (<c>convert</c> today; <c>render</c> and <c>generate --wav</c> are meant to call it too) sounds the same and changes
/// together. Today it renders with <see cref="BuiltInSynth"/> and writes with <see cref="WavWriter"/>, as <c>render</c> does.
/// </summary>
public static class AudioOutput
{
    /// <summary>
    /// Renders <paramref name="score"/> and writes it to <paramref name="path"/> atomically (no half-written file on failure).
    /// </summary>
    /// <param name="score">The music; it is not modified.</param>
    /// <param name="path">The WAV file; its folder must exist.</param>
    /// <param name="options">Synthesizer options, or null for the defaults (44.1 kHz stereo, reverb 0.15, a 2 s tail).</param>
    /// <param name="format">Sample encoding (16-bit PCM by default).</param>
    /// <returns>The length, rendering time, peak and renderer of the audio written.</returns>
    /// <exception cref="UsageException">When the score cannot be rendered with these options (the message says why).</exception>
    /// <exception cref="IOException">When the file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">When the folder may not be written.</exception>
    public static WavOutput WriteWav(Score score, string path, SynthOptions? options = null, WavFormat format = WavFormat.Pcm16)
    {
        ArgumentNullException.ThrowIfNull(score);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        AudioBuffer audio;
        try { audio = BuiltInSynth.Render(score, options); }
        catch (ArgumentException e) { throw new UsageException($"cannot render: {e.Message.Split(" (Parameter '")[0]}"); }
        double secs = watch.Elapsed.TotalSeconds;
        try { WavWriter.Write(path, audio, format); }
        catch (ArgumentException e) { throw new UsageException($"{path}: cannot write the WAV file: {e.Message.Split(" (Parameter '")[0]}"); }
        return new WavOutput(audio.DurationSeconds, secs, 20 * Math.Log10(Math.Max(audio.Peak(), 1e-9)), "built-in synthesizer");
    }
}
