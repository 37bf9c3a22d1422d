using System.Diagnostics;
using Cadenza.Engine;
using Cadenza.Engine.IO;
using Cadenza.Engine.Sampling;
using Cadenza.Music;
using Cadenza.Tokens;

namespace Cadenza.Generation;

/// <summary>What to generate.</summary>
public sealed record GenerationOptions
{
    /// <summary>Genre control token value (folk, classical, pop, jazz, rock), or null for none.</summary>
    public string? Genre { get; init; }
    /// <summary>A piece to continue; its first <see cref="PrimerBars"/> bars are kept exactly and continued.</summary>
    public Score? Primer { get; init; }
    /// <summary>Bars of the primer to keep (0 = all of it).</summary>
    public int PrimerBars { get; init; } = 4;
    /// <summary>Stop when the piece (primer included) has this many bars; null to stop only at EOS or <see cref="MaxTokens"/>.</summary>
    public int? Bars { get; init; } = 16;
    /// <summary>Largest number of tokens to sample.</summary>
    public int MaxTokens { get; init; } = 4096;
    /// <summary>Temperature, top-k, top-p and seed.</summary>
    public SamplerOptions Sampling { get; init; } = new();
    /// <summary>Let the model write bars without any note (off by default: every generated bar gets at least one note).</summary>
    public bool AllowEmptyBars { get; init; }

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">When a value is out of range.</exception>
    public void Validate()
    {
        Sampling.Validate();
        if (PrimerBars < 0) throw new ArgumentException("primer bars must not be negative");
        if (Bars is < 1) throw new ArgumentException($"bars must be at least 1, got {Bars}");
        if (MaxTokens < 1) throw new ArgumentException($"tokens must be at least 1, got {MaxTokens}");
    }
}

/// <summary>A generated piece.</summary>
/// <param name="Score">The music (the primer's notes exactly as given, then the continuation).</param>
/// <param name="Tokens">The whole token sequence (prefix, primer, generated).</param>
/// <param name="GeneratedTokens">Tokens sampled by the model.</param>
/// <param name="TokensPerSecond">Sampling speed.</param>
/// <param name="Repairs">Tokens the decoder had to skip (0 when the grammar mask did its job).</param>
/// <param name="StoppedAtEos">True when the model ended the piece itself.</param>
/// <param name="SlidingWindows">How many times the context window was slid forward.</param>
/// <param name="Bars">Bars in the piece (primer included).</param>
/// <param name="HitTokenLimit">True when sampling stopped at <see cref="GenerationOptions.MaxTokens"/> before the model ended the piece or the bar count was reached.</param>
public sealed record GenerationResult(Score Score, int[] Tokens, int GeneratedTokens, double TokensPerSecond, int Repairs, bool StoppedAtEos, int SlidingWindows,
    int Bars = 0, bool HitTokenLimit = false);

/// <summary>
/// Samples new music from a model folder (model.safetensors, config.json, tokenizer.json): the
/// sequence starts with BOS and the genre token, then the primer's tokens if any; every next token
/// is sampled with the grammar mask applied (tokens the grammar does not allow get zero probability),
/// so the result always decodes. Generation goes past the context window by sliding it: the cache is
/// refilled with the control prefix and the most recent half window.
/// </summary>
public sealed class Generator
{
    private readonly float[] _parameters;

    /// <summary>The model shape.</summary>
    public GptConfig Config { get; }
    /// <summary>The model's tokenizer.</summary>
    public Tokenizer Tokenizer { get; }
    /// <summary>The folder the model was loaded from.</summary>
    public string ModelDirectory { get; }

    private Generator(string dir, GptConfig config, float[] parameters, Tokenizer tokenizer)
    {
        ModelDirectory = dir;
        Config = config;
        _parameters = parameters;
        Tokenizer = tokenizer;
    }

