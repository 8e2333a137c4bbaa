"""Reference values for tfjs-margin's `metrics` namespace (test/metrics/reference.json).

ROC, AUC and TAR@FAR come from scikit-learn (`roc_curve(drop_intermediate=False)`, `roc_auc_score`),
the LFW folds from scikit-learn's `KFold(shuffle=False)`, retrieval metrics from pytorch-metric-learning's
`AccuracyCalculator` (with `CustomKNN`, no faiss needed), angular statistics from numpy, one-shot nearest-neighbour labels from scikit-learn's
`KNeighborsClassifier(n_neighbors=1, algorithm='brute')`, all in float64.
Run `npm run golden:metrics` (see test/golden/requirements.txt for the packages).
"""
import json
import os
import warnings

import numpy as np
import sklearn
import torch
import pytorch_metric_learning
from pytorch_metric_learning.distances import CosineSimilarity, LpDistance
from pytorch_metric_learning.utils.accuracy_calculator import AccuracyCalculator
from pytorch_metric_learning.utils.inference import CustomKNN
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import KFold
from sklearn.neighbors import KNeighborsClassifier

rng = np.random.default_rng(20261124)


def eer_of(fpr, tpr):
    d = fpr - (1 - tpr)
    i = int(np.argmax(d >= 0))
    if i == 0:
        return float(fpr[0])
    t = 0.0 if d[i] == d[i - 1] else -d[i - 1] / (d[i] - d[i - 1])
    return float(fpr[i - 1] + t * (fpr[i] - fpr[i - 1]))


def finite(x):
    return [float(v) if np.isfinite(v) else ("Infinity" if v > 0 else "-Infinity") for v in x]


def roc_case(name, scores, same):
    case = {"name": name, "scores": scores.tolist(), "isSame": [bool(v) for v in same]}
    if same.all() or (~same).all():
        # scikit-learn refuses (older versions) or warns and returns NaN (1.9): the AUC is undefined.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                auc = roc_auc_score(same, scores)
                assert np.isnan(auc), "sklearn gave a number for a single class"
                case["error"] = "; ".join(str(w.message) for w in caught) or "AUC undefined"
            except ValueError as err:
                case["error"] = str(err)
        return case
    fpr, tpr, thr = roc_curve(same, scores, drop_intermediate=False)
    case.update(
        fpr=fpr.tolist(),
        tpr=tpr.tolist(),
        thresholds=finite(thr),
        auc=float(roc_auc_score(same, scores)),
        eer=eer_of(fpr, tpr),
        # The first point (highest threshold, lowest FAR) reaching the best TAR within the FAR budget.
        tarAtFar=[
            {"far": far, "tar": float(tpr[i]), "farReached": float(fpr[i]), "threshold": finite([thr[i]])[0]}
            for far in [0.0, 1e-3, 1e-2, 0.1, 0.5, 1.0]
            for i in [int(np.argmax(np.where(fpr <= far, tpr, -1)))]
        ],
    )
    return case


def roc_cases():
    n = 300
    same = rng.random(n) < 0.4
    scores = rng.normal(size=n) + 1.2 * same
    ties_same = rng.random(200) < 0.5
    ties = np.round(rng.normal(size=200) * 0.6 + 0.8 * ties_same, 1)
    return [
        roc_case("random", scores, same),
        roc_case("ties", ties, ties_same),
        roc_case("constant", np.full(40, 0.25), rng.random(40) < 0.5),
        roc_case("perfect", np.linspace(-1, 1, 30), np.linspace(-1, 1, 30) > 0.1),
        roc_case("allSame", rng.normal(size=20), np.ones(20, dtype=bool)),
        roc_case("allDifferent", rng.normal(size=20), np.zeros(20, dtype=bool)),
    ]


def lfw(scores, same, folds, far):
    """The LFW protocol, written out independently of the TypeScript."""
    accs, thresholds, vals, fars = [], [], [], []
    for train, test in KFold(n_splits=folds, shuffle=False).split(scores):
        s, y = scores[train], same[train]
        u = np.unique(s)
        cands = np.concatenate([[-np.inf], (u[:-1] + u[1:]) / 2, [np.inf]])
        pred = s[None, :] >= cands[:, None]
        acc = (pred == y[None, :]).mean(axis=1)
        best = int(np.argmax(acc))
        far_train = (pred & ~y[None, :]).sum(axis=1) / max(1, (~y).sum())
        v = int(np.argmax(far_train <= far))
        st, yt = scores[test], same[test]
        accs.append(float(((st >= cands[best]) == yt).mean()))
        thresholds.append(cands[best])
        if yt.any():
            vals.append(float((st[yt] >= cands[v]).mean()))
        if (~yt).any():
            fars.append(float((st[~yt] >= cands[v]).mean()))
    return accs, thresholds, vals, fars


