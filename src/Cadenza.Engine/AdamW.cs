using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Cadenza.Engine.Kernels;

namespace Cadenza.Engine;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter) with decoupled weight decay applied only to 2-D weights
/// (<see cref="ParameterTensor.IsMatrix"/>: projections and embeddings; not biases or LayerNorm),
/// matching <c>torch.optim.AdamW</c>: <c>p -= lr·wd·p</c>, then
/// <c>m = β1 m + (1-β1) g</c>, <c>v = β2 v + (1-β2) g²</c>,
/// <c>p -= lr · (m / (1-β1ᵗ)) / (sqrt(v / (1-β2ᵗ)) + eps)</c>.
/// The moments and the step count are public so a checkpoint can save and restore them.
/// </summary>
public sealed unsafe class AdamW
{
    private readonly float[] _m, _v;
    private readonly long[] _segStart;
    private readonly int[] _segLength;
    private readonly bool[] _segDecay;
    private const int Segment = 1 << 15;

    /// <summary>Creates an optimizer for the parameters described by <paramref name="layout"/>, with zero moments.</summary>
    /// <exception cref="ArgumentNullException">When <paramref name="layout"/> is null.</exception>
    public AdamW(ParameterLayout layout, float learningRate = 3e-4f, float beta1 = 0.9f, float beta2 = 0.95f, float eps = 1e-8f, float weightDecay = 0.1f)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Layout = layout;
        LearningRate = learningRate; Beta1 = beta1; Beta2 = beta2; Eps = eps; WeightDecay = weightDecay;
        _m = GC.AllocateArray<float>((int)layout.TotalLength, pinned: true);
        _v = GC.AllocateArray<float>((int)layout.TotalLength, pinned: true);
        var starts = new List<long>(); var lens = new List<int>(); var decay = new List<bool>();
        foreach (var t in layout.Tensors)
            for (long o = 0; o < t.Length; o += Segment)
            {
                starts.Add(t.Offset + o);
                lens.Add((int)Math.Min(Segment, t.Length - o));
                decay.Add(t.IsMatrix);
            }
        _segStart = starts.ToArray(); _segLength = lens.ToArray(); _segDecay = decay.ToArray();
    }

    /// <summary>The parameter layout this optimizer updates.</summary>
    public ParameterLayout Layout { get; }

    /// <summary>Learning rate used by <see cref="Update(Span{float}, ReadOnlySpan{float})"/>.</summary>
    public float LearningRate { get; set; }
    /// <summary>First-moment decay (default 0.9).</summary>
    public float Beta1 { get; set; }
    /// <summary>Second-moment decay (default 0.95).</summary>
    public float Beta2 { get; set; }
    /// <summary>Denominator epsilon (default 1e-8).</summary>
    public float Eps { get; set; }
    /// <summary>Decoupled weight decay for 2-D weights (default 0.1).</summary>
    public float WeightDecay { get; set; }

    /// <summary>Number of updates done so far (t in the bias corrections); restore it with the moments.</summary>
    public long Step { get; set; }

    /// <summary>First moments, one per parameter, in the layout's order.</summary>
    public Span<float> M => _m;

    /// <summary>Second moments, one per parameter, in the layout's order.</summary>
    public Span<float> V => _v;

    /// <summary>Sets the moments and the step count to zero.</summary>
    public void Reset() { Array.Clear(_m); Array.Clear(_v); Step = 0; }

    private struct Job : IParallelJob
    {
        public float* P, G, M, V;
        public long* Start; public int* Len; public bool* Decay;
        public float Lr, B1, B2, Eps, Wd, Bc1, Bc2Sqrt;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int index, int thread)
        {
            long s = Start[index];
            int n = Len[index];
            float* p = P + s, g = G + s, m = M + s, v = V + s;
            float decay = Decay[index] ? 1f - Lr * Wd : 1f;
            float step = Lr / Bc1;
            float ib = 1f / Bc2Sqrt;
            var vb1 = Vector256.Create(B1); var vb1c = Vector256.Create(1f - B1);
            var vb2 = Vector256.Create(B2); var vb2c = Vector256.Create(1f - B2);
            var vdec = Vector256.Create(decay); var vstep = Vector256.Create(step); var vib = Vector256.Create(ib); var veps = Vector256.Create(Eps);
            int i = 0;
            for (; i <= n - 8; i += 8)
            {
                var gi = Vector256.Load(g + i);
                var mi = vb1 * Vector256.Load(m + i) + vb1c * gi;
                var vi = vb2 * Vector256.Load(v + i) + vb2c * gi * gi;
                Vector256.Store(mi, m + i); Vector256.Store(vi, v + i);
                var pi = Vector256.Load(p + i) * vdec;
                pi -= vstep * mi / (Vector256.Sqrt(vi) * vib + veps);
                Vector256.Store(pi, p + i);
            }
            for (; i < n; i++)
            {
                float gi = g[i];
                float mi = B1 * m[i] + (1f - B1) * gi;
                float vi = B2 * v[i] + (1f - B2) * gi * gi;
                m[i] = mi; v[i] = vi;
                p[i] = p[i] * decay - step * mi / (MathF.Sqrt(vi) * ib + Eps);
            }
        }
    }

    /// <summary>Does one AdamW update of <paramref name="parameters"/> from <paramref name="gradients"/> with <see cref="LearningRate"/>; increments <see cref="Step"/>.</summary>
    /// <exception cref="ArgumentException">When a span's length is not the layout's total length.</exception>
    public void Update(Span<float> parameters, ReadOnlySpan<float> gradients) => Update(parameters, gradients, LearningRate);

    /// <summary>Does one AdamW update with learning rate <paramref name="learningRate"/>; increments <see cref="Step"/>.</summary>
    /// <exception cref="ArgumentException">When a span's length is not the layout's total length.</exception>
    public void Update(Span<float> parameters, ReadOnlySpan<float> gradients, float learningRate)
    {
        if (parameters.Length != Layout.TotalLength) throw new ArgumentException($"expected {Layout.TotalLength} parameters", nameof(parameters));
        if (gradients.Length != Layout.TotalLength) throw new ArgumentException($"expected {Layout.TotalLength} gradients", nameof(gradients));
        Step++;
        double bc1 = 1 - Math.Pow(Beta1, Step), bc2 = 1 - Math.Pow(Beta2, Step);
        fixed (float* p = parameters) fixed (float* g = gradients) fixed (float* m = _m) fixed (float* v = _v)
        fixed (long* st = _segStart) fixed (int* ln = _segLength) fixed (bool* dc = _segDecay)
        {
            var job = new Job
            {
                P = p, G = g, M = m, V = v, Start = st, Len = ln, Decay = dc,
                Lr = learningRate, B1 = Beta1, B2 = Beta2, Eps = Eps, Wd = WeightDecay, Bc1 = (float)bc1, Bc2Sqrt = (float)Math.Sqrt(bc2),
            };
            WorkPool.Run(ref job, _segStart.Length);
        }
    }
}

