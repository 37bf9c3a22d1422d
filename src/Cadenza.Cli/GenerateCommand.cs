using System.Globalization;
using Cadenza.Audio;
using Cadenza.Engine.Sampling;
using Cadenza.Generation;
using Cadenza.Music;
using Cadenza.Music.Abc;
using Cadenza.Music.Midi;
using Cadenza.Tokens;

namespace Cadenza.Cli;

/// <summary><c>cadenza generate</c>: new music from a model.</summary>
public static class GenerateCommand
{
    /// <summary>Help text.</summary>
    public const string Help = """
        usage: cadenza generate -o <out.mid|out.abc> [--wav <out.wav>] [--model <dir>] [--genre <g>]
                                [--primer <in.mid|in.abc> [--primer-bars N]] [--bars N] [--tokens N]
                                [--temperature T] [--top-k K] [--top-p P] [--seed S] [--count C]
                                [--soundfont f.sf2] [--synth s] [--effects p] [--lufs L] [--sample-rate R] [--gain G]

        Samples a new piece from a model and writes it as MIDI, or as ABC when -o ends in .abc (and WAV
        with --wav, rendered exactly as 'cadenza render' does: FluidSynth with a SoundFont when installed,
        else the built-in synthesizer, then the effects chain). Sampling is grammar-safe, so the output
        always decodes; ABC is checked by the ABC parser before it is written. A model trained with the
        'abc' tokenizer writes its ABC text as sampled; other models' pieces are written as ABC from their
        melody track.

          --model <dir>        model folder (default: the embedded models/default)
          --genre <g>          folk, classical, pop, jazz or rock (the model's genre tokens)
          --primer <file>      continue this piece (MIDI, or the first tune of an ABC file); its first
                               --primer-bars bars (default 4, 0 = all) are kept exactly
          --bars <n>           length of the piece in bars, primer included (default 16)
          --tokens <n>         stop after n sampled tokens: alone, the length of the piece (or until the
                               model's end token); with --bars, a limit (default 400 per bar)
          --temperature <t>    0 = always the most likely token; higher = more adventurous (default 1.0)
          --top-k <k>          sample among the k most likely tokens (default 0 = all)
          --top-p <p>          sample among the most likely tokens covering p of the probability (default 0.95)
          --seed <s>           same seed, same music (default: random, and printed)
          --count <c>          write c pieces, numbered out-1.mid, out-2.mid, ... (seeds s, s+1, ...)
          --allow-empty-bars   let the model write bars without notes (by default every bar gets one)
          --chords             play the piece's chord symbols (an ABC model writes them) as a chord track in
                               the MIDI and WAV output (the ABC keeps them as symbols)

        audio options (with --wav):
        """ + "\n" + AudioOptions.Help + "\n" + """

        exit codes: 0 ok, 2 usage error or unusable model (nothing is written)
        """;

