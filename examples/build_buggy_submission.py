"""Build ``examples/buggy_submission/``: the reference with four realistic student bugs.

Run ``python examples/build_buggy_submission.py`` after changing ``reference/``; a test fails
when the committed folder differs from a fresh build. The bugs are ones the course material
shows students making (digest §7), chosen so that the fixed notebook inputs miss two of them:

1. ``relu_backward`` builds its mask from ``x`` reshaped to 2-D: right on the notebook's 10x10
   input, a broadcasting error on inputs "of any shape" (digest §7.1, UCLA HW4).
2. ``affine_backward`` returns ``dx`` flattened instead of in ``x``'s shape.
3. ``adam`` increments ``t`` after using it in the bias correction.
4. ``TwoLayerNet.loss`` forgets the 0.5 in the L2 penalty.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parent / "reference"
OUT = HERE / "buggy_submission"
NOT_SUBMITTED = ("__pycache__", "__main__.py", "course_conventions.py")

#: (file, find, replace): each ``find`` occurs exactly once in the reference.
BUGS = [
    ("layers.py", "dx = dout * (x > 0)", "dx = dout * (x.reshape(x.shape[0], -1) > 0)"),
    ("layers.py", "dx = (dout @ w.T).reshape(x.shape)", "dx = dout @ w.T"),
    ("optim.py", 't = config["t"] + 1\n    m = beta1', 't = config["t"]\n    m = beta1'),
    ("optim.py", 'config["m"], config["v"], config["t"] = m, v, t', 'config["m"], config["v"], config["t"] = m, v, t + 1'),
    ("classifiers/fc_net.py", "reg_loss = 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))",
     "reg_loss = self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))"),
]


def build(out: Path = OUT) -> Path:
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(REFERENCE, out, ignore=shutil.ignore_patterns(*NOT_SUBMITTED))
    for name, find, replace in BUGS:
        path = out / name
        source = path.read_text()
        if source.count(find) != 1:
            raise SystemExit(f"{name}: {find!r} must occur exactly once in the reference")
        path.write_text(source.replace(find, replace))
    return out


if __name__ == "__main__":
    print(f"wrote {build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)}")
