using Cadenza.Training;

namespace Cadenza.Training.Tests;

public class KneserNeyTests
{
    private static List<ReadOnlyMemory<ushort>> RandomDocs(int seed, int docs, int len, int vocab, int bos)
    {
        var rng = new Random(seed);
        var list = new List<ReadOnlyMemory<ushort>>();
        for (int d = 0; d < docs; d++)
        {
            var a = new ushort[len];
            a[0] = (ushort)bos;
            // A Markov-ish source so higher orders matter.
            for (int i = 1; i < len; i++)
                a[i] = (ushort)(rng.NextDouble() < 0.7 && i > 1 ? (a[i - 1] + a[i - 2]) % (vocab - 2) + 2 : rng.Next(2, vocab));
            list.Add(a);
        }
        return list;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void DistributionsSumToOne(int order)
    {
        var docs = RandomDocs(1, 20, 200, 40, 1);
        var lm = new KneserNey(docs, order, 40, 1);
        var p = new double[40];
        var rng = new Random(2);
        for (int trial = 0; trial < 50; trial++)
        {
            var hist = Enumerable.Range(0, rng.Next(0, 6)).Select(_ => (ushort)rng.Next(0, 40)).ToArray();
            if (trial % 2 == 0 && trial < 40) hist = docs[trial % docs.Count].Span.Slice(10 + trial, 4).ToArray();
            lm.Distribution(hist, p);
            Assert.Equal(1.0, p.Sum(), 9);
            Assert.All(p, x => Assert.True(x > 0));
        }
    }

    /// <summary>A direct, unoptimized transcription of interpolated Kneser-Ney (KenLM counting) to check the fast one.</summary>
    private static double Reference(List<ushort[]> docs, int n, int V, int bos, ushort[] history, int w)
    {
        var raw = new Dictionary<string, int>();
        string K(IEnumerable<ushort> g) => string.Join(",", g);
        foreach (var d in docs)
            for (int i = 0; i < d.Length; i++)
                for (int k = 1; k <= n && i - k + 1 >= 0; k++)
                {
                    var key = K(d[(i - k + 1)..(i + 1)]);
                    raw[key] = raw.GetValueOrDefault(key) + 1;
                }
        int Len(string key) => key.Split(',').Length;
        var adj = new Dictionary<string, int>();
        foreach (var (key, c) in raw)
        {
            var toks = key.Split(',').Select(ushort.Parse).ToArray();
            int k = toks.Length;
            if (k == n || toks[0] == bos) { adj[key] = c; continue; }
            int lefts = raw.Keys.Count(o => Len(o) == k + 1 && o.EndsWith("," + key));
            adj[key] = lefts > 0 ? lefts : c;
        }
        double D(int k)
        {
            int n1 = adj.Count(kv => Len(kv.Key) == k && kv.Value == 1), n2 = adj.Count(kv => Len(kv.Key) == k && kv.Value == 2);
            return n1 + 2 * n2 > 0 ? Math.Clamp((double)n1 / (n1 + 2 * n2), 0.05, 0.95) : 0.5;
        }
        double P(ushort[] h, int word)
        {
            if (h.Length == 0)
            {
                var uni = adj.Where(kv => Len(kv.Key) == 1).ToList();
                double s = uni.Sum(kv => kv.Value), d1 = D(1);
                return (Math.Max(adj.GetValueOrDefault(word.ToString()) - d1, 0) + d1 * uni.Count / (double)V) / s;
            }
            double lower = P(h[1..], word);
            string hk = K(h);
            var follow = adj.Where(kv => Len(kv.Key) == h.Length + 1 && kv.Key.StartsWith(hk + ",")).ToList();
            if (follow.Count == 0) return lower;
            double sum = follow.Sum(kv => kv.Value), d = D(h.Length + 1);
            return (Math.Max(adj.GetValueOrDefault(hk + "," + word) - d, 0) + d * follow.Count * lower) / sum;
        }
        if (history.Length > n - 1) history = history[^(n - 1)..];
        return P(history, w);
    }

    [Fact]
    public void MatchesADirectTranscriptionOfTheFormula()
    {
        var docs = RandomDocs(3, 6, 60, 12, 1);
        var arrays = docs.Select(d => d.ToArray()).ToList();
        for (int n = 1; n <= 4; n++)
        {
            var lm = new KneserNey(docs, n, 12, 1);
            foreach (var hist in new[] { arrays[0][5..8], arrays[1][20..23], new ushort[] { 11, 11, 11 }, new ushort[] { 1, 4 }, Array.Empty<ushort>() })
                for (int w = 0; w < 12; w += 3)
                    Assert.Equal(Reference(arrays, n, 12, 1, hist, w), lm.Probability(hist, w), 10);
        }
    }

    [Fact]
    public void PredictsADeterministicSequence()
    {
        var seq = new ushort[500];
        seq[0] = 1;
        for (int i = 1; i < seq.Length; i++) seq[i] = (ushort)(2 + i % 7);
        var lm = new KneserNey([seq], 3, 10, 1);
        Assert.True(lm.Probability([4, 5], 6) > 0.9);
        Assert.True(lm.Probability([4, 5], 7) < 0.05);
    }

    [Fact]
    public void LargeVocabulariesPackIntoWiderKeys()
    {
        // 60,000 tokens take 16 bits an id, so up to 4-grams; ids near the top must not collide with others.
        const int V = 60000;
        var small = RandomDocs(3, 6, 60, 12, 1);
        var docs = small.Select(d => (ReadOnlyMemory<ushort>)d.ToArray().Select(t => t == 1 ? (ushort)1 : (ushort)(t + V - 20)).ToArray()).ToList();
        var arrays = docs.Select(d => d.ToArray()).ToList();
        Assert.Equal(4, KneserNey.MaxOrder(V));
        Assert.Equal(5, KneserNey.MaxOrder(4096));
        Assert.Equal(4, KneserNey.MaxOrder(4097));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KneserNey(docs, 5, V, 1));
        var lm = new KneserNey(docs, 4, V, 1);
        foreach (var hist in new[] { arrays[0][5..8], arrays[1][20..23], Array.Empty<ushort>() })
            foreach (int w in new[] { arrays[0][8], arrays[1][23], V - 1, 7 })
                Assert.Equal(Reference(arrays, 4, V, 1, hist, w), lm.Probability(hist, w), 10);
    }
}
