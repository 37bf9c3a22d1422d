namespace Cadenza.Engine.Sampling;

/// <summary>
/// The CTRL repetition penalty (Keskar et al. 2019, as in Hugging Face transformers): every
/// distinct token id present in the recent context has its logit divided by the penalty when
/// positive and multiplied by it when negative, making it less likely (penalty &gt; 1) or more
/// likely (penalty &lt; 1) to repeat. 1 changes nothing.
/// </summary>
public sealed class RepetitionPenaltyProcessor : ILogitsProcessor
{
    private readonly bool[] _seen;

    /// <summary>Creates the processor.</summary>
    /// <param name="vocabSize">Number of token ids.</param>
    /// <param name="penalty">The factor, finite and &gt; 0 (typical 1.1–1.3).</param>
    /// <param name="window">Only the last <paramref name="window"/> context tokens count; 0 = the whole context.</param>
    /// <exception cref="ArgumentException">When a value is out of range, e.g. "repetition penalty must be > 0, got 0".</exception>
    public RepetitionPenaltyProcessor(int vocabSize, float penalty, int window = 0)
    {
        if (vocabSize <= 0) throw new ArgumentException($"vocabulary size must be > 0, got {vocabSize}", nameof(vocabSize));
        if (!float.IsFinite(penalty) || penalty <= 0)
            throw new ArgumentException($"repetition penalty must be a finite number > 0 (1 = off), got {penalty.ToString(System.Globalization.CultureInfo.InvariantCulture)}", nameof(penalty));
        if (window < 0) throw new ArgumentException($"repetition window must be >= 0 (0 = whole context), got {window}", nameof(window));
        _seen = new bool[vocabSize];
        Penalty = penalty;
        Window = window;
    }

    /// <summary>The penalty factor.</summary>
    public float Penalty { get; }

    /// <summary>How many recent tokens count (0 = all).</summary>
    public int Window { get; }

    /// <summary>Penalizes each distinct id of the (windowed) context once; ids outside the vocabulary are ignored.</summary>
    public void Process(Span<float> logits, ReadOnlySpan<int> context)
    {
        if (Window > 0 && context.Length > Window) context = context[^Window..];
        int v = Math.Min(logits.Length, _seen.Length);
        foreach (int id in context)
        {
            if ((uint)id >= (uint)v || _seen[id]) continue;
            _seen[id] = true;
            float x = logits[id];
            logits[id] = x > 0 ? x / Penalty : x * Penalty;
        }
        foreach (int id in context)
            if ((uint)id < (uint)v) _seen[id] = false;
    }
}
