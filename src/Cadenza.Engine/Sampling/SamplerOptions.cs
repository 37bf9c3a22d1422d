using System.Globalization;

namespace Cadenza.Engine.Sampling;

/// <summary>How <see cref="Sampler"/> picks the next token.</summary>
public sealed record SamplerOptions
{
    /// <summary>Divides the logits before the softmax; 0 means greedy (always the most likely token). Must be finite and ≥ 0. Default 1.</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Keep only the K most likely tokens; 0 turns it off. Must be ≥ 0; values ≥ the vocabulary size are off too. Default 0.</summary>
    public int TopK { get; init; }

    /// <summary>Nucleus sampling: keep the fewest most likely tokens whose probabilities add up to at least P; 1 turns it off. Must be in (0, 1]. Default 1.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Seed of the sampler's random generator: the same seed and the same logits give the same tokens. Default 1337.</summary>
    public ulong Seed { get; init; } = 1337;

    /// <summary>Checks every option, with messages fit for a command line.</summary>
    /// <exception cref="ArgumentException">E.g. "top-p must be in (0, 1], got 1.5".</exception>
    public void Validate()
    {
        if (!float.IsFinite(Temperature) || Temperature < 0)
            throw new ArgumentException($"temperature must be a finite number >= 0 (0 = greedy), got {Format(Temperature)}");
        if (TopK < 0)
            throw new ArgumentException($"top-k must be >= 0 (0 = off), got {TopK}");
        if (!(TopP > 0 && TopP <= 1))
            throw new ArgumentException($"top-p must be in (0, 1], got {Format(TopP)}");
    }

    private static string Format(float x) => x.ToString(CultureInfo.InvariantCulture);
}
