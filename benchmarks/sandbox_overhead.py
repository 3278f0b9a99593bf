"""What does the sandbox cost? Worker start-up and the round trip of a small call.

Prints, each a median:

* start:  ``Worker.start()`` (a fresh interpreter that imports numpy, confines itself and says
          hello), next to a bare ``python -c "import numpy"`` (the floor, design.md §5);
* call:   ``w.call("layers.affine_forward", x, w, b)`` with x (2, 3), w (3, 4), b (4,): the
          arrays go to the worker, the result (out, cache) comes back;
* direct: the same function called in this process (imported from the same file);
* ping:   a round trip that runs no student code;
* sweep:  a model's numeric gradient over 24 perturbed parameter arrays (12 coordinates, +-h):
          ``w.sweep`` (one round trip) against ``setattr`` + ``call`` per perturbation.

The goal is a round trip well under 1 ms and a start close to ``import numpy``.

Usage:  python benchmarks/sandbox_overhead.py [--calls 1000] [--starts 5]
"""
import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))   # this checkout's grader, not an installed one

from grader.layout import Layout  # noqa: E402
from grader.sandbox import Worker  # noqa: E402

LAYERS = """
import numpy as np


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w, b)


class Net:
    def __init__(self):
        self.params = {"W1": np.zeros((15, 20))}

    def loss(self, X, y):
        scores = X @ self.params["W1"]
        return float(np.mean((scores - y[:, None]) ** 2)), {}
"""


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "submission"
        root.mkdir()
        (root / "layers.py").write_text(LAYERS)
        layout = Layout.canonical(root)

        numpy_import = median_time(lambda: subprocess.run(
            [sys.executable, "-c", "import numpy"], check=True), args.starts)

        def start_once():
            w = Worker(root, layout)
            w.start()
            start_once.caps = w.capabilities
            w.close()

        start = median_time(start_once, args.starts)

        rng = np.random.RandomState(0)
        x, wt, b = rng.randn(2, 3), rng.randn(3, 4), rng.randn(4)
        spec = importlib.util.spec_from_file_location("direct_layers", root / "layers.py")
        direct = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(direct)

        with Worker(root, layout) as w:
            w.call("layers.affine_forward", x, wt, b)   # import once
            call = median_time(lambda: w.call("layers.affine_forward", x, wt, b), args.calls)
            ping = median_time(w.ping, args.calls)
            net = w.new("layers.Net")
            W1, X, y = rng.randn(15, 20), rng.randn(10, 15), rng.randn(10)
            shifted = []
            for k in range(12):
                for sign in (1e-5, -1e-5):
                    v = W1.copy()
                    v.flat[k * 7] += sign
                    shifted.append(v)

            def one_by_one():
                for v in shifted:
                    w.setattr(net, "params.W1", v)
                    w.call(net.method("loss"), X, y, select=0)
                w.setattr(net, "params.W1", W1)

            pairs = median_time(one_by_one, max(5, args.calls // 100))
            swept = median_time(lambda: w.sweep(net, "params.W1", shifted, net.method("loss"), X,
                                                y, select=0, restore=W1),
                                max(5, args.calls // 100))
        local = median_time(lambda: direct.affine_forward(x, wt, b), args.calls)

    applied = [k for k, v in start_once.caps.items() if v["applied"]]
    print(f"worker start     {start * 1e3:8.1f} ms   (python -c 'import numpy': "
          f"{numpy_import * 1e3:.1f} ms; median of {args.starts})")
    print(f"call round trip  {call * 1e6:8.1f} us   (median of {args.calls})")
    print(f"ping round trip  {ping * 1e6:8.1f} us")
    print(f"direct call      {local * 1e6:8.1f} us   (in this process)")
    print(f"ratio call/direct {call / local:7.0f} x")
    print(f"numeric gradient, 24 perturbations: setattr+call {pairs * 1e3:.2f} ms, "
          f"sweep {swept * 1e3:.2f} ms ({pairs / swept:.1f}x)")
    print(f"enforced: {', '.join(applied)}")


if __name__ == "__main__":
    main()
