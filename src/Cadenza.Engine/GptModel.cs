// Legend: B = batch size, T = sequence length, C = channels (n_embd), NH = heads, V = vocabulary,
// L = layers. Activations for the largest (B, T) are allocated once; Forward/Backward reuse them.
using Cadenza.Engine.Kernels;

namespace Cadenza.Engine;

/// <summary>
/// A GPT-2 shaped transformer for training: parameters, gradients and activations are each one
/// contiguous pinned buffer allocated once for a maximum batch (B, T). <see cref="Forward(ReadOnlySpan{int}, ReadOnlySpan{int}, int, int)"/> computes
/// logits and (with targets) the mean cross-entropy; <see cref="Backward"/> accumulates parameter
/// gradients into <see cref="Gradients"/>. Not thread-safe: one model, one caller at a time.
/// </summary>
public sealed class GptModel
{
    private readonly int _maxB, _maxT, _L, _C, _NH, _V;
    private readonly long _bt;
    // activations (sized for maxB * maxT = _bt rows)
    private readonly float[] _encoded, _ln1, _ln1Mean, _ln1Rstd, _qkv, _atty, _att, _res2, _ln2, _ln2Mean, _ln2Rstd, _fch, _res3;
    private readonly float[] _lnf, _lnfMean, _lnfRstd, _logits, _losses;
    // scratch for forward and backward
    private readonly float[] _scratchC, _scratch4C, _dres, _dtmp, _dqkv, _dfch, _dlogits, _attScratch;
    private readonly int[] _inputs, _targets;
    private readonly string[][] _names;
    private static readonly string[] BlockTensorNames =
        ["ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight", "attn.c_proj.bias",
         "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"];
    private int _B, _T;
    private bool _hasTargets, _forwardDone;

    /// <summary>
    /// Allocates a model for <paramref name="config"/> able to run batches of up to
    /// <paramref name="maxBatch"/> sequences of up to <paramref name="maxSeq"/> tokens.
    /// Parameters start at zero; call <see cref="InitializeWeights"/> or load weights into <see cref="Parameters"/>.
    /// </summary>
    /// <exception cref="ArgumentException">When the config is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When maxBatch &lt; 1, or maxSeq is not in [1, BlockSize].</exception>
    public GptModel(GptConfig config, int maxBatch, int maxSeq)
    {
        ArgumentNullException.ThrowIfNull(config);
        Layout = new ParameterLayout(config);
        if (maxBatch < 1) throw new ArgumentOutOfRangeException(nameof(maxBatch), "must be at least 1");
        if (maxSeq < 1 || maxSeq > config.BlockSize) throw new ArgumentOutOfRangeException(nameof(maxSeq), $"must be in [1, {config.BlockSize}]");
        Config = config;
        _maxB = maxBatch; _maxT = maxSeq;
        _L = config.NLayer; _C = config.NEmbd; _NH = config.NHead; _V = config.VocabSize;
        _bt = (long)maxBatch * maxSeq;
        if (Layout.TotalLength > Array.MaxLength) throw new ArgumentException("model too large for one buffer", nameof(config));
        Parameters = Alloc(Layout.TotalLength);
        Gradients = Alloc(Layout.TotalLength);
        long bt = _bt, C = _C, L = _L;
        _encoded = Alloc(bt * C);
        _ln1 = Alloc(L * bt * C); _ln1Mean = Alloc(L * bt); _ln1Rstd = Alloc(L * bt);
        _qkv = Alloc(L * bt * 3 * C); _atty = Alloc(L * bt * C);
        _att = Alloc(L * maxBatch * _NH * (long)maxSeq * maxSeq);
        _res2 = Alloc(L * bt * C); _ln2 = Alloc(L * bt * C); _ln2Mean = Alloc(L * bt); _ln2Rstd = Alloc(L * bt);
        _fch = Alloc(L * bt * 4 * C); _res3 = Alloc(L * bt * C);
        _lnf = Alloc(bt * C); _lnfMean = Alloc(bt); _lnfRstd = Alloc(bt);
        _logits = Alloc(bt * _V); _losses = Alloc(bt);
        _scratchC = Alloc(bt * C); _scratch4C = Alloc(bt * 4 * C);
        _dres = Alloc(bt * C); _dtmp = Alloc(bt * C); _dqkv = Alloc(bt * 3 * C); _dfch = Alloc(bt * 4 * C);
        _dlogits = Alloc(bt * _V);
        _attScratch = Alloc(Attention.ScratchLength(maxSeq));
        _inputs = GC.AllocateArray<int>((int)bt, pinned: true);
        _targets = GC.AllocateArray<int>((int)bt, pinned: true);
        _names = new string[_L][];
        for (int l = 0; l < _L; l++) _names[l] = Array.ConvertAll(BlockTensorNames, s => $"h.{l}.{s}");
    }