def verification_cases():
    cases = []
    d, n = 8, 400
    a = rng.normal(size=(n, d))
    same = rng.random(n) < 0.5
    b = np.where(same[:, None], a + 0.9 * rng.normal(size=(n, d)), rng.normal(size=(n, d)))
    b[:, 0] *= 3.0  # unequal scales, so normalizing matters for euclidean
    for distance, folds, far in [("cosine", 10, 1e-3), ("cosine", 7, 0.05), ("euclidean", 10, 0.05)]:
        an = a / np.linalg.norm(a, axis=1, keepdims=True)
        bn = b / np.linalg.norm(b, axis=1, keepdims=True)
        scores = (an * bn).sum(1) if distance == "cosine" else -np.linalg.norm(an - bn, axis=1)
        accs, thr, vals, fars = lfw(scores, same, folds, far)
        sign = 1 if distance == "cosine" else -1
        fpr, tpr, _ = roc_curve(same, scores, drop_intermediate=False)
        cases.append({
            "distance": distance, "folds": folds, "far": far,
            "foldAccuracies": accs, "accuracyMean": float(np.mean(accs)), "accuracyStd": float(np.std(accs)),
            "thresholds": finite([sign * t for t in thr]),
            "valMean": float(np.mean(vals)), "valStd": float(np.std(vals)), "farMean": float(np.mean(fars)),
            "auc": float(roc_auc_score(same, scores)), "eer": eer_of(fpr, tpr),
        })
    return {"a": a.tolist(), "b": b.tolist(), "isSame": [bool(v) for v in same], "cases": cases}


def retrieval_cases():
    sizes = [30, 22, 15, 9, 4, 1, 1]
    labels = np.concatenate([np.full(s, c) for c, s in enumerate(sizes)])
    rng.shuffle(labels)
    centers = rng.normal(size=(len(sizes), 6))
    emb = centers[labels] * 0.6 + rng.normal(size=(len(labels), 6))
    out = []
    for distance, k in [("cosine", None), ("euclidean", None), ("cosine", 5)]:
        dist = CosineSimilarity() if distance == "cosine" else LpDistance(normalize_embeddings=False)
        calc = AccuracyCalculator(
            include=("precision_at_1", "r_precision", "mean_average_precision_at_r"),
            k=k, knn_func=CustomKNN(dist), device=torch.device("cpu"))
        r = calc.get_accuracy(torch.tensor(emb), torch.tensor(labels))
        out.append({"distance": distance, "k": k, "precisionAt1": float(r["precision_at_1"]),
                    "rPrecision": float(r["r_precision"]), "mapAtR": float(r["mean_average_precision_at_r"]),
                    "queries": int(sum(s for s in sizes if s > 1))})
    return {"embeddings": emb.tolist(), "labels": labels.tolist(), "cases": out}


def angular_cases():
    labels = np.repeat(np.arange(4), 12)
    kernel = rng.normal(size=(5, 6))  # [D, C] with one unused class
    emb = kernel.T[labels] * 2 + 0.7 * rng.normal(size=(len(labels), 5))
    deg = 180 / np.pi
    unit = emb / np.linalg.norm(emb, axis=1, keepdims=True)

    def stats(centers):
        c = centers / np.linalg.norm(centers, axis=1, keepdims=True)
        intra = np.arccos(np.clip((unit * c[labels]).sum(1), -1, 1)) * deg
        inter = [np.arccos(np.clip(c[i] @ c[j], -1, 1)) * deg for i in range(4) for j in range(i + 1, 4)]
        return {"meanIntraAngle": float(intra.mean()), "minInterAngle": float(min(inter)),
                "meanInterAngle": float(np.mean(inter)), "meanNorm": float(np.linalg.norm(emb, axis=1).mean()),
                "perClassMeanAngle": [float(intra[labels == k].mean()) for k in range(4)]}

    means = np.stack([unit[labels == k].mean(0) for k in range(4)])
    return {"embeddings": emb.tolist(), "labels": labels.tolist(), "kernel": kernel.tolist(),
            "withoutKernel": stats(means), "withKernel": stats(kernel.T[:4])}


def one_shot_cases():
    # Omniglot-style runs: 20 classes, one support embedding each, queries near their class's support.
    out = []
    for distance, metric in (("cosine", "cosine"), ("euclidean", "euclidean")):
        ways, dim = 20, 8
        support = rng.normal(size=(ways, dim))
        support_labels = rng.permutation(ways)
        query_labels = rng.integers(0, ways, size=35)
        queries = support[np.argsort(support_labels)][query_labels] + 0.9 * rng.normal(size=(35, dim))
        knn = KNeighborsClassifier(n_neighbors=1, algorithm="brute", metric=metric).fit(support, support_labels)
        predicted = knn.predict(queries)
        nearest = knn.kneighbors(queries, n_neighbors=1, return_distance=False)[:, 0]
        accuracy = float((predicted == query_labels).mean())
        out.append({"distance": distance, "support": support.tolist(), "supportLabels": support_labels.tolist(),
                    "queries": queries.tolist(), "queryLabels": query_labels.tolist(),
                    "nearest": nearest.tolist(), "accuracy": accuracy})
    return out


reference = {
    "generator": {"numpy": np.__version__, "scikit-learn": sklearn.__version__, "torch": torch.__version__,
                  "pytorch-metric-learning": pytorch_metric_learning.__version__},
    "roc": roc_cases(),
    "verification": verification_cases(),
    "retrieval": retrieval_cases(),
    "angularStats": angular_cases(),
    "oneShot": one_shot_cases(),
}
path = os.path.join(os.path.dirname(__file__), "reference.json")
with open(path, "w") as f:
    json.dump(reference, f)
print(f"wrote {path}")
