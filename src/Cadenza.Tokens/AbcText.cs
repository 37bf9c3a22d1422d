using System.Globalization;
using System.Text;
using Cadenza.Music;
using Cadenza.Music.Abc;

namespace Cadenza.Tokens;

/// <summary>
/// The ABC-text scheme (<c>"abc"</c>): a tune is tokenized as the ABC text that <see cref="AbcWriter"/> writes for it,
/// cut into musical units, so that a model trains on ABC and writes ABC. Every token is itself ABC text; the text form of
/// a sequence (tokens joined by spaces) is readable ABC.
/// </summary>
/// <remarks>
/// <para>Tokens, after <c>BOS</c> and the optional genre control:</para>
/// <list type="bullet">
/// <item>the header, always in this order: the meter <c>M:6/8</c> (one per <see cref="TokenizerConfig.TimeSignatures"/>),
/// the unit length <c>L:1/8</c> (<c>1/4</c>, <c>1/8</c>, <c>1/16</c>) and the key <c>K:Dmix</c> (15 tonics × major, minor and
/// the modes, spelled as <see cref="AbcWriter"/> spells them);</item>
/// <item>notes as one token each with accidental (none, <c>^</c>, <c>_</c>, <c>=</c>), letter and octave (<c>C,</c> to
/// <c>b''</c>, MIDI 48-107) and length in units of L (<c>c</c>, <c>c2</c>, <c>c3/2</c>, <c>c/</c>, ...: eighths of a unit up to 2,
/// then 5/2, 3, 7/2, 4, 5, 6, 7, 8, 12, 14, 16, 24, 28, 32); rests <c>z</c> with the same lengths;</item>
/// <item>chords <c>[</c>, notes without length, <c>]2</c> (the chord's length); ties <c>-</c>; tuplet marks <c>(3</c> and
/// <c>(3:2:r</c>; chord symbols <c>"Am"</c> (17 roots × 17 qualities; a bass note <c>/f#</c> is dropped);
/// bar lines <c>|</c> and the final <c>|]</c>; inline meter and key changes <c>[M:3/4]</c>, <c>[K:G]</c>.</item>
/// </list>
/// <para>What is not in the text: tempo (<c>Q:</c>), titles, grace notes, decorations, lyrics, and the original
/// repeat structure (the writer writes the tune in playing order). A tune the vocabulary cannot spell (a note outside
/// 48-107, a double accidental, an odd length such as a quintuplet's) raises <see cref="TokenizationException"/>
/// with reason "unsupported-abc" naming the unit.</para>
/// </remarks>
public sealed class AbcTextTokenizer : Tokenizer
{
    private readonly AbcGrammar _grammar;
    private readonly AbcLayout _l;

    /// <summary>Creates the ABC-text tokenizer with the default config (scheme "abc").</summary>
    public AbcTextTokenizer() : this(new TokenizerConfig { Scheme = "abc" }) { }

    /// <summary>Creates the ABC-text tokenizer from a config whose scheme is "abc".</summary>
    /// <exception cref="ArgumentException">When the config is invalid or its scheme is not "abc".</exception>
    public AbcTextTokenizer(TokenizerConfig config) : this(AbcLayout.Build(Checked(config))) { }

    private AbcTextTokenizer(AbcLayout layout) : base(layout.Config, new Vocabulary(layout.Tokens))
    {
        _l = layout;
        _grammar = new AbcGrammar(layout);
    }

    private static TokenizerConfig Checked(TokenizerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (config.Scheme != "abc") throw new ArgumentException($"AbcTextTokenizer needs scheme \"abc\", got \"{config.Scheme}\"");
        return config;
    }

    /// <inheritdoc />
    public override TokenGrammar Grammar => _grammar;

    /// <summary>
    /// Encodes the melody of a score (the track <see cref="AbcWriter.ChooseMelodyTrack"/> picks) as ABC-text tokens:
    /// BOS, controls, the M/L/K header, the body, EOS.
    /// </summary>
    /// <exception cref="TokenizationException">Reason "unsupported-abc" when the tune has a unit the vocabulary lacks,
    /// "too-many-bars" when it is longer than <see cref="TokenizerConfig.MaxBars"/>, "bad-control" for an unknown or
    /// repeated control token.</exception>
    /// <exception cref="ArgumentNullException">When <paramref name="score"/> is null.</exception>
    public override TokenSequence Encode(Score score, IReadOnlyList<string>? controls = null)
    {
        ArgumentNullException.ThrowIfNull(score);
        return EncodeAbc(AbcWriter.Write(score, new AbcWriteOptions { BarsPerLine = 1 << 20 }), controls);
    }

