using System.Diagnostics;
using Cadenza.Audio.FluidSynth;

namespace Cadenza.FluidSynth.Tests;

/// <summary>What these tests need installed. Missing pieces fail the tests (with what to install), never skip them.</summary>
public static class Installed
{
    public static FluidSynthLibrary Library =>
        FluidSynthLibrary.TryLoad(out var why) ?? throw new InvalidOperationException($"{why}: apt-get install libfluidsynth3 (.ci/run does)");

    public static string SoundFont =>
        Audio.FluidSynth.SoundFont.FindDefault() ?? throw new InvalidOperationException($"{Audio.FluidSynth.SoundFont.DebianGeneralMidiPath} missing: apt-get install fluid-soundfont-gm");

    public static string CommandLine =>
        File.Exists("/usr/bin/fluidsynth") ? "/usr/bin/fluidsynth" : throw new InvalidOperationException("/usr/bin/fluidsynth missing: apt-get install fluidsynth");

    /// <summary>Runs the fluidsynth command line and returns its wall time in seconds.</summary>
    public static double Run(params string[] args)
    {
        var psi = new ProcessStartInfo(CommandLine) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"fluidsynth exited {p.ExitCode}: {se}");
        return sw.Elapsed.TotalSeconds;
    }
}

/// <summary>A temporary folder deleted at the end of a test.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cadenza-fs-" + Guid.NewGuid().ToString("N"));
    public TempDir() => Directory.CreateDirectory(Path);
    public string this[string name] => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, true); } catch (IOException) { }
    }
}
