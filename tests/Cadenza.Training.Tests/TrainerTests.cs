using Cadenza.Engine;
using Cadenza.Engine.IO;
using Cadenza.Music;
using Cadenza.Music.Midi;
using Cadenza.Tokens;
using Cadenza.Training;
using Xunit.Abstractions;

namespace Cadenza.Training.Tests;

public class TrainerTests(ITestOutputHelper output)
{
    /// <summary>A small corpus of simple, learnable pieces: scales and arpeggios in a few keys and rhythms.</summary>
    internal static void MakeLearnableCorpus(string dir, int pieces = 24)
    {
        Directory.CreateDirectory(dir);
        for (int i = 0; i < pieces; i++)
        {
            var s = new Score(480);
            s.TimeSignatures.Add(new TimeSignature(0, 4, 4));
            var t = new Track { Program = 0 };
            int root = 48 + i % 12;
            int[] pattern = i % 2 == 0 ? [0, 4, 7, 12, 7, 4] : [0, 2, 4, 5, 7, 9, 11, 12];
            int len = i % 3 == 0 ? 240 : 480;
            long tick = 0;
            for (int k = 0; k < 48; k++)
            {
                t.Notes.Add(new Note(tick, len, root + pattern[k % pattern.Length], 80));
                tick += len;
            }
            s.Tracks.Add(t);
            MidiFile.Write(s, Path.Combine(dir, $"piece{i:D2}.mid"));
        }
    }

    private static double UnigramCrossEntropy(TokenDataset ds)
    {
        int V = ds.Tokenizer.Vocabulary.Count;
        var counts = new double[V];
        double total = 0;
        foreach (var s in ds.Train)
            foreach (var id in s.Slice(0, (int)s.Length)) { counts[id]++; total++; }
        double ce = 0; long n = 0;
        foreach (var s in ds.Validation)
            foreach (var d in s.Info.Documents)
            {
                var doc = s.Slice(d[0], (int)d[1]);
                for (int i = 1; i < doc.Length; i++) { ce -= Math.Log((counts[doc[i]] + 1) / (total + V)); n++; }
            }
        return ce / n;
    }

    [Fact]
    public void TinyModelLearnsWellBelowTheUnigramEntropy()
    {
        using var dir = new TempDir();
        MakeLearnableCorpus(dir["in"]);
        DatasetBuilder.Build(new RemiTokenizer(), [dir["in"]], dir["ds"], new DatasetOptions { ValFraction = 0.2, Seed = 5 });
        using var ds = TokenDataset.Open(dir["ds"]);
        var trainer = new Trainer(ds, dir["run"], new TrainOptions { Preset = "tiny", Steps = 300, Batch = 8, LearningRate = 3e-3f, EvalEvery = 100, Seed = 1 });
        var result = trainer.Run();
        Assert.True(result.Completed);
        double unigram = UnigramCrossEntropy(ds);
        double val = result.LastEval!.Overall.Loss;
        output.WriteLine($"unigram {unigram:F3} nats, validation {val:F3} nats, accuracy {result.LastEval.Overall.Accuracy:P1}, {result.TokensPerSecond:F0} tok/s");
        Assert.True(val < 0.5 * unigram, $"validation loss {val:F3} is not clearly below the unigram entropy {unigram:F3}");
        // The run folder is a model folder.
        Assert.True(File.Exists(dir["run/model.safetensors"]));
        Assert.True(File.Exists(dir["run/config.json"]));
        Assert.True(File.Exists(dir["run/tokenizer.json"]));
        var lines = File.ReadAllLines(dir["run/metrics.jsonl"]);
        Assert.Contains(lines, l => l.Contains("\"type\":\"val\""));
        Assert.Contains(lines, l => l.Contains("\"step\":300"));
    }