    /// <summary>
    /// Encodes ABC text as <see cref="AbcWriter"/> writes it (one tune: header fields, then the body). Header fields other
    /// than M, L and K are ignored, as are <c>[Q:...]</c> inline fields; a chord symbol outside the vocabulary is dropped with a warning.
    /// </summary>
    /// <param name="abc">The tune's text.</param>
    /// <param name="controls">Control tokens written right after BOS.</param>
    /// <exception cref="TokenizationException">As for <see cref="Encode"/>.</exception>
    /// <exception cref="ArgumentNullException">When <paramref name="abc"/> is null.</exception>
    public TokenSequence EncodeAbc(string abc, IReadOnlyList<string>? controls = null)
    {
        ArgumentNullException.ThrowIfNull(abc);
        var ids = new List<int> { _l.Bos };
        var warnings = new List<string>();
        var seen = new HashSet<string>();
        foreach (var c in controls ?? [])
        {
            if (!c.StartsWith("Genre_", StringComparison.Ordinal) || !Vocabulary.TryGetId(c, out int cid) || !seen.Add(c))
                throw new TokenizationException("bad-control", $"control token '{c}' is unknown or repeated");
            ids.Add(cid);
        }
        string meter = "4/4", unit = "1/8", key = "C";
        var lines = abc.Replace("\r", "").Split('\n');
        int body = 0;
        for (; body < lines.Length; body++)
        {
            var line = lines[body];
            if (line.Length >= 2 && line[1] == ':' && char.IsAsciiLetter(line[0]))
            {
                string v = line[2..].Trim();
                switch (line[0])
                {
                    case 'M': meter = v; break;
                    case 'L': unit = v; break;
                    case 'K': key = v; body++; goto header_done;
                }
            }
        }
        header_done:
        ids.Add(Need("M:" + meter));
        ids.Add(Need("L:" + unit));
        ids.Add(Need("K:" + key));
        int bars = 0;
        var text = string.Join('\n', lines.Skip(body));
        int i = 0;
        while (i < text.Length)
        {
            char ch = text[i];
            if (char.IsWhiteSpace(ch)) { i++; continue; }
            if (ch == '"')
            {
                int e = text.IndexOf('"', i + 1);
                if (e < 0) throw Unsupported(text[i..], "an unclosed chord symbol");
                string sym = text[(i + 1)..e];
                int slash = sym.IndexOf('/');
                if (slash > 0) sym = sym[..slash];
                if (Vocabulary.TryGetId("\"" + sym + "\"", out int sid)) ids.Add(sid);
                else warnings.Add($"chord symbol \"{text[(i + 1)..e]}\" has no token and was dropped");
                i = e + 1;
                continue;
            }
            if (ch == '[' && i + 2 < text.Length && text[i + 2] == ':' && char.IsAsciiLetter(text[i + 1]))
            {
                int e = text.IndexOf(']', i);
                if (e < 0) throw Unsupported(text[i..], "an unclosed inline field");
                string field = text[(i + 1)..e];
                if (field[0] is 'M' or 'K') ids.Add(Need("[" + field[0] + ":" + field[2..].Trim() + "]"));
                else if (field[0] != 'Q') throw Unsupported(text[i..(e + 1)], "an inline field other than M, K or Q");
                i = e + 1;
                continue;
            }
            if (ch == '[')
            {
                ids.Add(_l.ChordStart);
                i++;
                while (i < text.Length && text[i] != ']')
                {
                    if (text[i] == '-') { ids.Add(_l.Tie); i++; continue; }
                    int s0 = i;
                    int p = ReadPitch(text, ref i);
                    if (p < 0) throw Unsupported(text[s0..Math.Min(text.Length, s0 + 8)], "an unreadable chord note");
                    ids.Add(Need(text[s0..i]));
                }
                if (i >= text.Length) throw Unsupported("[", "an unclosed chord");
                i++;
                var len = ReadLength(text, ref i);
                ids.Add(Need("]" + LengthText(len)));
                continue;
            }
            if (ch == '|')
            {
                if (i + 1 < text.Length && text[i + 1] == ']') { ids.Add(_l.FinalBar); i += 2; }
                else { ids.Add(_l.Bar); i++; }
                if (++bars > Config.MaxBars)
                    throw new TokenizationException("too-many-bars", $"the tune has more than {Config.MaxBars} bars");
                continue;
            }
            if (ch == '-') { ids.Add(_l.Tie); i++; continue; }
            if (ch == '(')
            {
                int s0 = i++;
                while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == ':')) i++;
                ids.Add(Need(text[s0..i]));
                continue;
            }
            if (ch == 'z')
            {
                i++;
                ids.Add(Need("z" + LengthText(ReadLength(text, ref i))));
                continue;
            }
            {
                int s0 = i;
                int p = ReadPitch(text, ref i);
                if (p < 0) throw Unsupported(text[s0..Math.Min(text.Length, s0 + 8)], "an ABC unit the scheme does not know");
                string pitch = text[s0..i];
                ids.Add(Need(pitch + LengthText(ReadLength(text, ref i))));
            }
        }
        ids.Add(_l.Eos);
        return new TokenSequence(ids.ToArray(), warnings, Vocabulary);

        int Need(string token) =>
            Vocabulary.TryGetId(token, out int id) ? id : throw Unsupported(token, "a unit the vocabulary lacks");
    }

    private static TokenizationException Unsupported(string unit, string what) =>
        new("unsupported-abc", $"cannot tokenize '{unit.Trim()}': {what} (see AbcTextTokenizer for what the scheme spells)");

    /// <summary>Reads accidental, letter and octave marks; returns the MIDI pitch or -1 when there is no note letter.</summary>
    private static int ReadPitch(string t, ref int i)
    {
        int start = i, acc = 0;
        while (i < t.Length && t[i] is '^' or '_' or '=')
        {
            acc += t[i] == '^' ? 1 : t[i] == '_' ? -1 : 0;
            i++;
        }
        if (i >= t.Length) { i = start; return -1; }
        char c = t[i];
        int idx = "CDEFGAB".IndexOf(char.ToUpperInvariant(c));
        if (idx < 0 || !char.IsAsciiLetter(c)) { i = start; return -1; }
        i++;
        int pitch = 60 + NaturalPitch[idx] + (char.IsLower(c) ? 12 : 0) + acc;
        while (i < t.Length && t[i] is '\'' or ',') { pitch += t[i] == '\'' ? 12 : -12; i++; }
        return pitch;
    }

    private static readonly int[] NaturalPitch = [0, 2, 4, 5, 7, 9, 11];

    private static (int Num, int Den) ReadLength(string t, ref int i)
    {
        int num = 1, den = 1;
        int s = i;
        while (i < t.Length && char.IsAsciiDigit(t[i])) i++;
        if (i > s && !int.TryParse(t.AsSpan(s, i - s), NumberStyles.None, CultureInfo.InvariantCulture, out num)) num = 0;
        while (i < t.Length && t[i] == '/')
        {
            i++;
            int d0 = i;
            while (i < t.Length && char.IsAsciiDigit(t[i])) i++;
            int d = 2;
            if (i > d0 && !int.TryParse(t.AsSpan(d0, i - d0), NumberStyles.None, CultureInfo.InvariantCulture, out d)) d = 0;
            den = den * d;
        }
        if (num <= 0 || den <= 0) return (0, 1);
        int g = Gcd(num, den);
        return (num / g, den / g);
    }

    private static int Gcd(int a, int b) { while (b != 0) (a, b) = (b, a % b); return a; }

    /// <summary>A length in units as ABC writes it: "" for 1, "2", "/" for 1/2, "/4", "3/2".</summary>
    internal static string LengthText((int Num, int Den) r)
    {
        if (r.Num == 1 && r.Den == 1) return "";
        if (r.Den == 1) return r.Num.ToString(CultureInfo.InvariantCulture);
        if (r.Num == 1 && r.Den == 2) return "/";
        return (r.Num == 1 ? "" : r.Num.ToString(CultureInfo.InvariantCulture)) + "/" + r.Den.ToString(CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public override DecodeResult Decode(ReadOnlySpan<int> ids)
    {
        var text = ToAbc(ids, "Generated", out int errors, out var described);
        return Parse(text, errors, described);
    }

    /// <inheritdoc />
    public override DecodeResult DecodeText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        int unknown = 0;
        var described = new List<string>();
        foreach (var t in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            if (Vocabulary.TryGetId(t, out int id)) ids.Add(id);
            else
            {
                unknown++;
                if (described.Count < DecodeResult.MaxDescribedErrors) described.Add($"unknown token '{t}'");
            }
        }
        var abc = ToAbc(ids.ToArray(), "Generated", out int errors, out var more);
        described.AddRange(more.Take(DecodeResult.MaxDescribedErrors - described.Count));
        return Parse(abc, errors + unknown, described);
    }

    private DecodeResult Parse(string abc, int errors, List<string> described)
    {
        var r = AbcFile.Parse(abc, "generated.abc", new AbcReadOptions { TicksPerQuarter = Config.DecodeTicksPerQuarter });
        if (r.Tunes.Count == 1) return new DecodeResult(r.Tunes[0].Score, errors, described);
        // Cannot happen for text this class writes; counted rather than thrown, as decoding promises.
        if (described.Count < DecodeResult.MaxDescribedErrors)
            described.Add("the ABC text did not parse: " + (r.Errors.Count > 0 ? r.Errors[0].Message : "no tune"));
        return new DecodeResult(new Score(Config.DecodeTicksPerQuarter), errors + 1, described);
    }

    /// <summary>
    /// Writes ids as an ABC tune (X, T, M, L, K, then the body, four bars a line), skipping the tokens the grammar does
    /// not allow where they stand (BOS, controls, PAD and EOS are not written). A chord left open at the end is dropped.
    /// </summary>
    /// <param name="ids">Token ids, BOS first.</param>
    /// <param name="title">The <c>T:</c> field.</param>
    /// <param name="errors">Number of skipped tokens.</param>
    /// <returns>The ABC text, ending with a newline.</returns>
    public string ToAbc(ReadOnlySpan<int> ids, string title, out int errors) => ToAbc(ids, title, out errors, out _);

    private string ToAbc(ReadOnlySpan<int> ids, string title, out int errors, out List<string> described)
    {
        errors = 0;
        described = new List<string>();
        var g = _grammar;
        var state = g.Start();
        string meter = "4/4", unit = "1/8", key = "C";
        var body = new StringBuilder();
        int chordStartAt = -1, barsOnLine = 0;
        // A sequence without BOS (a bare body) is read as if it had one.
        if (ids.Length > 0 && ids[0] != _l.Bos) g.AdvanceUnchecked(ref state, _l.Bos);
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if (!g.IsAllowed(state, id))
            {
                errors++;
                if (described.Count < DecodeResult.MaxDescribedErrors)
                    described.Add($"token {i} {((uint)id < (uint)_l.Count ? "'" + _l.Tokens[id] + "'" : "id " + id)} not allowed in phase {state.Phase}");
                continue;
            }
            g.AdvanceUnchecked(ref state, id);
            var kind = _l.Kinds[id];
            string tok = _l.Tokens[id];
            switch (kind)
            {
                case TokenKind.AbcField:
                    if (tok[0] == 'M') meter = tok[2..];
                    else if (tok[0] == 'L') unit = tok[2..];
                    else if (tok[0] == 'K') key = tok[2..];
                    else body.Append(tok).Append(' ');
                    break;
                case TokenKind.AbcChordStart:
                    chordStartAt = body.Length;
                    body.Append('[');
                    break;
                case TokenKind.AbcNote:
                    body.Append(tok);
                    if (state.Phase != GrammarPhase.AbcChord) body.Append(' ');
                    break;
                case TokenKind.AbcRest:
                    body.Append(tok).Append(' ');
                    break;
                case TokenKind.AbcChordEnd:
                    body.Append(tok).Append(' ');
                    chordStartAt = -1;
                    break;
                case TokenKind.AbcTie:
                    if (body.Length > 0 && body[^1] == ' ') body.Length--;
                    body.Append('-');
                    if (state.Phase != GrammarPhase.AbcChord) body.Append(' ');
                    break;
                case TokenKind.AbcTuplet:
                case TokenKind.AbcChordSymbol:
                    body.Append(tok);
                    break;
                case TokenKind.Bar:
                case TokenKind.AbcFinalBar:
                    body.Append(tok);
                    if (++barsOnLine == 4 || kind == TokenKind.AbcFinalBar) { body.Append('\n'); barsOnLine = 0; }
                    else body.Append(' ');
                    break;
            }
        }
        if (state.Phase == GrammarPhase.AbcChord && chordStartAt >= 0) body.Length = chordStartAt;
        var sb = new StringBuilder();
        sb.Append("X:1\nT:").Append(title.Replace('\n', ' ')).Append('\n');
        sb.Append("M:").Append(meter).Append("\nL:").Append(unit).Append("\nK:").Append(key).Append('\n');
        var b = body.ToString().TrimEnd();
        sb.Append(b.Length > 0 ? b : "z").Append('\n');
        return sb.ToString();
    }
}

