#!/usr/bin/env python3
"""Is a generated ABC tune new? Counts how many windows of n consecutive musical tokens of each tune also occur in
the training tunes of an 'abc' dataset (all its transpositions), for several n. Header fields, genre and specials are
left out on both sides. Usage: tools/abc_novelty.py <dataset dir> <tune.abc> ..."""
import json, sys, array, re
tok = json.load(open(sys.argv[1] + '/tokenizer.json'))
# find vocabulary list
def find_vocab(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k.lower() in ('tokens', 'vocabulary', 'vocab') and isinstance(v, list) and len(v) > 1000: return v
            r = find_vocab(v)
            if r: return r
    return None
vocab = find_vocab(tok)
idx = {t: i for i, t in enumerate(vocab)}
import glob
a = array.array('H')
for shard in sorted(glob.glob(sys.argv[1] + '/train_*.bin')):
    a.frombytes(open(shard, 'rb').read())
bos = idx['BOS']
# only musical tokens (drop header/genre/specials) so matches are about music
skip = set(i for t, i in idx.items() if t in ('BOS', 'EOS', 'PAD', 'MASK') or t.startswith('Genre_') or t[:2] in ('M:', 'L:', 'K:'))
train = [x for x in a]
def grams(seq, n):
    return set(tuple(seq[i:i+n]) for i in range(len(seq) - n + 1))
res = {}
gens = []
for path in sys.argv[2:]:
    text = open(path).read().split('\n')
    body = ' '.join(l for l in text if l and not l[:2] in ('X:', 'T:', 'M:', 'L:', 'K:'))
    # re-split chords: "[GE]3/8-" style tokens are rare; map tokens through vocab where possible
    toks = []
    words = []
    for w in body.split():
        while w:
            m = re.match(r'^("[^"]*"|\(\d+(?::\d+:\d+)?)', w)
            if m and m.end() < len(w): words.append(m.group(0)); w = w[m.end():]
            else: words.append(w); w = ''
    for w in words:
        if w in idx: toks.append(idx[w])
        else: toks.append(-1)  # unknown spelling (chord groups); breaks matches
    gens.append(toks)
# split train stream into documents at BOS, strip skip tokens but keep positions contiguous within a doc
docs = []; cur = []
for x in train:
    if x == bos:
        if cur: docs.append(cur)
        cur = []
    elif x not in skip: cur.append(x)
if cur: docs.append(cur)
print('unknown words per tune:', [t.count(-1) for t in gens]); sys.stdout.flush()
for n in (6, 8, 12, 16, 24):
    g = set()
    for d in docs:
        for i in range(len(d) - n + 1): g.add(hash(tuple(d[i:i+n])))
    line = []
    for s, toks in enumerate(gens, 1):
        hits = sum(1 for i in range(len(toks) - n + 1) if -1 not in toks[i:i+n] and hash(tuple(toks[i:i+n])) in g)
        total = max(0, len(toks) - n + 1)
        line.append(f"{hits}/{total}")
    print(f"{n}-token windows found in the training tunes (all transpositions):", ' '.join(line), flush=True)
    del g
