using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace Cadenza.Engine.IO;

// The safetensors format (https://github.com/huggingface/safetensors):
//
//   [8 bytes]  N, unsigned 64-bit little-endian: length of the header
//   [N bytes]  UTF-8 JSON object: { "__metadata__": {str: str}?,
//                                   "<name>": {"dtype": "F32", "shape": [d0, d1, ...],
//                                              "data_offsets": [begin, end]}, ... }
//              padded with spaces (0x20) so that 8 + N is a multiple of 8
//   [rest]     the byte buffer: every tensor's elements, row-major, little-endian,
//              at [begin, end) relative to the start of the buffer. The ranges cover the
//              buffer exactly: no overlaps, no holes, nothing after the last tensor.

/// <summary>Element types of the safetensors format (the <c>dtype</c> strings).</summary>
public enum SafeTensorDType
{
    /// <summary>Boolean, 1 byte.</summary>
    BOOL,
    /// <summary>Unsigned 8-bit integer.</summary>
    U8,
    /// <summary>Signed 8-bit integer.</summary>
    I8,
    /// <summary>8-bit float, E4M3.</summary>
    F8_E4M3,
    /// <summary>8-bit float, E5M2.</summary>
    F8_E5M2,
    /// <summary>Signed 16-bit integer.</summary>
    I16,
    /// <summary>Unsigned 16-bit integer.</summary>
    U16,
    /// <summary>IEEE 754 half precision float.</summary>
    F16,
    /// <summary>bfloat16 (the top 16 bits of a float32).</summary>
    BF16,
    /// <summary>Signed 32-bit integer.</summary>
    I32,
    /// <summary>Unsigned 32-bit integer.</summary>
    U32,
    /// <summary>IEEE 754 single precision float.</summary>
    F32,
    /// <summary>Signed 64-bit integer.</summary>
    I64,
    /// <summary>Unsigned 64-bit integer.</summary>
    U64,
    /// <summary>IEEE 754 double precision float.</summary>
    F64,
}

/// <summary>One tensor entry of a safetensors header.</summary>
/// <param name="Name">The tensor's name (the JSON key).</param>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Dimensions, row-major; empty for a scalar.</param>
/// <param name="DataBegin">First byte, relative to the start of the byte buffer (after the header).</param>
/// <param name="DataEnd">One past the last byte, relative to the start of the byte buffer.</param>
public sealed record SafeTensorInfo(string Name, SafeTensorDType DType, int[] Shape, long DataBegin, long DataEnd)
{
    /// <summary>Number of elements: the product of <see cref="Shape"/> (1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Shape) n *= d;
            return n;
        }
    }

    /// <summary>Number of bytes the tensor occupies (<see cref="DataEnd"/> − <see cref="DataBegin"/>).</summary>
    public long ByteLength => DataEnd - DataBegin;

    /// <summary>The shape written as <c>[d0, d1]</c>, as used in error messages.</summary>
    public string ShapeText => SafeTensors.FormatShape(Shape);
}

/// <summary>Helpers shared by <see cref="SafeTensorsReader"/> and <see cref="SafeTensorsWriter"/>.</summary>
public static class SafeTensors
{
    /// <summary>The key of the optional string-to-string metadata object in the header.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>The largest header accepted when reading (100 MiB, as in the reference implementation).</summary>
    public const long MaxHeaderLength = 100L << 20;

    /// <summary>Size in bytes of one element of <paramref name="dtype"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="dtype"/> is not a defined value.</exception>
    public static int ElementSize(SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.BOOL or SafeTensorDType.U8 or SafeTensorDType.I8
            or SafeTensorDType.F8_E4M3 or SafeTensorDType.F8_E5M2 => 1,
        SafeTensorDType.I16 or SafeTensorDType.U16 or SafeTensorDType.F16 or SafeTensorDType.BF16 => 2,
        SafeTensorDType.I32 or SafeTensorDType.U32 or SafeTensorDType.F32 => 4,
        SafeTensorDType.I64 or SafeTensorDType.U64 or SafeTensorDType.F64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown safetensors dtype"),
    };