/// <summary>The ABC-text vocabulary: token strings, kinds and the ids the grammar needs.</summary>
internal sealed class AbcLayout
{
    public TokenizerConfig Config = null!;
    public readonly List<string> Tokens = new();
    public TokenKind[] Kinds = [];
    public byte[] FieldKind = [];     // AbcField: 1 header M, 2 header L, 3 header K, 4 inline M, 5 inline K
    public bool[] PlainNote = [];     // AbcNote of unit length (usable inside a chord)
    public int[] TupletNotes = [];    // AbcTuplet: how many notes it covers
    public int[] Len48 = [];          // AbcNote, AbcRest, AbcChordEnd: length in 48ths of the unit length
    public int[] MeterNum = [], MeterDen = [];  // AbcField M tokens (header and inline)
    public int[] UnitDen = [];        // AbcField L tokens
    public int Count => Tokens.Count;
    public int Bos, Eos, Bar, FinalBar, Tie, ChordStart;

    public static readonly string[] Qualities =
        ["", "m", "7", "m7", "maj7", "6", "m6", "9", "d", "dim", "dim7", "aug", "+", "sus4", "sus2", "7sus4", "m7b5"];
    public static readonly string[] Roots = ["C", "C#", "Db", "D", "D#", "Eb", "E", "F", "F#", "Gb", "G", "G#", "Ab", "A", "A#", "Bb", "B"];
    public static readonly (int Num, int Den)[] Lengths = BuildLengths();