    /// <summary>Loads a model folder.</summary>
    /// <exception cref="CheckpointException">When the folder, the weights or config.json are missing or damaged, or
    /// tokenizer.json is missing, unreadable, or does not match the model's vocabulary.</exception>
    public static Generator Load(string modelDir)
    {
        if (!Directory.Exists(modelDir)) throw new CheckpointException(modelDir, "model folder not found");
        var tokPath = Path.Combine(modelDir, "tokenizer.json");
        if (!File.Exists(tokPath)) throw new CheckpointException(tokPath, "missing: a model folder needs tokenizer.json beside model.safetensors");
        Tokenizer tok;
        try { tok = Tokenizer.Load(tokPath); }
        catch (InvalidDataException e)
        {
            // The tokenizer's message already starts with the path.
            string problem = e.Message.StartsWith(tokPath + ": ", StringComparison.Ordinal) ? e.Message[(tokPath.Length + 2)..] : e.Message;
            throw new CheckpointException(tokPath, problem, e);
        }
        var ck = Checkpoint.Load(modelDir);
        if (ck.Config.VocabSize != tok.Vocabulary.Count)
            throw new CheckpointException(Path.Combine(modelDir, "config.json"), $"vocab_size is {ck.Config.VocabSize} but tokenizer.json has {tok.Vocabulary.Count} tokens");
        return new Generator(modelDir, ck.Config, ck.Parameters, tok);
    }

    /// <summary>The genres the model's tokenizer has control tokens for.</summary>
    public IReadOnlyList<string> Genres => Tokenizer.Config.Genres;

