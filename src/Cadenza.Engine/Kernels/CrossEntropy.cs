// Legend: B = batch size, T = sequence length, V = vocabulary size. Rows are the B*T positions.
using System.Runtime.CompilerServices;

namespace Cadenza.Engine.Kernels;

/// <summary>
/// Fused softmax + cross-entropy over the vocabulary, with an ignore index: positions whose target
/// equals the ignore index (e.g. the padding id) contribute no loss and no gradient, and the mean is
/// taken over the remaining positions (PyTorch's <c>F.cross_entropy(..., ignore_index=...)</c>).
/// </summary>
public static unsafe class CrossEntropy
{
    private struct FwdJob : IParallelJob
    {
        public float* Losses, Logits;
        public int* Targets;
        public int Rows, V, Ignore, Chunk;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int index, int thread)
        {
            int end = Math.Min(Rows, (index + 1) * Chunk);
            for (int r = index * Chunk; r < end; r++)
            {
                int t = Targets[r];
                if (t == Ignore) { Losses[r] = 0f; continue; }
                float* x = Logits + (long)r * V;
                float m = VecMath.Max(x, V);
                float sum = VecMath.ExpSum(x, V, m);
                Losses[r] = MathF.Log(sum) + m - x[t];
            }
        }
    }

    /// <summary>
    /// Computes each row's loss <c>-log softmax(logits[r])[targets[r]]</c> into <paramref name="losses"/>
    /// (0 for ignored rows) and returns their mean over non-ignored rows (0 when every row is ignored).
    /// </summary>
    /// <param name="losses">(B,T) per-position losses, overwritten.</param>
    /// <param name="logits">(B,T,V) unnormalized scores.</param>
    /// <param name="targets">(B,T) target ids in [0, V), or <paramref name="ignoreIndex"/>.</param>
    /// <param name="B">Batch size.</param><param name="T">Sequence length.</param><param name="V">Vocabulary size.</param>
    /// <param name="ignoreIndex">Target value that marks a position to skip.</param>
    /// <exception cref="ArgumentException">When a span is too short.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When a target is outside [0, V) and is not the ignore index.</exception>
    public static float Forward(Span<float> losses, ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, int B, int T, int V, int ignoreIndex)
    {
        int rows = B * T;
        Checks.Length(losses, rows, nameof(losses));
        Checks.Length(logits, (long)rows * V, nameof(logits));
        Checks.Length(targets, rows, nameof(targets));
        int count = CountValid(targets[..rows], V, ignoreIndex);
        fixed (float* l = losses) fixed (float* x = logits) fixed (int* tg = targets)
        {
            var job = new FwdJob { Losses = l, Logits = x, Targets = tg, Rows = rows, V = V, Ignore = ignoreIndex };
            job.Chunk = VecMath.ChunkSize(rows, Math.Max(1, 8192 / V));
            WorkPool.Run(ref job, VecMath.Chunks(rows, job.Chunk));
        }
        if (count == 0) return 0f;
        double total = 0;
        for (int r = 0; r < rows; r++) total += losses[r];
        return (float)(total / count);
    }

    /// <summary>Counts targets that are not <paramref name="ignoreIndex"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When a target is outside [0, V) and is not the ignore index.</exception>
    internal static int CountValid(ReadOnlySpan<int> targets, int V, int ignoreIndex)
    {
        int count = 0;
        foreach (int t in targets)
        {
            if (t == ignoreIndex) continue;
            if ((uint)t >= (uint)V) throw new ArgumentOutOfRangeException(nameof(targets), $"target id {t} is outside [0, {V}) and is not the ignore index {ignoreIndex}");
            count++;
        }
        return count;
    }

    private struct BwdJob : IParallelJob
    {
        public float* Dlogits, Logits;
        public int* Targets;
        public int Rows, V, Ignore, Chunk;
        public float Scale;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int index, int thread)
        {
            int end = Math.Min(Rows, (index + 1) * Chunk);
            int V = this.V;
            for (int r = index * Chunk; r < end; r++)
            {
                int t = Targets[r];
                if (t == Ignore) continue;
                float* x = Logits + (long)r * V;
                float* d = Dlogits + (long)r * V;
                float m = VecMath.Max(x, V);
                // d += scale * (softmax(x) - onehot(t)); exp computed into d's row after saving it is
                // avoided by a two-pass form: sum first, then write.
                float sum = VecMath.ExpSum(x, V, m);
                float inv = Scale / sum;
                var vm = System.Runtime.Intrinsics.Vector256.Create(m);
                var vi = System.Runtime.Intrinsics.Vector256.Create(inv);
                int j = 0;
                for (; j <= V - 8; j += 8)
                {
                    var e = System.Runtime.Intrinsics.Vector256.Exp(System.Runtime.Intrinsics.Vector256.Load(x + j) - vm);
                    System.Runtime.Intrinsics.Vector256.Store(VecMath.Fmadd(e, vi, System.Runtime.Intrinsics.Vector256.Load(d + j)), d + j);
                }
                for (; j < V; j++) d[j] += MathF.Exp(x[j] - m) * inv;
                d[t] -= Scale;
            }
        }
    }

    /// <summary>
    /// Backward of the mean loss returned by <see cref="Forward"/>, accumulating (+=)
    /// <c>dlogits[r] += dloss * (softmax(logits[r]) - onehot(targets[r])) / count</c> for every
    /// non-ignored row, where count is the number of non-ignored rows.
    /// </summary>
    /// <exception cref="ArgumentException">When a span is too short.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When a target is outside [0, V) and is not the ignore index.</exception>
    public static void Backward(Span<float> dlogits, ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, int B, int T, int V, int ignoreIndex, float dloss = 1f)
    {
        int rows = B * T;
        Checks.Length(dlogits, (long)rows * V, nameof(dlogits));
        Checks.Length(logits, (long)rows * V, nameof(logits));
        Checks.Length(targets, rows, nameof(targets));
        int count = CountValid(targets[..rows], V, ignoreIndex);
        if (count == 0) return;
        fixed (float* d = dlogits) fixed (float* x = logits) fixed (int* tg = targets)
        {
            var job = new BwdJob { Dlogits = d, Logits = x, Targets = tg, Rows = rows, V = V, Ignore = ignoreIndex, Scale = dloss / count };
            job.Chunk = VecMath.ChunkSize(rows, Math.Max(1, 8192 / V));
            WorkPool.Run(ref job, VecMath.Chunks(rows, job.Chunk));
        }
    }
}
