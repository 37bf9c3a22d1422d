namespace Cadenza.Tokens;

/// <summary>The kind of a token, the part of its string before the underscore.</summary>
public enum TokenKind : byte
{
    /// <summary><c>PAD</c>, id 0: padding after EOS.</summary>
    Pad,
    /// <summary><c>BOS</c>: start of sequence.</summary>
    Bos,
    /// <summary><c>EOS</c>: end of sequence.</summary>
    Eos,
    /// <summary><c>MASK</c>: for masked training objectives; never valid in a sequence.</summary>
    Mask,
    /// <summary><c>Genre_x</c>: a control token in the prefix after BOS.</summary>
    Genre,
    /// <summary><c>Bar_None</c>: a new bar starts.</summary>
    Bar,
    /// <summary><c>TimeSig_n/d</c>: the time signature from this bar on (right after <c>Bar_None</c>).</summary>
    TimeSig,
    /// <summary><c>Position_k</c>: grid position k within the bar.</summary>
    Position,
    /// <summary><c>Tempo_x</c>: tempo from this position on, in BPM.</summary>
    Tempo,
    /// <summary><c>Program_p</c>: instrument of the next note (-1 = drums).</summary>
    Program,
    /// <summary><c>Pitch_n</c>: MIDI pitch, or drum key after <c>Program_-1</c>.</summary>
    Pitch,
    /// <summary><c>Velocity_v</c>: velocity bin of the note.</summary>
    Velocity,
    /// <summary><c>Duration_b.p.r</c>: note length, b + p/r quarter notes.</summary>
    Duration,
    /// <summary>ABC scheme: a header field (<c>M:6/8</c>, <c>L:1/8</c>, <c>K:Dmix</c>) or an inline field (<c>[M:3/4]</c>, <c>[K:G]</c>).</summary>
    AbcField,
    /// <summary>ABC scheme: a note with its accidental, octave and length (<c>^c'3/2</c>).</summary>
    AbcNote,
    /// <summary>ABC scheme: a rest with its length (<c>z2</c>).</summary>
    AbcRest,
    /// <summary>ABC scheme: <c>[</c>, the start of a chord of notes.</summary>
    AbcChordStart,
    /// <summary>ABC scheme: <c>]</c> with the chord's length (<c>]2</c>).</summary>
    AbcChordEnd,
    /// <summary>ABC scheme: <c>-</c>, a tie to the next note of the same pitch.</summary>
    AbcTie,
    /// <summary>ABC scheme: a tuplet mark (<c>(3</c>, <c>(3:2:4</c>).</summary>
    AbcTuplet,
    /// <summary>ABC scheme: a chord symbol in double quotes (<c>"Am"</c>).</summary>
    AbcChordSymbol,
    /// <summary>ABC scheme: <c>|]</c>, the final bar line.</summary>
    AbcFinalBar,
}

/// <summary>Where a <see cref="GrammarState"/> stands in the token grammar.</summary>
public enum GrammarPhase : byte
{
    /// <summary>Nothing read yet: only BOS may come.</summary>
    Start,
    /// <summary>After BOS and any control tokens.</summary>
    Prefix,
    /// <summary>Right after <c>Bar_None</c>.</summary>
    BarStart,
    /// <summary>After the bar's <c>TimeSig</c>.</summary>
    AfterTimeSig,
    /// <summary>After a <c>Position</c> with nothing yet at it.</summary>
    AfterPosition,
    /// <summary>After the position's <c>Tempo</c>.</summary>
    AfterTempo,
    /// <summary>After <c>Program</c>: a pitch must follow.</summary>
    AfterProgram,
    /// <summary>After <c>Pitch</c>: a velocity must follow.</summary>
    AfterPitch,
    /// <summary>After <c>Velocity</c>: a duration must follow.</summary>
    AfterVelocity,
    /// <summary>After a complete note.</summary>
    AfterDuration,
    /// <summary>After EOS: only PAD may follow.</summary>
    End,
    /// <summary>ABC scheme: after the <c>M:</c> header token (<c>L:</c> must follow).</summary>
    AbcAfterMeter,
    /// <summary>ABC scheme: after the <c>L:</c> header token (<c>K:</c> must follow).</summary>
    AbcAfterUnit,
    /// <summary>ABC scheme: in the tune body.</summary>
    AbcBody,
    /// <summary>ABC scheme: after a chord symbol (a note, rest or chord must follow).</summary>
    AbcAfterSymbol,
    /// <summary>ABC scheme: inside <c>[...]</c>.</summary>
    AbcChord,
    /// <summary>ABC scheme: after the final bar line <c>|]</c> (only EOS may follow).</summary>
    AbcFinal,
}

