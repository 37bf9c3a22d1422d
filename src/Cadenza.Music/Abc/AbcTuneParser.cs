using System.Globalization;
using System.Text;

namespace Cadenza.Music.Abc;

/// <summary>Reads one tune (the lines from its X: to its end) into an <see cref="AbcTune"/>.</summary>
internal sealed partial class AbcTuneParser
{
    private const int MaxWarnings = 200;

    private readonly string _source;
    private readonly AbcReadOptions _opt;
    private readonly List<(string Line, int Number)> _fileHeader;
    private readonly List<string> _lines;
    private readonly int _start, _end;
    private readonly AbcTune _tune;
    private readonly Score _score;
    private readonly long _ticksPerWhole;

    private AbcKey _tuneKey = AbcKey.CMajor;
    private Rational? _tuneUnit;
    private Meter _tuneMeter = Meter.Absent;
    private bool _headerDone, _keySeen, _anyMusic;
    private readonly List<Voice> _voices = new();
    private Voice? _current;
    private int _lineNo;
    private readonly HashSet<char> _userSymbols = new();
    private string? _partOrder, _yOrder;
    private int _warningCount;

    public AbcTuneParser(string source, AbcReadOptions opt, List<(string, int)> fileHeader, List<string> lines, int start, int end)
    {
        _source = source;
        _opt = opt;
        _fileHeader = fileHeader;
        _lines = lines;
        _start = start;
        _end = end;
        if (opt.TicksPerQuarter <= 0) throw new ArgumentOutOfRangeException(nameof(opt), "TicksPerQuarter must be positive");
        _score = new Score(opt.TicksPerQuarter);
        _ticksPerWhole = 4L * opt.TicksPerQuarter;
        _tune = new AbcTune(_score) { Line = start + 1 };
    }

    public static bool IsFieldLine(string l) =>
        l.Length >= 2 && l[1] == ':' && (char.IsAsciiLetter(l[0]) || l[0] == '+');

    // ---------------------------------------------------------------- driver

    public AbcTune Parse()
    {
        try
        {
            _tune.ReferenceNumber = _lines[_start][2..].Trim();
            foreach (var (line, number) in _fileHeader)
            {
                _lineNo = number;
                HandleField(line[0], StripComment(line[2..]).Trim(), inline: false);
            }
            for (int idx = _start + 1; idx < _end; idx++)
            {
                _lineNo = idx + 1;
                string raw = _lines[idx];
                if (raw.StartsWith("%%begintext", StringComparison.Ordinal))
                {
                    while (idx + 1 < _end && !_lines[idx + 1].StartsWith("%%endtext", StringComparison.Ordinal)) idx++;
                    idx++;
                    continue;
                }
                if (raw.StartsWith('%')) continue;
                string line = StripComment(raw);
                if (line.Trim().Length == 0) continue;
                if (IsFieldLine(line))
                {
                    string value = line[2..].Trim();
                    while (value.EndsWith('\\') && idx + 1 < _end && !IsFieldLine(_lines[idx + 1]))
                    {
                        idx++;
                        value = value[..^1] + StripComment(_lines[idx]).Trim();
                    }
                    HandleField(line[0], value, inline: false);
                    continue;
                }
                if (!_headerDone)
                {
                    if (!_keySeen) Warn("no K: field before the music; C major assumed");
                    EndHeader();
                }
                ParseMusic(line);
            }
            _lineNo = _end;
            if (!_headerDone)
            {
                if (!_keySeen) Warn("no K: field; C major assumed");
                EndHeader();
            }
            foreach (var v in _voices)
                if (v.TupletLeft > 0) Warn($"the tune ends inside a tuplet ({v.TupletLeft} note{(v.TupletLeft == 1 ? "" : "s")} missing)");
            BuildScore();
            return _tune;
        }
        catch (MusicFormatException) { throw; }
        catch (Exception e) when (e is OverflowException or DivideByZeroException or ArgumentException or InvalidOperationException)
        {
            throw Error($"numbers out of range ({e.Message})", e);
        }
    }

    private string TuneLabel()
    {
        string t = _tune.TitleList.Count > 0 ? $" \"{_tune.TitleList[0]}\"" : "";
        return $"tune X:{_tune.ReferenceNumber}{t}";
    }

    private MusicFormatException Error(string problem, Exception? inner = null) =>
        new(_source, $"{TuneLabel()}, line {_lineNo}: {problem}", null, inner);

    private void Warn(string message)
    {
        _warningCount++;
        if (_warningCount <= MaxWarnings) _tune.WarningList.Add($"line {_lineNo}: {message}");
        else if (_warningCount == MaxWarnings + 1) _tune.WarningList.Add("further warnings suppressed");
    }

