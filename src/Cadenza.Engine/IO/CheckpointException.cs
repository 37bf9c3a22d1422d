namespace Cadenza.Engine.IO;

/// <summary>
/// A model or checkpoint file that cannot be read or does not fit the model it claims to hold:
/// a damaged safetensors file, a malformed <c>config.json</c>, a tensor with the wrong name, shape
/// or dtype. The message starts with the file's name and says what is wrong, e.g.
/// <c>model.safetensors: tensor h.1.mlp.c_fc.weight has shape [256, 512], expected [256, 1024] for n_embd=256</c>.
/// </summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the exception for <paramref name="filePath"/> with the message <c>"{path}: {problem}"</c>.</summary>
    /// <param name="filePath">The file that is wrong (full or relative path, as given; it starts the message).</param>
    /// <param name="problem">What is wrong, in words fit for a command-line user.</param>
    /// <param name="inner">The underlying error, if any (e.g. a JSON parse error).</param>
    public CheckpointException(string filePath, string problem, Exception? inner = null)
        : base($"{filePath}: {problem}", inner)
    {
        FilePath = filePath;
        Problem = problem;
    }

    /// <summary>The path of the file that is wrong, as it was given to the reader.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
