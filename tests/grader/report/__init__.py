"""A sample report shared by the renderer tests.

It holds one check of every status, a hidden check and an after-due-date check whose messages
are secrets, and a hostile message (``<``, ``&``, ``]]>``, ``|``, backticks, a NUL byte, an ESC
sequence, rich markup and 10 000 characters) that every renderer must show safely.
"""
from grader.result import CheckResult, Report

SECRET = "expected dx[0, 0] = 0.123456789 from the hidden fixture"
LATE_SECRET = "expected best_val_acc 0.513 (released after the due date)"
HOSTILE = ("<b>bold</b> & ]]> | `code` \x00 nul \x1b[31mred\x1b[0m [bold]markup[/bold] </details> </pre>"
           + "x" * 10_000)

# (name, section, kind, points, max_points, status, message, visibility)
ROWS = [
    ("affine_forward.values", "layers", "value", 2.0, 2.0, "passed", "", "visible"),
    ("affine_backward.numeric_gradient", "layers", "gradient", 0.0, 3.0, "failed", HOSTILE, "visible"),
    ("relu_backward.values", "layers", "value", 0.0, 1.0, "failed", SECRET, "hidden"),
    ("two_layer_net.val_accuracy", "training", "training", 1.5, 3.0, "partial",
     "validation accuracy 0.39; full points at 0.50", "visible"),
    ("solver.cifar10_accuracy", "training", "training", 0.0, 2.0, "skipped",
     "CIFAR-10 is not available: give --data", "visible"),
    ("solver.lr_decay", "training", "training", 0.0, 1.0, "error",
     "internal grader error in this check (KeyError: 'x')", "visible"),
    ("best_model.val_accuracy", "training", "training", 1.0, 1.0, "passed", LATE_SECRET, "after_due_date"),
]
EXPECTED_SCORE = 2.0 + 1.5 + 1.0      # summed by hand from ROWS
EXPECTED_MAX = 2.0 + 3.0 + 1.0 + 3.0 + 2.0 + 1.0 + 1.0


def sample_report() -> Report:
    results = [CheckResult(name=n, section=s, kind=k, points=p, max_points=m, status=st, message=msg,
                           visibility=v, duration_s=0.25,
                           measured=0.39 if st == "partial" else None,
                           hint="dw = x.reshape(N, -1).T @ dout" if st == "failed" and v == "visible" else None)
               for n, s, k, p, m, st, msg, v in ROWS]
    return Report(submission="alice | `hw2`.zip", rubric="canonical", rubric_title="Canonical assignment",
                  profile="canonical", results=results, started_at="2024-05-01T12:00:00+00:00",
                  duration_s=4.5, notes=["the sandbox has no network namespace here", "note with | pipe"],
                  sandbox={"rlimit_as": True, "netns": False},
                  worker_stdout="epoch 1 " + SECRET, worker_stderr="", grader_version="0.1.0")
