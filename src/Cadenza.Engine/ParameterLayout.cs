namespace Cadenza.Engine;

/// <summary>One named parameter tensor inside the contiguous parameter buffer.</summary>
/// <param name="Name">Hugging Face GPT-2 name, e.g. <c>h.0.attn.c_attn.weight</c>.</param>
/// <param name="Shape">Dimensions, row-major. Projection weights are input-major <c>(in, out)</c> as in GPT-2's Conv1D.</param>
/// <param name="Offset">First element in the buffer.</param>
/// <param name="Length">Number of elements (product of <paramref name="Shape"/>).</param>
public sealed record ParameterTensor(string Name, int[] Shape, long Offset, long Length)
{
    /// <summary>True for 2-D weights (the ones AdamW decays).</summary>
    public bool IsMatrix => Shape.Length == 2;
}

/// <summary>
/// The size table of a GPT: every parameter tensor's name, shape and offset into one contiguous
/// float buffer, in a fixed order. Weights are stored exactly as in a Hugging Face GPT-2
/// safetensors file (projections input-major), so saving and loading is a straight copy.
/// The LM head is tied to <c>wte.weight</c> and has no tensor of its own.
/// </summary>
public sealed class ParameterLayout
{
    private readonly Dictionary<string, ParameterTensor> _byName = new(StringComparer.Ordinal);

    /// <summary>Builds the layout for <paramref name="config"/>.</summary>
    /// <exception cref="ArgumentException">When the config is not valid.</exception>
    public ParameterLayout(GptConfig config)
    {
        config.Validate();
        Config = config;
        int C = config.NEmbd, V = config.VocabSize, T = config.BlockSize;
        var list = new List<ParameterTensor>();
        long offset = 0;
        void Add(string name, params int[] shape)
        {
            long len = 1;
            foreach (var d in shape) len *= d;
            var t = new ParameterTensor(name, shape, offset, len);
            list.Add(t);
            _byName.Add(name, t);
            offset += len;
        }
        Add("wte.weight", V, C);
        Add("wpe.weight", T, C);
        for (int l = 0; l < config.NLayer; l++)
        {
            string p = $"h.{l}.";
            Add(p + "ln_1.weight", C);
            Add(p + "ln_1.bias", C);
            Add(p + "attn.c_attn.weight", C, 3 * C);
            Add(p + "attn.c_attn.bias", 3 * C);
            Add(p + "attn.c_proj.weight", C, C);
            Add(p + "attn.c_proj.bias", C);
            Add(p + "ln_2.weight", C);
            Add(p + "ln_2.bias", C);
            Add(p + "mlp.c_fc.weight", C, 4 * C);
            Add(p + "mlp.c_fc.bias", 4 * C);
            Add(p + "mlp.c_proj.weight", 4 * C, C);
            Add(p + "mlp.c_proj.bias", C);
        }
        Add("ln_f.weight", C);
        Add("ln_f.bias", C);
        Tensors = list;
        TotalLength = offset;
    }

    /// <summary>The model shape this layout was built for.</summary>
    public GptConfig Config { get; }

    /// <summary>All tensors, in buffer order.</summary>
    public IReadOnlyList<ParameterTensor> Tensors { get; }

    /// <summary>Total number of parameters.</summary>
    public long TotalLength { get; }

    /// <summary>Looks a tensor up by its GPT-2 name.</summary>
    /// <exception cref="KeyNotFoundException">When no tensor has that name.</exception>
    public ParameterTensor this[string name] => _byName.TryGetValue(name, out var t)
        ? t : throw new KeyNotFoundException($"no parameter tensor named '{name}'");

    /// <summary>Tries to look a tensor up by name.</summary>
    public bool TryGet(string name, out ParameterTensor tensor) => _byName.TryGetValue(name, out tensor!);
}
