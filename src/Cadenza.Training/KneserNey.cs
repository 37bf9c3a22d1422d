using System.Runtime.InteropServices;

namespace Cadenza.Training;

/// <summary>
/// An interpolated Kneser-Ney n-gram language model over token ids (order 1-5), the baseline the GPT
/// is compared with. Counts follow KenLM's rule: the highest order and n-grams that start with the
/// document-start token use raw counts; lower orders use continuation counts (the number of distinct
/// tokens seen before the n-gram). One absolute discount per order, D = n1 / (n1 + 2·n2), from the
/// counts-of-counts of the adjusted counts. The unigram level is interpolated with the uniform
/// distribution, so every token has a non-zero probability. A context never seen in training passes
/// the lower order's distribution through unchanged.
/// </summary>
public sealed class KneserNey
{
    private readonly int Bits;               // bits per token id in a packed n-gram key (order × Bits ≤ 64)
    private readonly int _order, _vocab;

    /// <summary>Bits a token id of a vocabulary of <paramref name="vocabSize"/> takes in an n-gram key.</summary>
    private static int BitsFor(int vocabSize) => Math.Max(1, 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)Math.Max(1, vocabSize - 1)));

    /// <summary>
    /// The highest order (at most 5) this class can build for a vocabulary of <paramref name="vocabSize"/> tokens: an
    /// n-gram is one 64-bit key, so 5 for up to 4,096 tokens, 4 for up to 65,536.
    /// </summary>
    public static int MaxOrder(int vocabSize) => Math.Min(5, 64 / BitsFor(vocabSize));
    private readonly double[] _discount;
    private readonly double[] _unigram;      // interpolated unigram distribution
    // Per order k >= 2: context (k-1 tokens) -> (sum of adjusted counts, first follower, follower count).
    private readonly Dictionary<ulong, (long Sum, int Start, int Count)>[] _contexts;
    private readonly int[][] _followerToken;
    private readonly int[][] _followerCount;

    /// <summary>The n of the model.</summary>
    public int Order => _order;

    /// <summary>Builds the model from documents (each a token sequence that starts with <paramref name="bosId"/>).</summary>
    /// <param name="documents">Training documents.</param>
    /// <param name="order">n, 1 to 5.</param>
    /// <param name="vocabSize">Vocabulary size (1 to 65,536); every id must be below it. See <see cref="MaxOrder"/>.</param>
    /// <param name="bosId">The document-start token.</param>
    /// <exception cref="ArgumentOutOfRangeException">When the order or vocabulary size is out of range, or an id is not below the vocabulary size.</exception>
    public KneserNey(IEnumerable<ReadOnlyMemory<ushort>> documents, int order, int vocabSize, int bosId)
    {
        if (order < 1 || order > 5) throw new ArgumentOutOfRangeException(nameof(order), "order must be 1 to 5");
        if (vocabSize < 1 || vocabSize > 65536) throw new ArgumentOutOfRangeException(nameof(vocabSize), "vocabulary must have 1 to 65,536 tokens");
        Bits = BitsFor(vocabSize);
        if (order > MaxOrder(vocabSize))
            throw new ArgumentOutOfRangeException(nameof(order), $"order {order} is too high for {vocabSize:N0} tokens (at most {MaxOrder(vocabSize)})");
        _order = order; _vocab = vocabSize;
        // Keys hold a k-gram's tokens with the last token in the lowest bits.
        var raw = new Dictionary<ulong, int>[order + 1];
        for (int k = 1; k <= order; k++) raw[k] = new Dictionary<ulong, int>(MixedKeyComparer.Instance);
        foreach (var mem in documents)
        {
            var doc = mem.Span;
            for (int i = 0; i < doc.Length; i++)
            {
                if (doc[i] >= vocabSize) throw new ArgumentOutOfRangeException(nameof(documents), $"token id {doc[i]} is not below the vocabulary size {vocabSize}");
                ulong key = 0;
                for (int k = 1; k <= order && i - k + 1 >= 0; k++)
                {
                    key |= (ulong)doc[i - k + 1] << (Bits * (k - 1));
                    CollectionsMarshal.GetValueRefOrAddDefault(raw[k], key, out _)++;
                }
            }
        }
        var adjusted = new Dictionary<ulong, int>[order + 1];
        for (int k = 1; k <= order; k++)
        {
            if (k == order) { adjusted[k] = raw[k]; continue; }
            var adj = new Dictionary<ulong, int>(raw[k].Count, MixedKeyComparer.Instance);
            foreach (var key in raw[k + 1].Keys)
            {
                ulong suffix = key & (Bits * k >= 64 ? ulong.MaxValue : (1UL << (Bits * k)) - 1);
                if (First(suffix, k) == bosId) continue;
                CollectionsMarshal.GetValueRefOrAddDefault(adj, suffix, out _)++;
            }
            // k-grams with no left context (starting with BOS, or only ever at a document start) keep raw counts.
            foreach (var (key, c) in raw[k])
                if (First(key, k) == bosId || !adj.ContainsKey(key)) adj[key] = c;
            adjusted[k] = adj;
        }
        _discount = new double[order + 1];
        for (int k = 1; k <= order; k++)
        {
            long n1 = 0, n2 = 0;
            foreach (var c in adjusted[k].Values) { if (c == 1) n1++; else if (c == 2) n2++; }
            _discount[k] = n1 + 2 * n2 > 0 ? Math.Clamp((double)n1 / (n1 + 2 * n2), 0.05, 0.95) : 0.5;
        }
        // Unigram: max(a(w) - D, 0) / S + D * types / S * 1/V.
        _unigram = new double[vocabSize];
        long s = 0; int types = 0;
        foreach (var c in adjusted[1].Values) { s += c; types++; }
        double d1 = _discount[1];
        for (int v = 0; v < vocabSize; v++)
        {
            int c = adjusted[1].GetValueOrDefault((ulong)v);
            _unigram[v] = s == 0 ? 1.0 / vocabSize : (Math.Max(c - d1, 0) + d1 * types / (double)vocabSize) / s;
        }
        _contexts = new Dictionary<ulong, (long, int, int)>[order + 1];
        _followerToken = new int[order + 1][];
        _followerCount = new int[order + 1][];
        for (int k = 2; k <= order; k++)
        {
            var entries = adjusted[k].ToArray();
            Array.Sort(entries, (a, b) => a.Key.CompareTo(b.Key));   // groups each context's followers together
            var tok = new int[entries.Length];
            var cnt = new int[entries.Length];
            var ctx = new Dictionary<ulong, (long Sum, int Start, int Count)>(MixedKeyComparer.Instance);
            for (int i = 0; i < entries.Length; i++)
            {
                ulong h = entries[i].Key >> Bits;
                tok[i] = (int)(entries[i].Key & ((1UL << Bits) - 1));
                cnt[i] = entries[i].Value;
                ref var e = ref CollectionsMarshal.GetValueRefOrAddDefault(ctx, h, out bool exists);
                e = exists ? (e.Sum + cnt[i], e.Start, e.Count + 1) : (cnt[i], i, 1);
            }
            _contexts[k] = ctx;
            _followerToken[k] = tok;
            _followerCount[k] = cnt;
        }
    }

    /// <summary>
    /// Hashes packed n-gram keys with a full 64-bit mix. The default ulong hash (the two halves XORed)
    /// collides massively on keys made of 11-bit fields, which turns dictionary look-ups into long chain walks.
    /// </summary>
    private sealed class MixedKeyComparer : IEqualityComparer<ulong>
    {
        public static readonly MixedKeyComparer Instance = new();
        public bool Equals(ulong x, ulong y) => x == y;
        public int GetHashCode(ulong x)
        {
            x ^= x >> 33;
            x *= 0xff51afd7ed558ccdUL;
            x ^= x >> 33;
            x *= 0xc4ceb9fe1a85ec53UL;
            x ^= x >> 33;
            return (int)x;
        }
    }

    private int First(ulong key, int k) => (int)((key >> (Bits * (k - 1))) & ((1UL << Bits) - 1));

    /// <summary>
    /// Fills <paramref name="probabilities"/> (length = vocabulary size) with P(· | history), using at most the
    /// last n-1 tokens of <paramref name="history"/>. The values sum to 1.
    /// </summary>
    /// <exception cref="ArgumentException">When the span is not the vocabulary size.</exception>
    public void Distribution(ReadOnlySpan<ushort> history, Span<double> probabilities)
    {
        if (probabilities.Length != _vocab) throw new ArgumentException($"needs {_vocab} values", nameof(probabilities));
        _unigram.CopyTo(probabilities);
        if (history.Length > _order - 1) history = history[^(_order - 1)..];
        for (int k = 2; k <= history.Length + 1; k++)
        {
            ulong h = 0;
            for (int j = history.Length - (k - 1); j < history.Length; j++) h = (h << Bits) | history[j];
            if (!_contexts[k].TryGetValue(h, out var ctx)) continue;
            double d = _discount[k];
            double backoff = d * ctx.Count / ctx.Sum;
            for (int v = 0; v < probabilities.Length; v++) probabilities[v] *= backoff;
            var tok = _followerToken[k];
            var cnt = _followerCount[k];
            for (int i = ctx.Start; i < ctx.Start + ctx.Count; i++)
                probabilities[tok[i]] += Math.Max(cnt[i] - d, 0) / ctx.Sum;
        }
    }

    /// <summary>P(<paramref name="token"/> | <paramref name="history"/>).</summary>
    public double Probability(ReadOnlySpan<ushort> history, int token)
    {
        Span<double> p = _vocab <= 4096 ? stackalloc double[_vocab] : new double[_vocab];
        Distribution(history, p);
        return p[token];
    }

    /// <summary>
    /// Evaluates on the documents of a split: mean negative log-likelihood (nats per token, every token after a
    /// document's first) and arg-max accuracy, overall and per genre; the same tokens the GPT evaluator counts.
    /// </summary>
    /// <param name="shards">The split.</param>
    /// <param name="maxTokens">Stop after this many tokens (0 = all).</param>
    public EvalReport Evaluate(IReadOnlyList<TokenShard> shards, long maxTokens = 0)
    {
        var sums = new Dictionary<string, (double Loss, long N, long Correct)>(StringComparer.Ordinal);
        var p = new double[_vocab];
        long counted = 0;
        foreach (var (shard, d) in Evaluator.DocumentOrder(shards, maxTokens > 0))
        {
            var doc = shard.Slice(d[0], (int)d[1]);
            string genre = shard.Info.Genres[(int)d[2]];
            var (loss, n, correct) = sums.GetValueOrDefault(genre);
            for (int i = 1; i < doc.Length; i++)
            {
                Distribution(doc[Math.Max(0, i - _order + 1)..i], p);
                int best = 0;
                for (int v = 1; v < p.Length; v++) if (p[v] > p[best]) best = v;
                loss -= Math.Log(p[doc[i]]);
                if (best == doc[i]) correct++;
                n++;
                if (maxTokens > 0 && ++counted >= maxTokens) break;
            }
            sums[genre] = (loss, n, correct);
            if (maxTokens > 0 && counted >= maxTokens) break;
        }
        return EvalReport.FromSums(sums);
    }

    /// <summary>Builds a model from the documents of a split.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When the order or vocabulary size is out of range.</exception>
    public static KneserNey FromShards(IReadOnlyList<TokenShard> shards, int order, int vocabSize, int bosId)
    {
        IEnumerable<ReadOnlyMemory<ushort>> Docs()
        {
            foreach (var s in shards)
                foreach (var d in s.Info.Documents)
                    yield return s.Slice(d[0], (int)d[1]).ToArray();
        }
        return new KneserNey(Docs(), order, vocabSize, bosId);
    }
}