    private static (int, int)[] BuildLengths()
    {
        var list = new List<(int, int)>();
        for (int k = 1; k <= 16; k++) { int g = Gcd(k, 8); list.Add((k / g, 8 / g)); }
        foreach (var (n, d) in new[] { (5, 2), (3, 1), (7, 2), (4, 1), (5, 1), (6, 1), (7, 1), (8, 1), (12, 1), (14, 1), (16, 1), (24, 1), (28, 1), (32, 1) })
            list.Add((n, d));
        return list.ToArray();
        static int Gcd(int a, int b) { while (b != 0) (a, b) = (b, a % b); return a; }
    }

    /// <summary>Key names as <see cref="AbcWriter"/> writes them, for fifths -7..7 and every mode.</summary>
    public static IEnumerable<string> KeyNames()
    {
        var seen = new HashSet<string>();
        foreach (var (shift, suffix) in new[] { (0, ""), (3, "m"), (2, "dor"), (4, "phr"), (-1, "lyd"), (1, "mix"), (5, "loc"), (3, "aeo") })
            for (int f = -7; f <= 7; f++)
            {
                string k = Tonic(f + shift) + suffix;
                if (seen.Add(k)) yield return k;
            }
        static string Tonic(int fifths)
        {
            int idx = ((fifths + 1) % 7 + 7) % 7;
            int acc = (int)Math.Floor((fifths + 1) / 7.0);
            return "FCGDAEB"[idx] + (acc > 0 ? new string('#', acc) : new string('b', -acc));
        }
    }

