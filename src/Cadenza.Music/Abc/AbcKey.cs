using System.Globalization;

namespace Cadenza.Music.Abc;

/// <summary>A key as the parser uses it: the accidental of each letter, plus what the score records.</summary>
internal sealed class AbcKey
{
    // Letter indices: C=0 D=1 E=2 F=3 G=4 A=5 B=6.
    internal static readonly int[] Natural = { 0, 2, 4, 5, 7, 9, 11 };
    internal static readonly int[] SharpOrder = { 3, 0, 4, 1, 5, 2, 6 };
    internal static readonly int[] FlatOrder = { 6, 2, 5, 1, 4, 0, 3 };
    private static readonly int[] MajorFifths = { 0, 2, 4, -1, 1, 3, 5 };

    public int[] Acc { get; } = new int[7];
    public int Fifths { get; private set; }
    public bool IsMinor { get; private set; }
    public string? Mode { get; private set; }
    public string Text { get; private set; } = "C";

    public static AbcKey CMajor => new();

    public AbcKey Clone()
    {
        var k = new AbcKey { Fifths = Fifths, IsMinor = IsMinor, Mode = Mode, Text = Text };
        Array.Copy(Acc, k.Acc, 7);
        return k;
    }

    public KeySignature ToSignature(long tick) => new(tick, Math.Clamp(Fifths, -7, 7), IsMinor, Mode);

    public static int LetterIndex(char c) => char.ToUpperInvariant(c) switch
    {
        'C' => 0, 'D' => 1, 'E' => 2, 'F' => 3, 'G' => 4, 'A' => 5, 'B' => 6, _ => -1,
    };

    public static AbcKey FromFifths(int fifths, bool minor, string? mode)
    {
        var k = new AbcKey { Fifths = fifths, IsMinor = minor, Mode = mode };
        int n = Math.Min(Math.Abs(fifths), 14);
        for (int i = 0; i < n; i++)
        {
            if (fifths > 0) k.Acc[SharpOrder[i % 7]] += 1;
            else k.Acc[FlatOrder[i % 7]] -= 1;
        }
        return k;
    }

    /// <summary>Parses the value of a K: field. Returns null for the key when the field names no tonic (only clef or
    /// other parameters): the caller keeps its key. <paramref name="octave"/> is set from an <c>octave=</c> parameter.</summary>
    public static AbcKey? Parse(string value, Action<string> warn, out int? octave)
    {
        octave = null;
        var tokens = value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        AbcKey? key = null;
        int i = 0;
        bool explicitOnly = false;
        if (tokens.Length > 0)
        {
            string t = tokens[0];
            if (t.Equals("none", StringComparison.OrdinalIgnoreCase)) { key = new AbcKey { Text = "none" }; i = 1; }
            else if (t == "HP") { key = new AbcKey { Text = "HP" }; i = 1; }
            else if (t == "Hp") { key = FromFifths(2, false, "Mix"); key.Acc[4] = 0; key.Text = "Hp"; i = 1; }
            else if (t.Length > 0 && LetterIndex(t[0]) >= 0 && !t.Contains('=') && !IsClefName(t))
            {
                int letter = LetterIndex(t[0]);
                int fifths = MajorFifths[letter];
                int p = 1;
                if (p < t.Length && t[p] == '#') { fifths += 7; p++; }
                else if (p < t.Length && t[p] == 'b') { fifths -= 7; p++; }
                string modeText = t[p..];
                i = 1;
                if (modeText.Length == 0 && tokens.Length > 1 && ModeOffset(tokens[1]) is not null && !tokens[1].Contains('='))
                {
                    modeText = tokens[1];
                    i = 2;
                }
                var mo = ModeOffset(modeText);
                if (mo is null)
                {
                    warn($"unknown mode '{modeText}' in K:{value}; major assumed");
                    mo = (0, false, null);
                }
                key = FromFifths(fifths + mo.Value.Offset, mo.Value.Minor, mo.Value.Mode);
                key.Text = t + (i == 2 ? " " + tokens[1] : "");
            }
        }
        for (; i < tokens.Length; i++)
        {
            string t = tokens[i];
            if (t.Equals("exp", StringComparison.OrdinalIgnoreCase)) { explicitOnly = true; continue; }
            if (t[0] is '^' or '_' or '=')
            {
                int acc = 0, p = 0;
                while (p < t.Length && t[p] == '^') { acc++; p++; }
                while (p < t.Length && t[p] == '_') { acc--; p++; }
                if (p < t.Length && t[p] == '=') p++;
                int letter = p < t.Length ? LetterIndex(t[p]) : -1;
                if (letter < 0 || p + 1 != t.Length) { warn($"unreadable key accidental '{t}' ignored"); continue; }
                key ??= new AbcKey();
                if (explicitOnly) { Array.Clear(key.Acc); explicitOnly = false; key.Fifths = 0; }
                key.Acc[letter] = acc;
                key.Text += " " + t;
                continue;
            }
            int eq = t.IndexOf('=');
            if (eq > 0)
            {
                string name = t[..eq].ToLowerInvariant();
                if (name == "octave" && int.TryParse(t[(eq + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int o) && o is >= -4 and <= 4)
                    octave = o;
                continue; // clef=, middle=, transpose=, stafflines=, ... do not change pitches
            }
            // bare clef names and other words are display-only
        }
        if (key != null && explicitOnly) { Array.Clear(key.Acc); key.Fifths = 0; }
        if (key != null)
        {
            // Fifths of explicit-accidental keys: the count of sharps minus flats when they are one-sided.
            int sh = key.Acc.Count(a => a > 0), fl = key.Acc.Count(a => a < 0);
            if (value.Contains("exp", StringComparison.OrdinalIgnoreCase)) key.Fifths = sh > 0 && fl == 0 ? sh : fl > 0 && sh == 0 ? -fl : 0;
        }
        return key;
    }

    private static readonly string[] ClefNames = { "treble", "bass", "alto", "tenor", "baritone", "perc", "mezzo", "soprano", "none" };

    /// <summary>True for clef words (<c>bass</c>, <c>alto4</c>, <c>treble-8</c>) that a K: field may carry instead of a tonic.</summary>
    private static bool IsClefName(string t)
    {
        string s = t.ToLowerInvariant();
        foreach (var c in ClefNames)
            if (s.StartsWith(c, StringComparison.Ordinal) && ModeOffset(t.Length > 1 ? t[1..] : "") is null) return true;
        return false;
    }

    private static (int Offset, bool Minor, string? Mode)? ModeOffset(string m)
    {
        string s = m.ToLowerInvariant();
        if (s.Length == 0) return (0, false, null);
        if (s == "m") return (-3, true, null);
        if (s.Length < 3) return null;
        return s[..3] switch
        {
            "maj" or "ion" => (0, false, null),
            "min" => (-3, true, null),
            "aeo" => (-3, true, null),
            "mix" => (-1, false, "Mix"),
            "dor" => (-2, false, "Dor"),
            "phr" => (-4, false, "Phr"),
            "lyd" => (1, false, "Lyd"),
            "loc" => (-5, false, "Loc"),
            _ => null,
        };
    }
}
