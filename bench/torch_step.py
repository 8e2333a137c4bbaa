"""The reference step a user would pick instead: PyTorch 2.13 (CPU) with pytorch-metric-learning's
ArcFaceLoss / CosFaceLoss and insightface's formulation (normalized linear + CombinedMarginLoss-style
ArcFace target), at the shapes of bench/plans.mjs, with as many threads as the machine has cores (what
tfjs-node's TensorFlow uses). One step = forward + backward + SGD update of embeddings and kernel.
Prints JSON rows: {name, n, d, c, ms, compareWith}.
"""
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from pytorch_metric_learning import losses

torch.set_num_threads(os.cpu_count() or 1)
QUICK = "--quick" in sys.argv


def insightface_arcface(emb, w, labels, s=64.0, m=0.5):
    cos = F.linear(F.normalize(emb), F.normalize(w.t()))  # w: [D, C] as in tfjs-margin
    rows = torch.arange(labels.shape[0])
    target = cos[rows, labels]
    with torch.no_grad():
        theta = torch.acos(target.clamp(-1, 1))
        delta = torch.cos(theta + m) - target
    logits = cos.clone()
    logits[rows, labels] = target + delta
    return F.cross_entropy(logits * s, labels)


def bench(name, n, d, c, make_loss, compare_with, steps=3, reps=5):
    g = torch.Generator().manual_seed(0)
    emb = torch.randn(n, d, generator=g, requires_grad=True)
    labels = torch.randint(0, c, (n,), generator=g)
    loss_fn, params = make_loss(d, c)
    opt = torch.optim.SGD([emb, *params], lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(emb, labels)
        loss.backward()
        opt.step()
        return loss

    for _ in range(2):
        step()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        times.append((time.perf_counter() - t0) / steps * 1000)
    return {"name": name, "n": n, "d": d, "c": c, "ms": statistics.median(times), "compareWith": compare_with}


def pml(cls, **kw):
    def make(d, c):
        loss = cls(num_classes=c, embedding_size=d, **kw)
        return loss, [loss.W]
    return make


def insightface(d, c):
    w = torch.nn.Parameter(torch.randn(d, c) * 0.05)
    return (lambda e, l: insightface_arcface(e, w, l)), [w]


shapes = [(64, 128, 1000)] if QUICK else [(256, 512, 10000), (256, 512, 100000)]
rows = []
for n, d, c in shapes:
    rows.append(bench("PML ArcFaceLoss", n, d, c, pml(losses.ArcFaceLoss, margin=math.degrees(0.5), scale=64), "arcFace"))
    rows.append(bench("PML CosFaceLoss", n, d, c, pml(losses.CosFaceLoss, margin=0.35, scale=64), "cosFace"))
    rows.append(bench("insightface ArcFace", n, d, c, insightface, "arcFace"))
print(json.dumps(rows))