    public static IEnumerable<string> Pitches()
    {
        foreach (var acc in new[] { "", "^", "_", "=" })
            foreach (var oct in new[] { ",", "", "lower", "'", "''" })
                foreach (char c in "CDEFGAB")
                    yield return oct switch
                    {
                        "," => acc + c + ",",
                        "" => acc + c,
                        "lower" => acc + char.ToLowerInvariant(c),
                        _ => acc + char.ToLowerInvariant(c) + oct,
                    };
    }

    public static AbcLayout Build(TokenizerConfig config)
    {
        var l = new AbcLayout { Config = config };
        var kinds = new List<TokenKind>();
        var field = new List<byte>();
        var plain = new List<bool>();
        var tuplet = new List<int>();
        var len48 = new List<int>();
        var mNum = new List<int>();
        var mDen = new List<int>();
        var uDen = new List<int>();
        void Add(string t, TokenKind k, byte f = 0, bool p = false, int tn = 0, (int Num, int Den) len = default, (int N, int D) meter = default, int unit = 0)
        {
            l.Tokens.Add(t); kinds.Add(k); field.Add(f); plain.Add(p); tuplet.Add(tn);
            len48.Add(len.Den == 0 ? 0 : len.Num * 48 / len.Den); mNum.Add(meter.N); mDen.Add(meter.D); uDen.Add(unit);
        }
        static (int, int) Meter(string ts)
        {
            int slash = ts.IndexOf('/');
            return (int.Parse(ts[..slash], CultureInfo.InvariantCulture), int.Parse(ts[(slash + 1)..], CultureInfo.InvariantCulture));
        }
        Add(Vocabulary.Pad, TokenKind.Pad); Add(Vocabulary.Bos, TokenKind.Bos); Add(Vocabulary.Eos, TokenKind.Eos); Add(Vocabulary.Mask, TokenKind.Mask);
        foreach (var g in config.Genres) Add("Genre_" + g, TokenKind.Genre);
        foreach (var ts in config.TimeSignatures) Add("M:" + ts, TokenKind.AbcField, 1, meter: Meter(ts));
        foreach (var u in new[] { 4, 8, 16 }) Add("L:1/" + u, TokenKind.AbcField, 2, unit: u);
        var keys = KeyNames().ToList();
        foreach (var k in keys) Add("K:" + k, TokenKind.AbcField, 3);
        foreach (var ts in config.TimeSignatures) Add("[M:" + ts + "]", TokenKind.AbcField, 4, meter: Meter(ts));
        foreach (var k in keys) Add("[K:" + k + "]", TokenKind.AbcField, 5);
        l.Bar = l.Count; Add("|", TokenKind.Bar);
        l.FinalBar = l.Count; Add("|]", TokenKind.AbcFinalBar);
        l.Tie = l.Count; Add("-", TokenKind.AbcTie);
        l.ChordStart = l.Count; Add("[", TokenKind.AbcChordStart);
        foreach (var len in Lengths) Add("]" + AbcTextTokenizer.LengthText(len), TokenKind.AbcChordEnd, len: len);
        Add("(3", TokenKind.AbcTuplet, tn: 3);
        for (int r = 1; r <= 12; r++) if (r != 3) Add("(3:2:" + r, TokenKind.AbcTuplet, tn: r);
        foreach (var root in Roots) foreach (var q in Qualities) Add("\"" + root + q + "\"", TokenKind.AbcChordSymbol);
        foreach (var len in Lengths) Add("z" + AbcTextTokenizer.LengthText(len), TokenKind.AbcRest, len: len);
        foreach (var p in Pitches())
            foreach (var len in Lengths)
                Add(p + AbcTextTokenizer.LengthText(len), TokenKind.AbcNote, p: len == (1, 1), len: len);
        l.Kinds = kinds.ToArray(); l.FieldKind = field.ToArray(); l.PlainNote = plain.ToArray(); l.TupletNotes = tuplet.ToArray();
        l.Len48 = len48.ToArray(); l.MeterNum = mNum.ToArray(); l.MeterDen = mDen.ToArray(); l.UnitDen = uDen.ToArray();
        l.Bos = 1; l.Eos = 2;
        return l;
    }
}

