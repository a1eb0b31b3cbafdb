"""The canonical cell in NumPy, for `npm run bench -w @gradtrace/core` to time against in the same run.

Two moons (1,024 training and 256 validation points), 2 -> depth x 64 -> 2, ReLU, He normal, zero
biases, softmax cross-entropy, SGD lr 0.05, batch 32, a fresh shuffle each epoch, 50 epochs, float32;
each layer's weight-gradient norm is read every minibatch and averaged per epoch, as gradtrace's
traced epochs do. With "eval", every epoch also measures validation loss and accuracy and the
training loss and accuracy of the weights the epoch ends with (gradtrace's default
trainMetrics "epoch_end"), so the two do the same passes.

Reads one request per line on stdin, "<depth> <plain|eval>", trains, and answers one JSON line:
{"wall_s": seconds of initialisation and training, "final_loss": ...}. Kept running by the bench so
that NumPy's import and warm-up stay out of the figures. The bench runs it on one OpenBLAS thread
with glibc's trim and mmap thresholds raised: by default every pass's freed arrays go back to the
system and are page-faulted in again, which made the evaluation passes 10x slower here, and the
yardstick should be NumPy at its best.
"""
import json
import sys
import time

import numpy as np

N_TRAIN, N_VAL, WIDTH, LR, BATCH, EPOCHS = 1024, 256, 64, np.float32(0.05), 32, 50


def moons(n, rng):
    half = n // 2
    t = np.pi * rng.random(n)
    x = np.where(np.arange(n)[:, None] < half,
                 np.stack([np.cos(t), np.sin(t)], 1),
                 np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1))
    x += 0.2 * rng.standard_normal((n, 2))
    return x.astype(np.float32), (np.arange(n) >= half).astype(np.int64)


RNG = np.random.default_rng(0)
X, Y = moons(N_TRAIN, RNG)
XV, YV = moons(N_VAL, RNG)


def forward(ws, bs, x):
    hs, zs = [x], []
    for l, (w, b) in enumerate(zip(ws, bs)):
        z = hs[-1] @ w + b
        zs.append(z)
        hs.append(np.maximum(z, 0) if l < len(ws) - 1 else z)
    return hs, zs


def loss_accuracy(logits, y):
    m = logits.max(axis=1, keepdims=True)
    ex = np.exp(logits - m)
    se = ex.sum(axis=1, keepdims=True)
    logp = logits - m - np.log(se)
    return float(-logp[np.arange(len(y)), y].mean()), float((logits.argmax(1) == y).mean()), ex / se


def train(depth, evaluate):
    rng = np.random.default_rng(1)
    sizes = [2] + [WIDTH] * depth + [2]
    ws = [(np.sqrt(2 / sizes[l]) * rng.standard_normal((sizes[l], sizes[l + 1]))).astype(np.float32) for l in range(len(sizes) - 1)]
    bs = [np.zeros(s, np.float32) for s in sizes[1:]]
    last = None
    for _ in range(EPOCHS):
        perm = rng.permutation(N_TRAIN)
        norms = np.zeros(len(ws))
        for start in range(0, N_TRAIN, BATCH):
            idx = perm[start:start + BATCH]
            hs, zs = forward(ws, bs, X[idx])
            last, _, p = loss_accuracy(hs[-1], Y[idx])
            g = p
            g[np.arange(len(idx)), Y[idx]] -= 1
            g /= np.float32(len(idx))
            for l in range(len(ws) - 1, -1, -1):
                gw = hs[l].T @ g
                gb = g.sum(axis=0)
                norms[l] += np.linalg.norm(gw)
                if l > 0:
                    g = (g @ ws[l].T) * (zs[l - 1] > 0)
                ws[l] -= LR * gw
                bs[l] -= LR * gb
        norms /= N_TRAIN // BATCH
        if evaluate:
            measure(ws, bs, XV, YV)
            last = measure(ws, bs, X, Y)
    return last


def measure(ws, bs, x, y):
    """Mean loss of the network over x, in chunks of 256 rows as gradtrace evaluates."""
    total = 0.0
    for start in range(0, len(y), 256):
        loss, _, _ = loss_accuracy(forward(ws, bs, x[start:start + 256])[0][-1], y[start:start + 256])
        total += loss * len(y[start:start + 256])
    return total / len(y)


if __name__ == "__main__":
    np.seterr(all="ignore")
    for line in sys.stdin:
        depth, mode = line.split()
        start = time.perf_counter()
        final = train(int(depth), mode == "eval")
        print(json.dumps({"wall_s": time.perf_counter() - start, "final_loss": final}), flush=True)
