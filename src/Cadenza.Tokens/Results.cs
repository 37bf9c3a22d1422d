using Cadenza.Music;

namespace Cadenza.Tokens;

/// <summary>The result of encoding a score: token ids and what was changed or dropped on the way.</summary>
public sealed class TokenSequence
{
    private readonly Vocabulary _vocabulary;

    /// <summary>Wraps encoded ids.</summary>
    /// <param name="ids">Token ids (kept, not copied).</param>
    /// <param name="warnings">Warnings (clipped durations, dropped notes, mapped time signatures...).</param>
    /// <param name="vocabulary">Vocabulary the ids refer to.</param>
    public TokenSequence(int[] ids, IReadOnlyList<string> warnings, Vocabulary vocabulary)
    {
        Ids = ids ?? throw new ArgumentNullException(nameof(ids));
        Warnings = warnings ?? throw new ArgumentNullException(nameof(warnings));
        _vocabulary = vocabulary ?? throw new ArgumentNullException(nameof(vocabulary));
    }

    /// <summary>Token ids, BOS first and EOS last.</summary>
    public int[] Ids { get; }

    /// <summary>Human-readable warnings; empty when nothing was lost.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Number of notes dropped because their pitch (or drum key) was out of range.</summary>
    public int DroppedNotes { get; init; }

    /// <summary>Number of notes whose duration was clipped to the longest duration bin.</summary>
    public int ClippedDurations { get; init; }

    /// <summary>Number of tokens.</summary>
    public int Count => Ids.Length;

    /// <summary>The token strings, in order (allocates one array; the strings are shared).</summary>
    public string[] ToTokens()
    {
        var s = new string[Ids.Length];
        for (int i = 0; i < s.Length; i++) s[i] = _vocabulary[Ids[i]];
        return s;
    }

    /// <summary>The text form: tokens joined by single spaces.</summary>
    public override string ToString() => string.Join(' ', ToTokens());
}

/// <summary>The result of decoding tokens: a score and the invalid successions that were skipped.</summary>
/// <param name="Score">The decoded score (ticks per quarter from <see cref="TokenizerConfig.DecodeTicksPerQuarter"/>).</param>
/// <param name="ErrorCount">Number of tokens skipped because the grammar did not allow them where they stood (unknown tokens included).</param>
/// <param name="Errors">Descriptions of the first few errors (at most <see cref="DecodeResult.MaxDescribedErrors"/>).</param>
public sealed record DecodeResult(Score Score, int ErrorCount, IReadOnlyList<string> Errors)
{
    /// <summary>How many errors are described in <see cref="Errors"/> at most.</summary>
    public const int MaxDescribedErrors = 20;
}

/// <summary>Thrown when a score cannot be tokenized (for example, longer than <see cref="TokenizerConfig.MaxBars"/>).</summary>
public sealed class TokenizationException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reason">Short machine-readable reason, e.g. "too-many-bars".</param>
    /// <param name="message">Full message.</param>
    public TokenizationException(string reason, string message) : base(message) => Reason = reason;

    /// <summary>Short machine-readable reason ("too-many-bars", "bad-control").</summary>
    public string Reason { get; }
}
