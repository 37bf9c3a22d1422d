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
    public void ReverbAndChorusOptionsReachFluidSynth()
    {
        using var dir = new TempDir();
        MidiFile.Write(CommandLineComparisonTests.Band(), dir["band.mid"]);
        // --effects none: FluidSynth's output untouched, so the tails can be compared directly.
        var (c1, e1) = Run("render", dir["band.mid"], "-o", dir["dry.wav"], "--effects", "none", "--reverb", "off", "--chorus", "off");
        var (c2, e2) = Run("render", dir["band.mid"], "-o", dir["wet.wav"], "--effects", "none", "--reverb", "0.9,0.1,1,1", "--chorus", "off");
        // The ends of the documented ranges are accepted (FluidSynth stores the chorus speed's minimum 0.1 as a float).
        var (c3, e3) = Run("render", dir["band.mid"], "-o", dir["edge.wav"], "--reverb", "0,0,0,0", "--chorus", "99,10,0.1,256");
        Assert.True(c3 == 0, e3);
        log.WriteLine(e1 + e2);
        Assert.Equal(0, c1);
        Assert.Equal(0, c2);
        var dry = WavReader.Read(dir["dry.wav"]);
        var wet = WavReader.Read(dir["wet.wav"]);
        // The last second: the dry render's voices have died away, the big reverb still rings.
        static double TailRms(AudioBuffer a)
        {
            var s = a.Samples.AsSpan(a.Samples.Length - a.SampleRate * a.Channels);
            double sum = 0;
            foreach (float x in s) sum += x * x;
            return Math.Sqrt(sum / s.Length);
        }
        double dryTail = TailRms(dry), wetTail = TailRms(wet);
        log.WriteLine($"tail RMS: reverb off {dryTail:E2}, reverb 0.9/0.1/1/1 {wetTail:E2}");
        Assert.True(wetTail > 10 * dryTail + 1e-5, $"the reverb tail ({wetTail}) should ring well above the dry one ({dryTail})");
    }

    [Fact]
    public void PeaksAboveFullScaleIn16BitAreReported()
    {
        using var dir = new TempDir();
        MidiFile.Write(CommandLineComparisonTests.Band(), dir["band.mid"]);
        var (code, err) = Run("render", dir["band.mid"], "-o", dir["loud.wav"], "--effects", "none", "--gain", "10");
        log.WriteLine(err);
        Assert.Equal(0, code);
        Assert.Contains("clipped in the 16-bit WAV: lower --gain, or write --float", err);
        var (code2, err2) = Run("render", dir["band.mid"], "-o", dir["loud32.wav"], "--effects", "none", "--gain", "10", "--float");
        Assert.Equal(0, code2);
        Assert.DoesNotContain("clipped", err2);
        Assert.True(WavReader.Read(dir["loud32.wav"]).Peak() > 1f);
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
