namespace Cadenza.Cli;

/// <summary>Finds the model folder a verb should use.</summary>
public static class ModelLocator
{
    /// <summary>
    /// <paramref name="explicitDir"/> when given; else the environment variable CADENZA_MODEL; else the
    /// embedded default model copied beside the program (models/default); else models/default under the
    /// current folder.
    /// </summary>
    /// <exception cref="UsageException">When the chosen folder does not exist.</exception>
    public static string Resolve(string? explicitDir)
    {
        if (explicitDir != null)
            return Directory.Exists(explicitDir) ? explicitDir : throw new UsageException($"{explicitDir}: model folder not found");
        var env = Environment.GetEnvironmentVariable("CADENZA_MODEL");
        if (!string.IsNullOrEmpty(env))
            return Directory.Exists(env) ? env : throw new UsageException($"CADENZA_MODEL={env}: model folder not found");
        foreach (var candidate in new[] { Path.Combine(AppContext.BaseDirectory, "models", "default"), Path.Combine("models", "default") })
            if (File.Exists(Path.Combine(candidate, "model.safetensors"))) return candidate;
        throw new UsageException("no model given and the default model (models/default) is missing; pass --model <dir>");
    }
}
