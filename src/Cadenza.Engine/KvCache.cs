// Legend: B = batch of sequences decoded together, T = new tokens per sequence in one call,
// C = channels, NH = heads, hs = head size, V = vocabulary, L = layers, P = positions cached so far.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Cadenza.Engine.Kernels;

namespace Cadenza.Engine;

/// <summary>
/// Incremental decoding with a key/value cache for a batch of sequences that advance together:
/// <see cref="Prefill"/> runs the prompts (B sequences of the same length) and caches every layer's
/// keys and values, then each <see cref="Step"/> feeds one new token per sequence and returns the
/// next-token logits (B, V), attending over everything cached. Uses the weights of a
/// <see cref="GptModel"/> (or any parameter buffer in <see cref="ParameterLayout"/> order) as they are
/// at each <see cref="Prefill"/>, which copies them once into a 64-byte aligned buffer (so the
/// decoding kernels' 512-bit loads never straddle cache lines); all state, that copy included, is
/// allocated once in the constructor and a step allocates nothing.
/// Each step reads every weight once for the whole batch (few-row matrix products), so batch 8
/// costs little more than batch 1. Not thread-safe.
/// </summary>
public sealed unsafe class KvCache
{
    private const int GemmRows = 16; // from this many rows on, the blocked GEMM path is used
    private readonly float[] _params;
    private readonly float[] _w;                    // 64-byte aligned copy of _params from the last Prefill
    private readonly int _wAlign;                   // floats skipped at the start of _w to reach 64 bytes
    private bool _packed;                           // _w's layer matrices are strip-packed (AVX-512 decoding)
    private float* _orig;                           // pinned _params while Run is active (row-major weights)
    private float* _p;                              // pinned, aligned snapshot in _w while Run is active
    private readonly ParameterLayout _layout;
    private readonly int _L, _C, _NH, _hs, _V, _maxB, _maxT;
    private readonly int _stride;                   // maxT rounded up to 16: positions per head in the caches
    private readonly float[] _k, _v;               // keys (L, maxB, NH, stride/16, hs, 16); values (L, maxB, NH, stride, hs)
    private readonly float[] _x, _xn, _qkv, _y, _h, _last, _logits, _scores, _partial;
    private readonly long[] _off;                   // per-layer tensor offsets, 12 per layer
    private readonly long _wte, _wpe, _lnfW, _lnfB;
    private int _b, _len;

