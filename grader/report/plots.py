"""Plots of the series a check measured (``CheckResult.series``), as PNG images for the HTML
report, and the class dashboard's charts.

matplotlib is imported only when a plot is drawn (``Figure`` and the Agg canvas directly, never
``pyplot``: no global backend, no display), so grading without ``--html``, and an HTML report
without series, never pays for it.

A series name is ``"<panel>.<line>"`` (see ``grader.result.CheckResult``). Every panel becomes
one plot with a title, labelled axes with units and a legend; a line whose label starts with
``threshold`` is the rubric's threshold, drawn as a horizontal black line (dashed, then dotted
...); a line whose label starts with ``expected`` or ``reference`` is what the check compared
against, drawn dashed; ``<panel>.index`` places the points of a thinned history.
"""
from __future__ import annotations

import base64
import contextlib
import io
import math
import threading
from dataclasses import dataclass
from typing import Collection, Iterator, Mapping, Sequence

from ..result import INDEX_LINE, THRESHOLD_LINE

EXPECTED = ("expected", "reference")
THRESHOLD_STYLES = ("--", ":", "-.")
WIDTH_IN, HEIGHT_IN, DPI = 6.4, 3.6, 100


@dataclass(frozen=True)
class Panel:
    """How a panel's axes are labelled. ``x_start``: the x value of a series' first point."""

    title: str
    x_label: str
    y_label: str
    x_start: int = 0
    markers: bool = False
    log_y: bool = False        # a log y axis once the values span more than 20x
    fraction: bool = False     # values are fractions: the y axis always shows 0 to 1


PANELS: dict[str, Panel] = {
    "loss": Panel("Training loss", "iteration (minibatch update)", "loss (cross-entropy, nats)", 1),
    "accuracy": Panel("Accuracy per epoch", "epoch (0 = before training)",
                      "accuracy (fraction correct)", 0, markers=True, fraction=True),
    "weight_std": Panel("Initial weight std per layer", "layer", "std of the layer's weights", 1,
                        markers=True, log_y=True),
    "grad_norm": Panel("Mean gradient norm", "iteration (minibatch update)",
                       "gradient L2 norm", 1, log_y=True),
    "descent": Panel("Least-squares loss per update rule", "step (one update, state fed back)",
                     "loss 0.5 * mean((A w - b)^2)", 0, log_y=True),
    "optimizer_loss": Panel("Logged training loss per update rule", "iteration (minibatch update)",
                            "loss (cross-entropy, nats)", 1),
    "optimizer_accuracy": Panel("Logged training accuracy per update rule",
                                "epoch (0 = before training)", "accuracy (fraction correct)", 0,
                                markers=True, fraction=True),
    "init_loss": Panel("Logged training loss per initialisation", "iteration (minibatch update)",
                       "loss (cross-entropy, nats)", 1, log_y=True),
}


@dataclass(frozen=True)
class Plot:
    """One rendered plot: ``png`` holds the PNG bytes; ``alt`` describes it in words."""

    panel: str
    title: str
    alt: str
    png: bytes
    x_label: str = ""
    y_label: str = ""
    legend: tuple[str, ...] = ()
    y_scale: str = "linear"

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
    return label.lower().startswith(THRESHOLD_LINE)


def is_expected(label: str) -> bool:
    return label.lower().startswith(EXPECTED)


def _figure():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # fixed margins: a layout engine would lay every text out several times (most of the cost)
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)      # the figure's canvas from now on: one Agg renderer, whose text
                              # measurements matplotlib keeps from one plot to the next
    fig.subplots_adjust(left=0.13, right=0.98, bottom=0.14, top=0.91)
    return fig, fig.add_subplot()


_REUSED: dict[str, tuple] = {}
_DRAWING = threading.Lock()


def _reused_axes(scale: str):
    """One figure per y scale, kept for the process and emptied before each plot: its axes keep
    their tick objects, which a new figure would create again (a third of a plot's cost)."""
    if scale not in _REUSED:
        fig, ax = _figure()
        ax.set_yscale(scale)
        _REUSED[scale] = fig, ax
    fig, ax = _REUSED[scale]
    for artist in [*ax.lines, *ax.collections, *ax.patches, *ax.texts]:
        artist.remove()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    ax.set_prop_cycle(None)          # colours start again from the first
    ax.relim()
    ax.set_autoscale_on(True)
    return fig, ax


