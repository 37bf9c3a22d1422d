using System.Text;

namespace Cadenza.Music.Abc;

internal sealed partial class AbcTuneParser
{
    private static readonly HashSet<string> KnownDecorations = new(StringComparer.Ordinal)
    {
        "trill", "trill(", "trill)", "lowermordent", "uppermordent", "mordent", "pralltriller", "roll", "turn", "turnx",
        "invertedturn", "invertedturnx", "arpeggio", ">", "<", "accent", "emphasis", "fermata", "invertedfermata",
        "tenuto", "0", "1", "2", "3", "4", "5", "+", "plus", "snap", "slide", "wedge", "upbow", "downbow", "open", "thumb",
        "breath", "pppp", "ppp", "pp", "p", "mp", "mf", "f", "ff", "fff", "ffff", "sfz", "crescendo(", "<(", "crescendo)",
        "<)", "diminuendo(", ">(", "diminuendo)", ">)", "segno", "coda", "D.S.", "D.C.", "dacoda", "dacapo", "fine",
        "shortphrase", "mediumphrase", "longphrase", "ped", "ped-up", "editorial", "courtesy", "staccato", "marcato",
        "tremolo", "xstem", "beambr1", "beambr2", "beamon", "gmark", "invisible", "dot", "umarcato", "ped)", "ped(",
        "D.C.alfine", "D.C.alcoda", "D.S.alfine", "D.S.alcoda", "dacapoalfine", "slur", "^", "trem1", "trem2", "trem3", "trem4",
        "rs", "///", "//", "/", "sf", "sfp", "fp", "rfz", "cresc", "dim", "ten", "stac", "bend", "hat", "ae", "breve",
    };

    private readonly HashSet<char> _undefinedSymbols = new();

