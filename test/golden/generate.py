"""Regenerates test/golden/vectors.json: logits, mean loss and gradients of the reference losses.

    pip install torch==2.13.0 && pip install --no-deps pytorch-metric-learning
    npm run golden        # or: python3 test/golden/generate.py

pytorch-metric-learning (PML) losses are run through PML's own methods in float64; the combined-margin
cases follow insightface's CombinedMarginLoss (arcface_torch/losses.py): its ArcFace branch edits the
logits in place under torch.no_grad() (so training sees a straight-through gradient) and its CosFace
branch subtracts m3 under autograd. The JSON records each case's tfjs-margin layer config.
"""
import json
import math
import os
import sys

import torch
import pytorch_metric_learning
from pytorch_metric_learning import losses as pml

N, D, C = 8, 6, 5
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors.json")


def data(seed, columns, k=1):
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(D, columns, generator=g, dtype=torch.float64)
    x = torch.randn(N, D, generator=g, dtype=torch.float64) * 1.5
    labels = torch.tensor([0, 1, 2, 3, 4, 1, 2, 3])
    # Row 1 points away from its class center: theta_y > pi - m exercises ArcFace's fallback.
    x[1] = -1.3 * w[:, labels[1] * k] + 0.05 * torch.randn(D, generator=g, dtype=torch.float64)
    return x, w, labels


def pml_case(name, loss, layer, seed, k=1):
    x, w, labels = data(seed, loss.W.shape[1], k)
    loss.W = torch.nn.Parameter(w.clone())
    xr = x.clone().requires_grad_(True)
    value = loss(xr, labels)
    value.backward()
    with torch.no_grad():
        mask = loss.get_target_mask(xr, labels)
        cosine = loss.get_cosine(xr)
        target = cosine[mask == 1]
        diff = (loss.modify_cosine_of_target_classes(target) - target).unsqueeze(1)
        logits = loss.scale_logits(cosine + mask * diff, xr)
        check = torch.nn.functional.cross_entropy(logits, labels)
    assert abs(check.item() - value.item()) < 1e-9, (name, check.item(), value.item())
    return record(name, "pytorch-metric-learning " + type(loss).__name__, layer, x, w, labels, logits, value, xr.grad, loss.W.grad)


def insightface_combined(cosine, labels, s, m1, m2, m3):
    """insightface CombinedMarginLoss.forward, rewritten for all-positive labels."""
    logits = cosine.clone()
    rows = torch.arange(labels.shape[0])
    target = logits[rows, labels]
    if m1 == 1.0 and m3 == 0.0:
        with torch.no_grad():
            target.arccos_()
            logits.arccos_()
            logits[rows, labels] = target + m2
            logits.cos_()
        return logits * s
    if m3 > 0:
        logits[rows, labels] = target - m3
        return logits * s
    raise ValueError("insightface supports m1 == 1 with either m3 == 0 or m2 == 0")


def insightface_case(name, m2, m3, s, gradient, seed):
    x, w, labels = data(seed, C)
    if m3 == 0:
        # insightface's ArcFace branch has no fallback beyond theta > pi - m: keep row 1 in range.
        x[1] = -x[1]
    xr = x.clone().requires_grad_(True)
    wr = w.clone().requires_grad_(True)
    cosine = torch.nn.functional.normalize(xr, dim=1) @ torch.nn.functional.normalize(wr, dim=0)
    logits = insightface_combined(cosine, labels, s, 1.0, m2, m3)
    value = torch.nn.functional.cross_entropy(logits, labels)
    value.backward()
    layer = {"factory": "combinedMargin", "args": {"numClasses": C, "m1": 1, "m2": m2, "m3": m3, "scale": s, "gradient": gradient}}
    if m3 == 0:
        # The forward logits under no_grad are cos(theta + m2): ours with the exact formula agree.
        with torch.no_grad():
            logits = insightface_combined(cosine.detach(), labels, s, 1.0, m2, m3)
    return record(name, "insightface CombinedMarginLoss", layer, x, w, labels, logits, value, xr.grad, wr.grad)


def record(name, reference, layer, x, w, labels, logits, loss, gx, gw):
    flat = lambda t: [float(v) for v in t.detach().reshape(-1).tolist()]
    return {
        "name": name,
        "reference": reference,
        "layer": layer,
        "shape": {"N": N, "D": D, "columns": int(w.shape[1])},
        "embeddings": flat(x),
        "kernel": flat(w),
        "labels": [int(v) for v in labels.tolist()],
        "logits": flat(logits),
        "loss": float(loss.item()),
        "gradEmbeddings": flat(gx),
        "gradKernel": flat(gw),
    }


def main():
    torch.set_default_dtype(torch.float64)
    arc_deg = math.degrees(0.5)
    cases = [
        pml_case("LargeMarginSoftmaxLoss m=4", pml.LargeMarginSoftmaxLoss(num_classes=C, embedding_size=D, margin=4, scale=1),
                 {"factory": "largeMarginSoftmax", "args": {"numClasses": C, "margin": 4, "scale": 1}}, 1),
        pml_case("SphereFaceLoss m=4", pml.SphereFaceLoss(num_classes=C, embedding_size=D, margin=4, scale=1),
                 {"factory": "sphereFace", "args": {"numClasses": C, "margin": 4, "scale": 1}}, 2),
        pml_case("CosFaceLoss m=0.35 s=64", pml.CosFaceLoss(num_classes=C, embedding_size=D, margin=0.35, scale=64),
                 {"factory": "cosFace", "args": {"numClasses": C, "margin": 0.35, "scale": 64}}, 3),
        pml_case("ArcFaceLoss m=28.65deg s=64", pml.ArcFaceLoss(num_classes=C, embedding_size=D, margin=arc_deg, scale=64),
                 {"factory": "arcFace", "args": {"numClasses": C, "margin": 0.5, "scale": 64}}, 4),
        pml_case("SubCenterArcFaceLoss K=3", pml.SubCenterArcFaceLoss(num_classes=C, embedding_size=D, margin=arc_deg, scale=64, sub_centers=3),
                 {"factory": "subCenterArcFace", "args": {"numClasses": C, "subCenters": 3, "margin": 0.5, "scale": 64}}, 5, k=3),
        insightface_case("insightface combined ArcFace m2=0.5", 0.5, 0.0, 64, "straightThrough", 6),
        insightface_case("insightface combined CosFace m3=0.4", 0.0, 0.4, 64, "exact", 7),
    ]
    meta = {"torch": torch.__version__, "pytorch_metric_learning": pytorch_metric_learning.__version__, "python": sys.version.split()[0]}
    with open(OUT, "w") as f:
        json.dump({"generatedBy": "test/golden/generate.py", "versions": meta, "cases": cases}, f, indent=1)
    print(f"wrote {len(cases)} cases to {OUT} ({meta})")


if __name__ == "__main__":
    main()