def warm_up() -> None:
    """Import matplotlib and draw one small plot (fonts loaded, caches filled): the first thing
    the second process of ``grade --html`` does (``grader.report.html_process``)."""
    plot_panel("loss", {"train": [2.3, 1.0, 0.5], f"{THRESHOLD_LINE} warm-up": [1.0]})


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.canvas.print_png(buffer, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def _finite(values) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


CORNERS = {"upper right": (1, 1), "upper left": (0, 1), "lower right": (1, 0), "lower left": (0, 0)}


def _emptiest_corner(ax, points, log: bool, entries: int) -> str:
    """The corner whose legend-sized box covers the fewest points (matplotlib's ``loc="best"``
    tests every artist's path at draw time, a sixth of a plot's cost)."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    if log:
        y0, y1 = math.log10(y0), math.log10(y1)
    width, height = 0.5, min(0.12 + 0.07 * entries, 0.6)
    counts = dict.fromkeys(CORNERS, 0)
    for x, y in points:
        fx = (x - x0) / ((x1 - x0) or 1.0)
        fy = ((math.log10(y) if log else y) - y0) / ((y1 - y0) or 1.0)
        for corner, (cx, cy) in CORNERS.items():
            if abs(fx - cx) <= width and abs(fy - cy) <= height:
                counts[corner] += 1
    return min(CORNERS, key=lambda c: counts[c])    # ties: upper right first


def _log_tick(value: float, _position=None) -> str:
    """A short label for a log axis: ``0.01``, ``100``, ``1e-06``, ``1e207``."""
    if value <= 0 or 1e-3 <= value < 1e4:
        return f"{value:g}"
    exponent = math.log10(value)
    return f"1e{round(exponent)}" if abs(exponent - round(exponent)) < 1e-6 else f"{value:.0e}"


def _darker(colour) -> tuple:
    from matplotlib.colors import to_rgb

    return tuple(0.55 * c for c in to_rgb(colour))


def _xs(values, index, x_start: int) -> tuple[list[float], list[float]]:
    """The finite points of one line, at ``x_start + index[i]`` (thinned) or ``x_start + i``."""
    positions = index if index is not None and len(index) == len(values) else range(len(values))
    points = [(x_start + p, v) for p, v in zip(positions, values)
              if v is not None and math.isfinite(v) and p is not None and math.isfinite(p)]
    return [p for p, _ in points], [v for _, v in points]


def plot_key(panel: str, lines: Mapping[str, Sequence[float | None]], title: str | None = None) -> str:
    """Everything a plot is drawn from, as one string: plots with the same key are the same
    bytes (floats by their exact ``repr``)."""
    return repr((panel, title, [(label, list(values)) for label, values in lines.items()]))


_PRERENDERED: dict[str, Plot | None] = {}


@contextlib.contextmanager
def prerendered(plots: Mapping[str, Plot | None]) -> Iterator[None]:
    """While open, ``plot_panel`` takes a plot already drawn (``{plot_key: Plot or None}``, e.g.
    by ``grader.report.html_process`` while the checks ran) instead of drawing it again."""
    _PRERENDERED.update(plots)
    try:
        yield
    finally:
        _PRERENDERED.clear()


def plot_panel(panel: str, lines: Mapping[str, Sequence[float | None]], title: str | None = None) -> Plot | None:
    """One panel drawn as a PNG, or ``None`` when it holds no finite value."""
    if _PRERENDERED:
        key = plot_key(panel, lines, title)
        if key in _PRERENDERED:
            return _PRERENDERED[key]
    with _DRAWING:       # the reused figures: one plot at a time
        return _plot_panel(panel, lines, title)


def _plot_panel(panel: str, lines: Mapping[str, Sequence[float | None]], title: str | None) -> Plot | None:
    spec = panel_of(panel)
    index = lines.get(INDEX_LINE)
    curves = {k: v for k, v in lines.items() if k != INDEX_LINE and not is_threshold(k) and _finite(v)}
    thresholds = {k: _finite(v)[0] for k, v in lines.items() if is_threshold(k) and _finite(v)}
    if not curves:
        return None
    every = [y for values in curves.values() for y in _finite(values)] + list(thresholds.values())
    # a log axis when the panel asks for one, or when values span 10^4 (a diverging loss)
    span = max(every) / min(every) if min(every) > 0 else 0.0
    log = span > (20 if spec.log_y else 1e4)
    fig, ax = _reused_axes("log" if log else "linear")
    described, colour, points = [], "black", []
    for label, values in curves.items():
        xs, ys = _xs(values, index, spec.x_start)
        points += zip(xs, ys)
        many = len(ys) > 60
        # missing values after the first point: a run that diverged (NaN, inf: null in JSON)
        first = next(i for i, v in enumerate(values) if v is not None and math.isfinite(v))
        lost = sum(v is None or not math.isfinite(v) for v in values[first:])
        label = f"{label} ({lost} not finite, not drawn)" if lost else label
        if is_expected(label):
            # what the line before was compared against: thin, dashed, darker, drawn on top
            ax.plot(xs, ys, label=label, linestyle="--", linewidth=1.3, zorder=3,
                    color=_darker(colour))
        elif len(ys) == 1:
            # one figure (the accuracy the grader measured): a large marker
            ax.plot(xs, ys, label=label, linestyle="none", marker="D", markersize=8, zorder=4,
                    markeredgecolor="black")
        else:
            line, = ax.plot(xs, ys, label=label, linewidth=1.2 if many else 2.2,
                            marker=None if many or not spec.markers else "o", markersize=4)
            colour = line.get_color()
        at = f" at x = {xs[0]:g}" if len(ys) == 1 else ""
        described.append(f"{label}: {len(ys)} points (x {xs[0]:g} to {xs[-1]:g}) from {ys[0]:.4g} "
                         f"to {ys[-1]:.4g}" if len(ys) > 1 else f"{label}: {ys[0]:.4g}{at}")
    for (label, value), style in zip(thresholds.items(), THRESHOLD_STYLES * len(thresholds)):
        ax.axhline(value, linestyle=style, color="black", linewidth=1.2, label=label)
        described.append(f"{label} at {value:.4g}")
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

    # few ticks, no minor ticks, plain labels (no mathtext): every tick label is laid out and drawn
    if log:
        ax.yaxis.set_major_locator(LogLocator(numticks=6))
        ax.yaxis.set_major_formatter(FuncFormatter(_log_tick))
        ax.yaxis.set_minor_locator(NullLocator())
    else:
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
    if spec.fraction and min(every) >= 0 and max(every) <= 1:
        ax.set_ylim(-0.02, 1.04)
    full_title = title or spec.title
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))   # iterations, epochs, layers
    ax.set_title(full_title, fontsize=11, y=1.0)   # a fixed position: no layout pass
    ax.set_xlabel(spec.x_label)
    ax.set_ylabel(spec.y_label)
    ax.grid(True, alpha=0.3)
    points += [(x, value) for value in thresholds.values() for x in ax.get_xlim()]
    legend = ax.legend(fontsize=8, loc=_emptiest_corner(ax, points, log, len(curves) + len(thresholds)))
    png = _png(fig)
    return Plot(panel=panel, title=full_title, alt=f"{full_title}. " + "; ".join(described), png=png,
                x_label=ax.get_xlabel(), y_label=ax.get_ylabel(),
                legend=tuple(t.get_text() for t in legend.get_texts()), y_scale=ax.get_yscale())


def plot_series(series: Mapping[str, Sequence[float | None]] | None, check: str = "",
                panels: Collection[str] | None = None) -> list[Plot]:
    """Every panel of a check's ``series`` (or those among ``panels``), titled ``<check>: <panel
    title>``."""
    plots = [plot_panel(*request) for request in panel_requests(series, check, panels)]
    return [plot for plot in plots if plot is not None]


def panel_requests(series: Mapping[str, Sequence[float | None]] | None, check: str = "",
                   panels: Collection[str] | None = None) -> list[tuple[str, dict[str, list], str | None]]:
    """``(panel, lines, title)`` of each plot ``plot_series`` draws (``plot_panel``'s arguments)."""
    requests = []
    for panel, lines in split_series(series or {}).items():
        if panels is None or panel in panels:
            requests.append((panel, lines, f"{check}: {panel_of(panel).title}" if check else None))
    return requests


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
