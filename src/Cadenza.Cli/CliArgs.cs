namespace Cadenza.Cli;

/// <summary>A command-line mistake: printed as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Minimal argument parser: positional arguments, <c>--name value</c> / <c>--name=value</c> options,
/// boolean flags and <c>-o</c> style short aliases. Each verb declares what it accepts, so unknown
/// options are reported instead of ignored.
/// </summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    /// <summary>Positional arguments, in order.</summary>
    public List<string> Positionals { get; } = new();

    /// <summary>Parses <paramref name="args"/> given the names of flags (no value) and options (take a value).</summary>
    public static CliArgs Parse(string verb, IReadOnlyList<string> args, IEnumerable<string> flags, IEnumerable<string> options,
        IReadOnlyDictionary<string, string>? aliases = null)
    {
        var flagSet = new HashSet<string>(flags) { "help" };
        var optSet = new HashSet<string>(options);
        var result = new CliArgs();
        bool onlyPositionals = false;
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (onlyPositionals || a == "-" || !a.StartsWith('-') || IsNumber(a))
            {
                result.Positionals.Add(a);
                continue;
            }
            if (a == "--") { onlyPositionals = true; continue; }
            string name;
            string? inlineValue = null;
            if (a.StartsWith("--"))
            {
                name = a[2..];
                int eq = name.IndexOf('=');
                if (eq >= 0) { inlineValue = name[(eq + 1)..]; name = name[..eq]; }
            }
            else
            {
                string shortName = a[1..];
                if (shortName == "h") name = "help";
                else if (aliases != null && aliases.TryGetValue(shortName, out var full)) name = full;
                else throw new UsageException($"{verb}: unknown option '{a}' (see 'cadenza {verb} --help')");
            }
            if (flagSet.Contains(name))
            {
                if (inlineValue != null) throw new UsageException($"{verb}: --{name} takes no value");
                result._options[name] = null;
            }
            else if (optSet.Contains(name))
            {
                if (inlineValue == null)
                {
                    if (i + 1 >= args.Count) throw new UsageException($"{verb}: --{name} needs a value");
                    inlineValue = args[++i];
                }
                if (result._options.TryGetValue(name, out var earlier))
                    throw new UsageException($"{verb}: --{name} is given twice ('{earlier}' and '{inlineValue}'); give it once");
                result._options[name] = inlineValue;
            }
            else throw new UsageException($"{verb}: unknown option '--{name}' (see 'cadenza {verb} --help')");
        }
        return result;
    }

    private static bool IsNumber(string s) => s.Length > 1 && s[0] == '-' && (char.IsDigit(s[1]) || s[1] == '.');

    /// <summary>True when the flag or option was given.</summary>
    public bool Has(string name) => _options.ContainsKey(name);

    /// <summary>The option's value, or null when absent.</summary>
    public string? Get(string name) => _options.TryGetValue(name, out var v) ? v : null;

    /// <summary>The option's value parsed as an integer within [min, max], or the default.</summary>
    public int GetInt(string name, int defaultValue, int min = int.MinValue, int max = int.MaxValue)
    {
        var s = Get(name);
        if (s == null) return defaultValue;
        if (!int.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int v))
        {
            if (System.Numerics.BigInteger.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out _))
                throw new UsageException($"--{name} must be between {min} and {max}, got {s}");
            throw new UsageException($"--{name} must be a whole number, got '{s}'");
        }
        if (v < min || v > max) throw new UsageException($"--{name} must be between {min} and {max}, got {v}");
        return v;
    }

    /// <summary>The option's value parsed as a number, or the default.</summary>
    public double GetDouble(string name, double defaultValue)
    {
        var s = Get(name);
        if (s == null) return defaultValue;
        if (!double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new UsageException($"--{name} must be a number, got '{s}'");
        return v;
    }
}
