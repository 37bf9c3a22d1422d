#!/usr/bin/python3
"""Interop check: Cadenza checkpoints <-> PyTorch, both ways, without the `safetensors` package.

1. Runs the C# test IOInteropTests with CADENZA_INTEROP_OUT=<tmp>/from_csharp, which saves a
   small GPT-2 checkpoint (config.json, model.safetensors, training_state.*) whose every weight is
   a known pattern of its index (exactly representable floats).
2. Parses the safetensors files by hand (json + numpy), checks the header (8-byte length, padding
   to 8, contiguous offsets), loads the weights into a GPT-2 shaped PyTorch module with
   load_state_dict(strict=True) (names and shapes must match Hugging Face's GPT2Model, Conv1D
   weights input-major), compares every tensor with the pattern, runs a forward pass, and loads
   the AdamW moments into torch.optim.AdamW's state.
3. Writes the weights back from PyTorch, halved, under Hugging Face GPT2LMHeadModel names
   ("transformer." prefix, attention-mask buffers, lm_head.weight) into <tmp>/from_python, and
   runs the C# test again with CADENZA_INTEROP_FROM_PYTHON set, which loads them and checks them
   bit for bit.

Usage (from the repository root):  /usr/bin/python3 tools/torch_reference/check_safetensors.py
        or, against an existing folder only (step 2):  ... check_safetensors.py --dir path/to/model
Needs torch and numpy (Debian python3-torch); CI does not run it.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn

DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64, "I32": np.int32}
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TEST_PROJECT = os.path.join(REPO, "tests", "Cadenza.Engine.Tests")


def read_safetensors(path):
    """Returns (tensors: dict name -> np.ndarray, metadata: dict) after checking the layout."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    assert 8 + n <= len(blob), f"{path}: header length {n} beyond file"
    assert (8 + n) % 8 == 0, f"{path}: header not padded to a multiple of 8"
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    meta = header.pop("__metadata__", {}) or {}
    tensors, spans = {}, []
    for name, e in header.items():
        b, end = e["data_offsets"]
        dt = e["dtype"]
        if dt == "BF16":
            raw = np.frombuffer(data[b:end], dtype=np.uint16).astype(np.uint32) << 16
            arr = raw.view(np.float32)
        else:
            arr = np.frombuffer(data[b:end], dtype=np.dtype(DTYPES[dt]).newbyteorder("<"))
        assert arr.size == int(np.prod(e["shape"], dtype=np.int64)), f"{name}: size mismatch"
        tensors[name] = arr.reshape(e["shape"]).copy()
        spans.append((b, end))
    spans.sort()
    pos = 0
    for b, end in spans:
        assert b == pos, f"{path}: hole or overlap at byte {b}"
        pos = end
    assert pos == len(data), f"{path}: trailing bytes"
    return tensors, meta


def write_safetensors(path, tensors, metadata):
    header, offset, chunks = {"__metadata__": metadata}, 0, []
    for name, t in tensors.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy().astype("<f4"))
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        chunks.append(a.tobytes())
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


class Conv1D(nn.Module):
    """GPT-2's Conv1D: weight (in, out), y = x @ W + b."""

    def __init__(self, nx, nf):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.empty(nf))

    def forward(self, x):
        return x @ self.weight + self.bias


