namespace Cadenza.Audio.FluidSynth;

/// <summary>
/// libfluidsynth (FluidSynth 2.x, Debian package libfluidsynth3), loaded at run time. <see cref="TryLoad(out string)"/> returns
/// null instead of throwing when it is absent, so callers can fall back to <see cref="BuiltInSynth"/>.
/// </summary>
public sealed class FluidSynthLibrary
{
    /// <summary>
    /// Library names tried, in order: the environment variable <c>CADENZA_FLUIDSYNTH</c> when set (a name or path,
    /// used alone: set it to a missing path to force the built-in synth), otherwise <c>libfluidsynth.so.3</c>,
    /// its Debian path, <c>libfluidsynth.so</c>, and the macOS and Windows names.
    /// </summary>
    public static IReadOnlyList<string> DefaultCandidates()
    {
        var env = Environment.GetEnvironmentVariable("CADENZA_FLUIDSYNTH");
        if (!string.IsNullOrEmpty(env)) return [env];
        return
        [
            "libfluidsynth.so.3",
            "/usr/lib/x86_64-linux-gnu/libfluidsynth.so.3",
            "/usr/lib/aarch64-linux-gnu/libfluidsynth.so.3",
            "libfluidsynth.so",
            "libfluidsynth.3.dylib",
            "libfluidsynth-3.dll",
        ];
    }

    private static readonly object Gate = new();
    private static readonly Dictionary<string, (FluidSynthLibrary? Library, string Reason)> Loaded = new();

    internal FluidSynthLibrary(FluidSynthNative native) => Native = native;

    internal FluidSynthNative Native { get; }

    /// <summary>FluidSynth's version, e.g. "2.3.1".</summary>
    public string Version => Native.Version;

    /// <summary>The name or path the library was loaded by.</summary>
    public string LibraryName => Native.LibraryName;

    /// <summary>
    /// Loads libfluidsynth from <see cref="DefaultCandidates"/> (once per process and candidate list; later calls return the same result).
    /// </summary>
    /// <param name="reason">When the result is null: why, in one line (e.g. "libfluidsynth not found (tried ...)").</param>
    /// <returns>The loaded library, or null when none of the candidates loads or exports what Cadenza needs.</returns>
    public static FluidSynthLibrary? TryLoad(out string reason)
    {
        var candidates = DefaultCandidates();
        string key = string.Join("\n", candidates);
        lock (Gate)
        {
            if (!Loaded.TryGetValue(key, out var entry))
            {
                var n = FluidSynthNative.TryLoad(candidates, out var why);
                Loaded[key] = entry = (n == null ? null : new FluidSynthLibrary(n), why);
            }
            reason = entry.Reason;
            return entry.Library;
        }
    }

    /// <summary>Loads libfluidsynth from the given names or paths (tried in order), without caching.</summary>
    /// <param name="candidates">Library names or paths.</param>
    /// <param name="reason">When the result is null: why, in one line.</param>
    /// <returns>The loaded library, or null when none loads.</returns>
    /// <exception cref="ArgumentNullException">When <paramref name="candidates"/> is null.</exception>
    public static FluidSynthLibrary? TryLoad(IEnumerable<string> candidates, out string reason)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var n = FluidSynthNative.TryLoad(candidates, out reason);
        return n == null ? null : new FluidSynthLibrary(n);
    }
}
