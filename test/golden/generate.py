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


def curricular_forward(x, w, labels, state, m, s, momentum):
    """CurricularFace as HuangYG123/CurricularFace head/metrics.py computes it (functional form).

    Normalized cosines clamped to [-1, 1]; target cos(theta + m) with the fallback cos - m sin m beyond
    cos(pi - m); t <- momentum * mean(target) + (1 - momentum) * t under no_grad, before use; entries
    above cos(theta_y + m) become c (t + c); the target column is then overwritten.
    """
    cosine = (torch.nn.functional.normalize(x, dim=1) @ torch.nn.functional.normalize(w, dim=0)).clamp(-1, 1)
    rows = torch.arange(labels.shape[0])
    target = cosine[rows, labels].view(-1, 1)
    sin = torch.sqrt(1.0 - target ** 2)
    with_margin = target * math.cos(m) - sin * math.sin(m)
    hard = cosine > with_margin
    final = torch.where(target > math.cos(math.pi - m), with_margin, target - math.sin(math.pi - m) * m)
    with torch.no_grad():
        state["t"] = target.mean() * momentum + (1 - momentum) * state["t"]
    modulated = torch.where(hard, cosine * (state["t"] + cosine), cosine)
    onehot = torch.nn.functional.one_hot(labels, cosine.shape[1]).to(cosine.dtype)
    return (modulated * (1 - onehot) + onehot * final) * s


def adaface_forward(x, w, labels, state, m, h, s, t_alpha):
    """AdaFace as mk-minchul/AdaFace head.py computes it, fed the raw embeddings' direction and norm.

    The reference's backbone hands the head x / |x| and |x|; the head detaches and clips the norms,
    moves its batch statistics (unbiased std) under no_grad before use, and clamps cosines to 1 - 1e-3.
    """
    eps = 1e-3
    norms = x.norm(dim=1, keepdim=True)
    cosine = ((x / norms) @ torch.nn.functional.normalize(w, dim=0)).clamp(-1 + eps, 1 - eps)
    safe = torch.clip(norms, min=0.001, max=100).clone().detach()
    with torch.no_grad():
        state["mean"] = safe.mean() * t_alpha + (1 - t_alpha) * state["mean"]
        state["std"] = safe.std() * t_alpha + (1 - t_alpha) * state["std"]
    scaler = torch.clip((safe - state["mean"]) / (state["std"] + eps) * h, -1, 1)
    onehot = torch.nn.functional.one_hot(labels, cosine.shape[1]).to(cosine.dtype)
    theta = cosine.acos()
    theta_m = torch.clip(theta + onehot * (-m * scaler), min=eps, max=math.pi - eps)
    return (theta_m.cos() - onehot * (m + m * scaler)) * s


def magface_forward(x, w, labels, s, la, ua, lm, um, easy):
    """MagFace as IrvingMeng/MagFace models/magface.py (MagLinear) computes it, in float64.

    The margin is linear in the clamped norm and differentiated through it; cosines clamped to [-1, 1];
    easy margin: where cos > 0; else the threshold cos(pi - m) with the fallback cos - m sin(pi - m).
    """
    x_norm = x.norm(dim=1, keepdim=True).clamp(la, ua)
    margin = (um - lm) / (ua - la) * (x_norm - la) + lm
    cos_m, sin_m = torch.cos(margin), torch.sin(margin)
    cosine = (torch.nn.functional.normalize(x) @ torch.nn.functional.normalize(w, dim=0)).clamp(-1, 1)
    sine = torch.sqrt(1.0 - cosine ** 2)
    with_margin = cosine * cos_m - sine * sin_m
    if easy:
        with_margin = torch.where(cosine > 0, with_margin, cosine)
    else:
        mm = torch.sin(math.pi - margin) * margin
        with_margin = torch.where(cosine > torch.cos(math.pi - margin), with_margin, cosine - mm)
    onehot = torch.nn.functional.one_hot(labels, cosine.shape[1]).to(cosine.dtype)
    return s * (onehot * with_margin + (1 - onehot) * cosine)


def magface_regularizer(x, la, ua, lambda_g):
    """MagLoss.calc_loss_G times lambda_g, as the reference's trainer adds it to the loss."""
    x_norm = x.norm(dim=1, keepdim=True).clamp(la, ua)
    return lambda_g * torch.mean(x_norm / ua ** 2 + 1 / x_norm)


