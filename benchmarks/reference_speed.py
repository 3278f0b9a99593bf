"""How close is one reference training step to the cost of its matrix products?

Model: ``FullyConnectedNet([100] * 4, input_dim=3072, dtype=np.float64)`` (no dropout, no
normalisation, reg 0), one batch of 100 random CIFAR-shaped inputs (100, 3, 32, 32).

Two timings, each the median over many repeats:

* step:     ``model.loss(X, y)`` + ``optim.sgd`` on every parameter (what the Solver does per
            iteration, minus minibatch sampling and bookkeeping);
* matmuls:  the same matrix products alone, on arrays of the same shapes: per layer the forward
            ``x @ W``, and in the backward pass ``x.T @ dout`` and ``dout @ W.T`` (the reference's
            ``affine_backward`` also computes ``dx`` for the first layer, so it is counted).

The ratio step / matmuls is the reference's overhead factor; the goal is <= 1.4.

The script also prints the minor page faults per call. On Linux/glibc a step frees several
2.4 MB arrays at once (the first layer's dx and dW, the SGD temporary), glibc then returns the
top of the heap to the OS, and the next step page-faults that memory in again; the matmuls alone
free one array at a time and reuse it. Running with ``MALLOC_TOP_PAD_=20000000`` (glibc keeps
20 MB of slack) removes those faults and shows the step's cost without them.

Usage:  python benchmarks/reference_speed.py [--repeats 300] [--seed 0]
"""
import argparse
import time

try:
    import resource
except ImportError:  # not on Windows
    resource = None

import numpy as np

from reference import optim
from reference.classifiers.fc_net import FullyConnectedNet

HIDDEN_DIMS = [100] * 4
INPUT_SHAPE = (3, 32, 32)
NUM_CLASSES = 10
BATCH = 100
GOAL = 1.4


def median_seconds(fn, repeats, warmup=10):
    """Median wall-clock seconds of ``fn()`` over ``repeats`` calls, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = np.empty(repeats)
    for i in range(repeats):
        start = time.perf_counter()
        fn()
        times[i] = time.perf_counter() - start
    return float(np.median(times))


def faults_per_call(fn, calls=50):
    """Minor page faults per call of ``fn()`` (None where the resource module is missing)."""
    if resource is None:
        return None
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(calls):
        fn()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / calls


def make_step(model, X, y, learning_rate=1e-3):
    """Return a function doing one training step: loss + SGD update of every parameter."""
    configs = {name: {"learning_rate": learning_rate} for name in model.params}

    def step():
        _, grads = model.loss(X, y)
        for name, w in model.params.items():
            model.params[name], configs[name] = optim.sgd(w, grads[name], configs[name])

    return step


def make_matmuls(model, X):
    """Return a function doing only the matrix products of one step, on fixed arrays."""
    num_layers = len(HIDDEN_DIMS) + 1
    weights = [model.params["W%d" % i] for i in range(1, num_layers + 1)]
    inputs = [X.reshape(X.shape[0], -1)]
    for W in weights[:-1]:
        inputs.append(np.maximum(inputs[-1] @ W, 0))
    douts = [np.random.randn(X.shape[0], W.shape[1]) for W in weights]

    def matmuls():
        for x, W in zip(inputs, weights):
            x @ W
        for x, W, dout in zip(inputs, weights, douts):
            x.T @ dout
            dout @ W.T

    return matmuls


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=300, help="timed repeats (default 300)")
    parser.add_argument("--seed", type=int, default=0, help="numpy seed (default 0)")
    args = parser.parse_args()

    np.random.seed(args.seed)
    input_dim = int(np.prod(INPUT_SHAPE))
    model = FullyConnectedNet(HIDDEN_DIMS, input_dim=input_dim, num_classes=NUM_CLASSES,
                              dtype=np.float64)
    X = np.random.randn(BATCH, *INPUT_SHAPE)
    y = np.random.randint(NUM_CLASSES, size=BATCH)

    step, matmuls = make_step(model, X, y), make_matmuls(model, X)
    t_step = median_seconds(step, args.repeats)
    t_matmul = median_seconds(matmuls, args.repeats)
    ratio = t_step / t_matmul
    faults = (faults_per_call(step), faults_per_call(matmuls))

    print("FullyConnectedNet(%s, input_dim=%d, dtype=float64), batch %d, median of %d repeats"
          % (HIDDEN_DIMS, input_dim, BATCH, args.repeats))
    print("  training step (loss + sgd) : %8.3f ms" % (1e3 * t_step))
    print("  matrix products alone      : %8.3f ms" % (1e3 * t_matmul))
    print("  ratio step / matmuls       : %8.2f   (goal <= %.1f: %s)"
          % (ratio, GOAL, "met" if ratio <= GOAL else "NOT met"))
    if faults[0] is not None:
        print("  minor page faults per call : step %.0f, matmuls %.0f" % faults)


if __name__ == "__main__":
    main()
