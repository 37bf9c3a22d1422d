namespace Cadenza.Music.Abc;

internal sealed partial class AbcTuneParser
{
    private void BuildScore()
    {
        _score.Title = _tune.TitleList.Count > 0 ? _tune.TitleList[0] : null;
        _score.Composer = _tune.Composer;
        var voices = _voices.Where(v => v.HasMusic).ToList();
        if (voices.Count == 0)
        {
            Warn("the tune has no music");
            _score.Tracks.Add(new Track { Name = "melody" });
            if (_headerDone && _keySeen) _score.KeySignatures.Add(_tuneKey.ToSignature(0));
            if (!_tuneMeter.IsFree) _score.TimeSignatures.Add(new TimeSignature(0, _tuneMeter.Num, _tuneMeter.Den));
            return;
        }
        long noteBudget = _opt.MaxNotesPerTune;
        var playedByVoice = voices.Select(v => Unroll(ApplyPartOrder(v.Items))).ToList();
        var pickupShift = PickupShift(playedByVoice[0]);
        for (int vi = 0; vi < voices.Count; vi++)
        {
            var v = voices[vi];
            int channel = vi < 9 ? vi : vi + 1;
            var track = new Track
            {
                Name = voices.Count == 1 && v.Id == "" ? "melody" : v.Name ?? v.Id,
                Channel = Math.Min(channel, 15),
            };
            _score.Tracks.Add(track);
            Emit(playedByVoice[vi], vi, track, pickupShift, ref noteBudget);
            track.Normalize();
        }
        _score.Normalize();
    }

    /// <summary>Header P: (e.g. "AABB", "(AB)3C") reorders the parts marked by P: in the body; without it, or
    /// when the body has no part labels, the written order is played.</summary>
    private List<Item> ApplyPartOrder(List<Item> items)
    {
        string? orderText = _opt.UseYPlayOrder && !string.IsNullOrWhiteSpace(_yOrder) ? _yOrder
            : _opt.UsePartOrder ? _partOrder : null;
        if (string.IsNullOrWhiteSpace(orderText)) return items;
        var parts = new Dictionary<string, List<Item>>();
        var prelude = new List<Item>();
        List<Item> cur = prelude;
        foreach (var it in items)
        {
            if (it.Kind == ItemKind.Part && it.Text is { Length: > 0 } label)
            {
                string key = label[..1];
                if (!parts.TryGetValue(key, out var list)) parts[key] = list = new List<Item>();
                cur = list;
                cur.Add(it);
                continue;
            }
            cur.Add(it);
        }
        if (parts.Count == 0)
        {
            // Nottingham convention: with a Y: play order, P: always names a part; a header P: naming one part and no part
            // labels in the body make the whole body that part (P:A with Y:AA plays the body twice)
            bool yOrder = _opt.UseYPlayOrder && !string.IsNullOrWhiteSpace(_yOrder);
            string header = _partOrder?.Trim() ?? "";
            if (!yOrder || header.Length != 1 || !char.IsAsciiLetterUpper(header[0])) return items;
            parts[header] = new List<Item>(items);
            prelude.Clear();
        }
        var order = ExpandPartOrder(orderText);
        if (order == null || order.Count == 0) { Warn($"unreadable part order {orderText}; parts played as written"); return items; }
        var result = new List<Item>(prelude);
        long total = 0;
        foreach (var p in order)
        {
            if (!parts.TryGetValue(p, out var list)) { Warn($"part {p} named in the play order {orderText} is not in the tune"); continue; }
            total += list.Count;
            if (total > 5_000_000) throw Error("part order expands to too many items");
            result.AddRange(list);
        }
        return result;
    }

    private static List<string>? ExpandPartOrder(string order)
    {
        int i = 0;
        var r = ExpandSeq(order, ref i, 0);
        return r;

        static List<string>? ExpandSeq(string s, ref int i, int depth)
        {
            if (depth > 10) return null;
            var list = new List<string>();
            while (i < s.Length && s[i] != ')')
            {
                char c = s[i];
                List<string> unit;
                if (c == '(')
                {
                    i++;
                    var inner = ExpandSeq(s, ref i, depth + 1);
                    if (inner == null) return null;
                    if (i < s.Length && s[i] == ')') i++;
                    unit = inner;
                }
                else if (char.IsAsciiLetterUpper(c)) { unit = new List<string> { c.ToString() }; i++; }
                else { i++; continue; }
                int n = 0;
                bool hasN = false;
                while (i < s.Length && char.IsAsciiDigit(s[i])) { n = Math.Min(n * 10 + (s[i] - '0'), 100); hasN = true; i++; }
                if (!hasN) n = 1;
                for (int k = 0; k < n; k++) list.AddRange(unit);
                if (list.Count > 10000) return null;
            }
            return list;
        }
    }

