namespace Cadenza.Corpus.Tests;

/// <summary>Locates ../shared/data. The corpus checks need it and fail loudly when it is missing.</summary>
public static class SharedData
{
    /// <summary>Absolute path of the shared data folder (env CADENZA_DATA, else ../shared/data beside the checkout).</summary>
    public static string Root { get; } = Find();

    /// <summary>Path of a file or folder under the shared data folder.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string Find()
    {
        var env = Environment.GetEnvironmentVariable("CADENZA_DATA");
        if (!string.IsNullOrEmpty(env))
            return Directory.Exists(env) ? System.IO.Path.GetFullPath(env)
                : throw new DirectoryNotFoundException($"CADENZA_DATA={env} does not exist");
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate) && File.Exists(System.IO.Path.Combine(candidate, "labels.csv")))
                return candidate;
            dir = dir.Parent;
        }
        throw new DirectoryNotFoundException("../shared/data not found above " + AppContext.BaseDirectory + "; set CADENZA_DATA");
    }
}
