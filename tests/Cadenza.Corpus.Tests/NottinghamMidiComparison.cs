using System.Text;
using System.Text.RegularExpressions;
using Cadenza.Music;
using Cadenza.Music.Abc;
using Cadenza.Music.Midi;

namespace Cadenza.Corpus.Tests;

/// <summary>
/// The Nottingham melodies against the upstream MIDI renderings (nottingham/midi/&lt;book&gt;&lt;X&gt;.mid, track 0). The ABC is
/// read as the standard says (header P: order, plus the collection's Y: play order), at 1024 ticks per quarter, and both
/// note lists are shifted to start at their first note. A tune matches when every note has the same onset and pitch, with
/// only these documented departures of the upstream converter from ABC 2.1 tolerated, each counted (docs/ABC.md):
/// <list type="bullet">
/// <item>T: a tied note is split: one ABC note may match a run of same-pitch MIDI notes that exactly tile its length;</item>
/// <item>A: an accidental is not carried through the bar: a MIDI pitch may differ from ours when it is the key signature's
/// pitch, ours is not, and an earlier note of our pitch in the same bar matched exactly (the written accidental);</item>
/// <item>C: notes of tied chords are dropped or split: when the tune has chords and fails otherwise, both sides are compared by
/// the top note of each chord;</item>
/// <item>P: a tune with P: parts and no Y: is rendered as its part A only (compared against the tune read with Y:A);</item>
/// <item>R: a :| with no |: after an earlier section goes back to the start of the tune, not to the previous :| or ||
/// (compared against the tune text rewritten to play that way).</item>
/// </list>
/// </summary>
public partial class AbcCorpusTests
{
    [Fact]
    public void NottinghamMelodiesAgainstUpstreamMidi()
    {
        var options = new AbcReadOptions { TicksPerQuarter = 1024, UsePartOrder = true, UseYPlayOrder = true };
        var categories = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        var mismatches = new List<string>();
        int total = 0;
        foreach (var f in Files("nottingham", "abc"))
        {
            string book = Path.GetFileNameWithoutExtension(f);
            string[] lines = File.ReadAllLines(f, Encoding.Latin1);
            foreach (var t in AbcFile.Read(f, options).Tunes)
            {
                string name = book + t.ReferenceNumber;
                string mid = SharedData.Path("nottingham", "midi", name + ".mid");
                Assert.True(File.Exists(mid), mid);
                total++;
                var midi = MidiFile.Read(mid).Score.Tracks[0].Notes.OrderBy(n => n.Onset).ThenBy(n => n.Pitch).ToList();
                string text = TuneText(lines, t.Line);
                var tolerances = new SortedSet<char>();
                string? why = CompareWithChordFallback(t.Score, midi, tolerances);
                if (why != null && Regex.IsMatch(text, @"(?m)^P:") && !Regex.IsMatch(text, @"(?m)^Y:") && Regex.Matches(text, @"(?m)^P:").Count > 1)
                {
                    var partA = Reread(InsertHeaderLine(text, "Y:A"));
                    var tolA = new SortedSet<char> { 'P' };
                    if (partA != null && CompareWithChordFallback(partA, midi, tolA) == null) { why = null; tolerances = tolA; }
                }
                // R, applied to each unopened repeat in turn (the rewritten tune is rewritten again)
                string? rewritten = text;
                for (int pass = 0; why != null && pass < 4 && (rewritten = UpstreamRepeatReading(rewritten!)) != null; pass++)
                {
                    var again = Reread(rewritten);
                    var tolR = new SortedSet<char> { 'R' };
                    if (again != null && CompareWithChordFallback(again, midi, tolR) == null) { why = null; tolerances = tolR; }
                }
                string key = why != null ? "mismatch" : tolerances.Count == 0 ? "exact" : string.Concat(tolerances);
                if (!categories.TryGetValue(key, out var list)) categories[key] = list = new List<string>();
                list.Add(name);
                if (why != null) mismatches.Add($"{name}: {why}");
            }
        }
        int matched = total - mismatches.Count;
        output.WriteLine($"melodies matching the upstream MIDI: {matched}/{total} = {100.0 * matched / total:F1}%");
        output.WriteLine("(T tie split, A accidental not carried through the bar, C top note of chords, P part A only, R unopened repeat to tune start)");
        foreach (var (k, v) in categories) output.WriteLine($"  {k}: {v.Count}" + (k == "exact" ? "" : "  " + string.Join(" ", v)));
        foreach (var x in mismatches) output.WriteLine("  " + x);
        Assert.Equal(935, total);
        Assert.True(matched * 100 >= 98 * total, $"only {matched} of {total} melodies match");

        static Score? Reread(string text)
        {
            var r = AbcFile.Parse(text, "variant.abc", new AbcReadOptions { TicksPerQuarter = 1024, UsePartOrder = true, UseYPlayOrder = true });
            return r.Tunes.Count == 1 ? r.Tunes[0].Score : null;
        }
    }