/// <summary>
/// The state of the incremental grammar after some tokens, including the musical time it implies
/// (bar start and length in grid positions). A small value type: copy it freely.
/// </summary>
public struct GrammarState
{
    internal GrammarPhase phase;
    internal bool genreSeen;
    internal int bars;
    internal int timeSig;     // index into the time-signature table, -1 = default 4/4
    internal int barLength;   // nominal bar length of the current time signature, in grid positions
    internal int position;    // current position in the bar, -1 before the first Position
    internal long barStart;   // grid position of the current bar's start
    internal int program;     // -1 drums, else 0-127
    internal int pitch;
    internal int velocity;    // velocity bin index
    internal int abcTuplet;   // ABC: notes still to come in the current tuplet
    internal int abcTimed;    // ABC: notes, rests and chords in the current bar
    internal int abcChord;    // ABC: notes in the open chord
    internal bool abcTieable; // ABC: the last token was a note or a chord end (a tie may follow)
    internal int abcUnitDen;  // ABC: the unit length is 1/abcUnitDen
    internal int abcBarLen;   // ABC: bar length in 48ths of the unit
    internal int abcUsed;     // ABC: time used in the current bar, in 48ths of the unit
    internal bool abcShort;   // ABC: a short bar was just closed; a meter change must follow
    internal byte abcLastField; // ABC: the field kind of the previous token when it was an inline field (4 M, 5 K), else 0

    /// <summary>Where the state stands in the grammar.</summary>
    public readonly GrammarPhase Phase => phase;

    /// <summary>
    /// ABC: time left in the current bar by the meter, in 48ths of the unit note length (0 when the bar is full; always 0
    /// for other grammars). A generator can use it to close only full bars.
    /// </summary>
    public readonly int AbcTimeLeft => abcBarLen > abcUsed ? abcBarLen - abcUsed : 0;
    /// <summary>Number of <c>Bar_None</c> tokens read.</summary>
    public readonly int Bars => bars;
    /// <summary>Current position within the bar in grid positions (-1 before the first <c>Position</c> of the bar).</summary>
    public readonly int Position => position;
    /// <summary>Grid position (from the start of the piece) where the current bar starts.</summary>
    public readonly long BarStart => barStart;
    /// <summary>Length of a bar of the current time signature, in grid positions.</summary>
    public readonly int BarLength => barLength;
    /// <summary>Program of the note being read (-1 drums).</summary>
    public readonly int Program => program;
}

/// <summary>
/// A token grammar as an incremental state machine ("what may follow what"), one per tokenization scheme: used by the
/// grammar-safe decoder (tokens that are not allowed are skipped and counted) and by generation (the logits of tokens
/// that are not allowed are masked).
/// </summary>
public abstract class TokenGrammar
{
    /// <summary>Number of token ids the grammar ranges over (the vocabulary size).</summary>
    public abstract int VocabularySize { get; }

    /// <summary>The kind of a token id.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When the id is outside the vocabulary.</exception>
    public abstract TokenKind KindOf(int id);

    /// <summary>The state before any token: only BOS is allowed.</summary>
    public abstract GrammarState Start();

    /// <summary>True when token <paramref name="id"/> may follow in <paramref name="state"/> (false for ids outside the vocabulary).</summary>
    public abstract bool IsAllowed(in GrammarState state, int id);

    /// <summary>
    /// True when bar tokens close bars (ABC's <c>|</c>, counted after the bar's music) rather than open them
    /// (REMI's <c>Bar_None</c>, written before it). <see cref="GrammarState.Bars"/> counts bar tokens either way.
    /// </summary>
    public virtual bool BarTokensCloseBars => false;

    /// <summary>True when <paramref name="id"/> is a bar line token (<see cref="TokenKind.Bar"/> or <see cref="TokenKind.AbcFinalBar"/>).</summary>
    public bool IsBarToken(int id) => (uint)id < (uint)VocabularySize && KindOf(id) is TokenKind.Bar or TokenKind.AbcFinalBar;

    /// <summary>Sets <c>allowed[id]</c> to whether each token id may follow in <paramref name="state"/>.</summary>
    /// <exception cref="ArgumentException">When <paramref name="allowed"/> is shorter than the vocabulary.</exception>
    public void FillMask(in GrammarState state, Span<bool> allowed)
    {
        int n = VocabularySize;
        if (allowed.Length < n) throw new ArgumentException($"mask needs {n} entries, got {allowed.Length}", nameof(allowed));
        for (int id = 0; id < n; id++) allowed[id] = IsAllowed(state, id);
        allowed[n..].Clear();
    }

    /// <summary>Advances <paramref name="state"/> past token <paramref name="id"/>.</summary>
    /// <exception cref="InvalidOperationException">When the token is not allowed in that state (check <see cref="IsAllowed"/> first).</exception>
    public void Advance(ref GrammarState state, int id)
    {
        if (!IsAllowed(state, id))
            throw new InvalidOperationException($"token {Describe(id)} is not allowed in phase {state.phase}");
        AdvanceUnchecked(ref state, id);
    }

    /// <summary>Advances without checking; the caller has checked <see cref="IsAllowed"/>.</summary>
    internal abstract void AdvanceUnchecked(ref GrammarState state, int id);

    /// <summary>The token and id, for messages.</summary>
    private protected abstract string Describe(int id);
}

