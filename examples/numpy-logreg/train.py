#!/usr/bin/env python3
"""Softmax (multinomial logistic) regression on Fashion-MNIST in plain numpy, speaking lrsweep's
metrics protocol: one JSON object per stdout line, the last one with "final": true.

    python3 examples/numpy-logreg/train.py --optimizer adam --lr 1e-3 --seed 1 --epochs 2

Data: the IDX .gz files of Fashion-MNIST, looked for in $LRSWEEP_DATA/fashion-mnist,
~/.cache/lrsweep/fashion-mnist and /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist).
The validation split is held out from the training split (the last --val-size images of the first
--train-size + --val-size); test metrics come from the 10,000 t10k images.

Stdout (the protocol), every --eval-every steps and at the end:
    {"step": 100, "train_loss": 0.61, "val_loss": 0.58, "val_accuracy": 0.80, "lr": 0.001}
    {"final": true, "step": 158, "val_loss": 0.52, "val_accuracy": 0.82, "test_loss": ..., ...}
Anything else (progress notes) goes to stderr, which lrsweep keeps in the trial's log. A loss that
becomes NaN or infinite ends the run early with that value in the final line: lrsweep marks the trial
diverged.
"""
import argparse
import gzip
import json
import math
import os
import struct
import sys

import numpy as np


def data_dir():
    candidates = []
    if os.environ.get("LRSWEEP_DATA"):
        candidates.append(os.path.join(os.environ["LRSWEEP_DATA"], "fashion-mnist"))
    candidates += [os.path.expanduser("~/.cache/lrsweep/fashion-mnist"), "/usr/share/datasets/fashion-mnist"]
    for d in candidates:
        if os.path.exists(os.path.join(d, "train-images-idx3-ubyte.gz")):
            return d
    sys.exit("fashion-mnist not found in " + ", ".join(candidates)
             + " (Debian: apt-get install dataset-fashion-mnist, or set LRSWEEP_DATA)")


def read_idx(path, count):
    """The first `count` items of an IDX file (images as float32 in [0, 1], labels as int64)."""
    with gzip.open(path, "rb") as f:
        magic = struct.unpack(">I", f.read(4))[0]
        dims = struct.unpack(">" + "I" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        n = min(count, dims[0])
        size = int(np.prod(dims[1:])) if len(dims) > 1 else 1
        raw = np.frombuffer(f.read(n * size), dtype=np.uint8)
    if len(dims) == 1:
        return raw.astype(np.int64)
    return raw.reshape(n, size).astype(np.float32) / 255.0


def loss_and_grad(W, b, X, y, need_grad=True):
    """Mean cross-entropy of softmax(XW + b) and its gradient; numerically stable log-softmax."""
    logits = X @ W + b
    logits = logits - logits.max(axis=1, keepdims=True)
    log_z = np.log(np.exp(logits).sum(axis=1, keepdims=True))
    log_p = logits - log_z
    loss = -log_p[np.arange(len(y)), y].mean()
    if not need_grad:
        return loss, log_p, None, None
    p = np.exp(log_p)
    p[np.arange(len(y)), y] -= 1.0
    p /= len(y)
    return loss, log_p, X.T @ p, p.sum(axis=0)


def evaluate(W, b, X, y):
    with np.errstate(all="ignore"):
        loss, log_p, _, _ = loss_and_grad(W, b, X, y, need_grad=False)
    return float(loss), float((log_p.argmax(axis=1) == y).mean())


class Optimizer:
    """sgd, momentum (heavy ball, 0.9) or adam (0.9, 0.999, 1e-8) over a list of parameters."""

    def __init__(self, name, lr, params):
        self.name, self.lr, self.t = name, lr, 0
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def step(self, params, grads):
        self.t += 1
        for i, (p, g) in enumerate(zip(params, grads)):
            if self.name == "sgd":
                p -= self.lr * g
            elif self.name == "momentum":
                self.m[i] = 0.9 * self.m[i] + g
                p -= self.lr * self.m[i]
            else:
                self.m[i] = 0.9 * self.m[i] + 0.1 * g
                self.v[i] = 0.999 * self.v[i] + 0.001 * g * g
                m_hat = self.m[i] / (1 - 0.9 ** self.t)
                v_hat = self.v[i] / (1 - 0.999 ** self.t)
                p -= self.lr * m_hat / (np.sqrt(v_hat) + 1e-8)


def emit(**fields):
    print(json.dumps(fields), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--optimizer", choices=["sgd", "momentum", "adam"], default="sgd")
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--steps", type=int, help="overrides --epochs")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--train-size", type=int, default=10000)
    ap.add_argument("--val-size", type=int, default=2000)
    ap.add_argument("--eval-every", type=int, default=50)
    ap.add_argument("--out-dir", help="where to save the weights (weights.npz); lrsweep passes {out_dir}")
    args = ap.parse_args()
    if args.lr <= 0:
        sys.exit(f"--lr must be positive, got {args.lr}")

    d = data_dir()
    X = read_idx(os.path.join(d, "train-images-idx3-ubyte.gz"), args.train_size + args.val_size)
    y = read_idx(os.path.join(d, "train-labels-idx1-ubyte.gz"), args.train_size + args.val_size)
    X_train, y_train = X[:args.train_size], y[:args.train_size]
    X_val, y_val = X[args.train_size:], y[args.train_size:]
    X_test = read_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz"), 10000)
    y_test = read_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz"), 10000)
    print(f"data from {d}: {len(y_train)} train, {len(y_val)} val, {len(y_test)} test", file=sys.stderr)

    rng = np.random.default_rng(args.seed)
    W = (rng.standard_normal((X.shape[1], 10)) * 0.01).astype(np.float32)
    b = np.zeros(10, dtype=np.float32)
    opt = Optimizer(args.optimizer, args.lr, [W, b])
    steps_per_epoch = math.ceil(len(y_train) / args.batch_size)
    total = args.steps if args.steps else max(1, round(args.epochs * steps_per_epoch))

    running, seen, step, diverged = 0.0, 0, 0, False
    order = rng.permutation(len(y_train))
    while step < total and not diverged:
        if (step % steps_per_epoch) == 0:
            order = rng.permutation(len(y_train))
        start = (step % steps_per_epoch) * args.batch_size
        idx = order[start:start + args.batch_size]
        with np.errstate(all="ignore"):
            loss, _, gW, gb = loss_and_grad(W, b, X_train[idx], y_train[idx])
        step += 1
        if not math.isfinite(loss):
            diverged = True
            running, seen = float(loss), 1
        else:
            opt.step([W, b], [gW, gb])
            running, seen = running + float(loss), seen + 1
        if step % args.eval_every == 0 or step == total or diverged:
            val_loss, val_acc = evaluate(W, b, X_val, y_val)
            emit(step=step, train_loss=running / seen, val_loss=val_loss, val_accuracy=val_acc, lr=opt.lr)
            running, seen = 0.0, 0
            diverged = diverged or not math.isfinite(val_loss)

    val_loss, val_acc = evaluate(W, b, X_val, y_val)
    test_loss, test_acc = evaluate(W, b, X_test, y_test)
    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
        np.savez(os.path.join(args.out_dir, "weights.npz"), W=W, b=b)
    emit(final=True, step=step, val_loss=val_loss, val_accuracy=val_acc, test_loss=test_loss,
         test_accuracy=test_acc, lr=opt.lr)


if __name__ == "__main__":
    main()
