namespace Cadenza.Engine.IO;

/// <summary>
/// Everything besides the weights that a training run needs to resume exactly where it stopped.
/// A plain data holder: the optimizer copies its moment buffers in and out of it, the trainer its
/// counters and random state. <see cref="Checkpoint.Save"/> writes it as
/// <c>training_state.safetensors</c> (the moments) and <c>training_state.json</c> (the rest).
/// </summary>
public sealed class TrainingState
{
    /// <summary>Optimizer steps taken so far.</summary>
    public long Step { get; set; }

    /// <summary>AdamW first moments (<c>exp_avg</c>), one per parameter, in <see cref="ParameterLayout"/> order; empty when the optimizer has none yet.</summary>
    public float[] AdamM { get; set; } = [];

    /// <summary>AdamW second moments (<c>exp_avg_sq</c>), one per parameter, in <see cref="ParameterLayout"/> order; empty when the optimizer has none yet.</summary>
    public float[] AdamV { get; set; } = [];

    /// <summary>State of the data-order / dropout random generator, saved exactly (any number of words).</summary>
    public ulong[] RngState { get; set; } = [];

    /// <summary>The learning rate of the last step, when known.</summary>
    public double? LearningRate { get; set; }

    /// <summary>Training tokens consumed so far.</summary>
    public long TokensSeen { get; set; }

    /// <summary>
    /// Any other key/values worth keeping (learning-rate schedule name and parameters, data shard
    /// position, tokenizer hash ...). Saved and restored as strings, unchanged.
    /// </summary>
    public Dictionary<string, string> Extra { get; set; } = new(StringComparer.Ordinal);
}