    /// <summary>Writes a shape as <c>[d0, d1, ...]</c>.</summary>
    public static string FormatShape(ReadOnlySpan<int> shape)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(shape[i]);
        }
        return sb.Append(']').ToString();
    }

    /// <summary>
    /// Writes a whole F32 safetensors file at <paramref name="path"/> from in-memory arrays
    /// (convenience over <see cref="SafeTensorsWriter"/>; not atomic).
    /// </summary>
    /// <exception cref="ArgumentException">When a name repeats, a shape is negative or an array's length differs from its shape.</exception>
    /// <exception cref="IOException">When the file cannot be written.</exception>
    public static void WriteFile(string path, IReadOnlyList<(string Name, int[] Shape, float[] Data)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        var specs = new List<SafeTensorSpec>(tensors.Count);
        foreach (var t in tensors) specs.Add(new SafeTensorSpec(t.Name, t.Shape));
        using var writer = new SafeTensorsWriter(stream, specs, metadata);
        foreach (var t in tensors) writer.WriteTensor(t.Name, t.Data);
        writer.Complete();
    }
}

/// <summary>A tensor to be written by <see cref="SafeTensorsWriter"/> (always F32).</summary>
/// <param name="Name">The tensor's name; must not be <c>__metadata__</c> and must not repeat.</param>
/// <param name="Shape">Dimensions, row-major, each ≥ 0.</param>
public readonly record struct SafeTensorSpec(string Name, int[] Shape);

/// <summary>
/// Streams an F32 safetensors file: the header is written by the constructor from the declared
/// tensor names and shapes, then each tensor's data is written from a span with
/// <see cref="WriteTensor"/>, in the declared order, and <see cref="Complete"/> checks that all were
/// written. Nothing larger than one fixed staging buffer is allocated (none at all on
/// little-endian machines), whatever the size of the tensors.
/// </summary>
public sealed class SafeTensorsWriter : IDisposable
{
    private const int ChunkBytes = 1 << 16;
    private readonly Stream _stream;
    private readonly IReadOnlyList<SafeTensorSpec> _tensors;
    private readonly long[] _lengths;
    private int _next;
    private byte[]? _staging;

    /// <summary>
    /// Validates the tensor list and writes the 8-byte header length and the JSON header
    /// (tensors in the given order, contiguous, <c>__metadata__</c> first, padded with spaces to a
    /// multiple of 8 bytes) to <paramref name="stream"/>.
    /// </summary>
    /// <param name="stream">Where the file goes; written sequentially, not disposed by the writer.</param>
    /// <param name="tensors">Names and shapes, in the order their data will be written.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> strings.</param>
    /// <exception cref="ArgumentException">When a name is empty, repeats or is <c>__metadata__</c>, or a dimension is negative.</exception>
    /// <exception cref="IOException">When the stream fails.</exception>
    public SafeTensorsWriter(Stream stream, IReadOnlyList<SafeTensorSpec> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        _stream = stream;
        _tensors = tensors;
        _lengths = new long[tensors.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            if (string.IsNullOrEmpty(t.Name)) throw new ArgumentException("a tensor name must not be empty", nameof(tensors));
            if (t.Name == SafeTensors.MetadataKey) throw new ArgumentException($"'{SafeTensors.MetadataKey}' is reserved and cannot name a tensor", nameof(tensors));
            if (!seen.Add(t.Name)) throw new ArgumentException($"tensor name '{t.Name}' appears twice", nameof(tensors));
            ArgumentNullException.ThrowIfNull(t.Shape);
            long n = 1;
            foreach (var d in t.Shape)
            {
                if (d < 0) throw new ArgumentException($"tensor '{t.Name}' has a negative dimension: {SafeTensors.FormatShape(t.Shape)}", nameof(tensors));
                n = checked(n * d);
            }
            _lengths[i] = n;
        }
        WriteHeader(metadata);
    }

