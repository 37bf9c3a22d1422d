using System.Globalization;

namespace Cadenza.Music.Abc;

internal enum ItemKind { Note, Rest, Bar, SectionBar, RepeatStart, RepeatEnd, Ending, Part, Key, Meter, Tempo, ChordSymbol, Overlay }

internal sealed class NotePart
{
    public int Pitch;
    public Rational Length;
    public bool Tie;
}

internal sealed class Item
{
    public Item(ItemKind kind, int line) { Kind = kind; Line = line; }
    public readonly ItemKind Kind;
    public readonly int Line;
    public Rational Length;                 // time advance (Note, Rest)
    public List<NotePart>? Parts;           // Note
    public List<int>? Graces;               // grace pitches before a Note
    public bool Acciaccatura;
    public string? Text;                    // ChordSymbol, Part
    public string? Lyric;
    public AbcKey? Key;
    public Meter Meter;
    public double Bpm;
    public int[]? Endings;

    public void Scale(Rational f)
    {
        Length *= f;
        if (Parts != null) foreach (var p in Parts) p.Length *= f;
    }
}

internal sealed class Voice
{
    public Voice(string id) { Id = id; }
    public string Id;
    public string? Name;
    public List<Item> Items { get; } = new();
    public AbcKey Key = AbcKey.CMajor;
    public Rational Unit = new(1, 8);
    public Meter Meter;
    public bool UnitSet, KeySet, MeterSet, HasMusic;
    public int Octave;
    public Dictionary<int, int> BarAcc { get; } = new();
    public Dictionary<int, int> TieCarry { get; set; } = new();
    public int TupletLeft;
    public Rational TupletFactor = Rational.One;
    public Rational? PendingBroken;
    public Item? LastTimed;
    public List<Item> LyricQueue { get; } = new();
    public List<int>? PendingGraces;
    public bool PendingAcciaccatura;
}

/// <summary>A meter: numerator/denominator, or free (M:none), or absent.</summary>
internal readonly record struct Meter(int Num, int Den, bool IsFree, string Text)
{
    public static Meter Absent => new(4, 4, true, "");

    public bool IsCompound => !IsFree && Num % 3 == 0 && Num > 3;

    public Rational BarLength => IsFree || Den <= 0 ? Rational.One : new Rational(Num, Den);

    public static Meter? Parse(string value)
    {
        string s = value.Trim();
        int sp = s.IndexOf(' ');
        if (sp > 0) s = s[..sp];
        if (s.Length == 0 || s.Equals("none", StringComparison.OrdinalIgnoreCase)) return new Meter(4, 4, true, "none");
        if (s == "C") return new Meter(4, 4, false, "C");
        if (s == "C|") return new Meter(2, 2, false, "C|");
        int slash = s.IndexOf('/');
        if (slash <= 0) return null;
        string numPart = s[..slash].Trim('(', ')', ' ');
        int num = 0;
        foreach (var term in numPart.Split('+'))
        {
            if (!int.TryParse(term, NumberStyles.None, CultureInfo.InvariantCulture, out int t) || t <= 0 || t > 1000) return null;
            num += t;
        }
        if (!int.TryParse(s[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int den) || den <= 0 || den > 1024) return null;
        return new Meter(num, den, false, value.Trim());
    }
}
