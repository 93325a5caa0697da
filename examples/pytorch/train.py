#!/usr/bin/env python3
"""Fashion-MNIST with PyTorch, speaking lrsweep's metrics protocol: a template for sweeping your own
PyTorch training script with lrsweep.

    python3 examples/pytorch/train.py --optimizer adam --lr 1e-3 --seed 1 --epochs 1 --model mlp

The protocol, all that lrsweep needs from a script:
  * read the trial's parameters from the command line (the spec's `trainer.command` fills in
    {optimizer}, {lr}, {seed}, {out_dir}, any other grid key) or from LRSWEEP_PARAM_<NAME>;
  * print one JSON object per line on stdout while training ({"step": 100, "val_loss": 0.41, ...});
  * print a last one with "final": true holding the sweep's metric; a NaN there marks the trial diverged;
  * print anything else on stderr (lrsweep keeps it in the trial's log), exit non-zero on errors.

The device: lrsweep's `worker --gpus 0,1` gives each trial one GPU in CUDA_VISIBLE_DEVICES, so the
script just uses "cuda" when it is available (it sees exactly one device) and the CPU otherwise.

Data: the IDX .gz files of Fashion-MNIST from $LRSWEEP_DATA/fashion-mnist, ~/.cache/lrsweep/fashion-mnist
or /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist), read with numpy (no torchvision
download). Requires torch and numpy.
"""
import argparse
import gzip
import json
import math
import os
import struct
import sys

import numpy as np
import torch
from torch import nn


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
    """The first `count` items of an IDX file as a tensor (images float32 in [0, 1], labels int64)."""
    with gzip.open(path, "rb") as f:
        magic = struct.unpack(">I", f.read(4))[0]
        dims = struct.unpack(">" + "I" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        n = min(count, dims[0])
        size = int(np.prod(dims[1:])) if len(dims) > 1 else 1
        raw = np.frombuffer(f.read(n * size), dtype=np.uint8)
    if len(dims) == 1:
        return torch.from_numpy(raw.astype(np.int64))
    return torch.from_numpy(raw.reshape(n, size).astype(np.float32) / 255.0)


def make_model(name):
    if name == "logreg":
        return nn.Linear(784, 10)
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def make_optimizer(name, lr, params):
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr)
    sys.exit(f"unknown optimizer {name} (sgd, momentum, adam, adamw)")


@torch.no_grad()
def evaluate(model, X, y, device, batch=2000):
    model.eval()
    total, correct = 0.0, 0
    for i in range(0, len(y), batch):
        xb, yb = X[i:i + batch].to(device), y[i:i + batch].to(device)
        logits = model(xb)
        total += nn.functional.cross_entropy(logits, yb, reduction="sum").item()
        correct += (logits.argmax(dim=1) == yb).sum().item()
    model.train()
    return total / len(y), correct / len(y)


def emit(**fields):
    print(json.dumps(fields), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--optimizer", default="adam")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--model", choices=["logreg", "mlp"], default="mlp")
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--steps", type=int, help="overrides --epochs")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--train-size", type=int, default=10000)
    ap.add_argument("--val-size", type=int, default=2000)
    ap.add_argument("--eval-every", type=int, default=50)
    ap.add_argument("--out-dir", help="where to save the weights (model.pt); lrsweep passes {out_dir}")
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    d = data_dir()
    X = read_idx(os.path.join(d, "train-images-idx3-ubyte.gz"), args.train_size + args.val_size)
    y = read_idx(os.path.join(d, "train-labels-idx1-ubyte.gz"), args.train_size + args.val_size)
    X_train, y_train = X[:args.train_size], y[:args.train_size]
    X_val, y_val = X[args.train_size:], y[args.train_size:]
    X_test = read_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz"), 10000)
    y_test = read_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz"), 10000)
    print(f"device {device} (CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES', '')}), "
          f"{len(y_train)} train, {len(y_val)} val images from {d}", file=sys.stderr)

    model = make_model(args.model).to(device)
    opt = make_optimizer(args.optimizer, args.lr, model.parameters())
    steps_per_epoch = math.ceil(len(y_train) / args.batch_size)
    total = args.steps if args.steps else max(1, round(args.epochs * steps_per_epoch))
    generator = torch.Generator().manual_seed(args.seed)

    step, running, seen, diverged = 0, 0.0, 0, False
    while step < total and not diverged:
        order = torch.randperm(len(y_train), generator=generator)
        for i in range(0, len(y_train), args.batch_size):
            idx = order[i:i + args.batch_size]
            xb, yb = X_train[idx].to(device), y_train[idx].to(device)
            loss = nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            running, seen = running + loss.item(), seen + 1
            if not math.isfinite(loss.item()):
                diverged = True
            if step % args.eval_every == 0 or step == total or diverged:
                val_loss, val_acc = evaluate(model, X_val, y_val, device)
                emit(step=step, train_loss=running / seen, val_loss=val_loss, val_accuracy=val_acc,
                     lr=opt.param_groups[0]["lr"])
                running, seen = 0.0, 0
            if step >= total or diverged:
                break

    val_loss, val_acc = evaluate(model, X_val, y_val, device)
    test_loss, test_acc = evaluate(model, X_test, y_test, device)
    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
        torch.save(model.state_dict(), os.path.join(args.out_dir, "model.pt"))
    emit(final=True, step=step, val_loss=val_loss, val_accuracy=val_acc, test_loss=test_loss,
         test_accuracy=test_acc, lr=opt.param_groups[0]["lr"])


if __name__ == "__main__":
    main()
