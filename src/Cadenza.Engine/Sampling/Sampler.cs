namespace Cadenza.Engine.Sampling;

/// <summary>
/// Turns one step's logits into a token id, llama2.c style: the sampler owns its seeded random
/// generator and every scratch buffer (allocated once in the constructor), so
/// <see cref="Sample(ReadOnlySpan{float}, ReadOnlySpan{int})"/> allocates nothing, and the same seed
/// with the same sequence of logits gives the same tokens.
/// <para>
/// Each call: copy the logits; run the <see cref="Processors"/> in order; with temperature 0 return
/// the arg-max (the lowest id among ties); otherwise softmax(logits / temperature), keep the top-k
/// most likely ids (when on), then the smallest most-likely prefix of those whose renormalized
/// probabilities sum to at least top-p (when on), and draw one id from what is left in proportion
/// to its probability.
/// </para>
/// The random generator is xorshift64* (as in llama2.c), its 64-bit state readable and settable
/// through <see cref="RngState"/> so generation can be resumed exactly.
/// </summary>
public sealed class Sampler
{
    private readonly float[] _logits;
    private readonly float[] _probs;
    private readonly int[] _order;
    private readonly Comparison<int> _byProbabilityDescending;
    private readonly List<ILogitsProcessor> _processors = [];
    private ulong _state;

    /// <summary>Creates a sampler for a vocabulary of <paramref name="vocabSize"/> ids.</summary>
    /// <exception cref="ArgumentException">When <paramref name="vocabSize"/> is not positive or an option is out of range (see <see cref="SamplerOptions.Validate"/>).</exception>
    public Sampler(int vocabSize, SamplerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (vocabSize <= 0) throw new ArgumentException($"vocabulary size must be > 0, got {vocabSize}", nameof(vocabSize));
        options.Validate();
        VocabSize = vocabSize;
        Options = options;
        _logits = new float[vocabSize];
        _probs = new float[vocabSize];
        _order = new int[vocabSize];
        _byProbabilityDescending = (a, b) =>
        {
            int c = _probs[b].CompareTo(_probs[a]);
            return c != 0 ? c : a.CompareTo(b);
        };
        _state = StateFromSeed(options.Seed);
    }

    /// <summary>The number of token ids.</summary>
    public int VocabSize { get; }

    /// <summary>The options the sampler was created with.</summary>
    public SamplerOptions Options { get; }

    /// <summary>Logits processors run, in order, before each choice (masks, penalties). Empty at first.</summary>
    public IList<ILogitsProcessor> Processors => _processors;

    /// <summary>The random generator's state (never 0). Setting it replays the draws that followed when it was read.</summary>
    /// <exception cref="ArgumentException">When set to 0, which xorshift cannot leave.</exception>
    public ulong RngState
    {
        get => _state;
        set => _state = value != 0 ? value : throw new ArgumentException("the sampler's RNG state must not be 0", nameof(value));
    }

    /// <summary>Restarts the random generator from <paramref name="seed"/>, as a new sampler with that seed would start.</summary>
    public void Reseed(ulong seed) => _state = StateFromSeed(seed);

    /// <summary>Picks the next token from <paramref name="logits"/> without context (processors see an empty context).</summary>
    /// <inheritdoc cref="Sample(ReadOnlySpan{float}, ReadOnlySpan{int})"/>
    public int Sample(ReadOnlySpan<float> logits) => Sample(logits, []);

    /// <summary>Picks the next token from <paramref name="logits"/> (see the class remarks for the steps).</summary>
    /// <param name="logits">One value per token id; not modified.</param>
    /// <param name="context">The tokens so far, handed to the processors.</param>
    /// <returns>A token id in [0, <see cref="VocabSize"/>) whose processed logit is not −∞.</returns>
    /// <exception cref="ArgumentException">When <paramref name="logits"/> is not <see cref="VocabSize"/> long.</exception>
    /// <exception cref="InvalidOperationException">When every logit is −∞ after the processors (e.g. a grammar mask allowing nothing), or a logit is NaN.</exception>
    public int Sample(ReadOnlySpan<float> logits, ReadOnlySpan<int> context)
    {
        if (logits.Length != VocabSize)
            throw new ArgumentException($"logits hold {logits.Length} values, the vocabulary {VocabSize}", nameof(logits));
        var x = _logits.AsSpan();
        logits.CopyTo(x);
        for (int p = 0; p < _processors.Count; p++) _processors[p].Process(x, context);

        int argmax = -1;
        float max = float.NegativeInfinity;
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            if (float.IsNaN(v)) throw new InvalidOperationException($"the logit of token {i} is NaN");
            if (v > max) { max = v; argmax = i; }
        }
        if (argmax < 0)
            throw new InvalidOperationException("no token can be sampled: every logit is -infinity after the logits processors (the mask allows nothing)");
        if (Options.Temperature == 0 || float.IsPositiveInfinity(max)) return argmax;

        // Softmax with temperature; masked tokens get probability 0.
        float invT = 1f / Options.Temperature;
        if (float.IsInfinity(invT)) return argmax; // a subnormal temperature is greedy
        var probs = _probs.AsSpan();
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            float e = MathF.Exp((x[i] - max) * invT);
            probs[i] = e;
            sum += e;
        }

        int topK = Options.TopK;
        float topP = Options.TopP;
        bool useK = topK > 0 && topK < VocabSize;
        bool useP = topP < 1f;
        if (!useK && !useP) return Draw(probs, sum, argmax);

        // Candidates: ids with non-zero probability (for nucleus-only sampling, llama2.c's cut-off
        // also drops ids too unlikely to be in the nucleus at all), sorted most likely first.
        float cutoff = !useK && VocabSize > 1 ? (float)((1 - topP) / (VocabSize - 1) * sum) : 0f;
        int n = 0;
        for (int i = 0; i < probs.Length; i++)
            if (probs[i] > 0 && probs[i] >= cutoff) _order[n++] = i;
        var order = _order.AsSpan(0, n);
        order.Sort(_byProbabilityDescending);
        if (useK && n > topK) n = topK;

        double mass = 0;
        for (int j = 0; j < n; j++) mass += probs[_order[j]];
        if (useP)
        {
            double target = topP * mass, cum = 0;
            for (int j = 0; j < n; j++)
            {
                cum += probs[_order[j]];
                if (cum >= target) { n = j + 1; mass = cum; break; }
            }
        }

        double r = NextFloat() * mass, acc = 0;
        for (int j = 0; j < n; j++)
        {
            acc += probs[_order[j]];
            if (r < acc) return _order[j];
        }
        return _order[n - 1]; // rounding
    }

    private int Draw(ReadOnlySpan<float> probs, double sum, int fallback)
    {
        double r = NextFloat() * sum, acc = 0;
        int last = fallback;
        for (int i = 0; i < probs.Length; i++)
        {
            if (probs[i] == 0) continue;
            acc += probs[i];
            last = i;
            if (r < acc) return i;
        }
        return last; // rounding
    }

    /// <summary>The next float in [0, 1) from xorshift64*.</summary>
    private float NextFloat() => (NextUInt32() >> 8) / 16777216f;

    private uint NextUInt32()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return (uint)((_state * 0x2545F4914F6CDD1DUL) >> 32);
    }

    private static ulong StateFromSeed(ulong seed)
    {
        // splitmix64, so that nearby seeds give unrelated streams and 0 is a usable seed.
        ulong z = seed + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return z != 0 ? z : 0x9E3779B97F4A7C15UL;
    }
}
