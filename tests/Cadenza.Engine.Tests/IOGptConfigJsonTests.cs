using System.Text.Json;
using Cadenza.Engine.IO;

namespace Cadenza.Engine.Tests;

public class IOGptConfigJsonTests
{
    // The config.json of the original "gpt2" model on the Hugging Face hub.
    private const string Gpt2HubConfig = """
        {
          "activation_function": "gelu_new",
          "architectures": [
            "GPT2LMHeadModel"
          ],
          "attn_pdrop": 0.1,
          "bos_token_id": 50256,
          "embd_pdrop": 0.1,
          "eos_token_id": 50256,
          "initializer_range": 0.02,
          "layer_norm_epsilon": 1e-05,
          "model_type": "gpt2",
          "n_ctx": 1024,
          "n_embd": 768,
          "n_head": 12,
          "n_layer": 12,
          "n_positions": 1024,
          "resid_pdrop": 0.1,
          "summary_activation": null,
          "summary_first_dropout": 0.1,
          "summary_proj_to_labels": true,
          "summary_type": "cls_index",
          "summary_use_proj": true,
          "task_specific_params": {
            "text-generation": {
              "do_sample": true,
              "max_length": 50
            }
          },
          "vocab_size": 50257
        }
        """;

    [Fact]
    public void ReadsTheHuggingFaceGpt2Config() =>
        Assert.Equal(new GptConfig(12, 12, 768, 1024, 50257), GptConfigJson.Parse(Gpt2HubConfig));

    [Fact]
    public void RoundTrips_AndWritesTheHuggingFaceKeys()
    {
        var config = GptConfig.Small(1234);
        string json = GptConfigJson.ToJson(config, new Dictionary<string, string> { ["cadenza_tokenizer"] = "remi+", ["n_layer"] = "ignored" });
        Assert.Equal(config, GptConfigJson.Parse(json));
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        Assert.Equal("gpt2", r.GetProperty("model_type").GetString());
        Assert.Equal("GPT2LMHeadModel", r.GetProperty("architectures")[0].GetString());
        Assert.Equal(4, r.GetProperty("n_layer").GetInt32());
        Assert.Equal(4, r.GetProperty("n_head").GetInt32());
        Assert.Equal(256, r.GetProperty("n_embd").GetInt32());
        Assert.Equal(512, r.GetProperty("n_positions").GetInt32());
        Assert.Equal(512, r.GetProperty("n_ctx").GetInt32());
        Assert.Equal(1234, r.GetProperty("vocab_size").GetInt32());
        Assert.Equal("gelu_new", r.GetProperty("activation_function").GetString());
        Assert.True(r.GetProperty("tie_word_embeddings").GetBoolean());
        Assert.Equal(1e-5, r.GetProperty("layer_norm_epsilon").GetDouble());
        Assert.Equal("remi+", r.GetProperty("cadenza_tokenizer").GetString());

        using var dir = new IOTempDir();
        GptConfigJson.Write(dir.File("config.json"), config);
        Assert.Equal(config, GptConfigJson.Read(dir.File("config.json")));
    }

    [Fact]
    public void NCtxAlone_GivesTheBlockSize() =>
        Assert.Equal(128, GptConfigJson.Parse("""{"n_layer":1,"n_head":1,"n_embd":8,"n_ctx":128,"vocab_size":5}""").BlockSize);

    [Theory]
    [InlineData("""{"n_head":1,"n_embd":8,"n_positions":4,"vocab_size":5}""", "missing 'n_layer'")]
    [InlineData("""{"n_layer":1,"n_head":1,"n_embd":8,"vocab_size":5}""", "missing 'n_positions' (or 'n_ctx')")]
    [InlineData("""{"n_layer":1,"n_head":3,"n_embd":8,"n_positions":4,"vocab_size":5}""", "n_embd (8) must be divisible by n_head (3)")]
    [InlineData("""{"n_layer":"2","n_head":1,"n_embd":8,"n_positions":4,"vocab_size":5}""", "'n_layer' must be a positive integer")]
    [InlineData("""{"n_layer":0,"n_head":1,"n_embd":8,"n_positions":4,"vocab_size":5}""", "'n_layer' must be a positive integer, got 0")]
    [InlineData("""{"model_type":"llama","n_layer":1,"n_head":1,"n_embd":8,"n_positions":4,"vocab_size":5}""", "model_type is 'llama', expected 'gpt2'")]
    [InlineData("""{"activation_function":"relu","n_layer":1,"n_head":1,"n_embd":8,"n_positions":4,"vocab_size":5}""", "activation_function 'relu' is not supported")]
    [InlineData("""{"tie_word_embeddings":false,"n_layer":1,"n_head":1,"n_embd":8,"n_positions":4,"vocab_size":5}""", "tie_word_embeddings is false")]
    [InlineData("""{"n_inner":16,"n_layer":1,"n_head":1,"n_embd":8,"n_positions":4,"vocab_size":5}""", "n_inner is 16")]
    [InlineData("""{"layer_norm_epsilon":1e-6,"n_layer":1,"n_head":1,"n_embd":8,"n_positions":4,"vocab_size":5}""", "layer_norm_epsilon is 1E-06")]
    [InlineData("""{"n_layer":1,""", "not valid JSON")]
    [InlineData("[]", "must be a JSON object")]
    public void InvalidConfigs_AreCheckpointExceptionsNamingTheKey(string json, string expected)
    {
        var e = Assert.Throws<CheckpointException>(() => GptConfigJson.Parse(json, "some/dir/config.json"));
        Assert.Contains("/config.json: ", e.Message);
        Assert.Contains(expected, e.Message);
    }
}
