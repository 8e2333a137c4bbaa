"""PyTorch's side of bench/backbone.mjs: the same backbones, batch, optimizer and loss, on the CPU with
as many threads as the machine has cores (what tfjs-node's TensorFlow uses).

  python3 bench/torch_backbone.py [--reps 5] [--steps 10] [--quick]

One step = forward + backward + Adam update (zero_grad with set_to_none). An "epoch" = one pass of
`fit`-like batches over 4,736 images (37 steps of 128, the Omniglot example's epoch on all 242
characters), timed whole. Prints JSON rows {name, ms: [per rep]} (epoch rows in seconds: {s: [...]}).
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(os.cpu_count() or 1)
torch.manual_seed(0)
args = sys.argv[1:]


def arg(name, default):
    return int(args[args.index(name) + 1]) if name in args else default


QUICK = "--quick" in args
REPS = arg("--reps", 2 if QUICK else 5)
STEPS = arg("--steps", 2 if QUICK else 10)
EPS = 1e-3  # tfjs-layers' BatchNormalization epsilon; momentum 0.99 there = 0.01 here


def bn(c, dims=2):
    return (nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d)(c, eps=EPS, momentum=0.01)


class OmniglotCNN(nn.Module):
    """examples/omniglot/models.mjs `backbone('cnn')`: 3 x (conv3x3 no bias, BN, ReLU, maxpool 2), BN,
    dropout 0.2, flatten, dense 128, BN; then a dense softmax head."""

    def __init__(self, width, size=28, classes=242, emb=128):
        super().__init__()
        layers, c = [], 1
        for f in (width, 2 * width, 4 * width):
            layers += [nn.Conv2d(c, f, 3, padding=1, bias=False), bn(f), nn.ReLU(), nn.MaxPool2d(2)]
            c = f
        layers += [bn(c), nn.Dropout(0.2), nn.Flatten()]
        self.body = nn.Sequential(*layers)
        side = size // 8
        self.fc = nn.Linear(c * side * side, emb)
        self.emb_bn = bn(emb, 1)
        self.head = nn.Linear(emb, classes)

    def forward(self, x):
        return self.head(self.emb_bn(self.fc(self.body(x))))


class Basic(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = bn(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = bn(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), bn(cout))

    def forward(self, x):
        h = F.relu(self.b1(self.c1(x)))
        h = self.b2(self.c2(h))
        return F.relu(h + (x if self.short is None else self.short(x)))


class ResNetStack(nn.Module):
    """bench/backbone.mjs `resnet`: stem conv3x3 16 + BN + ReLU, 3 stages (16, 32, 64) of 2 basic blocks
    (the 2nd and 3rd stage start with stride 2), global average pool, dense 128 + BN, dense head."""

    def __init__(self, classes=242, emb=128):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), bn(16), nn.ReLU())
        blocks, c = [], 16
        for i, f in enumerate((16, 32, 64)):
            for j in range(2):
                blocks.append(Basic(c, f, 2 if (i > 0 and j == 0) else 1))
                c = f
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(c, emb)
        self.emb_bn = bn(emb, 1)
        self.head = nn.Linear(emb, classes)

    def forward(self, x):
        h = self.blocks(self.stem(x)).mean(dim=(2, 3))
        return self.head(self.emb_bn(self.fc(h)))


def step_times(model, n, size):
    x = torch.randn(n, 1, size, size)
    y = torch.randint(0, 242, (n,))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(3):
        step()
    times = []
    for _ in range(REPS):
        t0 = time.perf_counter()
        for _ in range(STEPS):
            step()
        times.append((time.perf_counter() - t0) / STEPS * 1000)
    return times


def epoch_times(model, images=4736, n=128, size=28):
    x = torch.randn(images, 1, size, size)
    y = torch.randint(0, 242, (images,))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    times = []
    for _ in range(1 if QUICK else 3):
        t0 = time.perf_counter()
        order = torch.randperm(images)
        for b in range(images // n):
            idx = order[b * n : (b + 1) * n]
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    return times


rows = [
    {"name": "cnn16", "ms": step_times(OmniglotCNN(16), 128, 28)},
    {"name": "cnn32", "ms": step_times(OmniglotCNN(32), 128, 28)},
    {"name": "resnet64", "ms": step_times(ResNetStack(), 64, 64)},
    {"name": "epoch16", "s": epoch_times(OmniglotCNN(16))},
]
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "rows": rows}))
