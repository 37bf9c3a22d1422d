using Cadenza.Engine.IO;

namespace Cadenza.Engine.Tests;

/// <summary>
/// The C# half of tools/torch_reference/check_safetensors.py. Without environment variables these
/// tests only check the pattern checkpoint round-trips; the Python script sets
/// <c>CADENZA_INTEROP_OUT</c> (write the pattern checkpoint there for PyTorch to load) and
/// <c>CADENZA_INTEROP_FROM_PYTHON</c> (a folder PyTorch wrote: its weights must be the pattern × 0.5).
/// </summary>
public class IOInteropTests
{
    /// <summary>Small but with every dimension distinct, so a transposed weight cannot pass.</summary>
    public static readonly GptConfig Config = new(NLayer: 2, NHead: 4, NEmbd: 32, BlockSize: 16, VocabSize: 37);

    /// <summary>Exactly representable values that depend on the global index (mirrored in the Python script).</summary>
    public static float Pattern(long i, int salt) => ((i * (7919 + salt)) % 2003 - 1001) / 1024f;

    private static float[] Fill(long n, int salt)
    {
        var x = new float[n];
        for (long i = 0; i < n; i++) x[i] = Pattern(i, salt);
        return x;
    }

    private static void SavePattern(string dir)
    {
        var layout = new ParameterLayout(Config);
        var state = new TrainingState
        {
            Step = 42,
            AdamM = Fill(layout.TotalLength, 1),
            AdamV = Fill(layout.TotalLength, 2).Select(MathF.Abs).ToArray(),
            RngState = [12345678901234567890UL, 42],
            LearningRate = 6e-4,
            TokensSeen = 1 << 20,
            Extra = { ["lr_schedule"] = "cosine" },
        };
        Checkpoint.Save(dir, Config, layout, Fill(layout.TotalLength, 0), state, new Dictionary<string, string> { ["source"] = "cadenza-interop" });
    }

    [Fact]
    public void PatternCheckpoint_RoundTrips_AndIsExportedWhenAsked()
    {
        using var tmp = new IOTempDir();
        SavePattern(tmp.Path);
        var loaded = Checkpoint.Load(tmp.Path);
        Assert.True(IOTempDir.SameBits(Fill(loaded.Layout.TotalLength, 0), loaded.Parameters));

        string? export = Environment.GetEnvironmentVariable("CADENZA_INTEROP_OUT");
        if (!string.IsNullOrEmpty(export)) SavePattern(export);
    }

    [Fact]
    public void CheckpointWrittenByPyTorch_LoadsWithHalfThePattern()
    {
        string? dir = Environment.GetEnvironmentVariable("CADENZA_INTEROP_FROM_PYTHON");
        if (string.IsNullOrEmpty(dir)) return; // only when run by the Python script
        var loaded = Checkpoint.Load(dir);
        Assert.Equal(Config, loaded.Config);
        var expected = Fill(loaded.Layout.TotalLength, 0).Select(x => x * 0.5f).ToArray();
        Assert.True(IOTempDir.SameBits(expected, loaded.Parameters));
        Assert.Contains(loaded.Warnings, w => w.Contains("lm_head.weight"));
    }
}