    private static string StripComment(string s)
    {
        int i = s.IndexOf('%');
        while (i > 0 && s[i - 1] == '\\') i = s.IndexOf('%', i + 1);
        return i < 0 ? s : s[..i];
    }

    // ---------------------------------------------------------------- fields

    private void HandleField(char letter, string value, bool inline)
    {
        switch (letter)
        {
            case 'X':
                if (!inline) Warn("X: inside a tune ignored");
                break;
            case 'T':
                if (value.Length > 0) _tune.TitleList.Add(value);
                break;
            case 'C':
                _tune.Composer ??= value;
                break;
            case 'M':
            {
                var m = Meter.Parse(value);
                if (m is null) { Warn($"unreadable meter M:{value} ignored"); break; }
                if (!_headerDone && _current == null) _tuneMeter = m.Value;
                else
                {
                    var v = GetVoice();
                    v.Meter = m.Value;
                    if (v.HasMusic) v.Items.Add(new Item(ItemKind.Meter, _lineNo) { Meter = m.Value });
                    else v.MeterSet = true;
                }
                break;
            }
            case 'L':
            {
                var u = ParseFraction(value);
                if (u is null || !u.Value.IsPositive || u.Value.Den > 1 << 20) { Warn($"unreadable unit length L:{value} ignored"); break; }
                if (!_headerDone && _current == null) _tuneUnit = u;
                else { var v = GetVoice(); v.Unit = u.Value; v.UnitSet = true; }
                break;
            }
            case 'Q':
            {
                var bpm = ParseTempo(value);
                if (bpm is null) { if (!value.Contains('"')) Warn($"unreadable tempo Q:{value} ignored"); break; }
                if (!_headerDone && _current == null) { _score.Tempos.Clear(); _score.Tempos.Add(TempoChange.FromBpm(0, bpm.Value)); }
                else GetVoice().Items.Add(new Item(ItemKind.Tempo, _lineNo) { Bpm = bpm.Value });
                break;
            }
            case 'K':
            {
                var k = AbcKey.Parse(value, Warn, out int? octave);
                if (!_headerDone)
                {
                    if (k != null) _tuneKey = k;
                    if (octave.HasValue) _tuneOctave = octave.Value;
                    _keySeen = true;
                    if (_current != null && k != null) { _current.Key = k.Clone(); _current.KeySet = true; }
                    EndHeader();
                }
                else
                {
                    var v = GetVoice();
                    if (octave.HasValue) v.Octave = octave.Value;
                    if (k != null)
                    {
                        v.Key = k;
                        v.BarAcc.Clear();
                        if (v.HasMusic) v.Items.Add(new Item(ItemKind.Key, _lineNo) { Key = k });
                        else if (!_anyMusic) _tune.Key = k.Text;
                    }
                }
                break;
            }
            case 'V':
                SwitchVoice(value);
                break;
            case 'P':
                if (!_headerDone) _partOrder = value;
                else GetVoice().Items.Add(new Item(ItemKind.Part, _lineNo) { Text = value.Trim() });
                break;
            case 'Y':
                if (!_headerDone) _yOrder = value;
                break;
            case 'w':
                if (_headerDone) AlignLyrics(GetVoice(), value);
                break;
            case 'U':
            {
                string s = value.TrimStart();
                if (s.Length > 0) _userSymbols.Add(s[0]);
                break;
            }
            default:
                break; // R, S, N, Z, B, D, O, A, G, H, F, I, W, r, m, s, +: information only
        }
    }

    private int _tuneOctave;

    private void EndHeader()
    {
        if (_headerDone) return;
        _headerDone = true;
        _tuneUnit ??= DefaultUnit(_tuneMeter);
        foreach (var v in _voices)
        {
            if (!v.UnitSet) v.Unit = _tuneUnit.Value;
            if (!v.KeySet) v.Key = _tuneKey.Clone();
            if (!v.MeterSet) v.Meter = _tuneMeter;
        }
        _tune.Key = _keySeen ? _tuneKey.Text : "";
    }

    private static Rational DefaultUnit(Meter m) =>
        m.IsFree || m.Den == 0 || new Rational(m.Num, m.Den) >= new Rational(3, 4) ? new Rational(1, 8) : new Rational(1, 16);

    private Voice GetVoice()
    {
        if (_current != null) return _current;
        _current = NewVoice("");
        return _current;
    }

    private Voice NewVoice(string id)
    {
        var v = new Voice(id)
        {
            Key = _tuneKey.Clone(),
            Unit = _tuneUnit ?? new Rational(1, 8),
            Meter = _tuneMeter,
            Octave = _tuneOctave,
        };
        _voices.Add(v);
        return v;
    }

