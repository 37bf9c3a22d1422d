using System.Text.Json;
using Cadenza.Engine.IO;

namespace Cadenza.Engine.Tests;

public class IOCheckpointTests
{
    private static readonly GptConfig Config = new(2, 2, 16, 8, 11);

    private static (ParameterLayout, float[], TrainingState) Make(int seed)
    {
        var layout = new ParameterLayout(Config);
        int n = (int)layout.TotalLength;
        var state = new TrainingState
        {
            Step = 1234 + seed,
            AdamM = IOTempDir.RandomFloats(n, seed + 1),
            AdamV = IOTempDir.RandomFloats(n, seed + 2).Select(MathF.Abs).ToArray(),
            RngState = [0xFFFF_FFFF_FFFF_FFFFUL, 1, 0x0123_4567_89AB_CDEFUL],
            LearningRate = 3e-4 / 7,
            TokensSeen = 9_876_543_210,
            Extra = { ["lr_schedule"] = "cosine", ["warmup_steps"] = "100", ["shard"] = "train_0003.bin" },
        };
        return (layout, IOTempDir.RandomFloats(n, seed), state);
    }

    [Fact]
    public void SaveThenLoad_RestoresParametersAndStateBitForBit()
    {
        using var dir = new IOTempDir();
        var (layout, p, state) = Make(7);
        Checkpoint.Save(dir.Path, Config, layout, p, state, new Dictionary<string, string> { ["run"] = "test" });

        var loaded = Checkpoint.Load(dir.Path);
        Assert.Equal(Config, loaded.Config);
        Assert.True(IOTempDir.SameBits(p, loaded.Parameters));
        Assert.Empty(loaded.Warnings);
        Assert.Equal("pt", loaded.Metadata["format"]);
        Assert.Equal("test", loaded.Metadata["run"]);
        var s = loaded.State!;
        Assert.Equal(state.Step, s.Step);
        Assert.Equal(state.TokensSeen, s.TokensSeen);
        Assert.Equal(state.LearningRate, s.LearningRate);
        Assert.Equal(state.RngState, s.RngState);
        Assert.Equal(state.Extra, s.Extra);
        Assert.True(IOTempDir.SameBits(state.AdamM, s.AdamM));
        Assert.True(IOTempDir.SameBits(state.AdamV, s.AdamV));
        Assert.Equal(
            [GptConfigJson.FileName, Checkpoint.ModelFileName, Checkpoint.StateJsonFileName, Checkpoint.StateTensorsFileName],
            Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ModelFile_HasGpt2NamesAndInputMajorShapes_AndNoLmHead()
    {
        using var dir = new IOTempDir();
        var (layout, p, _) = Make(1);
        Checkpoint.Save(dir.Path, Config, layout, p);
        using var r = SafeTensorsReader.Open(dir.File(Checkpoint.ModelFileName));
        Assert.Equal(layout.Tensors.Select(t => t.Name), r.Tensors.Select(t => t.Name));
        Assert.True(r.TryGetTensor("h.1.attn.c_attn.weight", out var attn));
        Assert.Equal([16, 48], attn.Shape);
        Assert.True(r.TryGetTensor("h.0.mlp.c_proj.weight", out var proj));
        Assert.Equal([64, 16], proj.Shape);
        Assert.False(r.TryGetTensor("lm_head.weight", out _));
        var wpe = layout["wpe.weight"];
        Assert.True(IOTempDir.SameBits(p.AsSpan((int)wpe.Offset, (int)wpe.Length), r.ReadFloats("wpe.weight")));

        Assert.False(File.Exists(dir.File(Checkpoint.StateTensorsFileName)));
        Assert.Null(Checkpoint.Load(dir.Path).State);
    }

    [Fact]
    public void StateFiles_UseExpAvgPrefixesAndReadableJson()
    {
        using var dir = new IOTempDir();
        var (layout, p, state) = Make(2);
        Checkpoint.Save(dir.Path, Config, layout, p, state);
        using (var r = SafeTensorsReader.Open(dir.File(Checkpoint.StateTensorsFileName)))
        {
            Assert.Equal(2 * layout.Tensors.Count, r.Tensors.Count);
            Assert.True(r.TryGetTensor("exp_avg.h.0.ln_1.weight", out var m));
            Assert.Equal([16], m.Shape);
            Assert.True(r.TryGetTensor("exp_avg_sq.wte.weight", out var v));
            Assert.Equal([11, 16], v.Shape);
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(dir.File(Checkpoint.StateJsonFileName)));
        var root = doc.RootElement;
        Assert.Equal(state.Step, root.GetProperty("step").GetInt64());
        Assert.Equal("18446744073709551615 1 81985529216486895", root.GetProperty("rng_state").GetString());
        Assert.Equal("cosine", root.GetProperty("extra").GetProperty("lr_schedule").GetString());
    }

    [Fact]
    public void StateWithoutMoments_RoundTrips()
    {
        using var dir = new IOTempDir();
        var (layout, p, _) = Make(3);
        Checkpoint.Save(dir.Path, Config, layout, p, new TrainingState { Step = 5 });
        var s = Checkpoint.Load(dir.Path).State!;
        Assert.Equal(5, s.Step);
        Assert.Empty(s.AdamM);
        Assert.Empty(s.RngState);
        Assert.Null(s.LearningRate);
    }

    [Fact]
    public void ShapeMismatch_NamesTheTensorAndTheExpectedShape()
    {
        using var dir = new IOTempDir();
        var layout = new ParameterLayout(Config);
        GptConfigJson.Write(dir.File("config.json"), Config);
        var tensors = layout.Tensors.Select(t => t.Name == "h.1.mlp.c_fc.weight"
            ? (t.Name, new[] { 16, 32 }, new float[16 * 32])
            : (t.Name, t.Shape, new float[t.Length])).ToList();
        SafeTensors.WriteFile(dir.File("model.safetensors"), tensors);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(dir.Path));
        Assert.EndsWith("/model.safetensors: tensor h.1.mlp.c_fc.weight has shape [16, 32], expected [16, 64] for n_embd=16", e.Message);
    }

    [Fact]
    public void WrongVocabulary_MessageNamesVocabSize()
    {
        using var dir = new IOTempDir();
        var (layout, p, _) = Make(4);
        Checkpoint.Save(dir.Path, Config, layout, p);
        GptConfigJson.Write(dir.File("config.json"), Config with { VocabSize = 12 });
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(dir.Path));
        Assert.EndsWith("/model.safetensors: tensor wte.weight has shape [11, 16], expected [12, 16] for vocab_size=12, n_embd=16", e.Message);
    }

