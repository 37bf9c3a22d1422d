// Legend: B = batch of sequences decoded together, T = new tokens per sequence in one call,
// C = channels, NH = heads, hs = head size, V = vocabulary, L = layers, P = positions cached so far.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Cadenza.Engine.Kernels;

namespace Cadenza.Engine;

/// <summary>
/// Incremental decoding with a key/value cache for a batch of sequences that advance together:
/// <see cref="Prefill"/> runs the prompts (B sequences of the same length) and caches every layer's
/// keys and values, then each <see cref="Step"/> feeds one new token per sequence and returns the
/// next-token logits (B, V), attending over everything cached. Uses the weights of a
/// <see cref="GptModel"/> (or any parameter buffer in <see cref="ParameterLayout"/> order) without
/// copying them; all state is allocated once in the constructor and a step allocates nothing.
/// Each step reads every weight once for the whole batch (few-row matrix products), so batch 8
/// costs little more than batch 1. Not thread-safe.
/// </summary>
public sealed unsafe class KvCache
{
    private const int GemmRows = 16; // from this many rows on, the blocked GEMM path is used
    private readonly float[] _params;
    private readonly ParameterLayout _layout;
    private readonly int _L, _C, _NH, _hs, _V, _maxB, _maxT;
    private readonly float[] _k, _v;               // (L, maxB, NH, maxT, hs)
    private readonly float[] _x, _xn, _qkv, _y, _h, _last, _logits, _scores, _partial;
    private readonly long[] _off;                   // per-layer tensor offsets, 12 per layer
    private readonly long _wte, _wpe, _lnfW, _lnfB;
    private int _b, _len;

    /// <summary>Creates a cache that decodes with <paramref name="model"/>'s parameters (shared, not copied).</summary>
    /// <exception cref="ArgumentOutOfRangeException">When maxBatch &lt; 1 or maxLength is not in [1, BlockSize].</exception>
    public KvCache(GptModel model, int maxBatch, int maxLength)
        : this((model ?? throw new ArgumentNullException(nameof(model))).Config, model.Parameters, maxBatch, maxLength) { }

    /// <summary>Creates a cache that decodes with <paramref name="parameters"/> laid out as <see cref="ParameterLayout"/> for <paramref name="config"/>.</summary>
    /// <exception cref="ArgumentException">When the config is invalid or the parameter buffer has the wrong length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When maxBatch &lt; 1 or maxLength is not in [1, BlockSize].</exception>
    public KvCache(GptConfig config, float[] parameters, int maxBatch, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(parameters);
        _layout = new ParameterLayout(config);
        if (parameters.Length != _layout.TotalLength) throw new ArgumentException($"expected {_layout.TotalLength} parameters, got {parameters.Length}", nameof(parameters));
        if (maxBatch < 1) throw new ArgumentOutOfRangeException(nameof(maxBatch), "must be at least 1");
        if (maxLength < 1 || maxLength > config.BlockSize) throw new ArgumentOutOfRangeException(nameof(maxLength), $"must be in [1, {config.BlockSize}]");
        Config = config;
        _params = parameters;
        _L = config.NLayer; _C = config.NEmbd; _NH = config.NHead; _hs = config.HeadSize; _V = config.VocabSize;
        _maxB = maxBatch; _maxT = maxLength;
        long cache = (long)_L * maxBatch * _NH * maxLength * _hs;
        _k = Alloc(cache); _v = Alloc(cache);
        long rows = (long)maxBatch * maxLength;
        _x = Alloc(rows * _C); _xn = Alloc(rows * _C); _qkv = Alloc(rows * 3 * _C); _y = Alloc(rows * _C); _h = Alloc(rows * 4 * _C);
        _last = Alloc((long)maxBatch * _C);
        _logits = Alloc((long)maxBatch * _V);
        _scores = Alloc((long)EngineThreads.Max * maxLength);
        _partial = Alloc(SmallMatmul.PartialLength(Math.Min(maxBatch * maxLength, GemmRows), 4 * _C));
        string[] names = ["ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight", "attn.c_proj.bias",
            "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"];
        _off = new long[_L * 12];
        for (int l = 0; l < _L; l++)
            for (int i = 0; i < 12; i++) _off[l * 12 + i] = _layout[$"h.{l}.{names[i]}"].Offset;
        _wte = _layout["wte.weight"].Offset; _wpe = _layout["wpe.weight"].Offset;
        _lnfW = _layout["ln_f.weight"].Offset; _lnfB = _layout["ln_f.bias"].Offset;
    }

    private static float[] Alloc(long n)
    {
        if (n > Array.MaxLength) throw new ArgumentException($"buffer of {n} floats is too large");
        return GC.AllocateArray<float>((int)n, pinned: true);
    }