/// <summary>
/// The ABC-text grammar:
/// <code>
/// sequence := BOS Genre_x? M:.. L:.. K:.. body EOS PAD*
/// body     := ((field | element)+ ('|' | '|]'))*               (EOS after a bar line; nothing but EOS after '|]')
/// element  := chord-symbol? (note | rest | '[' note+ ']len') '-'?  |  tuplet-mark (next r elements, no bar line inside)
/// field    := [M:n/d] | [K:key]                                  (not inside a tuplet)
/// </code>
/// Time is counted in the bar from M and L (tuplet notes take 2/3 of their written length): a note, rest or chord that
/// would overflow the bar is not allowed, and a plain bar line <c>|</c> may close a short bar only as the first bar (a
/// pickup) or right before an inline meter change <c>[M:..]</c> (which must then follow); the final <c>|]</c> may close
/// a short bar. An inline field does not follow another of its kind, and no tie follows a field. Bar lines need at least one note, rest or chord in the bar; chords hold
/// at most 8 notes of unit length (the chord's length follows <c>]</c>). This is how <see cref="AbcWriter"/> writes
/// (bars follow the meter, notes crossing a bar line are tied), so every tune it writes is allowed.
/// </summary>
internal sealed class AbcGrammar : TokenGrammar
{
    private readonly AbcLayout _l;