    /// <summary>The lines of the tune whose X: is on (1-based) line <paramref name="xLine"/>, up to the next X: or blank line.</summary>
    private static string TuneText(string[] lines, int xLine)
    {
        var sb = new StringBuilder();
        for (int i = xLine - 1; i < lines.Length; i++)
        {
            if (i > xLine - 1 && (lines[i].StartsWith("X:", StringComparison.Ordinal) || lines[i].Trim().Length == 0)) break;
            sb.Append(lines[i]).Append('\n');
        }
        return sb.ToString();
    }

    private static string InsertHeaderLine(string tune, string field)
    {
        int k = Regex.Match(tune, @"(?m)^K:").Index;
        return tune[..k] + field + "\n" + tune[k..];
    }

    /// <summary>
    /// Null when the tune has no end repeat without a start after an earlier section; otherwise the tune rewritten so that the
    /// first such <c>:|</c> goes back to the start of the tune, or to its first <c>|:</c> when that comes before any other
    /// repeat sign (the upstream converter's reading): everything up to it is played with its first ending, then everything
    /// again from there with the second ending.
    /// </summary>
    internal static string? UpstreamRepeatReading(string tune)
    {
        var head = Regex.Match(tune, @"(?m)^K:.*\n");
        if (!head.Success) return null;
        string header = tune[..(head.Index + head.Length)], body = tune[(head.Index + head.Length)..];
        // mask chord symbols, comments and field lines so that only bar lines are seen
        var masked = new StringBuilder(body);
        bool quote = false, comment = false, lineStart = true, field = false;
        for (int i = 0; i < masked.Length; i++)
        {
            char c = masked[i];
            if (c == '\n') { quote = comment = field = false; lineStart = true; continue; }
            if (lineStart && i + 1 < masked.Length && char.IsAsciiLetter(c) && masked[i + 1] == ':') field = true;
            lineStart = false;
            if (c == '%') comment = true;
            bool hide = quote || comment || field || c == '"';
            if (c == '"' && !comment && !field) quote = !quote;
            if (hide) masked[i] = ' ';
        }
        string m = masked.ToString();
        int sectionStart = 0, restart = -1;
        bool opened = false;
        foreach (Match tok in Regex.Matches(m, @":\|+:|::|\|+:|:\||\|\||\|\]|\[\|"))
        {
            if (restart < 0) restart = tok.Value.StartsWith('|') && tok.Value.EndsWith(':') ? tok.Index : 0;
            string v = tok.Value;
            bool closes = v.StartsWith(':'), opens = v.EndsWith(':') && v != ":|";
            if (v == "::") closes = opens = true;
            if (closes && !opened && sectionStart > 0)
            {
                int pos = tok.Index;
                int e1 = m.LastIndexOf("[1", pos, pos - sectionStart, StringComparison.Ordinal);
                string rest = body[(pos + v.Length)..];
                if (opens) rest = "|:" + rest;
                string copy1, copy2;
                if (e1 >= 0)
                {
                    copy1 = body[..e1] + body[(e1 + 2)..pos] + "|";
                    int e2 = rest.IndexOf("[2", StringComparison.Ordinal);
                    if (e2 >= 0) rest = rest[..e2] + rest[(e2 + 2)..];
                    copy2 = body[restart..e1] + rest;
                }
                else
                {
                    copy1 = body[..pos] + "|";
                    copy2 = body[restart..pos] + "|" + rest;
                }
                string restore = string.Concat(Regex.Matches(header, @"(?m)^([MLK]):(.*)$").Select(x => $"[{x.Groups[1].Value}:{x.Groups[2].Value.Trim()}]"));
                return header + copy1 + "\n" + restore + "|:" + copy2;
            }
            if (closes) { opened = false; sectionStart = tok.Index + tok.Length; }
            if (opens) opened = true;
            else if (!closes && !opened) sectionStart = tok.Index + tok.Length; // || or |] ends a section
        }
        return null;
    }

    /// <summary>Compare; when that fails and the melody has chords, compare again with every chord reduced to its top note on
    /// both sides (tolerance C: the upstream converter drops notes of tied chords).</summary>
    private static string? CompareWithChordFallback(Score score, List<Note> midi, SortedSet<char> used)
    {
        var first = new SortedSet<char>();
        string? why = Compare(score, midi, first, topOnly: false);
        if (why == null) { used.UnionWith(first); return null; }
        var abc = score.Tracks[0].Notes;
        if (!abc.Zip(abc.Skip(1)).Any(p => p.First.Onset == p.Second.Onset)) return why;
        var second = new SortedSet<char> { 'C' };
        if (Compare(score, midi, second, topOnly: true) != null) return why;
        used.UnionWith(second);
        return null;
    }