    private static float[] Alloc(long n)
    {
        if (n > Array.MaxLength) throw new ArgumentException($"buffer of {n} floats is too large");
        return GC.AllocateArray<float>((int)n, pinned: true);
    }

    /// <summary>The model shape.</summary>
    public GptConfig Config { get; }

    /// <summary>Names, shapes and offsets of the tensors inside <see cref="Parameters"/> and <see cref="Gradients"/>.</summary>
    public ParameterLayout Layout { get; }

    /// <summary>All parameters in one buffer laid out by <see cref="Layout"/> (Hugging Face GPT-2 layout).</summary>
    public float[] Parameters { get; }

    /// <summary>Gradients of the loss with respect to <see cref="Parameters"/>, same layout; accumulated by <see cref="Backward"/>.</summary>
    public float[] Gradients { get; }

    /// <summary>The largest batch size this model was allocated for.</summary>
    public int MaxBatch => _maxB;

    /// <summary>The longest sequence this model was allocated for.</summary>
    public int MaxSequence => _maxT;

    /// <summary>Target value that marks a position to leave out of the loss (e.g. the padding id). Default -1.</summary>
    public int IgnoreIndex { get; set; } = -1;

    /// <summary>Mean loss of the last <see cref="Forward(ReadOnlySpan{int}, ReadOnlySpan{int}, int, int)"/> with targets (NaN when it had none).</summary>
    public float LastLoss { get; private set; } = float.NaN;

    /// <summary>Logits (B,T,V) of the last <see cref="Forward(ReadOnlySpan{int}, ReadOnlySpan{int}, int, int)"/>, row-major.</summary>
    public ReadOnlySpan<float> Logits => _logits.AsSpan(0, _B * _T * _V);

    /// <summary>Per-position losses (B,T) of the last <see cref="Forward(ReadOnlySpan{int}, ReadOnlySpan{int}, int, int)"/> with targets (0 at ignored positions).</summary>
    public ReadOnlySpan<float> Losses => _losses.AsSpan(0, _B * _T);

    /// <summary>The slice of <see cref="Parameters"/> holding tensor <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">When no tensor has that name.</exception>
    public Span<float> Parameter(string name) => Slice(Parameters, Layout[name]);

    /// <summary>The slice of <see cref="Gradients"/> holding the gradient of tensor <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">When no tensor has that name.</exception>
    public Span<float> Gradient(string name) => Slice(Gradients, Layout[name]);

    private static Span<float> Slice(float[] buffer, ParameterTensor t) => buffer.AsSpan((int)t.Offset, (int)t.Length);

    /// <summary>
    /// GPT-2 initialization from <paramref name="seed"/> (deterministic): every weight matrix and both
    /// embeddings N(0, 0.02²), the residual projections (<c>attn.c_proj</c>, <c>mlp.c_proj</c>) with std
    /// 0.02/sqrt(2·n_layer), biases 0, LayerNorm gains 1 and shifts 0.
    /// </summary>
    public void InitializeWeights(ulong seed)
    {
        var rng = new SplitMix64(seed);
        double projStd = 0.02 / Math.Sqrt(2.0 * _L);
        foreach (var t in Layout.Tensors)
        {
            var p = Slice(Parameters, t);
            if (t.Name.Contains(".ln_") || t.Name.StartsWith("ln_f", StringComparison.Ordinal))
                p.Fill(t.Name.EndsWith(".weight", StringComparison.Ordinal) ? 1f : 0f);
            else if (!t.IsMatrix)
                p.Clear();
            else
            {
                double std = t.Name.EndsWith("c_proj.weight", StringComparison.Ordinal) ? projStd : 0.02;
                for (int i = 0; i < p.Length; i++) p[i] = (float)(rng.NextGaussian() * std);
            }
        }
    }

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGrad() => Array.Clear(Gradients);

    private Span<float> P(string name) => Parameter(name);
    private Span<float> G(string name) => Gradient(name);
    private static Span<float> Layer(float[] buf, int l, long per, long n) => buf.AsSpan((int)(l * per), (int)n);