    public AbcGrammar(AbcLayout layout) => _l = layout;

    public override int VocabularySize => _l.Count;

    public override bool BarTokensCloseBars => true;

    public override TokenKind KindOf(int id) =>
        (uint)id < (uint)_l.Count ? _l.Kinds[id] : throw new ArgumentOutOfRangeException(nameof(id));

    public override GrammarState Start() => new() { phase = GrammarPhase.Start, timeSig = -1, position = -1 };

    public override bool IsAllowed(in GrammarState s, int id)
    {
        if ((uint)id >= (uint)_l.Count) return false;
        var kind = _l.Kinds[id];
        switch (s.phase)
        {
            case GrammarPhase.Start: return kind == TokenKind.Bos;
            case GrammarPhase.Prefix: return (kind == TokenKind.Genre && !s.genreSeen) || (kind == TokenKind.AbcField && _l.FieldKind[id] == 1);
            case GrammarPhase.AbcAfterMeter: return kind == TokenKind.AbcField && _l.FieldKind[id] == 2;
            case GrammarPhase.AbcAfterUnit: return kind == TokenKind.AbcField && _l.FieldKind[id] == 3;
            case GrammarPhase.AbcAfterSymbol: return (kind is TokenKind.AbcNote or TokenKind.AbcRest && Fits(s, id)) || kind == TokenKind.AbcChordStart;
            case GrammarPhase.AbcChord:
                return (kind == TokenKind.AbcNote && _l.PlainNote[id] && s.abcChord < 8)
                    || (kind == TokenKind.AbcTie && s.abcTieable)
                    || (kind == TokenKind.AbcChordEnd && s.abcChord > 0 && Fits(s, id));
            case GrammarPhase.AbcBody:
                if (s.abcShort) return kind == TokenKind.AbcField && _l.FieldKind[id] == 4;
                switch (kind)
                {
                    case TokenKind.AbcNote: case TokenKind.AbcRest: return Fits(s, id);
                    case TokenKind.AbcChordStart: case TokenKind.AbcChordSymbol: return Left(s) >= Smallest(s, 1);
                    case TokenKind.AbcTie: return s.abcTieable;
                    case TokenKind.AbcTuplet: return s.abcTuplet == 0 && Left(s) >= MinTuplet * _l.TupletNotes[id];
                    case TokenKind.Bar:
                        return s.abcTuplet == 0 && s.abcTimed > 0 && s.bars < _l.Config.MaxBars;
                    case TokenKind.AbcFinalBar: return s.abcTuplet == 0 && s.abcTimed > 0 && s.bars < _l.Config.MaxBars;
                    case TokenKind.AbcField:
                        return _l.FieldKind[id] >= 4 && s.abcTuplet == 0 && (_l.FieldKind[id] == 5 || s.abcUsed == 0) && s.abcLastField != _l.FieldKind[id];
                    case TokenKind.Eos: return s.abcTimed == 0 && s.bars > 0;
                    default: return false;
                }
            case GrammarPhase.AbcFinal: return kind == TokenKind.Eos;
            case GrammarPhase.End: return kind == TokenKind.Pad;
            default: return false;
        }
    }

