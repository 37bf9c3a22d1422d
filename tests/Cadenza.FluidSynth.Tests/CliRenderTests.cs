using Cadenza.Audio;
using Cadenza.Audio.Effects;
using Cadenza.Audio.FluidSynth;
using Cadenza.Music.Midi;
using Xunit.Abstractions;

namespace Cadenza.FluidSynth.Tests;

/// <summary>`cadenza render` with FluidSynth installed: it is used by default, says so, and reports errors of the library.</summary>
public class CliRenderTests(ITestOutputHelper log)
{
    private static readonly object Console_ = new();

    private static (int Code, string Err) Run(params string[] args)
    {
        lock (Console_)
        {
            var old = Console.Error;
            var e = new StringWriter();
            Console.SetError(e);
            try { return (Cli.Program.Main(args), e.ToString()); }
            finally { Console.SetError(old); }
        }
    }

    [Fact]
    public void RenderUsesFluidSynthWithTheGeneralMidiSoundFontByDefault()
    {
        using var dir = new TempDir();
        MidiFile.Write(CommandLineComparisonTests.Band(), dir["band.mid"]);
        var (code, err) = Run("render", dir["band.mid"], "-o", dir["band.wav"]);
        log.WriteLine(err);
        Assert.Equal(0, code);
        Assert.Contains($"render: FluidSynth {Installed.Library.Version} with {Installed.SoundFont}", err);
        var wav = WavReader.Read(dir["band.wav"]);
        double lufs = Loudness.Integrated(wav);
        Assert.InRange(lufs, -15.0, -13.9); // the -14 target, possibly a little under after the limiter
        Assert.Contains($"loudness {lufs:F1} LUFS", err);
        Assert.True(wav.Peak() <= 0.892f);
    }

    [Fact]
    public void ASoundFontFluidSynthRefusesIsOneLineAndExit2()
    {
        using var dir = new TempDir();
        MidiFile.Write(CommandLineComparisonTests.Band(), dir["band.mid"]);
        // A RIFF 'sfbk' header of the right size but no valid chunks inside: only FluidSynth can tell.
        var b = new byte[4096];
        "RIFF"u8.CopyTo(b); BitConverter.GetBytes(b.Length - 8).CopyTo(b, 4); "sfbk"u8.CopyTo(b.AsSpan(8));
        "LIST"u8.CopyTo(b.AsSpan(12)); BitConverter.GetBytes(9999).CopyTo(b, 16);
        File.WriteAllBytes(dir["broken.sf2"], b);
        var e = Assert.Throws<SoundFontException>(() => FluidSynthRenderer.Render(Installed.Library, dir["broken.sf2"], CommandLineComparisonTests.Band()));
        log.WriteLine(e.Message);
        Assert.StartsWith(dir["broken.sf2"] + ": FluidSynth cannot load this SoundFont", e.Message);
        var (code, err) = Run("render", dir["band.mid"], "-o", dir["x.wav"], "--soundfont", dir["broken.sf2"]);
        log.WriteLine(err);
        Assert.Equal(2, code);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(dir["broken.sf2"], err);
        Assert.False(File.Exists(dir["x.wav"]));
    }
}
