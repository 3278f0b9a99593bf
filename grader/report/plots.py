"""Plots of the series a check measured (``CheckResult.series``), as PNG images for the HTML
report, and the class dashboard's charts.

matplotlib is imported only when a plot is drawn (``Figure`` and the Agg canvas directly, never
``pyplot``: no global backend, no display), so grading without ``--html``, and an HTML report
without series, never pays for it.

A series name is ``"<panel>.<line>"`` (see ``grader.result.CheckResult``). Every panel becomes
one plot with a title, labelled axes with units and a legend; a line whose label starts with
``threshold`` is the rubric's threshold, drawn as a dashed horizontal line.
"""
from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass
from typing import Mapping, Sequence

THRESHOLD = "threshold"
WIDTH_IN, HEIGHT_IN, DPI = 6.4, 3.6, 100


@dataclass(frozen=True)
class Panel:
    """How a panel's axes are labelled. ``x_start``: the x value of a series' first point."""

    title: str
    x_label: str
    y_label: str
    x_start: int = 0
    markers: bool = False
    log_y: bool = False


PANELS: dict[str, Panel] = {
    "loss": Panel("Training loss", "iteration (minibatch update)", "loss (cross-entropy, nats)", 1),
    "accuracy": Panel("Accuracy per epoch", "epoch (0 = before training)",
                      "accuracy (fraction correct)", 0, markers=True),
    "weight_std": Panel("Initial weight std per layer", "layer", "std of the layer's weights", 1,
                        markers=True, log_y=True),
    "grad_norm": Panel("Mean gradient norm", "iteration (minibatch update)",
                       "gradient L2 norm", 1, log_y=True),
    "descent": Panel("Least-squares loss per update rule", "step (one update, state fed back)",
                     "loss 0.5 * ||A w - b||^2", 0, log_y=True),
}


@dataclass(frozen=True)
class Plot:
    """One rendered plot: ``png`` holds the PNG bytes; ``alt`` describes it in words."""

    panel: str
    title: str
    alt: str
    png: bytes

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def panel_of(panel: str) -> Panel:
    return PANELS.get(panel, Panel(panel.replace("_", " ").capitalize(), "index", panel))


def split_series(series: Mapping[str, Sequence[float | None]]) -> dict[str, dict[str, list]]:
    """``{panel: {line label: values}}`` in the order the names first appear."""
    panels: dict[str, dict[str, list]] = {}
    for name, values in series.items():
        panel, _, line = name.partition(".")
        panels.setdefault(panel, {})[line or panel] = list(values)
    return panels


def is_threshold(label: str) -> bool:
    return label.lower().startswith(THRESHOLD)


def _figure():
    from matplotlib.figure import Figure

    # fixed margins: a layout engine would lay every text out several times (most of the cost)
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    fig.subplots_adjust(left=0.12, right=0.98, bottom=0.14, top=0.91)
    return fig, fig.add_subplot()


def _png(fig) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def _finite(values) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def plot_panel(panel: str, lines: Mapping[str, Sequence[float | None]], title: str | None = None) -> Plot | None:
    """One panel drawn as a PNG, or ``None`` when it holds no finite value."""
    spec = panel_of(panel)
    curves = {k: v for k, v in lines.items() if not is_threshold(k) and _finite(v)}
    thresholds = {k: _finite(v)[0] for k, v in lines.items() if is_threshold(k) and _finite(v)}
    if not curves:
        return None
    fig, ax = _figure()
    described = []
    for label, values in curves.items():
        xs = [spec.x_start + i for i, v in enumerate(values) if v is not None and math.isfinite(v)]
        ys = _finite(values)
        many = len(ys) > 60
        ax.plot(xs, ys, label=label, linewidth=1.0 if many else 1.6,
                marker=None if many or not spec.markers else "o", markersize=4)
        described.append(f"{label}: {len(ys)} points from {ys[0]:.4g} to {ys[-1]:.4g}")
    for label, value in thresholds.items():
        ax.axhline(value, linestyle="--", color="black", linewidth=1.2, label=label)
        described.append(f"{label} at {value:.4g}")
    every = [y for values in curves.values() for y in _finite(values)] + list(thresholds.values())
    if spec.log_y and min(every) > 0 and max(every) / min(every) > 20:
        ax.set_yscale("log")
    full_title = title or spec.title
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))   # iterations, epochs, layers
    ax.set_title(full_title, fontsize=11)
    ax.set_xlabel(spec.x_label)
    ax.set_ylabel(spec.y_label)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    png = _png(fig)
    return Plot(panel=panel, title=full_title, alt=f"{full_title}. " + "; ".join(described), png=png)


def plot_series(series: Mapping[str, Sequence[float | None]] | None, check: str = "") -> list[Plot]:
    """Every panel of a check's ``series``, titled ``<check>: <panel title>``."""
    if not series:
        return []
    plots = []
    for panel, lines in split_series(series).items():
        title = f"{check}: {panel_of(panel).title}" if check else None
        plot = plot_panel(panel, lines, title)
        if plot is not None:
            plots.append(plot)
    return plots


def histogram(values: Sequence[float], *, title: str, x_label: str, bins: int = 20,
              x_range: tuple[float, float] | None = None, marks: Mapping[str, float] | None = None) -> Plot:
    """A histogram (class scores), with optional vertical lines (``{"mean": 71.2}``)."""
    fig, ax = _figure()
    ax.hist(list(values), bins=bins, range=x_range, color="#3b6ea8", edgecolor="white",
            label=f"students (n = {len(values)})")
    for (label, value), style in zip((marks or {}).items(), ("--", ":", "-.")):
        ax.axvline(value, linestyle=style, color="black", linewidth=1.2, label=f"{label} {value:.1f}")
    ax.set_title(title, fontsize=11)
    ax.set_xlabel(x_label)
    ax.set_ylabel("number of students")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    described = f"{len(values)} values" + "".join(f"; {k} {v:.1f}" for k, v in (marks or {}).items())
    return Plot(panel="histogram", title=title, alt=f"{title}: {described}", png=_png(fig))
