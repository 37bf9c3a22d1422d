namespace Cadenza.Engine.Sampling;

/// <summary>Fills <paramref name="allowed"/> (one flag per token id, all false on entry) with true for every token allowed next.</summary>
/// <param name="context">The tokens so far.</param>
/// <param name="allowed">One flag per token id; set true those that may follow <paramref name="context"/>.</param>
public delegate void AllowedTokens(ReadOnlySpan<int> context, Span<bool> allowed);

/// <summary>
/// Forbids tokens: at each step a delegate marks the allowed ids (e.g. from a token grammar) and
/// every other id's logit becomes −∞. The mask buffer is allocated once.
/// If nothing is allowed, <see cref="Sampler.Sample(ReadOnlySpan{float}, ReadOnlySpan{int})"/> throws.
/// </summary>
public sealed class MaskProcessor : ILogitsProcessor
{
    private readonly AllowedTokens _allowed;
    private readonly bool[] _mask;

    /// <summary>Creates the processor for a vocabulary of <paramref name="vocabSize"/> ids.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="vocabSize"/> is not positive.</exception>
    public MaskProcessor(int vocabSize, AllowedTokens allowed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabSize);
        ArgumentNullException.ThrowIfNull(allowed);
        _allowed = allowed;
        _mask = new bool[vocabSize];
    }

    /// <summary>Creates a processor with a fixed mask (a copy of <paramref name="allowed"/>).</summary>
    /// <exception cref="ArgumentException">When the mask is empty.</exception>
    public static MaskProcessor Fixed(ReadOnlySpan<bool> allowed)
    {
        if (allowed.IsEmpty) throw new ArgumentException("the mask must have one flag per token id", nameof(allowed));
        var copy = allowed.ToArray();
        return new MaskProcessor(copy.Length, (_, a) => copy.CopyTo(a));
    }

    /// <summary>Asks the delegate for the allowed ids and sets every other logit to −∞.</summary>
    /// <exception cref="ArgumentException">When <paramref name="logits"/> is not as long as the vocabulary.</exception>
    public void Process(Span<float> logits, ReadOnlySpan<int> context)
    {
        if (logits.Length != _mask.Length)
            throw new ArgumentException($"logits hold {logits.Length} values, the mask {_mask.Length}", nameof(logits));
        Array.Clear(_mask);
        _allowed(context, _mask);
        for (int i = 0; i < logits.Length; i++)
            if (!_mask[i]) logits[i] = float.NegativeInfinity;
    }
}