    /// <summary>
    /// Runs the model on a (B,T) batch of token ids. With targets (B,T), also computes the mean
    /// cross-entropy over positions whose target is not <see cref="IgnoreIndex"/> and keeps what
    /// <see cref="Backward"/> needs; with an empty <paramref name="targets"/> only logits are computed.
    /// </summary>
    /// <returns>The mean loss, or NaN without targets (or when every target is ignored: 0).</returns>
    /// <exception cref="ArgumentOutOfRangeException">When B or T is outside the allocated maximum, or a token or target id is out of range.</exception>
    /// <exception cref="ArgumentException">When a span is shorter than B·T.</exception>
    public float Forward(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, int B, int T)
    {
        if (B < 1 || B > _maxB) throw new ArgumentOutOfRangeException(nameof(B), $"must be in [1, {_maxB}]");
        if (T < 1 || T > _maxT) throw new ArgumentOutOfRangeException(nameof(T), $"must be in [1, {_maxT}]");
        int n = B * T;
        if (inputs.Length < n) throw new ArgumentException($"inputs needs {n} ids", nameof(inputs));
        if (!targets.IsEmpty && targets.Length < n) throw new ArgumentException($"targets needs {n} ids", nameof(targets));
        _forwardDone = false;
        _B = B; _T = T;
        int C = _C, NH = _NH, V = _V;
        long bt = _bt;
        long N = (long)n * C;
        inputs[..n].CopyTo(_inputs);
        _hasTargets = !targets.IsEmpty;
        if (_hasTargets) targets[..n].CopyTo(_targets);

        Encoder.Forward(_encoded, inputs, P("wte.weight"), P("wpe.weight"), B, T, C);
        for (int l = 0; l < _L; l++)
        {
            var res = l == 0 ? _encoded.AsSpan(0, (int)N) : Layer(_res3, l - 1, bt * C, N);
            var ln1 = Layer(_ln1, l, bt * C, N);
            var qkv = Layer(_qkv, l, bt * 3 * C, 3 * N);
            var atty = Layer(_atty, l, bt * C, N);
            var att = Layer(_att, l, (long)_maxB * NH * _maxT * _maxT, (long)B * NH * T * T);
            var res2 = Layer(_res2, l, bt * C, N);
            var ln2 = Layer(_ln2, l, bt * C, N);
            var fch = Layer(_fch, l, bt * 4 * C, 4 * N);
            var res3 = Layer(_res3, l, bt * C, N);
            LayerNorm.Forward(ln1, Layer(_ln1Mean, l, bt, n), Layer(_ln1Rstd, l, bt, n), res, P(_names[l][0]), P(_names[l][1]), B, T, C);
            Matmul.Forward(qkv, ln1, P(_names[l][2]), P(_names[l][3]), B, T, C, 3 * C);
            Attention.Forward(atty, att, qkv, B, T, C, NH);
            Matmul.Forward(_scratchC, atty, P(_names[l][4]), P(_names[l][5]), B, T, C, C);
            Residual.Forward(res2, res, _scratchC, (int)N);
            LayerNorm.Forward(ln2, Layer(_ln2Mean, l, bt, n), Layer(_ln2Rstd, l, bt, n), res2, P(_names[l][6]), P(_names[l][7]), B, T, C);
            Matmul.Forward(fch, ln2, P(_names[l][8]), P(_names[l][9]), B, T, C, 4 * C);
            Gelu.Forward(_scratch4C, fch, 4 * N);
            Matmul.Forward(_scratchC, _scratch4C, P(_names[l][10]), P(_names[l][11]), B, T, 4 * C, C);
            Residual.Forward(res3, res2, _scratchC, (int)N);
        }
        var last = Layer(_res3, _L - 1, bt * C, N);
        LayerNorm.Forward(_lnf, _lnfMean, _lnfRstd, last, P("ln_f.weight"), P("ln_f.bias"), B, T, C);
        // LM head tied to wte (V, C): logits = lnf @ wteᵀ
        Gemm.Sgemm(false, true, n, V, C, 1f, _lnf, C, P("wte.weight"), C, 0f, _logits, V);
        if (_hasTargets)
            LastLoss = CrossEntropy.Forward(_losses, _logits, targets, B, T, V, IgnoreIndex);
        else
            LastLoss = float.NaN;
        _forwardDone = true;
        return LastLoss;
    }

    /// <summary>Runs the model on a (B,T) batch without targets; logits are in <see cref="Logits"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When B or T is outside the allocated maximum or a token id is out of range.</exception>
    /// <exception cref="ArgumentException">When <paramref name="inputs"/> is shorter than B·T.</exception>
    public void Forward(ReadOnlySpan<int> inputs, int B, int T) => Forward(inputs, ReadOnlySpan<int>.Empty, B, T);