class Attention(nn.Module):
    def __init__(self, c, nh, t):
        super().__init__()
        self.nh = nh
        self.c_attn = Conv1D(c, 3 * c)
        self.c_proj = Conv1D(c, c)
        self.register_buffer("bias", torch.tril(torch.ones(t, t)).view(1, 1, t, t), persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (z.view(B, T, self.nh, C // self.nh).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / (C // self.nh) ** 0.5
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf")).softmax(-1)
        return self.c_proj((att @ v).transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    def __init__(self, c, nh, t, eps):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c, eps=eps)
        self.attn = Attention(c, nh, t)
        self.ln_2 = nn.LayerNorm(c, eps=eps)
        self.mlp = nn.Module()
        self.mlp.c_fc = Conv1D(c, 4 * c)
        self.mlp.c_proj = Conv1D(4 * c, c)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp.c_proj(nn.functional.gelu(self.mlp.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT2Model(nn.Module):
    """Parameter names exactly as Hugging Face's GPT2Model."""

    def __init__(self, cfg):
        super().__init__()
        c, t = cfg["n_embd"], cfg["n_positions"]
        self.wte = nn.Embedding(cfg["vocab_size"], c)
        self.wpe = nn.Embedding(t, c)
        self.h = nn.ModuleList(Block(c, cfg["n_head"], t, cfg["layer_norm_epsilon"]) for _ in range(cfg["n_layer"]))
        self.ln_f = nn.LayerNorm(c, eps=cfg["layer_norm_epsilon"])

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for b in self.h:
            x = b(x)
        return self.ln_f(x) @ self.wte.weight.T  # tied LM head


def pattern(n, salt):
    i = np.arange(n, dtype=np.int64)
    return (((i * (7919 + salt)) % 2003 - 1001) / 1024.0).astype(np.float32)


def check_folder(d, expect_pattern):
    cfg = json.load(open(os.path.join(d, "config.json")))
    assert cfg["model_type"] == "gpt2" and cfg["tie_word_embeddings"] and cfg["activation_function"] == "gelu_new"
    assert cfg["n_positions"] == cfg["n_ctx"]
    tensors, meta = read_safetensors(os.path.join(d, "model.safetensors"))
    print(f"config: n_layer={cfg['n_layer']} n_head={cfg['n_head']} n_embd={cfg['n_embd']} "
          f"n_positions={cfg['n_positions']} vocab_size={cfg['vocab_size']}; {len(tensors)} tensors; metadata {meta}")
    assert meta.get("format") == "pt"
    model = GPT2Model(cfg)
    missing = model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()}, strict=True)
    print("load_state_dict(strict=True):", missing)
    names = list(tensors)  # file order == Cadenza's buffer order
    flat = np.concatenate([tensors[k].ravel() for k in names])
    sd = model.state_dict()
    worst = max(float((sd[k].numpy() - tensors[k]).__abs__().max(initial=0)) for k in names)
    print(f"max |module - file| over all tensors: {worst}")
    assert worst == 0
    if expect_pattern:
        diff = float(np.abs(flat - pattern(flat.size, 0)).max())
        print(f"max |file - expected pattern| over {flat.size} weights: {diff}")
        assert diff == 0
        w = model.h[0].attn.c_attn.weight
        assert tuple(w.shape) == (cfg["n_embd"], 3 * cfg["n_embd"]), "c_attn must be input-major (C, 3C)"
    with torch.no_grad():
        logits = model(torch.tensor([[1, 2, 3, 4, 5]]))
    assert torch.isfinite(logits).all()
    print(f"forward pass: logits {tuple(logits.shape)}, finite, mean {logits.mean().item():.4f}")

    st_path = os.path.join(d, "training_state.safetensors")
    if os.path.exists(st_path):
        state, _ = read_safetensors(st_path)
        info = json.load(open(os.path.join(d, "training_state.json")))
        params = dict(model.named_parameters())
        opt = torch.optim.AdamW(params.values(), lr=info["learning_rate"])
        sd_opt = opt.state_dict()
        idx = {n: i for i, n in enumerate(params)}
        sd_opt["state"] = {idx[n]: {"step": torch.tensor(float(info["step"])),
                                    "exp_avg": torch.from_numpy(state["exp_avg." + n]),
                                    "exp_avg_sq": torch.from_numpy(state["exp_avg_sq." + n])} for n in params}
        opt.load_state_dict(sd_opt)
        m = np.concatenate([state["exp_avg." + k].ravel() for k in names])
        v = np.concatenate([state["exp_avg_sq." + k].ravel() for k in names])
        if expect_pattern:
            assert np.array_equal(m, pattern(m.size, 1)) and np.array_equal(v, np.abs(pattern(v.size, 2)))
        rng = [int(x) for x in info["rng_state"].split()]
        print(f"training state: step {info['step']}, lr {info['learning_rate']}, tokens {info['tokens_seen']}, "
              f"rng {rng}, {len(state)} moment tensors loaded into torch.optim.AdamW, extra {info['extra']}")
    return cfg, model


def dotnet_test(env_extra):
    env = dict(os.environ, **env_extra)
    cmd = ["dotnet", "test", TEST_PROJECT, "--filter", "FullyQualifiedName~IOInteropTests"]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    tail = "\n".join(r.stdout.strip().splitlines()[-3:])
    if r.returncode != 0:
        sys.exit(f"dotnet test failed:\n{r.stdout}\n{r.stderr}")
    return tail


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", help="check this model folder only (no pattern comparison, no C# run)")
    args = ap.parse_args()
    if args.dir:
        check_folder(args.dir, expect_pattern=False)
        print("OK")
        return
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "from_csharp")
        print("C# writes the pattern checkpoint:", dotnet_test({"CADENZA_INTEROP_OUT": out}).splitlines()[-1])
        cfg, model = check_folder(out, expect_pattern=True)

        back = os.path.join(tmp, "from_python")
        os.makedirs(back)
        with open(os.path.join(back, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
        sd = {}
        with torch.no_grad():
            for name, t in model.state_dict().items():
                sd["transformer." + name] = t * 0.5
                if name.endswith("attn.c_attn.weight"):  # the mask buffer old HF checkpoints carry
                    sd["transformer." + name.replace("c_attn.weight", "bias")] = model.h[0].attn.bias
            sd["lm_head.weight"] = sd["transformer.wte.weight"]
        write_safetensors(os.path.join(back, "model.safetensors"), sd, {"format": "pt"})
        print("C# loads the PyTorch-written checkpoint:",
              dotnet_test({"CADENZA_INTEROP_FROM_PYTHON": back}).splitlines()[-1])
    print("OK: Cadenza <-> PyTorch safetensors interop")


if __name__ == "__main__":
    main()