    /// <summary>Generates one piece.</summary>
    /// <exception cref="ArgumentException">When the options are invalid or the genre is unknown to the tokenizer.</exception>
    /// <exception cref="TokenizationException">When the primer cannot be tokenized.</exception>
    public GenerationResult Generate(GenerationOptions options, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var vocab = Tokenizer.Vocabulary;
        var grammar = Tokenizer.Grammar;
        int V = vocab.Count;
        IReadOnlyList<string>? controls = null;
        if (options.Genre != null)
        {
            string g = "Genre_" + options.Genre.ToLowerInvariant();
            if (!vocab.TryGetId(g, out _)) throw new ArgumentException($"unknown genre '{options.Genre}' (known: {string.Join(", ", Genres)})");
            controls = [g];
        }
        int eos = vocab["EOS"];
        // REMI's Bar_None opens a bar; ABC's | and |] close one (GrammarState.Bars counts bar tokens either way).
        bool closing = grammar.BarTokensCloseBars;
        int plainBar = closing ? vocab["|"] : vocab["Bar_None"];
        int finalBar = closing ? vocab["|]"] : -1;

        // Prefix: BOS, controls, and the primer's first bars.
        var tokens = new List<int>();
        int prefixLength;
        long primerEndGrid = 0;
        int primerBarsKept = 0;
        var state = grammar.Start();
        if (options.Primer != null)
        {
            var enc = Tokenizer.Encode(options.Primer, controls).Ids;
            int n = enc.Length;
            if (n > 0 && enc[^1] == eos) n--;
            int bars = 0;
            for (int i = 0; i < n; i++)
            {
                if (!grammar.IsBarToken(enc[i]) || options.PrimerBars <= 0) continue;
                bars++;
                // REMI: cut before the token that opens bar PrimerBars+1; ABC: after the line that closes bar PrimerBars.
                if (!closing && bars > options.PrimerBars) { n = i; break; }
                if (closing && bars == options.PrimerBars) { n = i + 1; break; }
            }
            if (closing)
            {
                // ABC: keep whole bars (up to and including the last kept bar line); the final |] becomes | so the tune goes on.
                int last = -1;
                for (int i = 0; i < n; i++) if (grammar.IsBarToken(enc[i])) last = i;
                if (last >= 0) n = last + 1;
            }
            for (int i = 0; i < n; i++)
            {
                int id = closing && enc[i] == finalBar ? plainBar : enc[i];
                tokens.Add(id);
                grammar.Advance(ref state, id);
            }
            primerBarsKept = state.Bars;
            primerEndGrid = state.Bars == 0 ? 0 : state.BarStart + state.BarLength;
            prefixLength = 1 + (controls?.Count ?? 0);
        }
        else
        {
            tokens.Add(vocab["BOS"]);
            grammar.Advance(ref state, tokens[0]);
            foreach (var c in controls ?? []) { int id = vocab[c]; tokens.Add(id); grammar.Advance(ref state, id); }
            prefixLength = tokens.Count;
        }

        var sampler = new Sampler(V, options.Sampling);
        var current = state;
        bool eosAllowed = true;
        sampler.Processors.Add(new MaskProcessor(V, (_, allowed) =>
        {
            grammar.FillMask(current, allowed);
            if (!eosAllowed) allowed[eos] = false;
            // A bar that has no note yet may not be closed (or the piece ended) unless empty bars are allowed.
            if (!options.AllowEmptyBars && current.Phase is GrammarPhase.BarStart or GrammarPhase.AfterTimeSig)
            {
                allowed[plainBar] = false;
                allowed[eos] = false;
            }
            // ABC: a plain bar line closes only a full bar (or the pickup), so bars follow the meter; the grammar alone also
            // lets a short bar stand before a meter change, as real tunes written from MIDI have it. Time left that
            // no note can fill (under an eighth of the unit) counts as full.
            if (closing && current.Bars > 0 && current.AbcTimeLeft >= 6) allowed[plainBar] = false;
            // ABC with a bar target: plain bar lines until the last bar, which the final |] closes.
            if (closing && options.Bars is { } target)
            {
                if (current.Bars + 1 < target) allowed[finalBar] = false;
                else allowed[plainBar] = false;
            }
        }));
        int window = Config.BlockSize;
        var cache = new KvCache(Config, _parameters, 1, window);
        var watch = Stopwatch.StartNew();
        int slides = 0, generated = 0;
        bool stoppedAtEos = false, stoppedAtBars = false;
        var ctx = new int[window];
        var one = new int[1];
        ReadOnlySpan<float> logits = Refill(cache, tokens, prefixLength, window, ctx, ref slides, first: true);
        // Where the sequence could last have ended cleanly: a forced stop cuts back to it.
        int lastSafe = tokens.Count;
        while (generated < options.MaxTokens)
        {
            cancellationToken.ThrowIfCancellationRequested();
            current = state;
            // With a bar target, the piece may not end before it; the model's own EOS is honoured otherwise.
            eosAllowed = options.Bars is not { } t0 || state.Bars >= t0;
            int next = sampler.Sample(logits);
            generated++;
            if (next == eos) { stoppedAtEos = true; lastSafe = tokens.Count; break; }
            if (!closing && next == plainBar && options.Bars is { } target && state.Bars >= target) { stoppedAtBars = true; break; }
            grammar.Advance(ref state, next);
            tokens.Add(next);
            if (grammar.IsAllowed(state, eos)) lastSafe = tokens.Count;
            if (cache.Length >= window) logits = Refill(cache, tokens, prefixLength, window, ctx, ref slides, first: false);
            else { one[0] = next; logits = cache.Step(one); }
        }
        if (grammar.IsAllowed(state, eos)) lastSafe = tokens.Count;
        tokens.RemoveRange(lastSafe, tokens.Count - lastSafe);
        tokens.Add(eos);
        double tps = generated / Math.Max(1e-9, watch.Elapsed.TotalSeconds);

        var decoded = Tokenizer.Decode(tokens.ToArray());
        // ABC: the primer is part of the decoded tune (its melody as the ABC writer spells it, which keeps every note).
        var score = options.Primer == null || Tokenizer is not RemiTokenizer remi ? decoded.Score
            : MergePrimer(options.Primer, primerBarsKept, decoded.Score, primerEndGrid * remi.DecodeTicksPerPosition);
        int barCount = tokens.Count(grammar.IsBarToken);
        return new GenerationResult(score, tokens.ToArray(), generated, tps, decoded.ErrorCount, stoppedAtEos, slides,
            barCount, !stoppedAtEos && !stoppedAtBars);
    }