    [Fact]
    public void MissingTensorOrWrongDtype_IsNamed()
    {
        using var dir = new IOTempDir();
        var layout = new ParameterLayout(Config);
        GptConfigJson.Write(dir.File("config.json"), Config);
        SafeTensors.WriteFile(dir.File("model.safetensors"),
            layout.Tensors.Where(t => t.Name != "h.1.ln_2.bias").Select(t => (t.Name, t.Shape, new float[t.Length])).ToList());
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(dir.Path));
        Assert.EndsWith("/model.safetensors: tensor h.1.ln_2.bias is missing (expected shape [16] for n_embd=16)", e.Message);

        // Same tensors, but ln_f.bias stored as I32.
        var json = "{" + string.Join(",", layout.Tensors.Select(t =>
            $"\"{t.Name}\":{{\"dtype\":\"{(t.Name == "ln_f.bias" ? "I32" : "F32")}\",\"shape\":[{string.Join(",", t.Shape)}],\"data_offsets\":[{4 * t.Offset},{4 * (t.Offset + t.Length)}]}}")) + "}";
        File.WriteAllBytes(dir.File("model.safetensors"), IOTempDir.RawFile(json, new byte[4 * layout.TotalLength]));
        e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(dir.Path));
        Assert.Contains("/model.safetensors: tensor ln_f.bias has dtype I32, expected F32", e.Message);
    }

    [Fact]
    public void HuggingFaceStyleFile_WithPrefixBuffersLmHeadAndF16_Loads()
    {
        using var dir = new IOTempDir();
        var layout = new ParameterLayout(Config);
        GptConfigJson.Write(dir.File("config.json"), Config);
        // transformer.* names as GPT2LMHeadModel.save_pretrained writes them, attention-mask buffers,
        // an lm_head copy, an unknown tensor, and one tensor in F16.
        var parts = new List<(string Name, string DType, int[] Shape, byte[] Bytes)>();
        var expected = new float[layout.TotalLength];
        foreach (var t in layout.Tensors)
        {
            var v = IOTempDir.RandomFloats((int)t.Length, (int)t.Offset);
            if (t.Name == "wpe.weight")
            {
                var bytes = new byte[2 * v.Length];
                for (int i = 0; i < v.Length; i++)
                {
                    var h = (Half)v[i];
                    v[i] = (float)h;
                    BitConverter.TryWriteBytes(bytes.AsSpan(2 * i), BitConverter.HalfToUInt16Bits(h));
                }
                parts.Add(("transformer." + t.Name, "F16", t.Shape, bytes));
            }
            else parts.Add(("transformer." + t.Name, "F32", t.Shape, v.SelectMany(BitConverter.GetBytes).ToArray()));
            v.CopyTo(expected, t.Offset);
        }
        parts.Add(("transformer.h.0.attn.bias", "F32", [1, 1, 8, 8], new byte[4 * 64]));
        parts.Add(("transformer.h.1.attn.masked_bias", "F32", [], new byte[4]));
        parts.Add(("lm_head.weight", "F32", [11, 16], new byte[4 * 11 * 16]));
        parts.Add(("score.weight", "F32", [2], new byte[8]));
        long offset = 0;
        var header = new List<string>();
        foreach (var part in parts)
        {
            header.Add($"\"{part.Name}\":{{\"dtype\":\"{part.DType}\",\"shape\":[{string.Join(",", part.Shape)}],\"data_offsets\":[{offset},{offset + part.Bytes.Length}]}}");
            offset += part.Bytes.Length;
        }
        File.WriteAllBytes(dir.File("model.safetensors"),
            IOTempDir.RawFile("{\"__metadata__\":{\"format\":\"pt\"}," + string.Join(",", header) + "}", parts.SelectMany(x => x.Bytes).ToArray()));

        var loaded = Checkpoint.Load(dir.Path);
        Assert.True(IOTempDir.SameBits(expected, loaded.Parameters));
        Assert.Equal(2, loaded.Warnings.Count);
        Assert.Contains(loaded.Warnings, w => w.Contains("lm_head.weight ignored (the LM head is tied to wte.weight)"));
        Assert.Contains(loaded.Warnings, w => w.Contains("unknown tensor score.weight ignored"));
    }

    [Fact]
    public void FailureWhileWritingAnyFile_LeavesTheOldCheckpointIntactAndNoTempFiles()
    {
        using var dir = new IOTempDir();
        var (layout, p1, s1) = Make(10);
        Checkpoint.Save(dir.Path, Config, layout, p1, s1);
        var before = Directory.GetFiles(dir.Path).ToDictionary(f => f, File.ReadAllBytes);
        var (_, p2, s2) = Make(20);

        foreach (var victim in new[] { "config.json", Checkpoint.ModelFileName, Checkpoint.StateTensorsFileName, Checkpoint.StateJsonFileName })
        {
            AtomicFile.StreamWrapperForTests.Value = (path, inner) =>
                Path.GetFileName(path) == victim ? new FailingStream(inner, failAfterBytes: 100) : inner;
            try
            {
                var e = Assert.Throws<IOException>(() => Checkpoint.Save(dir.Path, Config, layout, p2, s2));
                Assert.Contains("simulated disk failure", e.Message);
            }
            finally
            {
                AtomicFile.StreamWrapperForTests.Value = null;
            }
            Assert.Equal(before.Keys.Order(), Directory.GetFiles(dir.Path).Order());
            foreach (var (file, bytes) in before) Assert.Equal(bytes, File.ReadAllBytes(file));
            Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
            Assert.True(IOTempDir.SameBits(p1, Checkpoint.Load(dir.Path).Parameters));
        }

        // And a save that does not fail replaces everything.
        Checkpoint.Save(dir.Path, Config, layout, p2, s2);
        var loaded = Checkpoint.Load(dir.Path);
        Assert.True(IOTempDir.SameBits(p2, loaded.Parameters));
        Assert.Equal(s2.Step, loaded.State!.Step);
    }

    [Fact]
    public void SavingWithoutState_RemovesStaleStateFiles()
    {
        using var dir = new IOTempDir();
        var (layout, p, s) = Make(5);
        Checkpoint.Save(dir.Path, Config, layout, p, s);
        Checkpoint.Save(dir.Path, Config, layout, p);
        Assert.False(File.Exists(dir.File(Checkpoint.StateJsonFileName)));
        Assert.False(File.Exists(dir.File(Checkpoint.StateTensorsFileName)));
        Assert.Null(Checkpoint.Load(dir.Path).State);
    }

    [Fact]
    public void IncompleteStateOrMissingFiles_AreCheckpointExceptions()
    {
        using var dir = new IOTempDir();
        var (layout, p, s) = Make(6);
        Assert.Throws<DirectoryNotFoundException>(() => Checkpoint.Load(dir.File("nope")));
        Assert.Contains("/config.json: file not found", Assert.Throws<CheckpointException>(() => Checkpoint.Load(dir.Path)).Message);
        GptConfigJson.Write(dir.File("config.json"), Config);
        Assert.Contains("/model.safetensors: file not found", Assert.Throws<CheckpointException>(() => Checkpoint.Load(dir.Path)).Message);
        Checkpoint.Save(dir.Path, Config, layout, p, s);
        File.Delete(dir.File(Checkpoint.StateTensorsFileName));
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(dir.Path));
        Assert.Contains("/training_state.safetensors: file not found", e.Message);
    }

    [Fact]
    public void Save_RejectsBuffersThatDoNotFitTheLayout()
    {
        using var dir = new IOTempDir();
        var (layout, p, s) = Make(8);
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(dir.Path, Config, layout, p.AsSpan(1)));
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(dir.Path, Config with { NLayer = 3 }, layout, p));
        s.AdamV = new float[3];
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(dir.Path, Config, layout, p, s));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    /// <summary>Passes writes through until a byte budget is spent, then throws like a full disk.</summary>
    private sealed class FailingStream(Stream inner, long failAfterBytes) : Stream
    {
        private long _left = failAfterBytes;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (buffer.Length > _left)
            {
                inner.Write(buffer[..(int)_left]);
                _left = 0;
                throw new IOException("simulated disk failure");
            }
            inner.Write(buffer);
            _left -= buffer.Length;
        }
    }
}
