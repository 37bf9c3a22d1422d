namespace Cadenza.Music;

/// <summary>A chord symbol understood: root pitch class, the chord's intervals above the root, and the bass pitch class.</summary>
/// <param name="Root">Pitch class of the root, 0 (C) to 11 (B).</param>
/// <param name="Intervals">Semitones above the root of each chord tone, ascending, starting with 0.</param>
/// <param name="Bass">Pitch class of the bass note: the root, or the note after '/'.</param>
public sealed record ChordSymbol(int Root, IReadOnlyList<int> Intervals, int Bass)
{
    // The text after the root (and before any '/bass'), matched whole.
    private static readonly (string Text, int[] Intervals)[] Qualities =
    [
        ("maj7", [0, 4, 7, 11]), ("maj9", [0, 4, 7, 11, 14]), ("M7", [0, 4, 7, 11]),
        ("m7b5", [0, 3, 6, 10]), ("dim7", [0, 3, 6, 9]), ("min7", [0, 3, 7, 10]), ("sus4", [0, 5, 7]), ("sus2", [0, 2, 7]),
        ("7sus4", [0, 5, 7, 10]), ("aug", [0, 4, 8]), ("dim", [0, 3, 6]), ("min", [0, 3, 7]),
        ("m6", [0, 3, 7, 9]), ("m7", [0, 3, 7, 10]), ("m9", [0, 3, 7, 10, 14]), ("mi", [0, 3, 7]),
        ("o7", [0, 3, 6, 9]), ("13", [0, 4, 7, 10, 21]), ("11", [0, 4, 7, 10, 17]),
        ("m", [0, 3, 7]), ("7", [0, 4, 7, 10]), ("6", [0, 4, 7, 9]), ("9", [0, 4, 7, 10, 14]), ("5", [0, 7]),
        ("+", [0, 4, 8]), ("o", [0, 3, 6]), ("d", [0, 3, 6]), ("", [0, 4, 7]),
    ];

    private static readonly int[] NaturalPitchClass = [9, 11, 0, 2, 4, 5, 7]; // A B C D E F G

    /// <summary>
    /// Reads a chord symbol as written in ABC (<c>"G"</c>, <c>"Am"</c>, <c>"D7"</c>, <c>"F#m7"</c>, <c>"Bbmaj7"</c>,
    /// <c>"Edim"</c>, <c>"C/E"</c>; the Nottingham books' lower-case slash bass with <c>+</c> for sharp, <c>"D/f+"</c>, and
    /// <c>d</c> for diminished, <c>"D#d"</c>). Parentheses around the symbol are ignored.
    /// </summary>
    /// <param name="text">The symbol without its quotes.</param>
    /// <param name="chord">The chord, or null.</param>
    /// <returns>False for text that is not a chord this reader knows (annotations, "N.C.", unknown qualities).</returns>
    public static bool TryParse(string text, out ChordSymbol? chord)
    {
        chord = null;
        var s = text.Trim();
        if (s.Length > 2 && s[0] == '(' && s[^1] == ')') s = s[1..^1];
        if (s.Length == 0 || s[0] is < 'A' or > 'G') return false;
        int i = 0;
        int root = ReadPitchClass(s, ref i, upperOnly: true);
        if (root < 0) return false;
        string rest = s[i..], bassText = "";
        int slash = rest.IndexOf('/');
        if (slash >= 0) { bassText = rest[(slash + 1)..]; rest = rest[..slash]; }
        int[]? intervals = null;
        foreach (var (q, iv) in Qualities)
            if (rest == q) { intervals = iv; break; }
        if (intervals == null) return false;
        int bass = root;
        if (bassText.Length > 0)
        {
            int j = 0;
            bass = ReadPitchClass(bassText, ref j, upperOnly: false);
            if (bass < 0 || j != bassText.Length) return false;
        }
        chord = new ChordSymbol(root, intervals, bass);
        return true;
    }

    /// <summary>A letter A-G (or a-g), then '#', 'b', '+' (sharp) or '-' (flat); -1 when there is no letter.</summary>
    private static int ReadPitchClass(string s, ref int i, bool upperOnly)
    {
        if (i >= s.Length) return -1;
        char c = s[i];
        int letter = c is >= 'A' and <= 'G' ? c - 'A' : !upperOnly && c is >= 'a' and <= 'g' ? c - 'a' : -1;
        if (letter < 0) return -1;
        i++;
        int pc = NaturalPitchClass[letter];
        if (i < s.Length && s[i] is '#' or '+') { pc++; i++; }
        else if (i < s.Length && s[i] is '-' or 'b') { pc--; i++; }
        return (pc + 12) % 12;
    }
}

/// <summary>Settings of <see cref="ChordAccompaniment.Add"/>.</summary>
public sealed record AccompanimentOptions
{
    /// <summary>General MIDI program of the accompaniment. Default 24 (acoustic guitar, nylon).</summary>
    public int Program { get; init; } = 24;

    /// <summary>Velocity of the chord notes, 1-127. Default 60.</summary>
    public int Velocity { get; init; } = 60;

