namespace Cadenza.Engine.Sampling;

/// <summary>
/// Edits the logits of one step before <see cref="Sampler"/> turns them into a token: masks
/// (grammar), penalties, biases. Processors run in the order of <see cref="Sampler.Processors"/>,
/// on the sampler's own copy of the logits. Implementations should not allocate per call.
/// </summary>
public interface ILogitsProcessor
{
    /// <summary>Edits <paramref name="logits"/> in place (one value per token id); set a token's logit to −∞ to forbid it.</summary>
    /// <param name="logits">The step's logits, length = vocabulary size.</param>
    /// <param name="context">The tokens so far (may be empty).</param>
    void Process(Span<float> logits, ReadOnlySpan<int> context);
}