    /// <summary>
    /// Null when <paramref name="score"/>'s melody matches <paramref name="midi"/> note for note (onset and pitch, both shifted
    /// to their first note) allowing the departures in <c>T</c>, <c>A</c> and <c>C</c>; the tolerances used are added to
    /// <paramref name="used"/>. Otherwise the first difference.
    /// </summary>
    private static string? Compare(Score score, List<Note> midiNotes, SortedSet<char> used, bool topOnly)
    {
        var abc = score.Tracks[0].Notes.OrderBy(n => n.Onset).ThenBy(n => n.Pitch).ToList();
        var midi = midiNotes;
        if (topOnly) { abc = TopNotes(abc); midi = TopNotes(midi); }
        if (abc.Count == 0 || midi.Count == 0) return $"abc {abc.Count} notes, midi {midi.Count}";
        long a0 = abc[0].Onset, m0 = midi[0].Onset;
        var exactAt = new bool[abc.Count];
        int j = 0;
        for (int i = 0; i < abc.Count; i++)
        {
            var a = abc[i];
            if (j >= midi.Count) return $"the MIDI ends after {j} notes, the ABC has {abc.Count}";
            var mn = midi[j];
            string Where() => $"note {i} at quarter {(a.Onset - a0) / (double)score.TicksPerQuarter:0.###}: abc {a.Pitch}, midi {mn.Pitch} at quarter {(mn.Onset - m0) / (double)score.TicksPerQuarter:0.###}";
            if (a.Onset - a0 != mn.Onset - m0) return Where();
            if (a.Pitch == mn.Pitch) exactAt[i] = true;
            else if (AccidentalNotCarried(score, abc, exactAt, i, mn.Pitch)) used.Add('A');
            else return Where();
            // T: MIDI notes of the same pitch that tile the ABC note are its tied parts
            long end = a.End - a0 + m0, tiled = mn.End;
            j++;
            while (j < midi.Count && midi[j].Pitch == mn.Pitch && midi[j].Onset == tiled && midi[j].Onset < end)
            {
                tiled = midi[j].End;
                j++;
                used.Add('T');
            }
        }
        return j < midi.Count ? $"the ABC ends after {abc.Count} notes, the MIDI has {midi.Count - j} more" : null;
    }

    private static List<Note> TopNotes(List<Note> notes)
    {
        var top = new List<Note>();
        foreach (var n in notes)
            if (top.Count > 0 && top[^1].Onset == n.Onset) { if (n.Pitch > top[^1].Pitch) top[^1] = n; }
            else top.Add(n);
        return top;
    }

    /// <summary>A: the MIDI pitch is the key signature's pitch, ours is not (within a whole tone), and an earlier note of the same
    /// bar has our pitch and matched the MIDI: the accidental written there was not carried to this note.</summary>
    private static bool AccidentalNotCarried(Score score, List<Note> abc, bool[] exactAt, int i, int midiPitch)
    {
        int p = abc[i].Pitch;
        if (Math.Abs(p - midiPitch) > 2) return false;
        int fifths = 0;
        foreach (var k in score.KeySignatures) if (k.Tick <= abc[i].Onset) fifths = k.Fifths;
        var scale = Scale(fifths);
        if (!scale.Contains(((midiPitch % 12) + 12) % 12) || scale.Contains(p % 12)) return false;
        long bar = BarStart(score, abc[i].Onset);
        for (int k = i - 1; k >= 0 && abc[k].Onset >= bar; k--)
            if (abc[k].Pitch == p && exactAt[k]) return true;
        return false;
    }

    private static HashSet<int> Scale(int fifths)
    {
        var pcs = new HashSet<int> { 0, 2, 4, 5, 7, 9, 11 };
        int[] sharps = [5, 0, 7, 2, 9, 4, 11], flats = [11, 4, 9, 2, 7, 0, 5];
        for (int k = 0; k < Math.Min(7, Math.Abs(fifths)); k++)
        {
            int pc = fifths > 0 ? sharps[k] : flats[k];
            pcs.Remove(pc);
            pcs.Add((pc + (fifths > 0 ? 1 : 11)) % 12);
        }
        return pcs;
    }

    private static long BarStart(Score score, long tick)
    {
        long start = 0, barLen = 4L * score.TicksPerQuarter;
        foreach (var ts in score.TimeSignatures)
        {
            if (ts.Tick > tick) break;
            start = ts.Tick;
            barLen = 4L * score.TicksPerQuarter * ts.Numerator / ts.Denominator;
        }
        return barLen <= 0 ? start : start + (tick - start) / barLen * barLen;
    }
}