def circle_forward(x, w, labels, m, gamma):
    """Class-level Circle loss as FaceX-Zoo head/CircleLoss.py computes it (alphas detached)."""
    cosine = (torch.nn.functional.normalize(x) @ torch.nn.functional.normalize(w, dim=0)).clamp(-1, 1)
    alpha_p = torch.clamp_min(1 + m - cosine.detach(), min=0.0)
    alpha_n = torch.clamp_min(cosine.detach() + m, min=0.0)
    onehot = torch.nn.functional.one_hot(labels, cosine.shape[1]).to(cosine.dtype)
    return gamma * (onehot * alpha_p * (cosine - (1 - m)) + (1 - onehot) * alpha_n * (cosine - m))


def adacos_forward(x, w, labels, state):
    """AdaCos (Zhang et al. 2019, Algorithm 1) as the common PyTorch port computes it: the dynamic
    scale from B_avg at the previous scale and the median target angle (torch.median: the lower
    median), under no_grad, before it is used."""
    cosine = torch.nn.functional.normalize(x) @ torch.nn.functional.normalize(w, dim=0)
    theta = torch.acos(torch.clamp(cosine, -1.0 + 1e-7, 1.0 - 1e-7))
    onehot = torch.nn.functional.one_hot(labels, cosine.shape[1]).to(cosine.dtype)
    with torch.no_grad():
        b_avg = torch.where(onehot < 1, torch.exp(state["s"] * cosine), torch.zeros_like(cosine)).sum() / x.shape[0]
        theta_med = torch.median(theta[onehot == 1])
        state["s"] = torch.log(b_avg) / torch.cos(torch.min(torch.tensor(math.pi / 4), theta_med))
    return state["s"] * cosine


def pml_circle_case(name, m, gamma, seed):
    """Class-level Circle loss through pytorch-metric-learning's pair-based CircleLoss: each embedding
    against the class centers as reference embeddings (ref_emb, ref_labels = 0..C-1), so every sample
    has one positive pair (its center) and C - 1 negatives; PML's softplus(lse_pos + lse_neg) is then
    the cross-entropy of the class-level logits."""
    x, w, labels = data(seed, C)
    xr = x.clone().requires_grad_(True)
    wr = w.clone().requires_grad_(True)
    loss = pml.CircleLoss(m=m, gamma=gamma)
    value = loss(xr, labels, ref_emb=wr.t(), ref_labels=torch.arange(C))
    value.backward()
    with torch.no_grad():
        logits = circle_forward(x, w, labels, m, gamma)
        check = torch.nn.functional.cross_entropy(logits, labels)
    assert abs(check.item() - value.item()) < 1e-9, (name, check.item(), value.item())
    layer = {"factory": "circleHead", "args": {"numClasses": C, "margin": m, "gamma": gamma}}
    return record(name, "pytorch-metric-learning CircleLoss (pairs with the centers as ref_emb)", layer, x, w, labels, logits, value, xr.grad, wr.grad)


