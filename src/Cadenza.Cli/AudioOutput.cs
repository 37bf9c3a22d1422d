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
/// Score → WAV file for <c>convert --to wav</c>: renders through <see cref="ScoreRenderer"/> with the same settings and
/// messages as <c>render</c> and <c>generate --wav</c> (<see cref="AudioOptions"/>), and writes with <see cref="WavWriter"/>.
/// </summary>
public static class AudioOutput
{
    /// <summary>
    /// Renders <paramref name="score"/> and writes it to <paramref name="path"/> atomically (no half-written file on failure).
    /// </summary>
    /// <param name="score">The music; it is not modified.</param>
    /// <param name="path">The WAV file; its folder must exist.</param>
    /// <param name="settings">Synthesizer and effects settings (<see cref="AudioOptions.Parse"/>), or null for the defaults.</param>
    /// <param name="inputName">The input, named in messages.</param>
    /// <param name="format">Sample encoding (16-bit PCM by default).</param>
    /// <returns>The length, rendering time, peak and renderer of the audio written.</returns>
    /// <exception cref="UsageException">When the score cannot be rendered with these settings (the message says why).</exception>
    /// <exception cref="IOException">When the file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">When the folder may not be written.</exception>
    public static WavOutput WriteWav(Score score, string path, RenderSettings? settings = null, string? inputName = null, WavFormat format = WavFormat.Pcm16)
    {
        ArgumentNullException.ThrowIfNull(score);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = AudioOptions.Render(score, settings ?? new RenderSettings(), inputName ?? path);
        double secs = watch.Elapsed.TotalSeconds;
        var audio = result.Audio;
        try { WavWriter.Write(path, audio, format); }
        catch (ArgumentException e) { throw new UsageException($"{path}: cannot write the WAV file: {e.Message.Split(" (Parameter '")[0]}"); }
        return new WavOutput(audio.DurationSeconds, secs, 20 * Math.Log10(Math.Max(audio.Peak(), 1e-9)), AudioOptions.SynthLine(result));
    }
}