    private void WriteHeader(IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(SafeTensors.MetadataKey);
                foreach (var kv in metadata) w.WriteString(kv.Key, kv.Value);
                w.WriteEndObject();
            }
            long offset = 0;
            for (int i = 0; i < _tensors.Count; i++)
            {
                var t = _tensors[i];
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", "F32");
                w.WriteStartArray("shape");
                foreach (var d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                long end = checked(offset + _lengths[i] * sizeof(float));
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(end);
                w.WriteEndArray();
                w.WriteEndObject();
                offset = end;
            }
            w.WriteEndObject();
        }
        int n = json.WrittenCount;
        int padded = (n + 7) / 8 * 8; // 8 + padded is then a multiple of 8 as well
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
        _stream.Write(len);
        _stream.Write(json.WrittenSpan);
        Span<byte> spaces = stackalloc byte[8];
        spaces.Fill((byte)' ');
        _stream.Write(spaces[..(padded - n)]);
    }

    /// <summary>Writes the next tensor's elements, little-endian.</summary>
    /// <param name="name">Must be the next name in the declared order (a check against mix-ups).</param>
    /// <param name="data">Exactly as many elements as the declared shape holds.</param>
    /// <exception cref="InvalidOperationException">When <paramref name="name"/> is not the next declared tensor, or all tensors were already written.</exception>
    /// <exception cref="ArgumentException">When the length of <paramref name="data"/> differs from the declared shape.</exception>
    /// <exception cref="IOException">When the stream fails.</exception>
    public void WriteTensor(string name, ReadOnlySpan<float> data)
    {
        if (_next >= _tensors.Count)
            throw new InvalidOperationException($"tensor '{name}' written after all {_tensors.Count} declared tensors");
        var spec = _tensors[_next];
        if (spec.Name != name)
            throw new InvalidOperationException($"tensor '{name}' written where '{spec.Name}' was declared next");
        if (data.Length != _lengths[_next])
            throw new ArgumentException($"tensor '{name}' has shape {SafeTensors.FormatShape(spec.Shape)} ({_lengths[_next]} elements) but {data.Length} were given", nameof(data));
        if (BitConverter.IsLittleEndian)
        {
            // Chunked so that a throwing or slow stream sees ordinary-sized writes.
            var bytes = MemoryMarshal.AsBytes(data);
            while (bytes.Length > 0)
            {
                int k = Math.Min(ChunkBytes, bytes.Length);
                _stream.Write(bytes[..k]);
                bytes = bytes[k..];
            }
        }
        else
        {
            _staging ??= new byte[ChunkBytes];
            while (data.Length > 0)
            {
                int k = Math.Min(ChunkBytes / 4, data.Length);
                for (int i = 0; i < k; i++)
                    BinaryPrimitives.WriteSingleLittleEndian(_staging.AsSpan(4 * i), data[i]);
                _stream.Write(_staging, 0, 4 * k);
                data = data[k..];
            }
        }
        _next++;
    }

    /// <summary>Checks that every declared tensor was written and flushes the stream.</summary>
    /// <exception cref="InvalidOperationException">When some declared tensor was not written.</exception>
    public void Complete()
    {
        if (_next != _tensors.Count)
            throw new InvalidOperationException($"only {_next} of {_tensors.Count} declared tensors were written; next missing: '{_tensors[_next].Name}'");
        _stream.Flush();
    }

    /// <summary>Releases nothing but the staging buffer; the stream belongs to the caller.</summary>
    public void Dispose() => _staging = null;
}

/// <summary>
/// Reads a safetensors file: the header is parsed and checked when the file is opened, tensor
/// data is read on demand into caller-provided spans. Every problem with the file is a
/// <see cref="CheckpointException"/> naming the file and what is wrong: a file too short for the
/// header length, a header length beyond the end of the file, JSON that does not parse or is not a
/// safetensors header, an unknown dtype, byte ranges outside the data, overlapping or leaving holes,
/// a byte range whose size is not shape × dtype size.
/// </summary>
public sealed class SafeTensorsReader : IDisposable
{
    private const int ChunkBytes = 1 << 16;
    private static readonly Dictionary<string, SafeTensorDType> DTypeNames =
        Enum.GetValues<SafeTensorDType>().ToDictionary(d => d.ToString(), StringComparer.Ordinal);
    private readonly SafeFileHandle _handle;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafeTensorInfo> _byName;

    private SafeTensorsReader(string path, SafeFileHandle handle, long dataStart, List<SafeTensorInfo> tensors,
        Dictionary<string, SafeTensorInfo> byName, Dictionary<string, string> metadata)
    {
        FilePath = path;
        _handle = handle;
        _dataStart = dataStart;
        Tensors = tensors;
        _byName = byName;
        Metadata = metadata;
    }

    /// <summary>The path the file was opened from.</summary>
    public string FilePath { get; }

