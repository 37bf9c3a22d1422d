using Cadenza.Audio;
using Cadenza.Audio.Effects;
using Cadenza.Audio.FluidSynth;
using Cadenza.Music;

namespace Cadenza.Audio.Tests;

/// <summary>What happens without libfluidsynth or with a bad SoundFont. These need nothing installed: the missing library is forced.</summary>
[Collection("fluidsynth-env")]
public class FallbackTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cadenza-fb-" + Guid.NewGuid().ToString("N"));

    public FallbackTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("CADENZA_FLUIDSYNTH", null);
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static Score Tune()
    {
        var s = new Score(480);
        s.Tracks.Add(new Track { Program = 0, Notes = { new Note(0, 480, 60, 100), new Note(480, 480, 64, 100) } });
        return s;
    }

    [Fact]
    public void AMissingLibraryIsReportedNotThrown()
    {
        var lib = FluidSynthLibrary.TryLoad(["/nonexistent/libfluidsynth.so.3", "libfluidsynth-not-here.so"], out var why);
        Assert.Null(lib);
        Assert.Contains("libfluidsynth not found", why);
        Assert.Contains("/nonexistent/libfluidsynth.so.3", why);
    }

    [Fact]
    public void AutoFallsBackToTheBuiltInSynthWithANotice()
    {
        Environment.SetEnvironmentVariable("CADENZA_FLUIDSYNTH", "/nonexistent/libfluidsynth.so.3");
        var r = ScoreRenderer.Render(Tune(), new RenderSettings { Effects = EffectPreset.Dry });
        Assert.Equal("built-in synth", r.SynthDescription);
        Assert.NotNull(r.Notice);
        Assert.Contains("libfluidsynth not found", r.Notice);
        Assert.Contains("install libfluidsynth3 and fluid-soundfont-gm", r.Notice);
        Assert.Equal(BuiltInSynth.FrameCount(Tune()), r.Audio.FrameCount);
        Assert.InRange(r.Effects.OutputLufs, -14.5, -13.5);
    }

    [Fact]
    public void AskingForFluidSynthWithoutTheLibraryIsAnError()
    {
        Environment.SetEnvironmentVariable("CADENZA_FLUIDSYNTH", "/nonexistent/libfluidsynth.so.3");
        var e = Assert.Throws<SynthUnavailableException>(() => ScoreRenderer.Render(Tune(), new RenderSettings { Synth = SynthChoice.FluidSynth }));
        Assert.Contains("libfluidsynth", e.Message);
    }

    [Fact]
    public void BuiltInIsUsedWhenAskedForEvenWithABadSoundFontPath()
    {
        var r = ScoreRenderer.Render(Tune(), new RenderSettings { Synth = SynthChoice.BuiltIn, SoundFont = "/nonexistent.sf2", Effects = EffectPreset.None });
        Assert.Equal("built-in synth", r.SynthDescription);
        Assert.Null(r.Notice);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("empty")]
    [InlineData("text")]
    [InlineData("wav")]
    [InlineData("truncated")]
    public void ABadSoundFontIsAClearErrorWhetherOrNotTheLibraryIsThere(string kind)
    {
        string path = Path.Combine(_dir, kind + ".sf2");
        switch (kind)
        {
            case "empty": File.WriteAllBytes(path, []); break;
            case "text": File.WriteAllText(path, "this is not a soundfont at all"); break;
            case "wav": WavWriter.Write(path, new AudioBuffer(44100, 1, new float[100])); break;
            case "truncated":
                var b = new byte[64];
                "RIFF"u8.CopyTo(b); BitConverter.GetBytes(1_000_000).CopyTo(b, 4); "sfbk"u8.CopyTo(b.AsSpan(8));
                File.WriteAllBytes(path, b);
                break;
        }
        var e = Assert.Throws<SoundFontException>(() => SoundFont.Check(path));
        Assert.StartsWith(path + ":", e.Message);
        Assert.DoesNotContain("\n", e.Message);
        foreach (var lib in new[] { "/nonexistent/libfluidsynth.so.3", null })
        {
            Environment.SetEnvironmentVariable("CADENZA_FLUIDSYNTH", lib);
            var r = Assert.Throws<SoundFontException>(() => ScoreRenderer.Render(Tune(), new RenderSettings { SoundFont = path }));
            Assert.StartsWith(path + ":", r.Message);
        }
    }
}
