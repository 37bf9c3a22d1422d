// Engine benchmark: training tokens/s (forward + backward + clipping + AdamW) and KV-cache
// generation tokens/s at batch 1 and 8, for the GPT presets, with the FLOP count used by
// ../shared/bench/torch_gpt_bench.py so the two can be compared side by side.
//
// usage: Cadenza.Bench.Engine [--preset small|medium|large|tiny] [--vocab 512] [--batch 8] [--seq 512]
//        [--steps 5] [--warmup 2] [--gen-tokens 512] [--gen-reps 3] [--gen-batches 1,8] [--managed]
//        [--threads N] [--skip-train] [--skip-gen] [--json FILE]
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Cadenza.Engine;
using Cadenza.Engine.Kernels;

var opts = new Dictionary<string, string>();
for (int i = 0; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal)) { Console.Error.WriteLine($"unexpected argument {args[i]}"); return 2; }
    string key = args[i][2..];
    if (key is "managed" or "skip-train" or "skip-gen") opts[key] = "1";
    else if (i + 1 < args.Length) opts[key] = args[++i];
    else { Console.Error.WriteLine($"--{key} needs a value"); return 2; }
}
string Opt(string k, string d) => opts.TryGetValue(k, out var v) ? v : d;
int IntOpt(string k, int d) => int.Parse(Opt(k, d.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

string preset = Opt("preset", "small");
int vocab = IntOpt("vocab", 512);
var cfg = GptConfig.FromPreset(preset, vocab);
int B = IntOpt("batch", 8), T = IntOpt("seq", cfg.BlockSize);
int steps = IntOpt("steps", 5), warmup = IntOpt("warmup", 2);
int genTokens = Math.Min(IntOpt("gen-tokens", 512), cfg.BlockSize), genReps = IntOpt("gen-reps", 3);
int[] genBatches = Opt("gen-batches", "1,8").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
if (opts.ContainsKey("managed")) Gemm.ForceManaged = true;
if (opts.ContainsKey("threads")) EngineThreads.Count = IntOpt("threads", EngineThreads.Max);

int L = cfg.NLayer, C = cfg.NEmbd, V = cfg.VocabSize;
var layout = new ParameterLayout(cfg);
long nParams = layout.TotalLength;
long nMatmul = (long)L * 12 * C * C + (long)V * C;              // block Linear weights + LM head
double trainFlopsTok = 3.0 * (2.0 * nMatmul + 4.0 * L * T * C);  // as torch_gpt_bench.py counts it
var res = new Dictionary<string, object>
{
    ["label"] = preset, ["n_layer"] = L, ["n_head"] = cfg.NHead, ["n_embd"] = C, ["block_size"] = cfg.BlockSize, ["vocab"] = V,
    ["batch"] = B, ["seq"] = T, ["params"] = nParams, ["gemm"] = Gemm.Active.ToString(), ["blas"] = Gemm.BlasLibrary ?? "",
    ["threads"] = EngineThreads.Count, ["train_flops_per_token"] = trainFlopsTok,
};
Console.WriteLine($"engine bench: preset {preset} L={L} NH={cfg.NHead} C={C} ctx={cfg.BlockSize} V={V}; params {nParams / 1e6:F2} M; " +
    $"gemm {Gemm.Active}{(Gemm.Active == GemmBackend.OpenBlas ? $" ({Gemm.BlasLibrary})" : "")}; threads {EngineThreads.Count}");

var model = new GptModel(cfg, B, T) { IgnoreIndex = -1 };
model.InitializeWeights(1234);
if (!opts.ContainsKey("skip-train"))
{
    var rng = new SplitMix64(0);
    var x = new int[B * T]; var y = new int[B * T];
    for (int i = 0; i < x.Length; i++) { x[i] = rng.NextInt(V); y[i] = rng.NextInt(V); }
    var opt = new AdamW(model.Layout, 3e-4f, 0.9f, 0.95f, 1e-8f, 0.1f);
    var tStep = new List<double>(); var tF = new List<double>(); var tB = new List<double>(); var tO = new List<double>();
    float first = 0, last = 0;
    var proc = Process.GetCurrentProcess();
    TimeSpan cpu0 = TimeSpan.Zero;
    for (int s = 0; s < warmup + steps; s++)
    {
        if (s == warmup) { proc.Refresh(); cpu0 = proc.TotalProcessorTime; }
        long t0 = Stopwatch.GetTimestamp();
        float loss = model.Forward(x, y, B, T);
        long t1 = Stopwatch.GetTimestamp();
        model.ZeroGrad();
        model.Backward();
        long t2 = Stopwatch.GetTimestamp();
        GradientClipping.ClipGlobalNorm(model.Gradients, 1f);
        opt.Update(model.Parameters, model.Gradients);
        long t3 = Stopwatch.GetTimestamp();
        if (s == 0) first = loss;
        last = loss;
        if (s >= warmup)
        {
            tStep.Add(Sec(t0, t3)); tF.Add(Sec(t0, t1)); tB.Add(Sec(t1, t2)); tO.Add(Sec(t2, t3));
        }
    }
    proc.Refresh();
    double cpuPerStep = (proc.TotalProcessorTime - cpu0).TotalSeconds / steps;
    res["train_cpu_s_per_step"] = cpuPerStep;
    double med = Median(tStep);
    double tokS = B * T / med;
    res["train_step_s_median"] = med; res["train_step_s_min"] = tStep.Min();
    res["train_tok_s"] = tokS; res["train_gflops"] = trainFlopsTok * tokS / 1e9;
    res["fwd_s"] = Median(tF); res["bwd_s"] = Median(tB); res["opt_s"] = Median(tO);
    res["loss_first"] = first; res["loss_last"] = last;
    Console.WriteLine($"train: step {med:F3}s median (min {tStep.Min():F3}s) over {steps} steps -> {tokS:F0} tok/s, {trainFlopsTok * tokS / 1e9:F1} GFLOP/s");
    Console.WriteLine($"       fwd {Median(tF):F3}s  bwd {Median(tB):F3}s  clip+AdamW {Median(tO):F4}s  loss {first:F3} -> {last:F3}  (process CPU time {cpuPerStep:F3}s per step)");
}

if (!opts.ContainsKey("skip-gen"))
{
    foreach (int gb in genBatches)
    {
        var cache = new KvCache(model, gb, cfg.BlockSize);
        var sampler = new SplitMix64(42);
        var prompt = new int[gb];
        var next = new int[gb];
        double Generate(int n)
        {
            long t0 = Stopwatch.GetTimestamp();
            var logits = cache.Prefill(prompt, gb, 1);
            for (int i = 0; i < n; i++)
            {
                for (int b = 0; b < gb; b++) next[b] = SampleSoftmax(logits.Slice(b * V, V), sampler);
                if (i == n - 1) break;
                logits = cache.Step(next);
            }
            return Sec(t0, Stopwatch.GetTimestamp());
        }
        Generate(32);
        var times = new List<double>();
        var gproc = Process.GetCurrentProcess();
        var gcpu0 = gproc.TotalProcessorTime;
        for (int r = 0; r < genReps; r++) times.Add(Generate(genTokens));
        gproc.Refresh();
        double cpuPerStep = (gproc.TotalProcessorTime - gcpu0).TotalSeconds / (genReps * genTokens);
        res[$"gen_kv_b{gb}_cpu_ms_per_step"] = cpuPerStep * 1000;
        double med = Median(times);
        double tokS = (double)gb * genTokens / med;
        res[$"gen_kv_b{gb}_tok_s"] = tokS;
        res[$"gen_kv_b{gb}_tok_s_best"] = gb * genTokens / times.Min();
        Console.WriteLine($"generate, KV cache, batch {gb}: {genTokens} new tokens per sequence in {med:F3}s -> {tokS:F0} tok/s " +
            $"({genTokens / med:F0} steps/s; best {gb * genTokens / times.Min():F0} tok/s; process CPU {cpuPerStep * 1000:F3} ms per step)");
    }
}
long peak = Process.GetCurrentProcess().PeakWorkingSet64;
res["peak_working_set_mb"] = peak / (1024.0 * 1024.0);
Console.WriteLine($"peak working set: {peak / (1024.0 * 1024.0):F0} MiB");
string json = JsonSerializer.Serialize(res);
Console.WriteLine("RESULT_JSON " + json);
if (opts.TryGetValue("json", out var jf)) File.AppendAllText(jf, json + "\n");
return 0;

static double Sec(long a, long b) => (double)(b - a) / Stopwatch.Frequency;
static double Median(List<double> xs) { var s = xs.OrderBy(v => v).ToList(); return s.Count % 2 == 1 ? s[s.Count / 2] : 0.5 * (s[s.Count / 2 - 1] + s[s.Count / 2]); }

static int SampleSoftmax(ReadOnlySpan<float> logits, SplitMix64 rng)
{
    float max = float.NegativeInfinity;
    foreach (var l in logits) max = Math.Max(max, l);
    double sum = 0;
    foreach (var l in logits) sum += Math.Exp(l - max);
    double u = rng.NextDouble() * sum, acc = 0;
    for (int i = 0; i < logits.Length; i++) { acc += Math.Exp(logits[i] - max); if (acc >= u) return i; }
    return logits.Length - 1;
}
