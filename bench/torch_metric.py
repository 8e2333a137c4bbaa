"""PyTorch 2.13 (CPU) + pytorch-metric-learning 2.9 reference for bench/metricLosses.mjs: one step =
loss on [N, D] embeddings (m = 4 per class) + backward + SGD update of the embeddings (and the
proxies / the softmax kernel), with as many threads as the machine has cores. Prints JSON rows
{variant, n, ms: [per-rep means]}.
"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F
from pytorch_metric_learning import losses, miners

torch.set_num_threads(os.cpu_count() or 1)
args = dict(a.split("=", 1) for a in sys.argv[1:])
SIZES = [int(v) for v in args.get("sizes", "256,1024").split(",")]
D, CLASSES, REPS, STEPS = 128, 1000, int(args.get("reps", "5")), int(args.get("steps", "5"))


def make(variant, n):
    if variant == "softmax (dense + CE, C=1000)":
        w = torch.randn(D, CLASSES, requires_grad=True)
        return (lambda e, y: F.cross_entropy(e @ w, y)), [w]
    if variant == "proxyAnchor (C=1000)":
        loss = losses.ProxyAnchorLoss(num_classes=CLASSES, embedding_size=D)
        return (lambda e, y: loss(e, y)), list(loss.parameters())
    table = {
        "triplet all": lambda: losses.TripletMarginLoss(),
        "contrastive": lambda: losses.ContrastiveLoss(),
        "supervisedContrastive": lambda: losses.SupConLoss(),
        "ntXent": lambda: losses.NTXentLoss(),
    }
    if variant in table:
        loss = table[variant]()
        return (lambda e, y: loss(e, y)), []
    if variant == "triplet batchHard":
        loss, miner = losses.TripletMarginLoss(), miners.BatchHardMiner()
    elif variant == "triplet semiHard":
        loss, miner = losses.TripletMarginLoss(), miners.TripletMarginMiner(type_of_triplets="semihard")
    elif variant == "multiSimilarity":
        loss, miner = losses.MultiSimilarityLoss(), miners.MultiSimilarityMiner()
    else:
        raise ValueError(variant)
    return (lambda e, y: loss(e, y, miner(e, y))), []


def main():
    variants = args["variants"].split("|")
    rows = []
    for n in SIZES:
        g = torch.Generator().manual_seed(0)
        labels = torch.arange(n) // 4
        for variant in variants:
            pos_pairs, neg_pairs = n * 3, n * (n - 4)
            if variant == "ntXent" and pos_pairs * neg_pairs * 4 > 2**32:
                # PML's NTXentLoss builds a [positive pairs, negative pairs] matrix: 12.8 GB at N = 1024.
                rows.append({"variant": variant, "n": n, "ms": None, "skipped": f"[{pos_pairs}, {neg_pairs}] matrix"})
                continue
            emb = torch.randn(n, D, generator=g, requires_grad=True)
            fn, params = make(variant, n)
            y = labels  # N/4 classes, all below C = 1000
            opt = torch.optim.SGD([emb, *params], lr=1e-3)

            def step():
                opt.zero_grad(set_to_none=True)
                fn(emb, y).backward()
                opt.step()

            for _ in range(2):
                step()
            ms = []
            for _ in range(REPS):
                t0 = time.perf_counter()
                for _ in range(STEPS):
                    step()
                ms.append((time.perf_counter() - t0) / STEPS * 1000)
            rows.append({"variant": variant, "n": n, "ms": ms})
            print(f"torch {variant} N={n}: {sorted(ms)[len(ms) // 2]:.1f} ms", file=sys.stderr)
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