    /// <summary>The model shape.</summary>
    public GptConfig Config { get; }

    /// <summary>Largest number of sequences decoded together.</summary>
    public int MaxBatch => _maxB;

    /// <summary>Largest number of positions (prompt + generated) a sequence can have.</summary>
    public int MaxLength => _maxT;

    /// <summary>Number of sequences in the current batch (set by <see cref="Prefill"/>).</summary>
    public int BatchSize => _b;

    /// <summary>Number of positions cached so far for every sequence.</summary>
    public int Length => _len;

    /// <summary>The (B, V) logits returned by the last <see cref="Prefill"/> or <see cref="Step"/>.</summary>
    public ReadOnlySpan<float> Logits => _logits.AsSpan(0, _b * _V);

    /// <summary>Forgets every cached position.</summary>
    public void Reset() { _len = 0; _b = 0; }

    /// <summary>
    /// Starts a new batch: forgets the cache and runs <paramref name="batchSize"/> prompts of
    /// <paramref name="promptLength"/> tokens each (row-major (B, T) in <paramref name="prompts"/>).
    /// </summary>
    /// <returns>The next-token logits after each prompt, (B, V) row-major; valid until the next call.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When the batch or prompt is empty or too large, or a token id is outside [0, V).</exception>
    /// <exception cref="ArgumentException">When <paramref name="prompts"/> holds fewer than B·T ids.</exception>
    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> prompts, int batchSize, int promptLength)
    {
        if (batchSize < 1 || batchSize > _maxB) throw new ArgumentOutOfRangeException(nameof(batchSize), $"must be in [1, {_maxB}]");
        if (promptLength < 1 || promptLength > _maxT) throw new ArgumentOutOfRangeException(nameof(promptLength), $"must be in [1, {_maxT}]");
        if (prompts.Length < batchSize * promptLength) throw new ArgumentException($"needs {batchSize * promptLength} token ids", nameof(prompts));
        CheckTokens(prompts[..(batchSize * promptLength)]);
        _b = batchSize;
        _len = 0;
        Run(prompts, promptLength);
        return Logits;
    }

    /// <summary>Appends one token to every sequence (<paramref name="tokens"/>[b] for sequence b) and returns the next-token logits.</summary>
    /// <returns>The (B, V) logits, row-major; valid until the next call.</returns>
    /// <exception cref="InvalidOperationException">Before <see cref="Prefill"/>, or when the cache is full.</exception>
    /// <exception cref="ArgumentException">When fewer than <see cref="BatchSize"/> tokens are given.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When a token id is outside [0, V).</exception>
    public ReadOnlySpan<float> Step(ReadOnlySpan<int> tokens)
    {
        if (_b == 0) throw new InvalidOperationException("call Prefill before Step");
        if (_len >= _maxT) throw new InvalidOperationException($"the cache is full ({_maxT} positions)");
        if (tokens.Length < _b) throw new ArgumentException($"needs one token per sequence ({_b})", nameof(tokens));
        CheckTokens(tokens[.._b]);
        Run(tokens, 1);
        return Logits;
    }

    private void CheckTokens(ReadOnlySpan<int> tokens)
    {
        foreach (int t in tokens)
            if ((uint)t >= (uint)_V) throw new ArgumentOutOfRangeException(nameof(tokens), $"token id {t} is outside [0, {_V})");
    }

    private void Run(ReadOnlySpan<int> tokens, int T)
    {
        int B = _b, C = _C, rows = B * T, pos = _len;
        fixed (float* p = _params) fixed (float* x = _x) fixed (float* xn = _xn) fixed (float* qkv = _qkv)
        fixed (float* y = _y) fixed (float* h = _h) fixed (float* last = _last) fixed (float* logits = _logits)
        fixed (float* kc = _k) fixed (float* vc = _v) fixed (float* sc = _scores) fixed (float* part = _partial)
        {
            _part = part;
            for (int b = 0; b < B; b++)
                for (int t = 0; t < T; t++)
                {
                    float* dst = x + (long)(b * T + t) * C;
                    VecMath.Copy(dst, p + _wte + (long)tokens[b * T + t] * C, C);
                    VecMath.Add(dst, p + _wpe + (long)(pos + t) * C, C);
                }
            for (int l = 0; l < _L; l++)
            {
                var o = _off.AsSpan(l * 12, 12);
                Norm(xn, x, p + o[0], p + o[1], rows);
                Linear(qkv, xn, p + o[2], p + o[3], rows, C, 3 * C, Epilogue.Store);
                Attend(y, qkv, kc, vc, sc, l, B, T, pos);
                Linear(x, y, p + o[4], p + o[5], rows, C, C, Epilogue.Accumulate);
                Norm(xn, x, p + o[6], p + o[7], rows);
                Linear(h, xn, p + o[8], p + o[9], rows, C, 4 * C, Epilogue.Gelu);
                Linear(x, h, p + o[10], p + o[11], rows, 4 * C, C, Epilogue.Accumulate);
            }
            for (int b = 0; b < B; b++) VecMath.Copy(xn + (long)b * C, x + (long)(b * T + T - 1) * C, C);
            Norm(last, xn, p + _lnfW, p + _lnfB, B);
            SmallMatmul.Head(logits, last, p + _wte, B, C, _V);
        }
        _len = pos + T;
    }

    private void Norm(float* output, float* inp, float* w, float* b, int rows)
    {
        int C = _C;
        LayerNorm.Forward(new Span<float>(output, rows * C), Span<float>.Empty, Span<float>.Empty,
            new ReadOnlySpan<float>(inp, rows * C), new ReadOnlySpan<float>(w, C), new ReadOnlySpan<float>(b, C), rows, 1, C);
    }

    private float* _part; // pinned _partial while Run is active

    /// <summary>Few-row products: which kernel (for benchmarks and tests; 0 = split-K, 1 = column strips).</summary>
    internal static int SmallKernel { get; set; } = Environment.GetEnvironmentVariable("CADENZA_SMALL_KERNEL") == "strips" ? 1 : 0;

    private void Linear(float* output, float* inp, float* w, float* bias, int rows, int K, int N, Epilogue ep)
    {
        if (rows < GemmRows)
        {
            if (SmallKernel == 0) SmallMatmul.RunSplitK(output, inp, w, bias, rows, K, N, ep, _part);
            else SmallMatmul.Run(output, inp, w, bias, rows, K, N, ep);
            return;
        }
        // many rows (prefill): blocked GEMM, then the epilogue
        if (ep == Epilogue.Accumulate)
        {
            for (int r = 0; r < rows; r++) VecMath.Add(output + (long)r * N, bias, N);
            Gemm.Run(false, false, rows, N, K, 1f, inp, K, w, N, 1f, output, N);
            return;
        }
        for (int r = 0; r < rows; r++) VecMath.Copy(output + (long)r * N, bias, N);
        Gemm.Run(false, false, rows, N, K, 1f, inp, K, w, N, 1f, output, N);
        if (ep == Epilogue.Gelu)
            Gelu.Forward(new Span<float>(output, rows * N), new ReadOnlySpan<float>(output, rows * N), (long)rows * N);
    }

    private struct AttendJob : IParallelJob
    {
        public float* Y, Qkv, K, V, Scores;
        public int NH, hs, C, T, Pos, MaxT, MaxB, Layer;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int index, int thread)
        {
            int b = index / NH, h = index % NH, hs = this.hs, C = this.C;
            long cacheBase = (((long)Layer * MaxB + b) * NH + h) * MaxT * hs;
            float* kc = K + cacheBase, vc = V + cacheBase;
            float* s = Scores + (long)thread * MaxT;
            float scale = 1f / MathF.Sqrt(hs);
            // store this call's keys and values
            for (int t = 0; t < T; t++)
            {
                float* row = Qkv + (long)(b * T + t) * 3 * C + h * hs;
                VecMath.Copy(kc + (long)(Pos + t) * hs, row + C, hs);
                VecMath.Copy(vc + (long)(Pos + t) * hs, row + 2 * C, hs);
            }
            for (int t = 0; t < T; t++)
            {
                float* q = Qkv + (long)(b * T + t) * 3 * C + h * hs;
                int n = Pos + t + 1;
                for (int j = 0; j < n; j++) s[j] = VecMath.Dot(q, kc + (long)j * hs, hs) * scale;
                float m = VecMath.Max(s, n);
                float inv = 1f / VecMath.ExpShiftSum(s, n, m);
                float* y = Y + (long)(b * T + t) * C + h * hs;
                new Span<float>(y, hs).Clear();
                for (int j = 0; j < n; j++) VecMath.Axpy(y, s[j] * inv, vc + (long)j * hs, hs);
            }
        }
    }

    private void Attend(float* y, float* qkv, float* kc, float* vc, float* scores, int layer, int B, int T, int pos)
    {
        var job = new AttendJob
        {
            Y = y, Qkv = qkv, K = kc, V = vc, Scores = scores, NH = _NH, hs = _hs, C = _C, T = T, Pos = pos,
            MaxT = _maxT, MaxB = _maxB, Layer = layer,
        };
        WorkPool.Run(ref job, B * _NH);
    }
}
