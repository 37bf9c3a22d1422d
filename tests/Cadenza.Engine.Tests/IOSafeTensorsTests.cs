using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Cadenza.Engine.IO;

namespace Cadenza.Engine.Tests;

public class IOSafeTensorsTests
{
    [Fact]
    public void WriteThenRead_GivesTheSameTensorsShapesAndMetadata()
    {
        using var dir = new IOTempDir();
        string path = dir.File("t.safetensors");
        var a = IOTempDir.RandomFloats(3 * 5, 1);
        a[0] = -0f; a[1] = float.NaN; a[2] = float.PositiveInfinity; a[3] = float.Epsilon;
        var big = IOTempDir.RandomFloats(70_000, 2); // more than one 64 KiB chunk
        var tensors = new List<(string, int[], float[])>
        {
            ("a", [3, 5], a),
            ("scalar", [], [42.5f]),
            ("empty", [0, 4], []),
            ("big", [700, 100], big),
        };
        SafeTensors.WriteFile(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "héllo" });

        using var r = SafeTensorsReader.Open(path);
        Assert.Equal(["a", "scalar", "empty", "big"], r.Tensors.Select(t => t.Name));
        Assert.Equal([3, 5], r.Tensors[0].Shape);
        Assert.Empty(r.Tensors[1].Shape);
        Assert.Equal([0, 4], r.Tensors[2].Shape);
        Assert.All(r.Tensors, t => Assert.Equal(SafeTensorDType.F32, t.DType));
        Assert.True(IOTempDir.SameBits(a, r.ReadFloats("a")));
        Assert.Equal([42.5f], r.ReadFloats("scalar"));
        Assert.Empty(r.ReadFloats("empty"));
        var dest = new float[big.Length];
        r.ReadFloats("big", dest);
        Assert.True(IOTempDir.SameBits(big, dest));
        Assert.Equal("pt", r.Metadata["format"]);
        Assert.Equal("héllo", r.Metadata["note"]);
    }

    [Fact]
    public void Writer_PadsTheHeaderWithSpacesToAMultipleOf8_ByteExact()
    {
        var ms = new MemoryStream();
        using (var w = new SafeTensorsWriter(ms, [new SafeTensorSpec("x", [2])]))
        {
            w.WriteTensor("x", [1f, -2f]);
            w.Complete();
        }
        const string json = """{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";
        byte[] data = [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0];
        var expected = IOTempDir.RawFile(json, data);
        Assert.Equal(expected, ms.ToArray());
        Assert.Equal(0, (ms.Length - data.Length) % 8);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(ms.ToArray());
        Assert.Equal(56ul, n); // 53 bytes of JSON + 3 spaces
    }

    [Fact]
    public void HandMadeFileFromTheSpec_IsParsed_F32_F16_BF16_F64()
    {
        // Keys in arbitrary order, metadata last, no padding: all allowed by the format.
        const string json = """
            {"b":{"dtype":"F16","shape":[2],"data_offsets":[8,12]},
             "a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},
             "c":{"dtype":"BF16","shape":[1,2],"data_offsets":[12,16]},
             "d":{"dtype":"F64","shape":[1],"data_offsets":[16,24]},
             "__metadata__":{"k":"v"}}
            """;
        byte[] data =
        [
            0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0, // F32 1.0, -2.5
            0x00, 0x3C, 0x00, 0xC0,                         // F16 1.0, -2.0
            0x80, 0x3F, 0x40, 0x40,                         // BF16 1.0, 3.0
            0, 0, 0, 0, 0, 0, 0xF8, 0x3F,                   // F64 1.5
        ];
        using var dir = new IOTempDir();
        string path = dir.File("hand.safetensors");
        File.WriteAllBytes(path, IOTempDir.RawFile(json, data, pad: false));

        using var r = SafeTensorsReader.Open(path);
        Assert.Equal(["b", "a", "c", "d"], r.Tensors.Select(t => t.Name));
        Assert.Equal("v", r.Metadata["k"]);
        Assert.True(r.TryGetTensor("c", out var c));
        Assert.Equal(SafeTensorDType.BF16, c.DType);
        Assert.Equal([1, 2], c.Shape);
        Assert.Equal((12L, 16L), (c.DataBegin, c.DataEnd));
        Assert.Equal([1f, -2.5f], r.ReadFloats("a"));
        Assert.Equal([1f, -2f], r.ReadFloats("b"));
        Assert.Equal([1f, 3f], r.ReadFloats("c"));
        Assert.Equal([1.5f], r.ReadFloats("d"));
    }

    [Fact]
    public void F16File_LargerThanOneChunk_IsConverted()
    {
        int n = 40_000;
        var data = new byte[2 * n];
        var expected = new float[n];
        for (int i = 0; i < n; i++)
        {
            var h = (Half)((i % 2000) - 1000);
            expected[i] = (float)h;
            BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(2 * i), BitConverter.HalfToUInt16Bits(h));
        }
        using var dir = new IOTempDir();
        string path = dir.File("h.safetensors");
        File.WriteAllBytes(path, IOTempDir.RawFile($$$"""{"h":{"dtype":"F16","shape":[{{{n}}}],"data_offsets":[0,{{{2 * n}}}]}}""", data));
        using var r = SafeTensorsReader.Open(path);
        Assert.Equal(expected, r.ReadFloats("h"));
    }

    public static TheoryData<string, byte[], string> Corruptions()
    {
        static byte[] F(string json, int dataBytes) => IOTempDir.RawFile(json, new byte[dataBytes]);
        var tooLong = IOTempDir.RawFile("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", new byte[4]);
        BinaryPrimitives.WriteUInt64LittleEndian(tooLong, 1_000_000);
        return new TheoryData<string, byte[], string>
        {
            { "too short", [1, 2, 3], "too short" },
            { "header length beyond file", tooLong, "header length 1000000 runs beyond the end of the file" },
            { "bad json", F("""{"a": {"dtype": "F32", """, 0), "header is not valid JSON" },
            { "not an object", F("[1, 2]", 0), "header must be a JSON object" },
            { "entry not an object", F("""{"a": 3}""", 0), "header entry for tensor a must be an object" },
            { "unknown dtype", F("""{"a":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}""", 4), "tensor a has unknown dtype 'F33'" },
            { "numeric dtype", F("""{"a":{"dtype":"11","shape":[1],"data_offsets":[0,4]}}""", 4), "unknown dtype '11'" },
            { "no shape", F("""{"a":{"dtype":"F32","data_offsets":[0,4]}}""", 4), "tensor a has no 'shape'" },
            { "negative dim", F("""{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4), "tensor a has an invalid dimension -1" },
            { "no offsets", F("""{"a":{"dtype":"F32","shape":[1]}}""", 4), "tensor a has no 'data_offsets'" },
            { "end before begin", F("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}""", 4), "end before begin" },
            { "outside data", F("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 4), "tensor a has data_offsets [0, 8] outside the 4-byte data section" },
            { "size mismatch", F("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8), "tensor a has shape [3] and dtype F32 (12 bytes) but data_offsets [0, 8] span 8 bytes" },
            { "overlap", F("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12), "tensors a [0, 8] and b [4, 12] overlap" },
            { "hole", F("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12), "hole before b" },
            { "trailing bytes", F("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8), "trailing bytes" },
            { "duplicate name", F("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8), "tensor a appears twice" },
            { "metadata not strings", F("""{"__metadata__":{"k":1}}""", 0), "'__metadata__' value for 'k' must be a string" },
        };
    }

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void CorruptFile_ThrowsCheckpointExceptionNamingFileAndProblem(string what, byte[] bytes, string expected)
    {
        using var dir = new IOTempDir();
        string path = dir.File("broken.safetensors");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<CheckpointException>(() => { using var _ = SafeTensorsReader.Open(path); });
        Assert.True(e.Message.Contains("broken.safetensors: ", StringComparison.Ordinal), what + ": " + e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Equal(path, e.FilePath);
    }

    [Fact]
    public void NonFloatDtypeOrMissingTensor_IsReportedWhenRead()
    {
        using var dir = new IOTempDir();
        string path = dir.File("ints.safetensors");
        File.WriteAllBytes(path, IOTempDir.RawFile("""{"i":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}""", new byte[8]));
        using var r = SafeTensorsReader.Open(path);
        var e = Assert.Throws<CheckpointException>(() => r.ReadFloats("i"));
        Assert.Contains("tensor i has dtype I64", e.Message);
        Assert.Contains("tensor nope is missing", Assert.Throws<CheckpointException>(() => r.ReadFloats("nope")).Message);
        Assert.Throws<ArgumentException>(() => r.ReadFloats("i", new float[2]));
    }

    [Fact]
    public void Writer_RejectsMisuse()
    {
        var ms = new MemoryStream();
        Assert.Throws<ArgumentException>(() => new SafeTensorsWriter(ms, [new("a", [1]), new("a", [2])]));
        Assert.Throws<ArgumentException>(() => new SafeTensorsWriter(ms, [new("__metadata__", [1])]));
        Assert.Throws<ArgumentException>(() => new SafeTensorsWriter(ms, [new("a", [-1])]));
        using var w = new SafeTensorsWriter(new MemoryStream(), [new("a", [2]), new("b", [1])]);
        Assert.Contains("'b' written where 'a'", Assert.Throws<InvalidOperationException>(() => w.WriteTensor("b", [1f])).Message);
        Assert.Throws<ArgumentException>(() => w.WriteTensor("a", [1f]));
        w.WriteTensor("a", [1f, 2f]);
        Assert.Contains("next missing: 'b'", Assert.Throws<InvalidOperationException>(() => w.Complete()).Message);
    }

    [Fact]
    public void WrittenHeader_IsPlainSafetensorsJson()
    {
        var ms = new MemoryStream();
        using (var w = new SafeTensorsWriter(ms, [new("w", [2, 3]), new("b", [3])], new Dictionary<string, string> { ["format"] = "pt" }))
        {
            w.WriteTensor("w", new float[6]);
            w.WriteTensor("b", new float[3]);
            w.Complete();
        }
        var bytes = ms.ToArray();
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, n));
        Assert.Equal("pt", doc.RootElement.GetProperty("__metadata__").GetProperty("format").GetString());
        var b = doc.RootElement.GetProperty("b");
        Assert.Equal("F32", b.GetProperty("dtype").GetString());
        Assert.Equal([24L, 36L], b.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(8 + n + 36, bytes.Length);
    }
}