def stateful_case(name, reference, layer, forward, state, seed, read_state, extra_loss=None):
    """Two training calls on the same batch and kernel: logits, loss, gradients and state after each."""
    x, w, labels = data(seed, C)
    calls = []
    for _ in range(2):
        xr = x.clone().requires_grad_(True)
        wr = w.clone().requires_grad_(True)
        logits = forward(xr, wr, labels, state)
        value = torch.nn.functional.cross_entropy(logits, labels)
        if extra_loss is not None:
            value = value + extra_loss(xr)
        value.backward()
        entry = record(name, reference, layer, x, w, labels, logits, value, xr.grad, wr.grad)
        calls.append({k: entry[k] for k in ("logits", "loss", "gradEmbeddings", "gradKernel")} | {"state": read_state(state)})
    first = record(name, reference, layer, x, w, labels, torch.zeros(1), torch.zeros(()), torch.zeros(1), torch.zeros(1))
    for k in ("logits", "loss", "gradEmbeddings", "gradKernel"):
        first.pop(k)
    first["trainingCalls"] = calls
    return first


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
        stateful_case("CurricularFace m=0.5 s=64", "CurricularFace head/metrics.py (HuangYG123)",
                      {"factory": "curricularFace", "args": {"numClasses": C, "margin": 0.5, "scale": 64, "momentum": 0.01}},
                      lambda x, w, y, st: curricular_forward(x, w, y, st, 0.5, 64, 0.01), {"t": torch.zeros(())}, 8,
                      lambda st: {"t": float(st["t"])}),
        stateful_case("CurricularFace m=0.3 s=30 momentum=0.5", "CurricularFace head/metrics.py (HuangYG123)",
                      {"factory": "curricularFace", "args": {"numClasses": C, "margin": 0.3, "scale": 30, "momentum": 0.5}},
                      lambda x, w, y, st: curricular_forward(x, w, y, st, 0.3, 30, 0.5), {"t": torch.zeros(())}, 9,
                      lambda st: {"t": float(st["t"])}),
        stateful_case("AdaFace m=0.4 h=0.333 s=64", "AdaFace head.py (mk-minchul)",
                      {"factory": "adaFace", "args": {"numClasses": C, "margin": 0.4, "h": 0.333, "scale": 64, "tAlpha": 0.01}},
                      lambda x, w, y, st: adaface_forward(x, w, y, st, 0.4, 0.333, 64, 0.01),
                      {"mean": torch.tensor(20.0), "std": torch.tensor(100.0)}, 10,
                      lambda st: {"mean": float(st["mean"]), "std": float(st["std"])}),
        stateful_case("AdaFace m=0.4 h=0.333 s=64 tAlpha=1", "AdaFace head.py (mk-minchul)",
                      {"factory": "adaFace", "args": {"numClasses": C, "margin": 0.4, "h": 0.333, "scale": 64, "tAlpha": 1}},
                      lambda x, w, y, st: adaface_forward(x, w, y, st, 0.4, 0.333, 64, 1.0),
                      {"mean": torch.tensor(20.0), "std": torch.tensor(100.0)}, 11,
                      lambda st: {"mean": float(st["mean"]), "std": float(st["std"])}),
        stateful_case("MagFace l_a=1 u_a=20 s=64 easy", "MagFace models/magface.py (IrvingMeng)",
                      {"factory": "magFace", "args": {"numClasses": C, "scale": 64, "lowerNorm": 1, "upperNorm": 20,
                                                      "lowerMargin": 0.45, "upperMargin": 0.8, "lambdaG": 35, "easyMargin": True}},
                      lambda x, w, y, st: magface_forward(x, w, y, 64, 1, 20, 0.45, 0.8, True), {}, 12,
                      lambda st: {}, lambda x: magface_regularizer(x, 1, 20, 35)),
        stateful_case("MagFace l_a=2 u_a=6 s=32 threshold", "MagFace models/magface.py (IrvingMeng)",
                      {"factory": "magFace", "args": {"numClasses": C, "scale": 32, "lowerNorm": 2, "upperNorm": 6,
                                                      "lowerMargin": 0.3, "upperMargin": 0.9, "lambdaG": 10, "easyMargin": False}},
                      lambda x, w, y, st: magface_forward(x, w, y, 32, 2, 6, 0.3, 0.9, False), {}, 13,
                      lambda st: {}, lambda x: magface_regularizer(x, 2, 6, 10)),
        stateful_case("Circle m=0.25 gamma=256", "FaceX-Zoo head/CircleLoss.py",
                      {"factory": "circleHead", "args": {"numClasses": C, "margin": 0.25, "gamma": 256}},
                      lambda x, w, y, st: circle_forward(x, w, y, 0.25, 256), {}, 14, lambda st: {}),
        stateful_case("Circle m=0.4 gamma=64", "FaceX-Zoo head/CircleLoss.py",
                      {"factory": "circleHead", "args": {"numClasses": C, "margin": 0.4, "gamma": 64}},
                      lambda x, w, y, st: circle_forward(x, w, y, 0.4, 64), {}, 15, lambda st: {}),
        pml_circle_case("CircleLoss m=0.25 gamma=256", 0.25, 256, 17),
        pml_circle_case("CircleLoss m=0.4 gamma=80", 0.4, 80, 18),
        stateful_case("AdaCos dynamic", "AdaCos (Zhang et al. 2019, Algorithm 1)",
                      {"factory": "adaCos", "args": {"numClasses": C}},
                      adacos_forward, {"s": torch.tensor(math.sqrt(2) * math.log(C - 1))}, 16,
                      lambda st: {"scale": float(st["s"])}),
    ]
    meta = {"torch": torch.__version__, "pytorch_metric_learning": pytorch_metric_learning.__version__, "python": sys.version.split()[0]}
    with open(OUT, "w") as f:
        json.dump({"generatedBy": "test/golden/generate.py", "versions": meta, "cases": cases}, f, indent=1)
    print(f"wrote {len(cases)} cases to {OUT} ({meta})")


if __name__ == "__main__":
    main()
