namespace Cadenza.Music.Abc;

/// <summary>Options for <see cref="AbcFile"/> reading.</summary>
public sealed class AbcReadOptions
{
    /// <summary>Time base of the scores produced (default 480, which makes every length down to 1/64,
    /// triplets and sextuplets exact). Lengths that do not fall on a tick are rounded to the nearest one;
    /// onsets and ends are rounded separately, so rounding never accumulates.</summary>
    public int TicksPerQuarter { get; init; } = 480;

    /// <summary>Velocity given to every note (ABC has no dynamics we interpret); default 80.</summary>
    public int Velocity { get; init; } = 80;

    /// <summary>When true (the default, as the standard says), a <c>P:</c> field in the tune header gives the order in which
    /// the parts marked by <c>P:</c> in the body are played; when false the parts are played as written.
    /// The non-standard <c>Y:</c> field is used only when <see cref="UseYPlayOrder"/> is set.</summary>
    public bool UsePartOrder { get; init; } = true;

    /// <summary>When true, a <c>Y:</c> field in the tune header (the Nottingham Music Database's non-standard play order,
    /// e.g. <c>Y:AABB</c>) gives the part order, taking precedence over a header <c>P:</c>. Default false.</summary>
    public bool UseYPlayOrder { get; init; }

    /// <summary>Largest number of notes one tune may produce after repeats are unrolled (default 2,000,000);
    /// a tune above it is rejected rather than allocating without bound.</summary>
    public int MaxNotesPerTune { get; init; } = 2_000_000;
}

/// <summary>A grace note, kept apart from the score's notes so that the main notes' timing stays exact.</summary>
/// <param name="Tick">Onset of the principal note the grace note leads into (the grace note sounds just before or on it).</param>
/// <param name="Pitch">MIDI pitch.</param>
/// <param name="Duration">Suggested length in ticks if played: a fixed 1/32 note, cut so that a group never takes more than
/// half of its principal note.</param>
/// <param name="Order">Position inside its group (0 = first).</param>
/// <param name="IsAcciaccatura">True for a slashed group <c>{/e}</c>.</param>
/// <param name="Track">Index of the track (voice) the principal note belongs to.</param>
public readonly record struct AbcGraceNote(long Tick, int Pitch, long Duration, int Order, bool IsAcciaccatura, int Track);

/// <summary>A chord symbol written in double quotes (<c>"Am"</c>, <c>"D7/f#"</c>), at the onset of the note or rest it precedes.</summary>
/// <param name="Tick">Where it applies.</param>
/// <param name="Text">The symbol as written.</param>
/// <param name="Track">Index of the track (voice) it was written in.</param>
public readonly record struct AbcChordSymbol(long Tick, string Text, int Track);

/// <summary>One tune of an ABC file, read into a <see cref="Music.Score"/>.</summary>
public sealed class AbcTune
{
    internal AbcTune(Score score) { Score = score; }

    /// <summary>The <c>X:</c> reference number as written ("" when the field is empty).</summary>
    public string ReferenceNumber { get; internal set; } = "";

    /// <summary>All <c>T:</c> titles in order (the first is also <see cref="Score.Title"/>).</summary>
    public IReadOnlyList<string> Titles => TitleList;
    internal List<string> TitleList { get; } = new();

    /// <summary>The first <c>C:</c> field, or null.</summary>
    public string? Composer { get; internal set; }

    /// <summary>The meter in force when the music starts, as written (<c>"6/8"</c>, <c>"C|"</c>, <c>"none"</c>), "" when absent.</summary>
    public string Meter { get; internal set; } = "";

    /// <summary>The unit note length in force when the music starts (<c>"1/8"</c>), explicit or the standard's default.</summary>
    public string UnitLength { get; internal set; } = "1/8";

    /// <summary>The key in force when the music starts, as written in the last <c>K:</c> before it (<c>"Dmin"</c>); "" when the tune has none.</summary>
    public string Key { get; internal set; } = "";

    /// <summary>Line number (1-based) of the <c>X:</c> field in the file.</summary>
    public int Line { get; internal set; }

    /// <summary>The music: one track per voice (a single track named "melody" when the tune has no <c>V:</c> fields),
    /// repeats and endings unrolled in playing order; tempo, meter and key maps; lyrics as <see cref="TextKind.Lyric"/>
    /// texts and chord symbols as <see cref="TextKind.Text"/> texts.</summary>
    public Score Score { get; }

    /// <summary>Grace notes (not in <see cref="Score"/>), in playing order.</summary>
    public IReadOnlyList<AbcGraceNote> GraceNotes => GraceList;
    internal List<AbcGraceNote> GraceList { get; } = new();

    /// <summary>Chord symbols in playing order (the same texts are also in <see cref="Score.Texts"/>).</summary>
    public IReadOnlyList<AbcChordSymbol> ChordSymbols => ChordList;
    internal List<AbcChordSymbol> ChordList { get; } = new();

    /// <summary>What was repaired, guessed or ignored while reading, each naming the line.</summary>
    public IReadOnlyList<string> Warnings => WarningList;
    internal List<string> WarningList { get; } = new();

    /// <summary>Why the input holds no tune at all ("empty file (0 bytes)", "not a text file ...", "no tune (X: field)
    /// found"), or null when it holds tunes (read or not).</summary>
    public string? NoTuneReason { get; internal set; }

    /// <inheritdoc />
    public override string ToString() => $"X:{ReferenceNumber} {(TitleList.Count > 0 ? TitleList[0] : "")} notes={Score.NoteCount}";
}

/// <summary>The result of reading an ABC file: the tunes that could be read, the errors of those that could not,
/// and warnings about the file as a whole.</summary>
public sealed class AbcParseResult
{
    internal AbcParseResult(string sourceName) { SourceName = sourceName; }

    /// <summary>The file name or label given when reading.</summary>
    public string SourceName { get; }

    /// <summary>The tunes read, in file order.</summary>
    public IReadOnlyList<AbcTune> Tunes => TuneList;
    internal List<AbcTune> TuneList { get; } = new();

    /// <summary>One error per tune that could not be read (the other tunes are unaffected). Each message names the file,
    /// the tune (X and title) and the line.</summary>
    public IReadOnlyList<MusicFormatException> Errors => ErrorList;
    internal List<MusicFormatException> ErrorList { get; } = new();

    /// <summary>Warnings outside any tune (free text, decoding fallbacks).</summary>
    public IReadOnlyList<string> Warnings => WarningList;
    internal List<string> WarningList { get; } = new();

    /// <summary>Why the input holds no tune at all ("empty file (0 bytes)", "not a text file ...", "no tune (X: field)
    /// found"), or null when it holds tunes (read or not).</summary>
    public string? NoTuneReason { get; internal set; }
}
