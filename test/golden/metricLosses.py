"""Regenerates test/golden/metricLosses.json: pair, triplet and proxy losses from pytorch-metric-learning.

    pip install torch==2.13.0 && pip install --no-deps pytorch-metric-learning==2.9.0
    npm run golden        # or: python3 test/golden/metricLosses.py

Every loss runs through PML 2.9's own classes (and miners) in float64 on batches with the edge cases
the issue names: all labels distinct, all equal, duplicated embeddings (within and across classes,
including a scaled copy), a class absent from the batch. A zero embedding is left out: its direction
is undefined (PML's gradient there is ~1e12); the losses reject it. Each case records the embeddings, labels, the loss
and its gradient; the gradient is also checked here against float64 central finite differences, so
a golden gradient is never just autograd's word.
"""
import json
import os
import sys

import torch
import pytorch_metric_learning
from pytorch_metric_learning import losses as pml, miners as pmm
from pytorch_metric_learning.distances import CosineSimilarity, LpDistance

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "metricLosses.json")
D = 5


def batch(name, seed):
    g = torch.Generator().manual_seed(seed)
    if name == "mixed":
        labels = [0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 4, 5]
        x = torch.randn(len(labels), D, generator=g) * 1.5
    elif name == "clustered":
        # Tight classes: many triplets and pairs already satisfy their margins (zeros in the averages).
        labels = [0, 0, 0, 1, 1, 1, 2, 2, 2, 3]
        centers = torch.randn(4, D, generator=g)
        x = centers[labels] + 0.25 * torch.randn(len(labels), D, generator=g)
    elif name == "distinct":
        labels = [0, 1, 2, 3, 4, 5]
        x = torch.randn(len(labels), D, generator=g)
    elif name == "same":
        labels = [2, 2, 2, 2, 2]
        x = torch.randn(len(labels), D, generator=g)
    elif name == "duplicates":
        labels = [0, 0, 1, 1, 2, 2, 0, 1]
        x = torch.randn(len(labels), D, generator=g)
        x[1] = x[0] * 2.0  # same direction, same class: distance 0 after normalization
        x[6] = x[2]  # same point, different classes: a negative pair at distance 0
    else:
        raise ValueError(name)
    return x, torch.tensor(labels)


LP, COS = LpDistance(), CosineSimilarity()


def loss_fn(spec):
    kind, o = spec["loss"], spec["options"]
    if kind == "tripletMarginLoss":
        dist = COS if o.get("distance") == "cosine" else LP
        loss = pml.TripletMarginLoss(margin=o.get("margin", 0.05), distance=dist)
        mining = o.get("mining", "all")
        if mining == "batchHard":
            miner = pmm.BatchHardMiner(distance=dist)
        elif mining == "semiHard":
            miner = pmm.TripletMarginMiner(margin=o.get("minerMargin", 0.2), type_of_triplets="semihard", distance=dist)
        else:
            miner = None
        return lambda x, y: loss(x, y, miner(x, y)) if miner else loss(x, y)
    if kind == "multiSimilarityLoss":
        loss = pml.MultiSimilarityLoss(alpha=o.get("alpha", 2), beta=o.get("beta", 50), base=o.get("base", 0.5))
        if o.get("mining", True):
            miner = pmm.MultiSimilarityMiner(epsilon=o.get("epsilon", 0.1))
            return lambda x, y: loss(x, y, miner(x, y))
        return lambda x, y: loss(x, y)
    if kind == "supervisedContrastiveLoss":
        loss = pml.SupConLoss(temperature=o.get("temperature", 0.1))
        return lambda x, y: loss(x, y)
    if kind == "ntXentLoss":
        loss = pml.NTXentLoss(temperature=o.get("temperature", 0.07))
        return lambda x, y: loss(x, y)
    if kind == "contrastiveLoss":
        dist = COS if o.get("distance") == "cosine" else LP
        loss = pml.ContrastiveLoss(pos_margin=o.get("posMargin", 0), neg_margin=o.get("negMargin", 1), distance=dist)
        return lambda x, y: loss(x, y)
    raise ValueError(kind)


def finite_differences(f, x, h=1e-6):
    grad = torch.zeros_like(x)
    with torch.no_grad():
        for idx in range(x.numel()):
            e = torch.zeros_like(x).view(-1)
            e[idx] = h
            e = e.view_as(x)
            grad.view(-1)[idx] = (f(x + e) - f(x - e)) / (2 * h)
    return grad


def record(name, spec, x, labels, value, grads, fd):
    case = {
        "name": name,
        **spec,
        "shape": list(x.shape),
        "embeddings": x.flatten().tolist(),
        "labels": labels.tolist(),
        "lossValue": float(value),
        "gradEmbeddings": grads[0].flatten().tolist(),
    }
    # Duplicated embeddings sit on kinks (|d| at 0) and ties (two hardest positives): finite
    # differences step across them, so only autograd's one-sided choice, PML's, is recorded there.
    for g, f in zip(grads, fd if "'duplicates'" not in name else []):
        err = (g - f).abs().max().item()
        scale = max(1.0, g.abs().max().item())
        assert err < 1e-6 * scale, (name, "finite differences disagree", err)
    return case


def loss_case(spec, data, seed):
    x, labels = batch(data, seed)
    f = loss_fn(spec)
    xr = x.clone().requires_grad_(True)
    value = f(xr, labels)
    value.backward()
    fd = finite_differences(lambda v: f(v, labels), x)
    opts = ", ".join(f"{k}={v}" for k, v in spec["options"].items()) or "defaults"
    return record(f"{spec['loss']} ({opts}) on '{data}'", spec, x, labels, value.item(), [xr.grad], [fd])