    // The shortest length (1/8 unit) is 6; in a triplet 4.
    private const int MinPlain = 6, MinTuplet = 4;

    private static int Left(in GrammarState s) => s.abcBarLen - s.abcUsed;

    /// <summary>Smallest time the next <paramref name="notes"/> elements take (the rest of a tuplet counts too).</summary>
    private static int Smallest(in GrammarState s, int notes) => s.abcTuplet > 0 ? MinTuplet * Math.Max(notes, s.abcTuplet) : MinPlain * notes;

    /// <summary>Time an element of this length takes here (2/3 of it inside a tuplet).</summary>
    private int Takes(in GrammarState s, int id) => s.abcTuplet > 0 ? _l.Len48[id] * 2 / 3 : _l.Len48[id];

    /// <summary>True when the element fits in the bar, leaving room for the rest of its tuplet.</summary>
    private bool Fits(in GrammarState s, int id) =>
        s.abcTuplet > 0 ? Takes(s, id) + MinTuplet * (s.abcTuplet - 1) <= Left(s) : Takes(s, id) <= Left(s);

    private static int BarLength(int num, int den, int unitDen) => (int)Math.Min(int.MaxValue / 4, 48L * num * unitDen / den);

    internal override void AdvanceUnchecked(ref GrammarState s, int id)
    {
        var kind = _l.Kinds[id];
        s.abcLastField = kind == TokenKind.AbcField && _l.FieldKind[id] >= 4 ? _l.FieldKind[id] : (byte)0;
        switch (kind)
        {
            case TokenKind.Bos: s.phase = GrammarPhase.Prefix; break;
            case TokenKind.Genre: s.genreSeen = true; break;
            case TokenKind.Eos: s.phase = GrammarPhase.End; break;
            case TokenKind.AbcField:
                s.phase = _l.FieldKind[id] switch
                {
                    1 => GrammarPhase.AbcAfterMeter,
                    2 => GrammarPhase.AbcAfterUnit,
                    _ => GrammarPhase.AbcBody,
                };
                s.abcTieable = false;
                if (_l.FieldKind[id] == 1) { s.timeSig = id; }
                else if (_l.FieldKind[id] == 2)
                {
                    s.abcUnitDen = _l.UnitDen[id];
                    s.abcBarLen = BarLength(_l.MeterNum[s.timeSig], _l.MeterDen[s.timeSig], s.abcUnitDen);
                }
                else if (_l.FieldKind[id] == 4) { s.timeSig = id; s.abcBarLen = BarLength(_l.MeterNum[id], _l.MeterDen[id], s.abcUnitDen); s.abcShort = false; }
                break;
            case TokenKind.AbcChordSymbol: s.phase = GrammarPhase.AbcAfterSymbol; break;
            case TokenKind.AbcChordStart: s.phase = GrammarPhase.AbcChord; s.abcChord = 0; s.abcTieable = false; break;
            case TokenKind.AbcNote when s.phase == GrammarPhase.AbcChord: s.abcChord++; s.abcTieable = true; break;
            case TokenKind.AbcNote:
            case TokenKind.AbcRest:
            case TokenKind.AbcChordEnd:
                s.phase = GrammarPhase.AbcBody;
                s.abcUsed += Takes(s, id);
                s.abcTimed++;
                if (s.abcTuplet > 0) s.abcTuplet--;
                s.abcTieable = kind != TokenKind.AbcRest;
                break;
            case TokenKind.AbcTie: s.abcTieable = false; break;
            case TokenKind.AbcTuplet: s.abcTuplet = _l.TupletNotes[id]; s.abcTieable = false; break;
            case TokenKind.Bar:
                // A short bar (not the pickup) is only written before a meter change.
                s.abcShort = s.bars > 0 && s.abcUsed < s.abcBarLen;
                s.bars++; s.abcTimed = 0; s.abcUsed = 0; s.abcTieable = false;
                break;
            case TokenKind.AbcFinalBar: s.bars++; s.abcTimed = 0; s.abcUsed = 0; s.abcTieable = false; s.phase = GrammarPhase.AbcFinal; break;
        }
    }

    private protected override string Describe(int id) => (uint)id < (uint)_l.Count ? $"'{_l.Tokens[id]}' ({id})" : $"id {id}";
}