    /// <summary>Creates a cache that decodes with <paramref name="model"/>'s parameters (read at every <see cref="Prefill"/>).</summary>
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
        _w = GC.AllocateArray<float>(parameters.Length + 16, pinned: true);
        fixed (float* w = _w) _wAlign = (int)((64 - ((nint)w & 63)) & 63) / sizeof(float);
        _L = config.NLayer; _C = config.NEmbd; _NH = config.NHead; _hs = config.HeadSize; _V = config.VocabSize;
        _maxB = maxBatch; _maxT = maxLength;
        _stride = (maxLength + 15) & ~15;
        long cache = (long)_L * maxBatch * _NH * _stride * _hs;
        _k = Alloc(cache); _v = Alloc(cache);
        long rows = (long)maxBatch * maxLength;
        _x = Alloc(rows * _C); _xn = Alloc(rows * _C); _qkv = Alloc(rows * 3 * _C); _y = Alloc(rows * _C); _h = Alloc(rows * 4 * _C);
        _last = Alloc((long)maxBatch * _C);
        _logits = Alloc((long)maxBatch * _V);
        _scores = Alloc((long)EngineThreads.Max * _stride);
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
        Snapshot();
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
        TunedRun(tokens);
        return Logits;
    }

    /// <summary>
    /// Copies the parameters into the aligned buffer; with the AVX-512 kernels, the four matrix weights
    /// of every layer are stored there strip-packed (<see cref="WideMatmul.Pack"/>) so decoding streams them sequentially.
    /// </summary>
    private void Snapshot()
    {
        _packed = SmallKernel == 0 && WideMatmul.Supported;
        _params.AsSpan().CopyTo(_w.AsSpan(_wAlign));
        if (!_packed) return;
        int C = _C;
        fixed (float* src = _params) fixed (float* w0 = _w)
        {
            float* dst = w0 + _wAlign;
            for (int l = 0; l < _L; l++)
            {
                long o2 = _off[l * 12 + 2], o4 = _off[l * 12 + 4], o8 = _off[l * 12 + 8], o10 = _off[l * 12 + 10];
                WideMatmul.Pack(dst + o2, src + o2, C, 3 * C);
                WideMatmul.Pack(dst + o4, src + o4, C, C);
                WideMatmul.Pack(dst + o8, src + o8, C, 4 * C);
                WideMatmul.Pack(dst + o10, src + o10, 4 * C, C);
            }
        }
    }

    private void CheckTokens(ReadOnlySpan<int> tokens)
    {
        foreach (int t in tokens)
            if ((uint)t >= (uint)_V) throw new ArgumentOutOfRangeException(nameof(tokens), $"token id {t} is outside [0, {_V})");
    }

    private void Run(ReadOnlySpan<int> tokens, int T)
    {
        int B = _b, C = _C, rows = B * T, pos = _len;
        fixed (float* w0 = _w) fixed (float* orig = _params) fixed (float* x = _x) fixed (float* xn = _xn) fixed (float* qkv = _qkv)
        fixed (float* y = _y) fixed (float* h = _h) fixed (float* last = _last) fixed (float* logits = _logits)
        fixed (float* kc = _k) fixed (float* vc = _v) fixed (float* sc = _scores) fixed (float* part = _partial)
        {
            float* p = w0 + _wAlign;
            _part = part;
            _orig = orig;
            _p = p;
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
                Linear(qkv, xn, o[2], p + o[3], rows, C, 3 * C, Epilogue.Store);
                Attend(y, qkv, kc, vc, sc, l, B, T, pos);
                Linear(x, y, o[4], p + o[5], rows, C, C, Epilogue.Accumulate);
                Norm(xn, x, p + o[6], p + o[7], rows);
                Linear(h, xn, o[8], p + o[9], rows, C, 4 * C, Epilogue.Gelu);
                Linear(x, h, o[10], p + o[11], rows, 4 * C, C, Epilogue.Accumulate);
            }
            for (int b = 0; b < B; b++) VecMath.Copy(xn + (long)b * C, x + (long)(b * T + T - 1) * C, C);
            Norm(last, xn, p + _lnfW, p + _lnfB, B);
            if (SmallKernel == 0 && WideMatmul.Supported) WideMatmul.Head(logits, last, p + _wte, B, C, _V, Threads(B));
            else SmallMatmul.Head(logits, last, p + _wte, B, C, _V);
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

    /// <summary>
    /// Few-row products: which kernel (for benchmarks and tests; 0 = AVX-512 register strips
    /// (<see cref="WideMatmul"/>) where supported, else split-K; 1 = AVX2 column strips; 2 = split-K).
    /// </summary>
    internal static int SmallKernel { get; set; } = Environment.GetEnvironmentVariable("CADENZA_SMALL_KERNEL") switch
    {
        "strips" => 1,
        "splitk" => 2,
        _ => 0,
    };

    /// <summary>
    /// Most threads a decoding step (fewer than <see cref="GemmRows"/> rows) uses, within
    /// <see cref="EngineThreads.Count"/>; default all (<c>CADENZA_DECODE_THREADS</c> overrides). Each
    /// product is split one 128-column strip per work item, so a thread that is descheduled on a busy
    /// machine holds up at most one strip.
    /// </summary>
    internal static int DecodeThreads { get; set; } =
        int.TryParse(Environment.GetEnvironmentVariable("CADENZA_DECODE_THREADS"), out int dt) && dt >= 1 ? dt : int.MaxValue;

    /// <summary>
    /// Whether <see cref="Step"/> picks its thread count by measurement (default; off when
    /// <c>CADENZA_DECODE_THREADS</c> is set): every <see cref="TuneCycle"/> steps it times
    /// <see cref="TuneProbe"/> steps with its current choice and then as many with the other one
    /// (one thread or <see cref="DecodeThreads"/>), and switches when the other is clearly faster.
    /// On an idle machine two threads win; when other processes keep the cores busy, a worker that
    /// is descheduled mid-step stalls every product, and one thread wins. Results do not depend on it.
    /// </summary>
    internal static bool AdaptiveThreads { get; set; } = Environment.GetEnvironmentVariable("CADENZA_DECODE_THREADS") == null;

    private const int TuneCycle = 64, TuneProbe = 4;
    private int _tuneThreads = int.MaxValue; // current choice for decoding steps
    private int _tunePhase = TuneCycle - 2 * TuneProbe; // so the first comparison comes after 8 steps
    private long _tuneBase, _tuneTry;
    private int _stepThreads = int.MaxValue; // threads for the Run in progress

    private int Threads(int rows)
    {
        if (rows >= GemmRows) return EngineThreads.Count;
        if (!WorkPool.CanParallelize) return 1;
        return Math.Min(Math.Min(EngineThreads.Count, DecodeThreads), _stepThreads);
    }

    /// <summary>Runs one decoding step with the measured thread choice (see <see cref="AdaptiveThreads"/>).</summary>
    private void TunedRun(ReadOnlySpan<int> tokens)
    {
        int max = Math.Min(EngineThreads.Count, DecodeThreads);
        if (!AdaptiveThreads || max <= 1)
        {
            _stepThreads = int.MaxValue;
            Run(tokens, 1);
            return;
        }
        int current = Math.Min(_tuneThreads, max), other = current == 1 ? max : 1;
        bool probing = _tunePhase >= TuneCycle - TuneProbe, baseline = !probing && _tunePhase >= TuneCycle - 2 * TuneProbe;
        _stepThreads = probing ? other : current;
        long t0 = Stopwatch.GetTimestamp();
        Run(tokens, 1);
        long dt = Stopwatch.GetTimestamp() - t0;
        if (baseline) _tuneBase += dt;
        else if (probing) _tuneTry += dt;
        if (++_tunePhase == TuneCycle)
        {
            if (_tuneTry * 10 < _tuneBase * 9) _tuneThreads = other;
            else _tuneThreads = current;
            _tunePhase = 0; _tuneBase = 0; _tuneTry = 0;
        }
        _stepThreads = int.MaxValue;
    }

    /// <summary>output (rows, N) (=, +=, gelu) inp (rows, K) @ the weight at offset wOff + bias.</summary>
    private void Linear(float* output, float* inp, long wOff, float* bias, int rows, int K, int N, Epilogue ep)
    {
        float* w = (_packed ? _orig : _p) + wOff; // row-major
        if (rows < GemmRows)
        {
            if (SmallKernel == 0 && WideMatmul.Supported)
                WideMatmul.Run(output, inp, _packed ? _p + wOff : w, bias, rows, K, N, ep, Threads(rows), _packed);
            else if (SmallKernel != 1) SmallMatmul.RunSplitK(output, inp, w, bias, rows, K, N, ep, _part);
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
        public int NH, hs, C, T, Pos, Stride, MaxB, Layer;
        public bool Wide; // AVX-512 path (hs a multiple of 16)

        /// <summary>
        /// y (hs) = Σⱼ softmax(q·kⱼ·scale) vⱼ over the n cached positions. kt is the head's key cache in
        /// blocks of 16 positions, each block (hs, 16) (position p, channel d at (p/16)·hs·16 + d·16 + p%16),
        /// so the keys stream sequentially and scores for 16 positions at a time are plain FMAs;
        /// s is scratch (n rounded up to 16).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void WideAttend(float* y, float* q, float* kt, float* vc, float* s, int n, int hs, float scale)
        {
            int blocks = (n + 15) >> 4; // positions past n in the last block hold stale finite values (or zeros), ignored
            var sc = Vector512.Create(scale);
            for (int bk = 0; bk < blocks; bk++)
            {
                float* k = kt + (long)bk * hs * 16;
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int d = 0; d < hs; d += 4, k += 64)
                {
                    a0 = Avx512F.FusedMultiplyAdd(Vector512.Create(q[d]), Vector512.Load(k), a0);
                    a1 = Avx512F.FusedMultiplyAdd(Vector512.Create(q[d + 1]), Vector512.Load(k + 16), a1);
                    a2 = Avx512F.FusedMultiplyAdd(Vector512.Create(q[d + 2]), Vector512.Load(k + 32), a2);
                    a3 = Avx512F.FusedMultiplyAdd(Vector512.Create(q[d + 3]), Vector512.Load(k + 48), a3);
                }
                Vector512.Store(((a0 + a1) + (a2 + a3)) * sc, s + bk * 16);
            }
            float m = VecMath.Max(s, n);
            float inv = 1f / VecMath.ExpShiftSum(s, n, m);
            int c = 0;
            for (; c + 64 <= hs; c += 64)
            {
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                float* v = vc + c;
                for (int j = 0; j < n; j++, v += hs)
                {
                    var p = Vector512.Create(s[j]);
                    a0 = Avx512F.FusedMultiplyAdd(p, Vector512.Load(v), a0);
                    a1 = Avx512F.FusedMultiplyAdd(p, Vector512.Load(v + 16), a1);
                    a2 = Avx512F.FusedMultiplyAdd(p, Vector512.Load(v + 32), a2);
                    a3 = Avx512F.FusedMultiplyAdd(p, Vector512.Load(v + 48), a3);
                }
                var vi = Vector512.Create(inv);
                Vector512.Store(a0 * vi, y + c); Vector512.Store(a1 * vi, y + c + 16);
                Vector512.Store(a2 * vi, y + c + 32); Vector512.Store(a3 * vi, y + c + 48);
            }
            if (hs - c == 48)
            {
                Vector512<float> a0 = default, a1 = default, a2 = default;
                float* v = vc + c;
                for (int j = 0; j < n; j++, v += hs)
                {
                    var p = Vector512.Create(s[j]);
                    a0 = Avx512F.FusedMultiplyAdd(p, Vector512.Load(v), a0);
                    a1 = Avx512F.FusedMultiplyAdd(p, Vector512.Load(v + 16), a1);
                    a2 = Avx512F.FusedMultiplyAdd(p, Vector512.Load(v + 32), a2);
                }
                var vi = Vector512.Create(inv);
                Vector512.Store(a0 * vi, y + c); Vector512.Store(a1 * vi, y + c + 16); Vector512.Store(a2 * vi, y + c + 32);
                return;
            }
            for (; c < hs; c += 16)
            {
                Vector512<float> a0 = default, a1 = default;
                float* v = vc + c;
                int j = 0;
                for (; j + 2 <= n; j += 2, v += 2 * hs)
                {
                    a0 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[j]), Vector512.Load(v), a0);
                    a1 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[j + 1]), Vector512.Load(v + hs), a1);
                }
                if (j < n) a0 = Avx512F.FusedMultiplyAdd(Vector512.Create(s[j]), Vector512.Load(v), a0);
                Vector512.Store((a0 + a1) * Vector512.Create(inv), y + c);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int index, int thread)
        {
            int b = index / NH, h = index % NH, hs = this.hs, C = this.C, stride = Stride;
            int blk = hs * 16; // floats per block of 16 key positions
            long cacheBase = (((long)Layer * MaxB + b) * NH + h) * stride * hs;
            float* kt = K + cacheBase, vc = V + cacheBase;
            float* s = Scores + (long)thread * stride;
            float scale = 1f / MathF.Sqrt(hs);
            // store this call's keys (blocked, transposed) and values
            for (int t = 0; t < T; t++)
            {
                float* row = Qkv + (long)(b * T + t) * 3 * C + h * hs;
                int p = Pos + t;
                float* kb = kt + (long)(p >> 4) * blk + (p & 15);
                for (int d = 0; d < hs; d++) kb[d * 16] = row[C + d];
                VecMath.Copy(vc + (long)(Pos + t) * hs, row + 2 * C, hs);
            }
            for (int t = 0; t < T; t++)
            {
                float* q = Qkv + (long)(b * T + t) * 3 * C + h * hs;
                int n = Pos + t + 1;
                float* y = Y + (long)(b * T + t) * C + h * hs;
                if (Wide)
                {
                    WideAttend(y, q, kt, vc, s, n, hs, scale);
                    continue;
                }
                new Span<float>(s, n).Clear();
                for (int j0 = 0; j0 < n; j0 += 16)
                    for (int d = 0; d < hs; d++) VecMath.Axpy(s + j0, q[d], kt + (long)(j0 >> 4) * blk + d * 16, Math.Min(16, n - j0));
                VecMath.Scale(s, n, scale);
                float m = VecMath.Max(s, n);
                float inv = 1f / VecMath.ExpShiftSum(s, n, m);
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
            Stride = _stride, MaxB = _maxB, Layer = layer, Wide = SmallKernel == 0 && WideMatmul.Supported && _hs % 16 == 0,
        };
        if (Threads(B * T) == 1)
        {
            for (int i = 0; i < B * _NH; i++) job.Run(i, 0);
            return;
        }
        WorkPool.Run(ref job, B * _NH);
    }
}