/// <summary>Global gradient-norm clipping, as <c>torch.nn.utils.clip_grad_norm_</c>.</summary>
public static unsafe class GradientClipping
{
    /// <summary>The L2 norm of all of <paramref name="gradients"/>, accumulated in double.</summary>
    public static double GlobalNorm(ReadOnlySpan<float> gradients)
    {
        double total = 0;
        fixed (float* g = gradients)
        {
            int n = gradients.Length;
            for (int s = 0; s < n; s += 4096)
            {
                int e = Math.Min(n, s + 4096), i = s;
                var acc = Vector256<float>.Zero;
                for (; i <= e - 8; i += 8) { var x = Vector256.Load(g + i); acc = VecMath.Fmadd(x, x, acc); }
                double part = Vector256.Sum(acc);
                for (; i < e; i++) part += (double)g[i] * g[i];
                total += part;
            }
        }
        return Math.Sqrt(total);
    }

    /// <summary>
    /// Scales <paramref name="gradients"/> by <c>maxNorm / (norm + 1e-6)</c> when that factor is below 1
    /// and returns the norm before clipping.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="maxNorm"/> is not positive.</exception>
    public static float ClipGlobalNorm(Span<float> gradients, float maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), "must be positive");
        double norm = GlobalNorm(gradients);
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1)
            fixed (float* g = gradients) VecMath.Scale(g, gradients.Length, (float)coef);
        return (float)norm;
    }
}

/// <summary>
/// Learning rate: linear warm-up from <c>MaxLr/WarmupSteps</c> to <paramref name="MaxLr"/> over
/// <paramref name="WarmupSteps"/> steps, then a cosine decay to <paramref name="MinLr"/> at
/// <paramref name="TotalSteps"/>, and <paramref name="MinLr"/> after (nanoGPT's <c>get_lr</c>).
/// </summary>
/// <param name="MaxLr">Peak learning rate.</param>
/// <param name="MinLr">Final learning rate.</param>
/// <param name="WarmupSteps">Steps of linear warm-up (0 for none).</param>
/// <param name="TotalSteps">Step at which the cosine reaches <paramref name="MinLr"/>.</param>
public sealed record LearningRateSchedule(float MaxLr, float MinLr, int WarmupSteps, int TotalSteps)
{
    /// <summary>The learning rate for zero-based step <paramref name="step"/>.</summary>
    public float At(long step)
    {
        if (step < WarmupSteps) return MaxLr * (step + 1) / WarmupSteps;
        if (step >= TotalSteps || TotalSteps <= WarmupSteps) return MinLr;
        double ratio = (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps);
        double coeff = 0.5 * (1.0 + Math.Cos(Math.PI * ratio));
        return (float)(MinLr + coeff * (MaxLr - MinLr));
    }
}