    /// <summary>Expands repeats and numbered endings into playing order.</summary>
    private List<Item> Unroll(List<Item> items)
    {
        var output = new List<Item>(items.Count);
        int pos = 0, pass = 1, sectionStart = 0;
        bool openStart = false, inEnding = false;
        long steps = 0, limit = 200L * items.Count + 10_000;
        while (pos < items.Count)
        {
            if (++steps > limit) throw Error("repeat structure does not terminate");
            var it = items[pos];
            switch (it.Kind)
            {
                case ItemKind.RepeatStart:
                    sectionStart = pos + 1;
                    pass = 1;
                    openStart = true;
                    inEnding = false;
                    pos++;
                    break;
                case ItemKind.RepeatEnd:
                {
                    int passes = PassesFor(items, sectionStart, pos);
                    if (pass < passes)
                    {
                        pass++;
                        pos = sectionStart;
                        inEnding = false;
                        output.Add(new Item(ItemKind.Bar, it.Line));
                        break;
                    }
                    int next = pos + 1;
                    while (next < items.Count && items[next].Kind == ItemKind.Bar) next++;
                    bool endingFollows = next < items.Count && items[next].Kind == ItemKind.Ending;
                    if (!endingFollows) pass = 1;
                    sectionStart = pos + 1;
                    openStart = false;
                    pos++;
                    break;
                }
                case ItemKind.Ending:
                    if (Array.IndexOf(it.Endings!, pass) >= 0)
                    {
                        inEnding = true;
                        pos++;
                        break;
                    }
                    {
                        int j = pos + 1;
                        while (j < items.Count)
                        {
                            var k = items[j].Kind;
                            if (k == ItemKind.Ending || k == ItemKind.SectionBar || k == ItemKind.RepeatStart || k == ItemKind.Part) break;
                            if (k == ItemKind.RepeatEnd) { j++; break; }
                            // keep the key, meter and tempo the skipped ending would have set
                            j++;
                        }
                        pos = j;
                    }
                    break;
                case ItemKind.SectionBar or ItemKind.Part:
                    if (inEnding || !openStart)
                    {
                        sectionStart = pos + 1;
                        pass = 1;
                        inEnding = false;
                        openStart = false;
                    }
                    output.Add(it);
                    pos++;
                    break;
                default:
                    output.Add(it);
                    pos++;
                    break;
            }
        }
        return output;
    }

    private static int PassesFor(List<Item> items, int sectionStart, int endPos)
    {
        int passes = 2;
        for (int j = sectionStart; j < items.Count; j++)
        {
            var k = items[j].Kind;
            if (j > sectionStart && k == ItemKind.RepeatStart) break;
            if (j > endPos && (k == ItemKind.SectionBar || k == ItemKind.Part)) break;
            if (j > endPos && k == ItemKind.RepeatEnd)
            {
                // a later repeat end belongs to this section only when an ending lies between
                bool ending = false;
                for (int m = endPos + 1; m < j; m++) if (items[m].Kind == ItemKind.Ending) ending = true;
                if (!ending) break;
            }
            if (k == ItemKind.Ending) foreach (int n in items[j].Endings!) passes = Math.Max(passes, n);
        }
        return Math.Min(passes, 100);
    }

    /// <summary>
    /// An incomplete first bar (an anacrusis or pickup, like <c>A|</c> before a 6/8 tune) is placed at the end of a
    /// whole first bar, so that the score's bars fall where the ABC bar lines are: returns the time to shift by (bar length
    /// minus pickup length), or zero when the music before the first bar line that more music follows is a whole bar (or
    /// longer), the meter is free, or there is no such bar line.
    /// </summary>
    private static Rational PickupShift(List<Item> played)
    {
        var t = Rational.Zero;
        Meter meter = Meter.Absent;
        for (int i = 0; i < played.Count; i++)
        {
            var it = played[i];
            switch (it.Kind)
            {
                case ItemKind.Meter:
                    if (t.IsZero) meter = it.Meter;
                    break;
                case ItemKind.Note or ItemKind.Rest:
                    t += it.Length;
                    break;
                case ItemKind.Overlay:
                    return Rational.Zero;
                case ItemKind.Bar or ItemKind.SectionBar or ItemKind.RepeatStart or ItemKind.RepeatEnd or ItemKind.Ending or ItemKind.Part:
                    // a part label ends the part before it like a bar line does (a lone pickup part: "P:S\nd3\nP:A\n...")
                    if (!t.IsPositive) break;
                    bool more = false;
                    for (int j = i + 1; j < played.Count && !more; j++) more = played[j].Kind is ItemKind.Note or ItemKind.Rest;
                    if (!more || meter.IsFree) return Rational.Zero;
                    var bar = meter.BarLength;
                    return t < bar ? bar - t : Rational.Zero;
            }
        }
        return Rational.Zero;
    }