    private void SwitchVoice(string value)
    {
        var tokens = SplitVoiceTokens(value);
        if (tokens.Count == 0) { Warn("V: without a voice id ignored"); return; }
        string id = tokens[0];
        var v = _voices.Find(x => x.Id == id);
        if (v == null)
        {
            // Music written before the first V: belongs to the first voice named.
            var unnamed = _voices.Find(x => x.Id == "");
            if (unnamed != null && _voices.Count == 1) { unnamed.Id = id; v = unnamed; }
            else v = NewVoice(id);
        }
        for (int i = 1; i < tokens.Count; i++)
        {
            string t = tokens[i];
            int eq = t.IndexOf('=');
            if (eq <= 0) continue;
            string name = t[..eq].ToLowerInvariant(), val = t[(eq + 1)..].Trim('"');
            if (name is "name" or "nm") v.Name = val;
            else if (name == "octave" && int.TryParse(val, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int o) && o is >= -4 and <= 4)
                v.Octave = o;
        }
        _current = v;
    }

    private static List<string> SplitVoiceTokens(string value)
    {
        var list = new List<string>();
        var sb = new StringBuilder();
        bool quoted = false;
        foreach (char c in value)
        {
            if (c == '"') quoted = !quoted;
            if (!quoted && char.IsWhiteSpace(c)) { if (sb.Length > 0) { list.Add(sb.ToString()); sb.Clear(); } continue; }
            sb.Append(c);
        }
        if (sb.Length > 0) list.Add(sb.ToString());
        return list;
    }

    internal static Rational? ParseFraction(string value)
    {
        var s = value.Trim();
        int slash = s.IndexOf('/');
        if (slash < 0) return long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long w) && w > 0 && w < 1 << 20 ? new Rational(w, 1) : null;
        if (long.TryParse(s[..slash].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long a)
            && long.TryParse(s[(slash + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long b)
            && b > 0 && a < 1 << 20 && b < 1 << 20)
            return new Rational(a, b);
        return null;
    }

    /// <summary>Q: value to quarter notes per minute. "1/4=120", "3/8=40", "1/4 1/4=60" (sum of beats), "C=120", "C2=120" and the
    /// deprecated bare "120" (both in unit note lengths, as ABC 1.6 defined them); quoted text is ignored.</summary>
    private double? ParseTempo(string value)
    {
        var sb = new StringBuilder();
        bool q = false;
        foreach (char c in value) { if (c == '"') { q = !q; continue; } if (!q) sb.Append(c); }
        string s = sb.ToString().Trim();
        if (s.Length == 0) return null;
        Rational beat;
        string num;
        int eq = s.IndexOf('=');
        if (eq < 0) { beat = _current?.Unit ?? _tuneUnit ?? new Rational(1, 4); num = s; }
        else
        {
            num = s[(eq + 1)..].Trim();
            string lhs = s[..eq].Trim();
            beat = Rational.Zero;
            foreach (var part in lhs.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            {
                if (part.Length > 0 && part[0] is 'C' or 'c' or 'L')
                {
                    // ABC 1.6 form: C (or C2, C3/2) is a number of unit notes
                    var unit = _current?.Unit ?? _tuneUnit ?? new Rational(1, 8);
                    var mult = part.Length == 1 ? Rational.One : ParseFraction(part[1..]);
                    if (mult is null) return null;
                    beat += unit * mult.Value;
                    continue;
                }
                var f = ParseFraction(part);
                if (f is null) return null;
                beat += f.Value;
            }
            if (beat.IsZero) return null;
        }
        int sp = num.IndexOf(' ');
        if (sp > 0) num = num[..sp];
        if (!double.TryParse(num, NumberStyles.Float, CultureInfo.InvariantCulture, out double n) || !(n > 0) || n > 10000) return null;
        double bpm = n * beat.Num / beat.Den * 4;
        return bpm is > 0.5 and < 100000 ? bpm : null;
    }

    // ---------------------------------------------------------------- lyrics

    private void AlignLyrics(Voice v, string text)
    {
        var syllables = new List<string?>();
        var cur = new StringBuilder();
        void Flush() { if (cur.Length > 0) { syllables.Add(cur.ToString()); cur.Clear(); } }
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case ' ' or '\t' or '|': Flush(); break;
                case '-': if (cur.Length > 0) Flush(); break;
                case '_' or '*': Flush(); syllables.Add(null); break;
                case '~': cur.Append(' '); break;
                case '\\' when i + 1 < text.Length && text[i + 1] == '-': cur.Append('-'); i++; break;
                default: cur.Append(c); break;
            }
        }
        Flush();
        int n = Math.Min(syllables.Count, v.LyricQueue.Count);
        for (int i = 0; i < n; i++) v.LyricQueue[i].Lyric = syllables[i];
        if (syllables.Count > v.LyricQueue.Count) Warn($"{syllables.Count - v.LyricQueue.Count} lyric syllable(s) without a note ignored");
        v.LyricQueue.Clear();
    }
}
