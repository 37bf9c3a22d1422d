namespace Cadenza.Engine;

/// <summary>
/// Shape of a GPT-2 style decoder-only transformer. Names follow GPT-2 / nanoGPT so the code maps
/// onto the literature and onto Hugging Face's <c>config.json</c>.
/// </summary>
/// <param name="NLayer">Number of transformer blocks (<c>n_layer</c>).</param>
/// <param name="NHead">Attention heads per block (<c>n_head</c>); must divide <paramref name="NEmbd"/>.</param>
/// <param name="NEmbd">Width of the residual stream (<c>n_embd</c>, C).</param>
/// <param name="BlockSize">Context length in tokens (<c>n_positions</c>, T max).</param>
/// <param name="VocabSize">Number of token ids (<c>vocab_size</c>, V).</param>
public sealed record GptConfig(int NLayer, int NHead, int NEmbd, int BlockSize, int VocabSize)
{
    /// <summary>2 layers, 2 heads, 64 wide, context 64: for tests.</summary>
    public static GptConfig Tiny(int vocabSize) => new(2, 2, 64, 64, vocabSize);

    /// <summary>4 layers, 4 heads, 256 wide, context 512.</summary>
    public static GptConfig Small(int vocabSize) => new(4, 4, 256, 512, vocabSize);

    /// <summary>6 layers, 8 heads, 384 wide, context 512.</summary>
    public static GptConfig Medium(int vocabSize) => new(6, 8, 384, 512, vocabSize);

    /// <summary>8 layers, 8 heads, 512 wide, context 1024.</summary>
    public static GptConfig Large(int vocabSize) => new(8, 8, 512, 1024, vocabSize);

    /// <summary>The preset names accepted by <see cref="FromPreset"/>.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["tiny", "small", "medium", "large"];

    /// <summary>Builds a preset by name (tiny, small, medium, large).</summary>
    /// <exception cref="ArgumentException">When the name is not a known preset.</exception>
    public static GptConfig FromPreset(string name, int vocabSize) => name.ToLowerInvariant() switch
    {
        "tiny" => Tiny(vocabSize),
        "small" => Small(vocabSize),
        "medium" => Medium(vocabSize),
        "large" => Large(vocabSize),
        _ => throw new ArgumentException($"unknown model preset '{name}' (expected one of: {string.Join(", ", PresetNames)})", nameof(name)),
    };

    /// <summary>Width of one attention head (C / NH).</summary>
    public int HeadSize => NEmbd / NHead;

    /// <summary>Checks that every dimension is positive and the heads divide the width.</summary>
    /// <exception cref="ArgumentException">When the shape is not valid.</exception>
    public void Validate()
    {
        if (NLayer <= 0 || NHead <= 0 || NEmbd <= 0 || BlockSize <= 0 || VocabSize <= 0)
            throw new ArgumentException($"every model dimension must be positive: {this}");
        if (NEmbd % NHead != 0)
            throw new ArgumentException($"n_embd ({NEmbd}) must be divisible by n_head ({NHead})");
    }
}
