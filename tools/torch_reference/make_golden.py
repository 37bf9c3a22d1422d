#!/usr/bin/python3
"""Golden reference tensors for Cadenza's C# GPT engine, computed with PyTorch in float64.

Builds the same GPT-2 shaped model as src/Cadenza.Engine (pre-LN blocks, causal multi-head
attention scaled by 1/sqrt(hs), tanh-GELU MLP 4x, final LayerNorm eps 1e-5, LM head tied to wte,
Hugging Face tensor names, projection weights input-major (in, out) as GPT-2's Conv1D), fills it
with deterministic weights, and writes into tests/Cadenza.Engine.Tests/Golden/:

  golden.json   config, batch, inputs, targets, ignore index, loss, tensor names/shapes/offsets,
                AdamW settings and the losses/grad norms of 10 optimizer steps
  params.bin    initial parameters, float32 little-endian, in ParameterLayout order
  logits.bin    (B, T, V) logits, float32
  grads.bin     gradient of the mean loss w.r.t. every parameter, float32, same order as params.bin

Run from the repository root with the Debian interpreter (python3-torch 1.13, numpy):
    /usr/bin/python3 tools/torch_reference/make_golden.py
CI does not need PyTorch: the tests only read the committed files.
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "Cadenza.Engine.Tests", "Golden")
L, NH, C, BLOCK, V = 2, 2, 64, 64, 64          # GptConfig.Tiny(64)
B, T = 2, 16
IGNORE = 0                                     # padding id, left out of the loss
ADAM = dict(max_lr=1e-3, min_lr=1e-4, warmup=3, total=10, beta1=0.9, beta2=0.95, eps=1e-8, wd=0.1, clip=1.0, steps=10)

torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)


def layout():
    """(name, shape) in the order of Cadenza.Engine.ParameterLayout."""
    t = [("wte.weight", (V, C)), ("wpe.weight", (BLOCK, C))]
    for l in range(L):
        p = "h.%d." % l
        t += [(p + "ln_1.weight", (C,)), (p + "ln_1.bias", (C,)),
              (p + "attn.c_attn.weight", (C, 3 * C)), (p + "attn.c_attn.bias", (3 * C,)),
              (p + "attn.c_proj.weight", (C, C)), (p + "attn.c_proj.bias", (C,)),
              (p + "ln_2.weight", (C,)), (p + "ln_2.bias", (C,)),
              (p + "mlp.c_fc.weight", (C, 4 * C)), (p + "mlp.c_fc.bias", (4 * C,)),
              (p + "mlp.c_proj.weight", (4 * C, C)), (p + "mlp.c_proj.bias", (C,))]
    t += [("ln_f.weight", (C,)), ("ln_f.bias", (C,))]
    return t


def init_params():
    ps = {}
    for name, shape in layout():
        if len(shape) == 2:
            std = 0.02 / math.sqrt(2 * L) if name.endswith("c_proj.weight") else 0.02
            w = torch.randn(shape) * std * 5  # larger than GPT-2 init so every path matters
        elif ".ln_" in name or name.startswith("ln_f"):
            w = (1.0 + 0.1 * torch.randn(shape)) if name.endswith("weight") else 0.1 * torch.randn(shape)
        else:
            w = 0.05 * torch.randn(shape)
        # round through float32 so C# loads exactly the values used here
        ps[name] = w.float().double().requires_grad_(True)
    return ps


def forward(ps, idx):
    Bn, Tn = idx.shape
    hs = C // NH
    x = ps["wte.weight"][idx] + ps["wpe.weight"][:Tn]
    mask = torch.tril(torch.ones(Tn, Tn, dtype=torch.bool))
    for l in range(L):
        p = "h.%d." % l
        h = F.layer_norm(x, (C,), ps[p + "ln_1.weight"], ps[p + "ln_1.bias"], 1e-5)
        qkv = h @ ps[p + "attn.c_attn.weight"] + ps[p + "attn.c_attn.bias"]
        q, k, v = qkv.split(C, dim=2)
        q = q.view(Bn, Tn, NH, hs).transpose(1, 2)
        k = k.view(Bn, Tn, NH, hs).transpose(1, 2)
        v = v.view(Bn, Tn, NH, hs).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).contiguous().view(Bn, Tn, C)
        x = x + (y @ ps[p + "attn.c_proj.weight"] + ps[p + "attn.c_proj.bias"])
        h = F.layer_norm(x, (C,), ps[p + "ln_2.weight"], ps[p + "ln_2.bias"], 1e-5)
        h = F.gelu(h @ ps[p + "mlp.c_fc.weight"] + ps[p + "mlp.c_fc.bias"], approximate="tanh")
        x = x + (h @ ps[p + "mlp.c_proj.weight"] + ps[p + "mlp.c_proj.bias"])
    x = F.layer_norm(x, (C,), ps["ln_f.weight"], ps["ln_f.bias"], 1e-5)
    return x @ ps["wte.weight"].t()


def loss_fn(logits, tgt):
    return F.cross_entropy(logits.reshape(-1, V), tgt.reshape(-1), ignore_index=IGNORE)


def lr_at(step):
    a = ADAM
    if step < a["warmup"]:
        return a["max_lr"] * (step + 1) / a["warmup"]
    if step >= a["total"]:
        return a["min_lr"]
    ratio = (step - a["warmup"]) / (a["total"] - a["warmup"])
    return a["min_lr"] + 0.5 * (1 + math.cos(math.pi * ratio)) * (a["max_lr"] - a["min_lr"])


def flat(tensors):
    return np.concatenate([t.detach().numpy().astype(np.float32).ravel() for t in tensors])


def main():
    os.makedirs(OUT, exist_ok=True)
    ps = init_params()
    g = torch.Generator().manual_seed(7)
    idx = torch.randint(1, V, (B, T), generator=g)
    tgt = torch.randint(1, V, (B, T), generator=g)
    tgt[0, 3] = IGNORE
    tgt[1, 10:] = IGNORE
    names = [n for n, _ in layout()]

    logits = forward(ps, idx)
    loss = loss_fn(logits, tgt)
    loss.backward()
    flat([ps[n] for n in names]).tofile(os.path.join(OUT, "params.bin"))
    flat([logits]).tofile(os.path.join(OUT, "logits.bin"))
    flat([ps[n].grad for n in names]).tofile(os.path.join(OUT, "grads.bin"))

    # 10 AdamW steps with warm-up + cosine and global-norm clipping, starting from the same weights
    for n in names:
        ps[n].grad = None
    decay = [ps[n] for n in names if ps[n].dim() >= 2]
    no_decay = [ps[n] for n in names if ps[n].dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": ADAM["wd"]}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=ADAM["max_lr"], betas=(ADAM["beta1"], ADAM["beta2"]), eps=ADAM["eps"])
    losses, norms, lrs = [], [], []
    for step in range(ADAM["steps"]):
        lr = lr_at(step)
        for grp in opt.param_groups:
            grp["lr"] = lr
        opt.zero_grad(set_to_none=True)
        l = loss_fn(forward(ps, idx), tgt)
        l.backward()
        norm = torch.nn.utils.clip_grad_norm_([ps[n] for n in names], ADAM["clip"])
        opt.step()
        losses.append(l.item()); norms.append(float(norm)); lrs.append(lr)

    offsets, off = [], 0
    for n, shape in layout():
        offsets.append({"name": n, "shape": list(shape), "offset": off})
        off += int(np.prod(shape))
    meta = {
        "source": "tools/torch_reference/make_golden.py, torch %s, float64" % torch.__version__,
        "config": {"n_layer": L, "n_head": NH, "n_embd": C, "block_size": BLOCK, "vocab_size": V},
        "batch": B, "seq": T, "ignore_index": IGNORE,
        "inputs": idx.reshape(-1).tolist(), "targets": tgt.reshape(-1).tolist(),
        "loss": loss.item(), "tensors": offsets, "total": off,
        "adamw": dict(ADAM, losses=losses, grad_norms=norms, lrs=lrs),
    }
    with open(os.path.join(OUT, "golden.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print("loss %.6f; adamw losses %s" % (loss.item(), " ".join("%.5f" % x for x in losses)))


if __name__ == "__main__":
    main()