    /// <summary>Turns the played items into timed notes, ties, maps, lyrics, chord symbols and grace notes.</summary>
    private void Emit(List<Item> played, int trackIndex, Track track, Rational start, ref long noteBudget)
    {
        var t = start;
        bool timed = false;
        // voice overlay (&): notes after it restart at the bar's start; the next bar line returns to where the bar ended
        var barStart = start;
        Rational? overlayEnd = null;
        var openTies = new Dictionary<int, int>();
        var notes = track.Notes;
        long graceLen = _ticksPerWhole / 32;
        foreach (var it in played)
        {
            _lineNo = it.Line;
            switch (it.Kind)
            {
                case ItemKind.Note:
                {
                    timed = true;
                    long onset = t.ToTicks(_ticksPerWhole);
                    var newOpen = new Dictionary<int, int>();
                    foreach (var p in it.Parts!)
                    {
                        if (!p.Length.IsPositive) { Warn("note of zero length skipped"); continue; }
                        long end = (t + p.Length).ToTicks(_ticksPerWhole);
                        int idx;
                        if (openTies.Remove(p.Pitch, out idx))
                            notes[idx] = notes[idx] with { Duration = Math.Max(notes[idx].Duration, end - notes[idx].Onset) };
                        else
                        {
                            if (--noteBudget < 0) throw Error($"more than {_opt.MaxNotesPerTune} notes after unrolling repeats");
                            notes.Add(new Note(onset, Math.Max(0, end - onset), p.Pitch, _opt.Velocity));
                            idx = notes.Count - 1;
                        }
                        if (p.Tie) newOpen[p.Pitch] = idx;
                    }
                    foreach (var (pitch, _) in openTies)
                        Warn($"tie from pitch {pitch} is not followed by the same pitch; the note keeps its length");
                    openTies = newOpen;
                    if (it.Graces is { Count: > 0 } g)
                    {
                        long principal = it.Length.ToTicks(_ticksPerWhole);
                        long len = Math.Min(graceLen, principal / (2 * g.Count));
                        for (int k = 0; k < g.Count; k++)
                            _tune.GraceList.Add(new AbcGraceNote(onset, g[k], len, k, it.Acciaccatura, trackIndex));
                    }
                    if (it.Lyric != null) _score.Texts.Add(new TextEvent(onset, TextKind.Lyric, it.Lyric));
                    t += it.Length;
                    break;
                }
                case ItemKind.Overlay:
                    overlayEnd = overlayEnd is Rational oe && oe > t ? oe : t;
                    t = barStart;
                    openTies.Clear();
                    break;
                case ItemKind.Bar or ItemKind.SectionBar:
                    if (overlayEnd is Rational end0)
                    {
                        t = end0;
                        overlayEnd = null;
                    }
                    barStart = t;
                    break;
                case ItemKind.Rest:
                    timed = true;
                    if (openTies.Count > 0)
                    {
                        Warn("tie followed by a rest; the tied note keeps its length");
                        openTies.Clear();
                    }
                    t += it.Length;
                    break;
                case ItemKind.Key when trackIndex == 0:
                {
                    var ks = it.Key!.ToSignature(timed ? t.ToTicks(_ticksPerWhole) : 0);
                    var list = _score.KeySignatures;
                    if (list.Count > 0 && list[^1].Tick == ks.Tick) list[^1] = ks;
                    else if (list.Count == 0 || list[^1] with { Tick = ks.Tick } != ks) list.Add(ks);
                    break;
                }
                case ItemKind.Meter when trackIndex == 0:
                {
                    if (it.Meter.IsFree) break;
                    var ts = new TimeSignature(timed ? t.ToTicks(_ticksPerWhole) : 0, it.Meter.Num, it.Meter.Den);
                    var list = _score.TimeSignatures;
                    if (list.Count > 0 && list[^1].Tick == ts.Tick) list[^1] = ts;
                    else if (list.Count == 0 || list[^1] with { Tick = ts.Tick } != ts) list.Add(ts);
                    break;
                }
                case ItemKind.Tempo:
                {
                    var tc = TempoChange.FromBpm(timed ? t.ToTicks(_ticksPerWhole) : 0, it.Bpm);
                    var list = _score.Tempos;
                    if (list.Count > 0 && list[^1].Tick == tc.Tick) list[^1] = tc;
                    else if (list.Count == 0 || list[^1].MicrosecondsPerQuarter != tc.MicrosecondsPerQuarter) list.Add(tc);
                    break;
                }
                case ItemKind.ChordSymbol:
                {
                    long tick = t.ToTicks(_ticksPerWhole);
                    _tune.ChordList.Add(new AbcChordSymbol(tick, it.Text!, trackIndex));
                    _score.Texts.Add(new TextEvent(tick, TextKind.Text, it.Text!));
                    break;
                }
            }
        }
        foreach (var (pitch, _) in openTies)
            Warn($"tie from pitch {pitch} at the end of the music has no note to join");
    }
}