    /// <summary>Lowest pitch of the bass note; the bass is the chord's bass pitch class in the octave from here. Default 40 (E2).</summary>
    public int BassFloor { get; init; } = 40;

    /// <summary>Lowest pitch of the chord's root above the bass. Default 53 (F3); the chord is voiced closed upwards from there.</summary>
    public int ChordFloor { get; init; } = 53;
}

/// <summary>What <see cref="ChordAccompaniment.Add"/> did.</summary>
/// <param name="Chords">Chord symbols played.</param>
/// <param name="NotUnderstood">Distinct chord-symbol texts that were not played because <see cref="ChordSymbol.TryParse"/> does not know them.</param>
/// <param name="AlreadyThere">True when the score already had a chord track (<see cref="ChordAccompaniment.TrackName"/>) and nothing was added.</param>
public sealed record AccompanimentReport(int Chords, IReadOnlyList<string> NotUnderstood, bool AlreadyThere = false);

/// <summary>
/// Plays a score's chord symbols (the <see cref="TextKind.Text"/> events an ABC tune's quoted symbols become) as an
/// accompaniment track: each chord is held from its symbol to the next symbol, or to the end of the last note, as a bass
/// note plus the chord voiced closed above it.
/// </summary>
public static class ChordAccompaniment
{
    /// <summary>The name of the track <see cref="Add"/> makes; a score that has one already (a MIDI file written with
    /// <c>--chords</c>) gets no second.</summary>
    public const string TrackName = "Chords";

    /// <summary>
    /// Adds one track named "Chords" to <paramref name="score"/> (on the lowest channel no track uses, never 9), unless the
    /// score has no chord symbol that <see cref="ChordSymbol.TryParse"/> understands or already has a track of that name.
    /// </summary>
    /// <param name="score">The score; changed in place.</param>
    /// <param name="options">Sound and voicing; null for the defaults.</param>
    /// <returns>How many chords were played and which symbols were not understood.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When an option is out of the MIDI range.</exception>
    /// <exception cref="InvalidOperationException">When all fifteen melodic channels are taken.</exception>
    public static AccompanimentReport Add(Score score, AccompanimentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(score);
        var o = options ?? new AccompanimentOptions();
        if (score.Tracks.Any(t => t.Name == TrackName))
            return new AccompanimentReport(0, [], AlreadyThere: true);
        if (o.Program is < 0 or > 127) throw new ArgumentOutOfRangeException(nameof(options), o.Program, "program must be 0..127");
        if (o.Velocity is < 1 or > 127) throw new ArgumentOutOfRangeException(nameof(options), o.Velocity, "velocity must be 1..127");
        if (o.BassFloor is < 0 or > 104 || o.ChordFloor is < 0 or > 92)
            throw new ArgumentOutOfRangeException(nameof(options), "the bass floor must be 0..104 and the chord floor 0..92");

        var symbols = new List<(long Tick, ChordSymbol? Chord)>();
        var unknown = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var t in score.Texts)
        {
            if (t.Kind != TextKind.Text || t.Text.Length == 0) continue;
            if (ChordSymbol.TryParse(t.Text, out var c)) symbols.Add((t.Tick, c));
            else if (t.Text[0] is >= 'A' and <= 'G' || t.Text.StartsWith("N.C.", StringComparison.Ordinal)) { symbols.Add((t.Tick, null)); if (t.Text[0] != 'N') unknown.Add(t.Text); }
        }
        long end = score.EndTick;
        symbols.Sort((a, b) => a.Tick.CompareTo(b.Tick));
        var track = new Track { Name = TrackName, Program = o.Program };
        int played = 0;
        for (int k = 0; k < symbols.Count; k++)
        {
            var (tick, chord) = symbols[k];
            long until = k + 1 < symbols.Count ? symbols[k + 1].Tick : end;
            if (chord == null || until <= tick || tick >= end) continue;
            long dur = until - tick;
            int bass = o.BassFloor + (chord.Bass - o.BassFloor % 12 + 12) % 12;
            int root = o.ChordFloor + (chord.Root - o.ChordFloor % 12 + 12) % 12;
            var pitches = new SortedSet<int> { bass };
            foreach (int iv in chord.Intervals) pitches.Add(Math.Min(127, root + iv % 12 + (iv >= 12 ? 12 : 0)));
            foreach (int p in pitches) track.Notes.Add(new Note(tick, dur, p, o.Velocity));
            played++;
        }
        if (played == 0) return new AccompanimentReport(0, unknown.ToList());
        var used = new HashSet<int>();
        foreach (var t in score.Tracks) used.Add(t.Channel);
        int channel = Enumerable.Range(0, 16).FirstOrDefault(c => c != 9 && !used.Contains(c), -1);
        if (channel < 0) throw new InvalidOperationException("every melodic MIDI channel is taken; there is none left for the chords");
        track.Channel = channel;
        track.Normalize();
        score.Tracks.Add(track);
        return new AccompanimentReport(played, unknown.ToList());
    }
}