def proxy_anchor_case(data, seed, num_classes, margin, alpha):
    x, labels = batch(data, seed)
    g = torch.Generator().manual_seed(seed + 1000)
    proxies = torch.randn(num_classes, D, generator=g)
    loss = pml.ProxyAnchorLoss(num_classes=num_classes, embedding_size=D, margin=margin, alpha=alpha)
    loss.proxies = torch.nn.Parameter(proxies.clone())
    xr = x.clone().requires_grad_(True)
    value = loss(xr, labels)
    value.backward()

    def f_x(v):
        return loss(v, labels)

    def f_w(w):
        saved = loss.proxies
        loss.proxies = torch.nn.Parameter(w)
        out = loss(x, labels)
        loss.proxies = saved
        return out

    with torch.no_grad():
        fd_x = finite_differences(f_x, x)
    fd_w = finite_differences(lambda w: f_w(w).detach(), proxies)
    spec = {"loss": "proxyAnchor", "options": {"numClasses": num_classes, "margin": margin, "alpha": alpha}}
    case = record(f"ProxyAnchor (C={num_classes}, margin={margin}, alpha={alpha}) on '{data}'", spec, x, labels,
                  value.item(), [xr.grad, loss.proxies.grad], [fd_x, fd_w])
    case["proxies"] = proxies.flatten().tolist()
    case["gradProxies"] = loss.proxies.grad.flatten().tolist()
    return case


def soft_triple_case(data, seed, num_classes, k, la, gamma, margin):
    x, labels = batch(data, seed)
    g = torch.Generator().manual_seed(seed + 2000)
    centers = torch.randn(D, num_classes * k, generator=g)
    loss = pml.SoftTripleLoss(num_classes=num_classes, embedding_size=D, centers_per_class=k, la=la, gamma=gamma, margin=margin)
    loss.fc = torch.nn.Parameter(centers.clone())
    xr = x.clone().requires_grad_(True)
    value = loss(xr, labels)
    value.backward()

    def f_w(w):
        saved = loss.fc
        loss.fc = torch.nn.Parameter(w)
        out = loss(x, labels)
        loss.fc = saved
        return out.detach()

    with torch.no_grad():
        fd_x = finite_differences(lambda v: loss(v, labels), x)
    fd_w = finite_differences(f_w, centers)
    spec = {"loss": "softTriple", "options": {"numClasses": num_classes, "centersPerClass": k, "la": la, "gamma": gamma, "margin": margin}}
    name = f"SoftTriple (C={num_classes}, K={k}, la={la}, gamma={gamma}, margin={margin}) on '{data}'"
    case = record(name, spec, x, labels, value.item(), [xr.grad, loss.fc.grad], [fd_x, fd_w])
    case["centers"] = centers.flatten().tolist()
    case["gradCenters"] = loss.fc.grad.flatten().tolist()
    return case


def main():
    torch.set_default_dtype(torch.float64)
    specs = [
        {"loss": "tripletMarginLoss", "options": {}},
        {"loss": "tripletMarginLoss", "options": {"margin": 0.2, "distance": "cosine"}},
        {"loss": "tripletMarginLoss", "options": {"margin": 0.1, "mining": "batchHard"}},
        {"loss": "tripletMarginLoss", "options": {"margin": 0.1, "mining": "batchHard", "distance": "cosine"}},
        {"loss": "tripletMarginLoss", "options": {"mining": "semiHard"}},
        {"loss": "tripletMarginLoss", "options": {"margin": 0.1, "mining": "semiHard", "minerMargin": 0.5, "distance": "cosine"}},
        {"loss": "multiSimilarityLoss", "options": {}},
        {"loss": "multiSimilarityLoss", "options": {"mining": False, "alpha": 1, "beta": 20, "base": 0.3}},
        {"loss": "multiSimilarityLoss", "options": {"epsilon": 0.5}},
        {"loss": "supervisedContrastiveLoss", "options": {}},
        {"loss": "supervisedContrastiveLoss", "options": {"temperature": 0.5}},
        {"loss": "ntXentLoss", "options": {}},
        {"loss": "ntXentLoss", "options": {"temperature": 0.5}},
        {"loss": "contrastiveLoss", "options": {}},
        {"loss": "contrastiveLoss", "options": {"posMargin": 0.3, "negMargin": 1.2}},
        {"loss": "contrastiveLoss", "options": {"posMargin": 0.8, "negMargin": 0.2, "distance": "cosine"}},
    ]
    datasets = ["mixed", "clustered", "distinct", "same", "duplicates"]
    cases = []
    for i, spec in enumerate(specs):
        for j, data in enumerate(datasets):
            cases.append(loss_case(spec, data, 100 + 7 * i + j))
    for j, data in enumerate(["mixed", "clustered", "duplicates"]):
        # Classes 6 and 7 never occur in the batches: absent from the positive sum and its divisor.
        cases.append(proxy_anchor_case(data, 300 + j, 8, 0.1, 32))
    cases.append(proxy_anchor_case("same", 310, 4, 0.3, 8))
    cases.append(proxy_anchor_case("distinct", 311, 6, 0.0, 16))
    for j, data in enumerate(["mixed", "clustered", "duplicates"]):
        cases.append(soft_triple_case(data, 400 + j, 8, 3, 20, 0.1, 0.01))
    cases.append(soft_triple_case("same", 410, 4, 1, 10, 0.5, 0.2))
    meta = {"torch": torch.__version__, "pytorch_metric_learning": pytorch_metric_learning.__version__, "python": sys.version.split()[0]}
    with open(OUT, "w") as f:
        json.dump({"generatedBy": "test/golden/metricLosses.py", "versions": meta, "cases": cases}, f, indent=1)
    print(f"wrote {len(cases)} cases to {OUT} ({meta})")


if __name__ == "__main__":
    main()