    [Fact]
    public void StopAndResumeEndsWithTheSameWeights()
    {
        using var dir = new TempDir();
        MakeLearnableCorpus(dir["in"], 10);
        DatasetBuilder.Build(new RemiTokenizer(), [dir["in"]], dir["ds"], new DatasetOptions { ValFraction = 0.2, Seed = 5 });
        using var ds = TokenDataset.Open(dir["ds"]);
        var options = new TrainOptions { Preset = "tiny", Steps = 30, Batch = 4, GradAccum = 2, LearningRate = 1e-3f, EvalEvery = 10, CheckpointEvery = 1000, LogEvery = 1, Seed = 9 };

        var straight = new Trainer(ds, dir["a"], options);
        straight.Run();

        var first = new Trainer(ds, dir["b"], options);
        using (var cts = new CancellationTokenSource())
        {
            first.Progress += p => { if (p.Step == 13) cts.Cancel(); };
            var r = first.Run(cts.Token);
            Assert.False(r.Completed);
            Assert.Equal(13, r.Step);
        }
        var resumed = new Trainer(ds, dir["b"], options, resume: true);
        Assert.Equal(13, resumed.Step);
        var end = resumed.Run();
        Assert.True(end.Completed);
        Assert.Equal(straight.Model.Parameters, resumed.Model.Parameters);
    }

    [Fact]
    public void ResumeWithACheckpointThatDoesNotFitIsAClearError()
    {
        using var dir = new TempDir();
        MakeLearnableCorpus(dir["in"], 6);
        DatasetBuilder.Build(new RemiTokenizer(), [dir["in"]], dir["ds"], new DatasetOptions { ValFraction = 0.2 });
        DatasetBuilder.Build(Tokenizer.Create(new TokenizerConfig { VelocityBins = 8 }), [dir["in"]], dir["ds8"], new DatasetOptions { ValFraction = 0.2 });
        using (var ds = TokenDataset.Open(dir["ds"]))
            new Trainer(ds, dir["run"], new TrainOptions { Preset = "tiny", Steps = 2, Batch = 2 }).Run();
        using var other = TokenDataset.Open(dir["ds8"]);
        var e = Assert.Throws<CheckpointException>(() => new Trainer(other, dir["run"], new TrainOptions { Preset = "tiny", Steps = 4, Batch = 2 }, resume: true));
        Assert.Contains("vocab_size", e.Message);
        var missing = Assert.Throws<CheckpointException>(() => new Trainer(other, dir["nothing"], new TrainOptions { Preset = "tiny", Steps = 4 }, resume: true));
        Assert.Contains("train_config.json", missing.Message);
    }

    [Fact]
    public void EvaluatorCountsEveryPredictedTokenOncePerGenre()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in/folk"]);
        Directory.CreateDirectory(dir["in/pop"]);
        MakeLearnableCorpus(dir["in/folk"], 3);
        MakeLearnableCorpus(dir["in/pop"], 2);
        var m = DatasetBuilder.Build(new RemiTokenizer(), [dir["in"]], dir["ds"], new DatasetOptions { ValFraction = 0 });
        using var ds = TokenDataset.Open(dir["ds"]);
        var model = new GptModel(GptConfig.Tiny(ds.Tokenizer.Vocabulary.Count), 3, 64);
        model.InitializeWeights(1);
        var report = Evaluator.Evaluate(model, ds.Train, 64);
        Assert.Equal(m.Train.Tokens - m.Train.Sequences, report.Overall.Tokens);
        Assert.Equal(["folk", "pop"], report.ByGenre.Keys.ToArray());
        // With a small budget, every genre is still measured (documents are taken genre by genre in turn).
        var part = Evaluator.Evaluate(model, ds.Train, 64, maxTokens: 600);
        Assert.Equal(["folk", "pop"], part.ByGenre.Keys.ToArray());
        var ngram = KneserNey.FromShards(ds.Train, 3, ds.Tokenizer.Vocabulary.Count, ds.Tokenizer.Vocabulary["BOS"]).Evaluate(ds.Train, 600);
        Assert.Equal(["folk", "pop"], ngram.ByGenre.Keys.ToArray());
        Assert.Equal(600, ngram.Overall.Tokens);
        // An untrained model is close to uniform: loss near ln(V).
        Assert.InRange(report.Overall.Loss, Math.Log(ds.Tokenizer.Vocabulary.Count) - 0.5, Math.Log(ds.Tokenizer.Vocabulary.Count) + 0.5);
    }
}