    /// <summary>Every tensor in the file, in header order.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> strings (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens <paramref name="path"/> and parses and checks its header.</summary>
    /// <exception cref="FileNotFoundException">When the file does not exist.</exception>
    /// <exception cref="CheckpointException">When the file is not a valid safetensors file (see the class remarks).</exception>
    /// <exception cref="IOException">When the file cannot be read.</exception>
    public static SafeTensorsReader Open(string path)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            long fileLength = RandomAccess.GetLength(handle);
            if (fileLength < 8)
                throw new CheckpointException(path, $"file is {fileLength} bytes, too short to hold the 8-byte header length");
            Span<byte> lenBytes = stackalloc byte[8];
            ReadExactly(handle, lenBytes, 0, path);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
            if (headerLength > (ulong)(fileLength - 8))
                throw new CheckpointException(path, $"header length {headerLength} runs beyond the end of the file ({fileLength} bytes)");
            if ((long)headerLength > SafeTensors.MaxHeaderLength)
                throw new CheckpointException(path, $"header length {headerLength} exceeds the {SafeTensors.MaxHeaderLength}-byte limit");
            var header = new byte[(int)headerLength];
            ReadExactly(handle, header, 8, path);
            long dataStart = 8 + (long)headerLength;
            long dataLength = fileLength - dataStart;
            var (tensors, byName, metadata) = ParseHeader(path, header, dataLength);
            return new SafeTensorsReader(path, handle, dataStart, tensors, byName, metadata);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static (List<SafeTensorInfo>, Dictionary<string, SafeTensorInfo>, Dictionary<string, string>) ParseHeader(
        string path, byte[] header, long dataLength)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, $"header is not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new CheckpointException(path, $"header must be a JSON object, found {doc.RootElement.ValueKind}");
            var tensors = new List<SafeTensorInfo>();
            var byName = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            bool sawMetadata = false;
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == SafeTensors.MetadataKey)
                {
                    if (sawMetadata) throw new CheckpointException(path, "header has '__metadata__' twice");
                    sawMetadata = true;
                    ParseMetadata(path, prop.Value, metadata);
                    continue;
                }
                if (byName.ContainsKey(prop.Name))
                    throw new CheckpointException(path, $"tensor {prop.Name} appears twice in the header");
                var info = ParseTensor(path, prop.Name, prop.Value);
                long expectedBytes;
                try
                {
                    expectedBytes = checked(info.ElementCount * SafeTensors.ElementSize(info.DType));
                }
                catch (OverflowException)
                {
                    throw new CheckpointException(path, $"tensor {info.Name} has shape {info.ShapeText}, too large to address");
                }
                if (info.DataEnd > dataLength)
                    throw new CheckpointException(path, $"tensor {info.Name} has data_offsets [{info.DataBegin}, {info.DataEnd}] outside the {dataLength}-byte data section");
                if (info.ByteLength != expectedBytes)
                    throw new CheckpointException(path, $"tensor {info.Name} has shape {info.ShapeText} and dtype {info.DType} ({expectedBytes} bytes) but data_offsets [{info.DataBegin}, {info.DataEnd}] span {info.ByteLength} bytes");
                tensors.Add(info);
                byName.Add(info.Name, info);
            }
            CheckCoverage(path, tensors, dataLength);
            return (tensors, byName, metadata);
        }
    }

    private static void ParseMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind == JsonValueKind.Null) return;
        if (value.ValueKind != JsonValueKind.Object)
            throw new CheckpointException(path, $"'__metadata__' must be an object of strings, found {value.ValueKind}");
        foreach (var m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String)
                throw new CheckpointException(path, $"'__metadata__' value for '{m.Name}' must be a string, found {m.Value.ValueKind}");
            metadata[m.Name] = m.Value.GetString()!;
        }
    }

    private static SafeTensorInfo ParseTensor(string path, string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new CheckpointException(path, $"header entry for tensor {name} must be an object, found {value.ValueKind}");
        if (!value.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
            throw new CheckpointException(path, $"tensor {name} has no string 'dtype'");
        string dtypeText = dt.GetString()!;
        if (!DTypeNames.TryGetValue(dtypeText, out var dtype))
            throw new CheckpointException(path, $"tensor {name} has unknown dtype '{dtypeText}'");
        if (!value.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array)
            throw new CheckpointException(path, $"tensor {name} has no 'shape' array");
        var shape = new int[sh.GetArrayLength()];
        int k = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int dim) || dim < 0)
                throw new CheckpointException(path, $"tensor {name} has an invalid dimension {d.GetRawText()} in its shape");
            shape[k++] = dim;
        }
        if (!value.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw new CheckpointException(path, $"tensor {name} has no 'data_offsets' pair [begin, end]");
        long begin = ReadOffset(path, name, off[0]), end = ReadOffset(path, name, off[1]);
        if (end < begin)
            throw new CheckpointException(path, $"tensor {name} has data_offsets [{begin}, {end}] with end before begin");
        return new SafeTensorInfo(name, dtype, shape, begin, end);
    }

    private static long ReadOffset(string path, string name, JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out long v) || v < 0)
            throw new CheckpointException(path, $"tensor {name} has an invalid data offset {e.GetRawText()}");
        return v;
    }

    private static void CheckCoverage(string path, List<SafeTensorInfo> tensors, long dataLength)
    {
        var sorted = tensors.ToArray();
        Array.Sort(sorted, static (a, b) => a.DataBegin != b.DataBegin ? a.DataBegin.CompareTo(b.DataBegin) : a.DataEnd.CompareTo(b.DataEnd));
        long covered = 0;
        SafeTensorInfo? prev = null;
        foreach (var t in sorted)
        {
            if (t.ByteLength == 0) continue; // empty tensors occupy no bytes and may sit anywhere inside the data
            if (t.DataBegin < covered)
                throw new CheckpointException(path, $"tensors {prev!.Name} [{prev.DataBegin}, {prev.DataEnd}] and {t.Name} [{t.DataBegin}, {t.DataEnd}] overlap");
            if (t.DataBegin > covered)
                throw new CheckpointException(path, $"bytes [{covered}, {t.DataBegin}) of the data section belong to no tensor (a hole before {t.Name})");
            covered = t.DataEnd;
            prev = t;
        }
        if (covered != dataLength)
            throw new CheckpointException(path, $"the tensors cover {covered} bytes but the data section holds {dataLength} (trailing bytes after the last tensor)");
    }

    /// <summary>Looks a tensor up by name.</summary>
    public bool TryGetTensor(string name, out SafeTensorInfo info) => _byName.TryGetValue(name, out info!);

    /// <summary>Reads tensor <paramref name="name"/> and converts it to float (F32 as is; F16, BF16 and F64 rounded to float).</summary>
    /// <exception cref="CheckpointException">When there is no such tensor, its dtype is not a float type, or the file is shorter than its header says.</exception>
    public float[] ReadFloats(string name)
    {
        var info = _byName.TryGetValue(name, out var i) ? i : throw new CheckpointException(FilePath, $"tensor {name} is missing");
        var result = new float[info.ElementCount];
        ReadFloats(info, result);
        return result;
    }

    /// <summary>Reads tensor <paramref name="name"/> into <paramref name="destination"/>, converting to float (F32, F16, BF16, F64).</summary>
    /// <exception cref="CheckpointException">When there is no such tensor, its dtype is not a float type, or the file is shorter than its header says.</exception>
    /// <exception cref="ArgumentException">When <paramref name="destination"/> does not hold exactly the tensor's element count.</exception>
    public void ReadFloats(string name, Span<float> destination)
    {
        var info = _byName.TryGetValue(name, out var i) ? i : throw new CheckpointException(FilePath, $"tensor {name} is missing");
        ReadFloats(info, destination);
    }

    /// <summary>Reads the tensor described by <paramref name="info"/> (from this file) into <paramref name="destination"/>, converting to float.</summary>
    /// <exception cref="CheckpointException">When the dtype is not F32, F16, BF16 or F64, or the file is shorter than its header says.</exception>
    /// <exception cref="ArgumentException">When <paramref name="destination"/> does not hold exactly the tensor's element count.</exception>
    public void ReadFloats(SafeTensorInfo info, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (destination.Length != info.ElementCount)
            throw new ArgumentException($"tensor {info.Name} has {info.ElementCount} elements but the destination holds {destination.Length}", nameof(destination));
        long offset = _dataStart + info.DataBegin;
        switch (info.DType)
        {
            case SafeTensorDType.F32:
                ReadExactly(_handle, MemoryMarshal.AsBytes(destination), offset, FilePath);
                if (!BitConverter.IsLittleEndian)
                {
                    var ints = MemoryMarshal.Cast<float, int>(destination);
                    for (int k = 0; k < ints.Length; k++) ints[k] = BinaryPrimitives.ReverseEndianness(ints[k]);
                }
                return;
            case SafeTensorDType.F16:
            case SafeTensorDType.BF16:
            case SafeTensorDType.F64:
                break;
            default:
                throw new CheckpointException(FilePath, $"tensor {info.Name} has dtype {info.DType}; only F32, F16, BF16 and F64 can be read as floats");
        }
        int size = SafeTensors.ElementSize(info.DType);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int perChunk = ChunkBytes / size;
            int done = 0;
            while (done < destination.Length)
            {
                int n = Math.Min(perChunk, destination.Length - done);
                var bytes = buffer.AsSpan(0, n * size);
                ReadExactly(_handle, bytes, offset + (long)done * size, FilePath);
                var dst = destination.Slice(done, n);
                for (int k = 0; k < n; k++)
                {
                    dst[k] = info.DType switch
                    {
                        SafeTensorDType.F16 => (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * k)..])),
                        SafeTensorDType.BF16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * k)..]) << 16),
                        _ => (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * k)..]),
                    };
                }
                done += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset, string path)
    {
        while (buffer.Length > 0)
        {
            int n = RandomAccess.Read(handle, buffer, offset);
            if (n <= 0) throw new CheckpointException(path, $"file ends at byte {offset}, before the data its header describes");
            buffer = buffer[n..];
            offset += n;
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _handle.Dispose();
}