/// <summary>
/// The REMI+ token grammar as an incremental state machine ("what may follow what"): used by the
/// grammar-safe decoder (tokens that are not allowed are skipped and counted) and by generation (mask the
/// logits of tokens that are not allowed). The rules:
/// <code>
/// sequence := BOS Genre_x? bar* EOS PAD*
/// bar      := Bar_None TimeSig_n/d? event* [Position_k]   (a final empty Position_k, k &gt; 0, cuts the bar at k)
/// event    := Position_k Tempo_x? note*                    (k strictly increasing within the bar, k &lt; bar length;
///                                                           a Position needs a Tempo or a note, except a final cut)
/// note     := Program_p Pitch_n Velocity_v Duration_d      (n in the pitch range, or the drum range for p = -1)
/// </code>
/// At most <see cref="TokenizerConfig.MaxBars"/> bars are allowed.
/// </summary>
public sealed class RemiGrammar : TokenGrammar
{
    private readonly RemiLayout _l;

    internal RemiGrammar(RemiLayout layout) => _l = layout;

    /// <inheritdoc />
    public override int VocabularySize => _l.Count;

    /// <inheritdoc />
    public override TokenKind KindOf(int id) =>
        (uint)id < (uint)_l.Count ? _l.Kinds[id] : throw new ArgumentOutOfRangeException(nameof(id));

    /// <inheritdoc />
    public override GrammarState Start() => new()
    {
        phase = GrammarPhase.Start, timeSig = -1, barLength = 4 * _l.Config.PositionsPerQuarter, position = -1, program = 0,
    };

    /// <inheritdoc />
    public override bool IsAllowed(in GrammarState state, int id)
    {
        if ((uint)id >= (uint)_l.Count) return false;
        var kind = _l.Kinds[id];
        int v = _l.Values[id];
        switch (state.phase)
        {
            case GrammarPhase.Start:
                return kind == TokenKind.Bos;
            case GrammarPhase.Prefix:
                return kind == TokenKind.Eos || (kind == TokenKind.Genre && !state.genreSeen)
                    || (kind == TokenKind.Bar && state.bars < _l.Config.MaxBars);
            case GrammarPhase.BarStart:
                if (kind == TokenKind.TimeSig) return true;
                goto case GrammarPhase.AfterTimeSig;
            case GrammarPhase.AfterTimeSig:
                return kind == TokenKind.Eos || (kind == TokenKind.Bar && state.bars < _l.Config.MaxBars)
                    || (kind == TokenKind.Position && v < state.barLength);
            case GrammarPhase.AfterPosition:
                return kind == TokenKind.Tempo || kind == TokenKind.Program
                    || (kind == TokenKind.Bar && state.position > 0 && state.bars < _l.Config.MaxBars);
            case GrammarPhase.AfterTempo:
            case GrammarPhase.AfterDuration:
                return kind == TokenKind.Program || kind == TokenKind.Eos
                    || (kind == TokenKind.Bar && state.bars < _l.Config.MaxBars)
                    || (kind == TokenKind.Position && v > state.position && v < state.barLength);
            case GrammarPhase.AfterProgram:
                return kind == TokenKind.Pitch && _l.PitchAllowed(state.program, v);
            case GrammarPhase.AfterPitch:
                return kind == TokenKind.Velocity;
            case GrammarPhase.AfterVelocity:
                return kind == TokenKind.Duration;
            case GrammarPhase.End:
                return kind == TokenKind.Pad;
            default:
                return false;
        }
    }

    internal override void AdvanceUnchecked(ref GrammarState state, int id)
    {
        var kind = _l.Kinds[id];
        int v = _l.Values[id];
        switch (kind)
        {
            case TokenKind.Bos: state.phase = GrammarPhase.Prefix; break;
            case TokenKind.Genre: state.genreSeen = true; break;
            case TokenKind.Eos: state.phase = GrammarPhase.End; break;
            case TokenKind.Pad: break;
            case TokenKind.Bar:
                if (state.phase == GrammarPhase.Prefix) state.barStart = 0;
                else if (state.phase == GrammarPhase.AfterPosition) state.barStart += state.position; // cut bar
                else state.barStart += state.barLength;
                state.bars++;
                state.position = -1;
                state.phase = GrammarPhase.BarStart;
                break;
            case TokenKind.TimeSig:
                state.timeSig = v;
                state.barLength = _l.TimeSigLength[v];
                state.phase = GrammarPhase.AfterTimeSig;
                break;
            case TokenKind.Position: state.position = v; state.phase = GrammarPhase.AfterPosition; break;
            case TokenKind.Tempo: state.phase = GrammarPhase.AfterTempo; break;
            case TokenKind.Program: state.program = v; state.phase = GrammarPhase.AfterProgram; break;
            case TokenKind.Pitch: state.pitch = v; state.phase = GrammarPhase.AfterPitch; break;
            case TokenKind.Velocity: state.velocity = v; state.phase = GrammarPhase.AfterVelocity; break;
            case TokenKind.Duration: state.phase = GrammarPhase.AfterDuration; break;
        }
    }

    private protected override string Describe(int id) => (uint)id < (uint)_l.Count ? $"'{_l.Tokens[id]}' ({id})" : $"id {id}";
}
