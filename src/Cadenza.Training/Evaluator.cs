using Cadenza.Engine;

namespace Cadenza.Training;

/// <summary>Loss, perplexity and next-token accuracy over a number of predicted tokens.</summary>
/// <param name="Loss">Mean cross-entropy in nats per token.</param>
/// <param name="Tokens">Number of predicted tokens.</param>
/// <param name="Accuracy">Share of tokens whose most likely prediction was right.</param>
public readonly record struct Metrics(double Loss, long Tokens, double Accuracy)
{
    /// <summary>exp(loss).</summary>
    public double Perplexity => Math.Exp(Loss);
}

/// <summary>Evaluation of a split: overall and per genre.</summary>
/// <param name="Overall">All documents.</param>
/// <param name="ByGenre">Per genre (the dataset's genre names; "none" when unlabelled).</param>
public sealed record EvalReport(Metrics Overall, IReadOnlyDictionary<string, Metrics> ByGenre)
{
    /// <summary>
    /// The report of per-genre sums: total loss (nats), predicted tokens and correct arg-max predictions.
    /// Genres without tokens are left out; with no tokens at all the overall loss and accuracy are NaN.
    /// </summary>
    public static EvalReport FromSums(IReadOnlyDictionary<string, (double Loss, long N, long Correct)> sums)
    {
        double tl = 0; long tn = 0, tc = 0;
        var byGenre = new SortedDictionary<string, Metrics>(StringComparer.Ordinal);
        foreach (var (g, (loss, n, correct)) in sums)
        {
            if (n == 0) continue;
            byGenre[g] = new Metrics(loss / n, n, (double)correct / n);
            tl += loss; tn += n; tc += correct;
        }
        var overall = tn == 0 ? new Metrics(double.NaN, 0, double.NaN) : new Metrics(tl / tn, tn, (double)tc / tn);
        return new EvalReport(overall, byGenre);
    }
}

/// <summary>
/// Evaluates a model on the documents of a split: each document is cut into windows of the
/// model's context (stride = context, so every token is predicted once, from the window's start),
/// and the per-token loss and arg-max accuracy are summed overall and per genre.
/// </summary>
public static class Evaluator
{
    /// <summary>
    /// The documents of a split in file order or, when only part of the split will be read
    /// (<paramref name="interleave"/>), taking one document of each genre in turn, so that a token budget
    /// covers every genre instead of only the first files.
    /// </summary>
    public static IEnumerable<(TokenShard Shard, long[] Document)> DocumentOrder(IReadOnlyList<TokenShard> shards, bool interleave)
    {
        if (!interleave)
        {
            foreach (var shard in shards)
                foreach (var d in shard.Info.Documents) yield return (shard, d);
            yield break;
        }
        var byGenre = new SortedDictionary<string, Queue<(TokenShard, long[])>>(StringComparer.Ordinal);
        foreach (var shard in shards)
            foreach (var d in shard.Info.Documents)
            {
                string g = shard.Info.Genres[(int)d[2]];
                if (!byGenre.TryGetValue(g, out var q)) byGenre[g] = q = new Queue<(TokenShard, long[])>();
                q.Enqueue((shard, d));
            }
        bool any = true;
        while (any)
        {
            any = false;
            foreach (var q in byGenre.Values)
                if (q.Count > 0) { any = true; yield return q.Dequeue(); }
        }
    }

    /// <summary>Evaluates <paramref name="model"/> on <paramref name="shards"/>.</summary>
    /// <param name="model">The model; its <see cref="GptModel.MaxBatch"/> rows are used per forward pass.</param>
    /// <param name="shards">A split of a <see cref="TokenDataset"/>.</param>
    /// <param name="contextLength">Window length T (at most the model's maximum sequence).</param>
    /// <param name="maxTokens">Stop after about this many predicted tokens (0 = all); with a budget, documents are taken
    /// one genre after another in turn (see <see cref="DocumentOrder"/>) so every genre is measured.</param>
    /// <param name="padId">Input id used to pad short windows (its targets are ignored).</param>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="contextLength"/> is outside the model's range.</exception>
    public static EvalReport Evaluate(GptModel model, IReadOnlyList<TokenShard> shards, int contextLength, long maxTokens = 0, int padId = 0)
    {
        if (contextLength < 1 || contextLength > model.MaxSequence) throw new ArgumentOutOfRangeException(nameof(contextLength));
        int B = model.MaxBatch, T = contextLength, V = model.Config.VocabSize;
        var inputs = new int[B * T];
        var targets = new int[B * T];
        var rowGenre = new string[B];
        var sums = new Dictionary<string, (double Loss, long N, long Correct)>(StringComparer.Ordinal);
        int rows = 0;
        long counted = 0;
        int savedIgnore = model.IgnoreIndex;
        model.IgnoreIndex = -1;

        void Flush()
        {
            if (rows == 0) return;
            for (int r = rows; r < B; r++)
            {
                inputs.AsSpan(r * T, T).Fill(padId);
                targets.AsSpan(r * T, T).Fill(-1);
            }
            model.Forward(inputs, targets, B, T);
            var logits = model.Logits;
            var losses = model.Losses;
            for (int r = 0; r < rows; r++)
            {
                var (loss, n, correct) = sums.GetValueOrDefault(rowGenre[r]);
                for (int t = 0; t < T; t++)
                {
                    int i = r * T + t;
                    int y = targets[i];
                    if (y < 0) continue;
                    loss += losses[i];
                    n++;
                    var row = logits.Slice(i * V, V);
                    int best = 0;
                    float bv = row[0];
                    for (int v = 1; v < V; v++) if (row[v] > bv) { bv = row[v]; best = v; }
                    if (best == y) correct++;
                }
                sums[rowGenre[r]] = (loss, n, correct);
            }
            rows = 0;
        }

        try
        {
            foreach (var (shard, d) in DocumentOrder(shards, maxTokens > 0))
            {
                var doc = shard.Slice(d[0], (int)d[1]);
                string genre = shard.Info.Genres[(int)d[2]];
                for (int s = 0; s + 1 < doc.Length; s += T)
                {
                    int len = Math.Min(T, doc.Length - 1 - s);
                    var inRow = inputs.AsSpan(rows * T, T);
                    var tgRow = targets.AsSpan(rows * T, T);
                    for (int t = 0; t < len; t++) { inRow[t] = doc[s + t]; tgRow[t] = doc[s + t + 1]; }
                    inRow[len..].Fill(padId);
                    tgRow[len..].Fill(-1);
                    rowGenre[rows] = genre;
                    rows++;
                    counted += len;
                    if (rows == B) Flush();
                    if (maxTokens > 0 && counted >= maxTokens) break;
                }
                if (maxTokens > 0 && counted >= maxTokens) break;
            }
            Flush();
        }
        finally
        {
            model.IgnoreIndex = savedIgnore;
        }

        return EvalReport.FromSums(sums);
    }
}