    private void ParseMusic(string s)
    {
        var v = GetVoice();
        int i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            switch (c)
            {
                case ' ' or '\t' or '`' or 'y' or ')':
                    i++;
                    break;
                case '\\':
                    i++; // line continuation: line breaks carry no musical meaning here
                    break;
                case '"':
                {
                    int close = s.IndexOf('"', i + 1);
                    if (close < 0) { Warn("unterminated quoted string ignored"); i = s.Length; break; }
                    string text = s[(i + 1)..close];
                    i = close + 1;
                    if (IsChordSymbol(text)) AddNonTimed(v, new Item(ItemKind.ChordSymbol, _lineNo) { Text = text });
                    break;
                }
                case '!' or '+':
                {
                    int close = s.IndexOf(c, i + 1);
                    if (close < 0)
                    {
                        if (c != '!') { i++; break; }
                        // Skip the decoration's name too, so that its letters are not read as notes and symbols.
                        int j = i + 1;
                        while (j < s.Length && (char.IsAsciiLetterOrDigit(s[j]) || s[j] is '.' or '<' or '>' or '(' or ')')) j++;
                        Warn($"unterminated decoration '{s[i..j]}' ignored (a decoration is written !name!)");
                        i = j;
                        break;
                    }
                    string name = s[(i + 1)..close];
                    if (!KnownDecorations.Contains(name) && !name.StartsWith("style=", StringComparison.Ordinal))
                        Warn($"unknown decoration !{name}! skipped");
                    i = close + 1;
                    break;
                }
                case '.' or '~' or 'H' or 'L' or 'M' or 'O' or 'P' or 'S' or 'T' or 'u' or 'v' or 'J' or 'R':
                    i++;
                    break;
                case '{':
                    i = ParseGrace(s, i, v);
                    break;
                case '(':
                    i = ParseTuplet(s, i, v);
                    break;
                case '[':
                    if (i + 2 < s.Length && char.IsAsciiLetter(s[i + 1]) && s[i + 2] == ':')
                    {
                        int close = s.IndexOf(']', i);
                        string field = close < 0 ? s[(i + 3)..] : s[(i + 3)..close];
                        if (close < 0) Warn($"inline field [{s[i + 1]}: without a closing ']' read to the end of the line");
                        HandleField(s[i + 1], field.Trim(), inline: true);
                        v = GetVoice();
                        i = close < 0 ? s.Length : close + 1;
                    }
                    else if (i + 1 < s.Length && char.IsAsciiDigit(s[i + 1]))
                        i = ParseEnding(s, i + 1, v);
                    else if (i + 1 < s.Length && s[i + 1] == '|')
                        i = ParseBar(s, i, v);
                    else
                        i = ParseChord(s, i, v);
                    break;
                case '|' or ':':
                    i = ParseBar(s, i, v);
                    break;
                case '-':
                    if (i > 0 && s[i - 1] is ' ' or '\t') Warn("'-' after a space is not a tie (ABC 2.1: the tie follows the note); ignored");
                    else MarkTie(v);
                    i++;
                    break;
                case '>' or '<':
                    i = ParseBroken(s, i, v);
                    break;
                case '^' or '_' or '=' or (>= 'A' and <= 'G') or (>= 'a' and <= 'g'):
                    i = ParseNote(s, i, v);
                    break;
                case 'z' or 'x':
                {
                    i++;
                    var len = ParseLength(s, ref i);
                    AddTimed(v, new Item(ItemKind.Rest, _lineNo) { Length = v.Unit * len });
                    break;
                }
                case 'Z' or 'X':
                {
                    i++;
                    long bars = ReadNumber(s, ref i) ?? 1;
                    if (bars > 10000) throw Error($"multi-measure rest of {bars} bars is too long");
                    AddTimed(v, new Item(ItemKind.Rest, _lineNo) { Length = v.Meter.BarLength * new Rational(Math.Max(1, bars), 1) });
                    break;
                }
                case '&':
                    // voice overlay: the notes up to the next bar line sound from the start of this bar, in the same track
                    EnsureMusicStart(v);
                    v.Items.Add(new Item(ItemKind.Overlay, _lineNo));
                    v.LastTimed = null;
                    v.PendingBroken = null;
                    v.TupletLeft = 0;
                    i++;
                    break;
                default:
                    if (char.IsAsciiLetter(c) && _userSymbols.Contains(c)) { i++; break; }
                    if (c is (>= 'h' and <= 'w') or (>= 'H' and <= 'W'))
                    {
                        // ABC 2.1 reserves these letters for U: symbols; an undefined one is skipped
                        if (_undefinedSymbols.Add(c)) Warn($"undefined decoration symbol '{c}' skipped (further uses are skipped silently)");
                        i++;
                        break;
                    }
                    if (char.IsAsciiDigit(c)) { ReadNumber(s, ref i); Warn("stray number ignored"); break; }
                    if (c is '$' or '*' or ';' or ',' or '\'' or ']' or '}') { i++; break; }
                    Warn($"unexpected character '{c}' skipped");
                    i++;
                    break;
            }
        }
    }

    private static bool IsChordSymbol(string text)
    {
        if (text.Length == 0) return false;
        if (text[0] is '^' or '_' or '<' or '>' or '@') return false; // annotations
        if (text[0] is >= 'A' and <= 'G') return true;
        return text.StartsWith("N.C.", StringComparison.Ordinal) || text.StartsWith('(') && text.Length > 1 && text[1] is >= 'A' and <= 'G';
    }

    private static long? ReadNumber(string s, ref int i)
    {
        int start = i;
        long n = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            if (n < 100_000_000) n = n * 10 + (s[i] - '0');
            else n = 100_000_000;
            i++;
        }
        return i > start ? n : null;
    }

    /// <summary>Length multiplier after a note: "", "2", "/2", "/", "//", "3/2", "3/", ...</summary>
    private Rational ParseLength(string s, ref int i)
    {
        long num = ReadNumber(s, ref i) ?? 1;
        long den = 1;
        if (i < s.Length && s[i] == '/')
        {
            int slashes = 0;
            while (i < s.Length && s[i] == '/') { slashes++; i++; }
            long? d = ReadNumber(s, ref i);
            if (slashes > 20) throw Error("too many slashes in a note length");
            den = d.HasValue ? (slashes == 1 ? d.Value : d.Value << (slashes - 1)) : 1L << slashes;
            if (den == 0) throw Error("note length with a zero denominator");
        }
        if (num > 1_000_000 || den > 1_000_000) throw Error($"note length {num}/{den} out of range");
        return new Rational(num, den);
    }

    /// <summary>Reads accidental, letter and octave marks; returns the MIDI pitch (clamped to 0..127), or -1 when no
    /// note letter follows. <paramref name="slot"/> is the note's bar-accidental slot (letter and octave), -1 without
    /// a letter.</summary>
    private int ParsePitch(string s, ref int i, Voice v, bool grace, out int slot)
    {
        slot = -1;
        int acc = 0;
        bool explicitAcc = false;
        if (s[i] == '^') { acc = 1; i++; if (i < s.Length && s[i] == '^') { acc = 2; i++; } explicitAcc = true; }
        else if (s[i] == '_') { acc = -1; i++; if (i < s.Length && s[i] == '_') { acc = -2; i++; } explicitAcc = true; }
        else if (s[i] == '=') { acc = 0; i++; explicitAcc = true; }
        if (explicitAcc && i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '/'))
        {
            Warn("microtonal accidental rounded to a semitone");
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '/')) i++;
        }
        if (i >= s.Length || AbcKey.LetterIndex(s[i]) < 0 || !(s[i] is (>= 'A' and <= 'G') or (>= 'a' and <= 'g')))
            return -1;
        char letterChar = s[i++];
        int letter = AbcKey.LetterIndex(letterChar);
        int octave = char.IsUpper(letterChar) ? 4 : 5;
        while (i < s.Length && (s[i] == '\'' || s[i] == ','))
        {
            octave += s[i] == '\'' ? 1 : -1;
            i++;
        }
        octave = Math.Clamp(octave, -2, 12);
        slot = letter * 32 + octave + 8;
        int pitchBase = (octave + 1) * 12 + AbcKey.Natural[letter] + 12 * v.Octave;
        int pitch;
        if (explicitAcc)
        {
            v.BarAcc[slot] = acc;
            pitch = pitchBase + acc;
        }
        else if (v.BarAcc.TryGetValue(slot, out int barAcc)) pitch = pitchBase + barAcc;
        else if (!grace && v.TieCarry.TryGetValue(slot, out int carried)) pitch = carried;
        else pitch = pitchBase + v.Key.Acc[letter];
        if (pitch is < 0 or > 127)
        {
            Warn($"pitch {pitch} outside 0..127 clamped");
            pitch = Math.Clamp(pitch, 0, 127);
        }
        return pitch;
    }

    private int ParseNote(string s, int i, Voice v)
    {
        int startI = i;
        int pitch = ParsePitch(s, ref i, v, grace: false, out int slot);
        if (pitch < 0) { Warn($"accidental without a note at '{s[startI..Math.Min(s.Length, startI + 5)]}' skipped"); return Math.Max(i, startI + 1); }
        var len = ParseLength(s, ref i);
        var part = new NotePart { Pitch = pitch, Length = v.Unit * len };
        var item = new Item(ItemKind.Note, _lineNo) { Length = part.Length, Parts = new List<NotePart> { part } };
        bool tie = i < s.Length && s[i] == '-';
        if (tie) { part.Tie = true; i++; }
        AddTimed(v, item);
        v.TieCarry = tie ? new Dictionary<int, int> { [slot] = pitch } : new Dictionary<int, int>();
        return i;
    }

    private int ParseChord(string s, int i, Voice v)
    {
        int open = i;
        i++;
        var parts = new List<NotePart>();
        var slots = new List<int>();
        var carry = new Dictionary<int, int>();
        var tieCarryBefore = v.TieCarry;
        while (i < s.Length && s[i] != ']' && s[i] != '|')
        {
            char c = s[i];
            if (c is '^' or '_' or '=' or (>= 'A' and <= 'G') or (>= 'a' and <= 'g'))
            {
                v.TieCarry = tieCarryBefore;
                int p = ParsePitch(s, ref i, v, grace: false, out int slot);
                if (p < 0) { i++; continue; }
                var len = ParseLength(s, ref i);
                var part = new NotePart { Pitch = p, Length = v.Unit * len };
                if (i < s.Length && s[i] == '-') { part.Tie = true; carry[slot] = p; i++; }
                parts.Add(part);
                slots.Add(slot);
            }
            else if (c == '"')
            {
                int close = s.IndexOf('"', i + 1);
                i = close < 0 ? s.Length : close + 1;
            }
            else if (c == '!' && s.IndexOf('!', i + 1) is int cl && cl > 0) i = cl + 1;
            else i++;
        }
        if (i >= s.Length || s[i] != ']') Warn("chord without a closing ']' ends here");
        else i++;
        if (parts.Count == 0)
        {
            Warn($"empty chord '{s[open..Math.Min(i, s.Length)]}' skipped");
            return i;
        }
        var outer = ParseLength(s, ref i);
        foreach (var p in parts) p.Length *= outer;
        if (i < s.Length && s[i] == '-')
        {
            i++;
            foreach (var p in parts) p.Tie = true;
            // every note carries its pitch over the bar line
            for (int k = 0; k < parts.Count; k++) carry[slots[k]] = parts[k].Pitch;
        }
        var advance = parts[0].Length;
        // a unison written twice ([e2e2]) sounds once: keep the longer note
        for (int a = 0; a < parts.Count; a++)
            for (int b = parts.Count - 1; b > a; b--)
                if (parts[b].Pitch == parts[a].Pitch)
                {
                    if (parts[b].Length > parts[a].Length) parts[a].Length = parts[b].Length;
                    parts[a].Tie |= parts[b].Tie;
                    parts.RemoveAt(b);
                }
        var item = new Item(ItemKind.Note, _lineNo) { Length = advance, Parts = parts };
        AddTimed(v, item);
        v.TieCarry = carry;
        return i;
    }

    private int ParseGrace(string s, int i, Voice v)
    {
        int close = s.IndexOf('}', i);
        string inner = close < 0 ? s[(i + 1)..] : s[(i + 1)..close];
        if (close < 0) Warn("grace group without a closing '}'");
        var pitches = new List<int>();
        bool acc = inner.StartsWith('/');
        for (int k = 0; k < inner.Length;)
        {
            char c = inner[k];
            if (c is '^' or '_' or '=' or (>= 'A' and <= 'G') or (>= 'a' and <= 'g'))
            {
                int p = ParsePitch(inner, ref k, v, grace: true, out _);
                if (p < 0) { k++; continue; }
                ParseLength(inner, ref k);
                pitches.Add(p);
                if (pitches.Count > 64) break;
            }
            else k++;
        }
        if (pitches.Count > 0)
        {
            v.PendingGraces = pitches;
            v.PendingAcciaccatura = acc;
        }
        return close < 0 ? s.Length : close + 1;
    }

    private int ParseTuplet(string s, int i, Voice v)
    {
        int k = i + 1;
        long? p = ReadNumber(s, ref k);
        if (p is null) return i + 1; // slur
        long? q = null, r = null;
        if (k < s.Length && s[k] == ':')
        {
            k++;
            q = ReadNumber(s, ref k);
            if (k < s.Length && s[k] == ':')
            {
                k++;
                r = ReadNumber(s, ref k);
            }
        }
        if (p is < 2 or > 64 || q is <= 0 or > 64 || r is <= 0 or > 256)
        {
            Warn($"tuplet '{s[i..k]}' out of range ignored");
            return k;
        }
        long qq = q ?? (p switch
        {
            2 => 3, 3 => 2, 4 => 3, 6 => 2, 8 => 3,
            5 or 7 or 9 => v.Meter.IsCompound ? 3 : 2,
            _ => 2,
        });
        v.TupletFactor = new Rational(qq, p.Value);
        v.TupletLeft = (int)(r ?? p.Value);
        return k;
    }

    private int ParseBroken(string s, int i, Voice v)
    {
        char c = s[i];
        int n = 0;
        while (i < s.Length && s[i] == c) { n++; i++; }
        if (n > 3) { Warn($"broken rhythm with {n} '{c}' treated as 3"); n = 3; }
        if (v.LastTimed == null) { Warn($"broken rhythm '{c}' without a preceding note ignored"); return i; }
        var shortF = new Rational(1, 1L << n);
        var longF = new Rational(2, 1) - shortF;
        if (c == '>') { v.LastTimed.Scale(longF); v.PendingBroken = shortF; }
        else { v.LastTimed.Scale(shortF); v.PendingBroken = longF; }
        return i;
    }

    private void MarkTie(Voice v)
    {
        var last = v.Items.Count > 0 ? v.Items[^1] : null;
        if (last != null && last.Kind == ItemKind.Note && last.Parts != null)
        {
            foreach (var p in last.Parts) p.Tie = true;
            return;
        }
        if (last != null && last.Kind is ItemKind.Bar or ItemKind.RepeatEnd or ItemKind.SectionBar && v.LastTimed?.Kind == ItemKind.Note)
        {
            foreach (var p in v.LastTimed.Parts!) p.Tie = true;
            return;
        }
        Warn("tie '-' without a preceding note ignored");
    }

    private int ParseEnding(string s, int i, Voice v)
    {
        var nums = new List<int>();
        while (i < s.Length)
        {
            long? a = ReadNumber(s, ref i);
            if (a is null) break;
            int from = (int)Math.Min(a.Value, 100);
            int to = from;
            if (i + 1 < s.Length && s[i] == '-' && char.IsAsciiDigit(s[i + 1]))
            {
                i++;
                to = (int)Math.Min(ReadNumber(s, ref i) ?? from, 100);
            }
            for (int n = from; n <= to && nums.Count < 100; n++) nums.Add(n);
            if (i + 1 < s.Length && s[i] == ',' && char.IsAsciiDigit(s[i + 1])) { i++; continue; }
            break;
        }
        v.Items.Add(new Item(ItemKind.Ending, _lineNo) { Endings = nums.ToArray() });
        v.BarAcc.Clear();
        return i;
    }

    private int ParseBar(string s, int i, Voice v)
    {
        int start = i;
        if (s[i] == '[') i++; // [|
        while (i < s.Length && (s[i] == '|' || s[i] == ':')) i++;
        if (i < s.Length && s[i] == ']' && s[i - 1] == '|') i++;
        string tok = s[start..i];
        if (tok == ":") { Warn("lone ':' ignored"); return i; }
        bool end = tok.StartsWith(':');
        bool begin = tok.EndsWith(':') && tok.Length > 1;
        if (tok.Trim(':').Length == 0 && tok.Length >= 2) { end = true; begin = true; } // "::"
        string core = tok.Trim(':');
        bool section = core.Contains("||") || core.Contains('[') || core.Contains(']');
        if (end) v.Items.Add(new Item(ItemKind.RepeatEnd, _lineNo));
        v.Items.Add(new Item(section && !end && !begin ? ItemKind.SectionBar : ItemKind.Bar, _lineNo));
        if (begin) v.Items.Add(new Item(ItemKind.RepeatStart, _lineNo));
        v.BarAcc.Clear();
        if (i < s.Length && char.IsAsciiDigit(s[i])) i = ParseEnding(s, i, v);
        return i;
    }

    private void AddNonTimed(Voice v, Item item)
    {
        EnsureMusicStart(v);
        v.Items.Add(item);
    }

    private void EnsureMusicStart(Voice v)
    {
        if (v.HasMusic) return;
        v.HasMusic = true;
        v.Items.Insert(0, new Item(ItemKind.Key, _lineNo) { Key = v.Key.Clone() });
        if (!v.Meter.IsFree || v.Meter.Text == "none") v.Items.Insert(1, new Item(ItemKind.Meter, _lineNo) { Meter = v.Meter });
        if (!_anyMusic)
        {
            _anyMusic = true;
            _tune.Meter = v.Meter.Text;
            _tune.UnitLength = v.Unit.ToString().Contains('/') ? v.Unit.ToString() : v.Unit + "/1";
            if (_keySeen) _tune.Key = v.Key.Text;
        }
    }

    private void AddTimed(Voice v, Item item)
    {
        EnsureMusicStart(v);
        if (v.TupletLeft > 0)
        {
            item.Scale(v.TupletFactor);
            v.TupletLeft--;
        }
        if (v.PendingBroken is Rational f)
        {
            item.Scale(f);
            v.PendingBroken = null;
        }
        if (item.Kind == ItemKind.Note)
        {
            item.Graces = v.PendingGraces;
            item.Acciaccatura = v.PendingAcciaccatura;
            v.PendingGraces = null;
            bool continuation = v.LastTimed is { Kind: ItemKind.Note, Parts: { } prev }
                && prev.Exists(p => p.Tie && item.Parts!.Exists(q => q.Pitch == p.Pitch));
            if (!continuation) v.LyricQueue.Add(item);
        }
        else
        {
            v.TieCarry = new Dictionary<int, int>();
        }
        v.Items.Add(item);
        v.LastTimed = item;
    }
}