    /// <summary>
    /// Back-propagates the mean loss of the last <see cref="Forward(ReadOnlySpan{int}, ReadOnlySpan{int}, int, int)"/> and accumulates (+=) the
    /// parameter gradients into <see cref="Gradients"/> (call <see cref="ZeroGrad"/> between steps).
    /// </summary>
    /// <exception cref="InvalidOperationException">When the last forward pass had no targets or there was none.</exception>
    public void Backward()
    {
        if (!_forwardDone || !_hasTargets) throw new InvalidOperationException("Backward needs a preceding Forward with targets");
        int B = _B, T = _T, C = _C, NH = _NH, V = _V, n = B * T;
        long bt = _bt, N = (long)n * C;
        var dlogits = _dlogits.AsSpan(0, n * V);
        dlogits.Clear();
        CrossEntropy.Backward(dlogits, _logits, _targets, B, T, V, IgnoreIndex);
        var dtmp = _dtmp.AsSpan(0, (int)N);
        var dres = _dres.AsSpan(0, (int)N);
        // LM head: dlnf = dlogits @ wte ; dwte += dlogitsᵀ @ lnf
        Gemm.Sgemm(false, false, n, C, V, 1f, dlogits, V, P("wte.weight"), C, 0f, dtmp, C);
        Gemm.Sgemm(true, false, V, C, n, 1f, dlogits, V, _lnf, C, 1f, G("wte.weight"), C);
        dres.Clear();
        LayerNorm.Backward(dres, G("ln_f.weight"), G("ln_f.bias"), dtmp, Layer(_res3, _L - 1, bt * C, N), P("ln_f.weight"), _lnfMean, _lnfRstd, B, T, C);
        var dqkv = _dqkv.AsSpan(0, (int)(3 * N));
        var dfch = _dfch.AsSpan(0, (int)(4 * N));
        var s4 = _scratch4C.AsSpan(0, (int)(4 * N));
        for (int l = _L - 1; l >= 0; l--)
        {
            var res = l == 0 ? _encoded.AsSpan(0, (int)N) : Layer(_res3, l - 1, bt * C, N);
            var ln1 = Layer(_ln1, l, bt * C, N);
            var qkv = Layer(_qkv, l, bt * 3 * C, 3 * N);
            var atty = Layer(_atty, l, bt * C, N);
            var att = Layer(_att, l, (long)_maxB * NH * _maxT * _maxT, (long)B * NH * T * T);
            var res2 = Layer(_res2, l, bt * C, N);
            var ln2 = Layer(_ln2, l, bt * C, N);
            var fch = Layer(_fch, l, bt * 4 * C, 4 * N);
            // MLP: residual3 = residual2 + c_proj(gelu(c_fc(ln_2(residual2)))); dres is d(residual3) = d(residual2) part
            Gelu.Forward(s4, fch, 4 * N); // recomputed instead of stored
            Matmul.Backward(Span<float>.Empty, G(_names[l][10]), G(_names[l][11]), dres, s4, P(_names[l][10]), B, T, 4 * C, C);
            Gemm.Sgemm(false, true, n, 4 * C, C, 1f, dres, C, P(_names[l][10]), C, 0f, s4, 4 * C);
            dfch.Clear();
            Gelu.Backward(dfch, fch, s4, 4 * N);
            dtmp.Clear();
            Matmul.Backward(dtmp, G(_names[l][8]), G(_names[l][9]), dfch, ln2, P(_names[l][8]), B, T, C, 4 * C);
            LayerNorm.Backward(dres, G(_names[l][6]), G(_names[l][7]), dtmp, res2, P(_names[l][6]), Layer(_ln2Mean, l, bt, n), Layer(_ln2Rstd, l, bt, n), B, T, C);
            // attention: residual2 = residual + c_proj(attn(ln_1(residual)))
            dtmp.Clear();
            Matmul.Backward(dtmp, G(_names[l][4]), G(_names[l][5]), dres, atty, P(_names[l][4]), B, T, C, C);
            dqkv.Clear();
            Attention.Backward(dqkv, _attScratch, dtmp, qkv, att, B, T, C, NH);
            dtmp.Clear();
            Matmul.Backward(dtmp, G(_names[l][2]), G(_names[l][3]), dqkv, ln1, P(_names[l][2]), B, T, C, 3 * C);
            LayerNorm.Backward(dres, G(_names[l][0]), G(_names[l][1]), dtmp, res, P(_names[l][0]), Layer(_ln1Mean, l, bt, n), Layer(_ln1Rstd, l, bt, n), B, T, C);
        }
        Encoder.Backward(G("wte.weight"), G("wpe.weight"), dres, _inputs, B, T, C);
    }
}
