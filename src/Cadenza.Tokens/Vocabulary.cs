namespace Cadenza.Tokens;

/// <summary>
/// The token list of a tokenizer: a bijection between token strings (<c>Type_Value</c>) and ids
/// 0..<see cref="Count"/>-1. Special tokens come first: PAD (0), BOS (1), EOS (2), MASK (3).
/// </summary>
public sealed class Vocabulary
{
    /// <summary>Padding token, id 0.</summary>
    public const string Pad = "PAD";
    /// <summary>Beginning of sequence, id 1.</summary>
    public const string Bos = "BOS";
    /// <summary>End of sequence, id 2.</summary>
    public const string Eos = "EOS";
    /// <summary>Mask token for masked training objectives, id 3.</summary>
    public const string Mask = "MASK";

    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;

    /// <summary>Builds a vocabulary from its tokens in id order.</summary>
    /// <param name="tokens">Token strings; id i is tokens[i].</param>
    /// <exception cref="ArgumentException">When a token is empty, contains whitespace or appears twice.</exception>
    public Vocabulary(IEnumerable<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        _tokens = tokens.ToArray();
        _ids = new Dictionary<string, int>(_tokens.Length, StringComparer.Ordinal);
        for (int i = 0; i < _tokens.Length; i++)
        {
            var t = _tokens[i];
            if (string.IsNullOrEmpty(t) || t.AsSpan().IndexOfAny(" \t\r\n") >= 0)
                throw new ArgumentException($"token {i} ('{t}') is empty or contains whitespace", nameof(tokens));
            if (!_ids.TryAdd(t, i))
                throw new ArgumentException($"token '{t}' appears twice (ids {_ids[t]} and {i})", nameof(tokens));
        }
    }

    /// <summary>Number of tokens.</summary>
    public int Count => _tokens.Length;

    /// <summary>All tokens in id order.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>Id of a token.</summary>
    /// <exception cref="KeyNotFoundException">When the token is not in the vocabulary.</exception>
    public int this[string token] =>
        _ids.TryGetValue(token, out int id) ? id : throw new KeyNotFoundException($"token '{token}' is not in the vocabulary");

    /// <summary>Token string of an id.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When the id is not in 0..Count-1.</exception>
    public string this[int id] =>
        (uint)id < (uint)_tokens.Length ? _tokens[id] : throw new ArgumentOutOfRangeException(nameof(id), id, $"token id must be 0-{_tokens.Length - 1}");

    /// <summary>Looks a token up without throwing.</summary>
    /// <returns>True and its id when the token exists; false and -1 otherwise.</returns>
    public bool TryGetId(string token, out int id)
    {
        if (token is not null && _ids.TryGetValue(token, out id)) return true;
        id = -1;
        return false;
    }

    /// <summary>Looks a token given as characters up without allocating a string.</summary>
    /// <returns>True and its id when the token exists; false and -1 otherwise.</returns>
    public bool TryGetId(ReadOnlySpan<char> token, out int id)
    {
        if (_ids.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(token, out id)) return true;
        id = -1;
        return false;
    }

    /// <summary>True when both vocabularies hold the same tokens in the same order.</summary>
    public bool SequenceEqual(Vocabulary other) => other is not null && _tokens.AsSpan().SequenceEqual(other._tokens);
}