    /// <summary>Runs the verb.</summary>
    public static int Run(string[] args)
    {
        var a = CliArgs.Parse("generate", args, ["allow-empty-bars", "chords"],
            ["output", "wav", "model", "genre", "primer", "primer-bars", "bars", "tokens", "temperature", "top-k", "top-p", "seed", "count", .. AudioOptions.Names],
            new Dictionary<string, string> { ["o"] = "output" });
        if (a.Positionals.Count > 0) throw new UsageException($"generate: unexpected argument '{a.Positionals[0]}' (see 'cadenza generate --help')");
        string output = a.Get("output") ?? throw new UsageException("generate: -o <out.mid> is required");
        string? wav = a.Get("wav");
        if (!IsAbc(output) && !MidiFile.HasMidiExtension(output))
            throw new UsageException($"{output}: generate writes MIDI (.mid, .midi) or ABC (.abc); name the output with one of those extensions");
        if (wav != null)
        {
            if (string.Equals(Path.GetFullPath(wav), Path.GetFullPath(output), StringComparison.Ordinal))
                throw new UsageException($"{wav}: --wav and -o name the same file; choose two names");
            if (!wav.EndsWith(".wav", StringComparison.OrdinalIgnoreCase))
                throw new UsageException($"{wav}: --wav writes a WAV file; name it with the extension .wav");
        }
        int count = a.GetInt("count", 1, 1, 1000);
        ulong seed;
        if (a.Get("seed") is { } seedText)
        {
            if (!ulong.TryParse(seedText, NumberStyles.Integer, CultureInfo.InvariantCulture, out seed))
                throw new UsageException($"--seed must be a whole number from 0 to {ulong.MaxValue}, got '{seedText}'");
        }
        else seed = (ulong)Random.Shared.NextInt64(0, 1_000_000);
        var sampling = new SamplerOptions
        {
            Temperature = (float)a.GetDouble("temperature", 1.0),
            TopK = a.GetInt("top-k", 0, 0),
            TopP = (float)a.GetDouble("top-p", 0.95),
            Seed = seed,
        };
        try { sampling.Validate(); }
        catch (ArgumentException e) { throw new UsageException("generate: " + e.Message.Split(" (Parameter")[0]); }
        var audioSettings = AudioOptions.Parse(a);
        if (wav == null && AudioOptions.Names.FirstOrDefault(a.Has) is { } stray) throw new UsageException($"generate: --{stray} needs --wav");
        int? bars = a.Has("tokens") && !a.Has("bars") ? null : a.GetInt("bars", 16, 1, 4096);
        int maxTokens = a.Has("tokens") ? a.GetInt("tokens", 1024, 1, 1_000_000) : Math.Max(1024, (bars ?? 16) * 400);
        Score? primer = null;
        string? primerPath = a.Get("primer");
        if (primerPath != null)
        {
            if (Directory.Exists(primerPath)) throw new UsageException($"{primerPath}: is a folder; --primer takes a MIDI or ABC file");
            if (!File.Exists(primerPath)) throw new UsageException($"{primerPath}: primer file not found");
            primer = ScoreInput.Load(primerPath).Score;
        }
        else if (a.Has("primer-bars")) throw new UsageException("generate: --primer-bars needs --primer");
        var options = new GenerationOptions
        {
            Genre = a.Get("genre"),
            Primer = primer,
            PrimerBars = a.GetInt("primer-bars", 4, 0, 4096),
            Bars = bars,
            MaxTokens = maxTokens,
            Sampling = sampling,
            AllowEmptyBars = a.Has("allow-empty-bars"),
        };
        // Every input is checked before the output folder is touched.
        var modelDir = ModelLocator.Resolve(a.Get("model"));
        var generator = Generator.Load(modelDir);
        if (options.Genre != null && !generator.Genres.Contains(options.Genre.ToLowerInvariant()))
            throw new UsageException($"unknown genre '{options.Genre}' (this model knows: {string.Join(", ", generator.Genres)})");
        try { options.Validate(); }
        catch (ArgumentException e) { throw new UsageException("generate: " + e.Message); }
        var outputs = Enumerable.Range(1, count).Select(i => (Mid: OutputFiles.Numbered(output, i, count), Wav: wav == null ? null : OutputFiles.Numbered(wav, i, count))).ToList();
        foreach (var (mid, w) in outputs)
        {
            if (primerPath != null) OutputFiles.CheckNotInput(mid, primerPath);
            OutputFiles.CheckWritable(mid, IsAbc(mid) ? "ABC file" : "MIDI file");
            if (w != null) OutputFiles.CheckWritable(w, "WAV file");
        }
        Console.Error.WriteLine($"generate: model {modelDir} ({generator.Config.NLayer} layers, {generator.Config.NEmbd} wide, context {generator.Config.BlockSize}), " +
                                $"genre {options.Genre ?? "(none)"}, seed {seed}, temperature {sampling.Temperature}, top-k {sampling.TopK}, top-p {sampling.TopP}");
        for (int i = 0; i < outputs.Count; i++)
        {
            var (mid, w) = outputs[i];
            var result = generator.Generate(options with { Sampling = sampling with { Seed = seed + (ulong)i } });
            var score = result.Score;
            // The ABC text comes from the tokens (or the melody) as generated, before any accompaniment is added.
            var abc = IsAbc(mid) ? AbcText(generator.Tokenizer, result, mid) : default;
            int notes = score.NoteCount, parts = score.Tracks.Count;
            string chordNote = a.Has("chords") ? ScoreInput.AddChords(score) : "";
            RenderResult? rendered = w == null ? null : AudioOptions.Render(score, audioSettings, mid);
            if (rendered != null && i == 0) Console.Error.WriteLine($"  audio: {AudioOptions.SynthLine(rendered)}");
            var written = new List<string>();
            try
            {
                if (abc.Text != null) AtomicFile.WriteAllText(mid, abc.Text);
                else MidiFile.Write(score, mid);
                written.Add(mid);
                if (w != null)
                {
                    WavWriter.Write(w, rendered!.Audio);
                    written.Add(w);
                }
            }
            catch
            {
                foreach (var f in written) File.Delete(f);
                throw;
            }
            Console.Error.WriteLine($"  {mid}{(w != null ? " + " + w : "")}: seed {seed + (ulong)i}, {result.Bars} bars, {notes} notes in {parts} part(s), " +
                                    $"{score.DurationSeconds:F1} s; {result.GeneratedTokens} tokens at {result.TokensPerSecond:N0} tokens/s" +
                                    $"{(result.StoppedAtEos ? ", ended by the model" : "")}{(result.SlidingWindows > 0 ? $", context slid {result.SlidingWindows}x" : "")}, " +
                                    $"{result.Repairs} repairs" +
                                    (result.HitTokenLimit ? $"; stopped at the {options.MaxTokens:N0}-token limit{(bars is { } b ? $" before bar {b}" : "")} (raise it with --tokens, or lower --bars)" : "") +
                                    (abc.Text != null && abc.Notes != notes ? $"; the ABC holds one part, the melody ({abc.Notes} notes)" : "") + chordNote +
                                    (rendered != null ? "; " + AudioOptions.LoudnessLine(rendered, audioSettings) : ""));
        }
        return Program.Ok;
    }

    private static bool IsAbc(string path) => path.EndsWith(".abc", StringComparison.OrdinalIgnoreCase);

    /// <summary>The piece as ABC: an ABC-text model's tokens as sampled, else the melody written by the ABC writer;
    /// checked by the parser (one tune, no errors, the same number of notes) before it is written.</summary>
    private static (string? Text, int Notes) AbcText(Tokenizer tokenizer, GenerationResult result, string path)
    {
        string title = Path.GetFileNameWithoutExtension(path);
        string text = tokenizer is AbcTextTokenizer abc
            ? abc.ToAbc(result.Tokens, title, out _)
            : AbcWriter.Write(result.Score, new AbcWriteOptions { Title = title });
        var check = AbcFile.Parse(text, path);
        if (check.Tunes.Count != 1 || check.Errors.Count > 0)
            throw new InvalidOperationException($"{path}: the generated ABC did not parse back ({(check.Errors.Count > 0 ? check.Errors[0].Message : "no tune")}); nothing was written");
        return (text, check.Tunes[0].Score.NoteCount);
    }
}