    /// <summary>Fills the cache with the control prefix and the most recent tokens (half a window when sliding).</summary>
    private static ReadOnlySpan<float> Refill(KvCache cache, List<int> tokens, int prefixLength, int window, int[] ctx, ref int slides, bool first)
    {
        int keep = first ? Math.Min(tokens.Count, window) : Math.Max(1, window / 2);
        int n = 0;
        if (tokens.Count > keep)
        {
            // Sliding: the control prefix, then the latest tokens.
            int pre = Math.Min(prefixLength, keep / 2);
            for (int i = 0; i < pre; i++) ctx[n++] = tokens[i];
            int rest = keep - pre;
            for (int i = tokens.Count - rest; i < tokens.Count; i++) ctx[n++] = tokens[i];
            slides++;
        }
        else
        {
            for (int i = 0; i < tokens.Count; i++) ctx[n++] = tokens[i];
        }
        var logits = cache.Prefill(ctx.AsSpan(0, n), 1, n);
        return logits;
    }

    /// <summary>
    /// The primer's notes up to the end of its kept bars, exactly as given, followed by the decoded
    /// continuation (converted to the primer's time base). Tracks are matched by program and drum flag.
    /// </summary>
    private static Score MergePrimer(Score primer, int primerBars, Score decoded, long decodedPrimerEnd)
    {
        long primerEnd;
        var starts = primer.BarStarts(Math.Max(primer.EndTick, 1));
        primerEnd = primerBars < starts.Count ? starts[primerBars] : Math.Max(primer.EndTick, starts.Count > 0 ? starts[^1] : 0);
        if (primerBars >= starts.Count) primerEnd = long.MaxValue;
        double scale = (double)primer.TicksPerQuarter / decoded.TicksPerQuarter;
        long Map(long t) => (primerEnd == long.MaxValue ? (long)Math.Round(decodedPrimerEnd * scale) : primerEnd) + (long)Math.Round((t - decodedPrimerEnd) * scale);
        long cut = primerEnd;

        var result = new Score(primer.TicksPerQuarter) { Title = primer.Title, Composer = primer.Composer };
        result.Tempos.AddRange(primer.Tempos.Where(t => t.Tick < cut));
        result.TimeSignatures.AddRange(primer.TimeSignatures.Where(t => t.Tick < cut));
        result.KeySignatures.AddRange(primer.KeySignatures.Where(t => t.Tick < cut));
        foreach (var t in decoded.Tempos) if (t.Tick >= decodedPrimerEnd) result.Tempos.Add(t with { Tick = Map(t.Tick) });
        foreach (var t in decoded.TimeSignatures) if (t.Tick >= decodedPrimerEnd) result.TimeSignatures.Add(t with { Tick = Map(t.Tick) });
        foreach (var pt in primer.Tracks)
        {
            var nt = new Track { Name = pt.Name, Program = pt.Program, Channel = pt.Channel, Port = pt.Port, IsDrum = pt.IsDrum };
            nt.Notes.AddRange(pt.Notes.Where(n => n.Onset < cut));
            nt.Controls.AddRange(pt.Controls.Where(c => c.Tick < cut));
            nt.PitchBends.AddRange(pt.PitchBends.Where(c => c.Tick < cut));
            result.Tracks.Add(nt);
        }
        foreach (var dt in decoded.Tracks)
        {
            var target = result.Tracks.FirstOrDefault(t => t.IsDrum == dt.IsDrum && (dt.IsDrum || t.Program == dt.Program));
            if (target == null)
            {
                target = new Track { Name = dt.Name, Program = dt.Program, Channel = dt.Channel, IsDrum = dt.IsDrum };
                result.Tracks.Add(target);
            }
            foreach (var n in dt.Notes)
                if (n.Onset >= decodedPrimerEnd)
                    target.Notes.Add(n with { Onset = Map(n.Onset), Duration = Math.Max(1, (long)Math.Round(n.Duration * scale)) });
        }
        // Channels must stay distinct per part after merging (drums on 9).
        var used = new HashSet<int>();
        foreach (var t in result.Tracks)
        {
            if (t.IsDrum) { t.Channel = 9; continue; }
            if (!used.Add(t.Channel) || t.Channel == 9)
            {
                int c = 0;
                while (c == 9 || used.Contains(c)) c++;
                t.Channel = Math.Min(c, 15);
                used.Add(t.Channel);
            }
        }
        result.Normalize();
        return result;
    }
}
