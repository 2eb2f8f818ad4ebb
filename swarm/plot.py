"""Plots of sweep and experiment results (matplotlib, imported only when a plot is made).

One shared style for every figure swarm draws (experiments/ use it too):

- ``series_style(i)``: the ``i``-th data series' colour, line style and marker. Colours are
  Okabe & Ito's colour-blind-safe palette (Okabe & Ito 2008, "Color Universal Design");
  the colour cycle has 8 entries and the line style cycle 4, so the first 8 series differ in
  colour *and* in (colour, line style), and every series has its own marker: two series that
  coincide stay visible (a marker or a dash shows through).
- ``THEORY``: a prediction (exact where one exists) in the series' colour, dotted, no
  markers; ``REFERENCE``: a thinner, fainter dashed line for an approximation kept for
  comparison (e.g. leading-order terms).
- ``label(column)``: axis labels in words with units (``"nodes, n"``, ``"rounds to full
  coverage"``) instead of column names; ``integer_ticks(ax, "x")`` for integer quantities.

``metric_vs_param`` draws one line per group: the mean of a metric over the seeds against a
parameter, with a band (95% CI of the mean, or the 5-95% quantiles), and optionally a theory
curve. A plot is never a test: the numbers it shows come from ``swarm.analysis.aggregate``,
which the tests check; the tests check the figure's form (labels, ticks, styles).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from swarm.analysis import aggregate

__all__ = ["metric_vs_param", "save", "save_figure", "series_style", "label",
           "integer_ticks", "legend", "PALETTE", "LINESTYLES", "MARKERS", "THEORY",
           "REFERENCE", "LABELS"]

BANDS = {"ci95": ("ci95_low", "ci95_high"), "quantiles": ("q05", "q95")}

#: Okabe-Ito, most distinct first (yellow last: faint on white)
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
           "#F0E442")
#: solid, dashed, dash-dot, dash-dot-dot; dotted is kept for THEORY
LINESTYLES = ("-", "--", "-.", (0, (5, 1.5, 1, 1.5, 1, 1.5)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
THEORY = {"linestyle": ":", "linewidth": 2.0, "marker": None}
REFERENCE = {"linestyle": (0, (4, 3)), "linewidth": 0.8, "alpha": 0.6, "marker": None}

#: column -> axis label in words (units after a comma or in parentheses)
LABELS = {
    "nodes": "nodes, n",
    "round": "round",
    "rounds_to_full": "rounds to full coverage",
    "messages_per_node": "messages per node",
    "loss": "message loss rate",
    "faults.loss.rate": "message loss rate",
    "fanout": "fanout (partners per node)",
    "protocol.fanout": "fanout (partners per node)",
    "reached_all": "runs reaching every node (fraction)",
    "residue": "residue (fraction never informed)",
    "false_suspicion_per_probe": "probes of live members ending in suspicion (fraction)",
    "first_detection_periods": "periods to first detection",
    "false_positive_rate": "live members declared dead (per node per period)",
    "coverage_final": "final coverage (fraction informed)",
}


def label(column: str) -> str:
    """The axis label of ``column``: ``LABELS``, else the name with spaces for ``_``."""
    return LABELS.get(column, column.replace("_", " "))


def series_style(i: int) -> dict[str, Any]:
    """Colour, line style and marker of the ``i``-th series (keyword arguments of
    ``Axes.plot``)."""
    return {"color": PALETTE[i % len(PALETTE)], "linestyle": LINESTYLES[i % len(LINESTYLES)],
            "marker": MARKERS[i % len(MARKERS)], "markersize": 5, "linewidth": 1.5}


def integer_ticks(ax: Any, axis: str = "x") -> None:
    """Ticks at integers only on ``axis`` ("x", "y" or "both") of a linear axis."""
    from matplotlib.ticker import MaxNLocator

    for name in ("x", "y") if axis == "both" else (axis,):
        getattr(ax, f"{name}axis").set_major_locator(MaxNLocator(integer=True))


def legend(ax: Any, **kwargs: Any) -> Any:
    """The shared legend: small, framed lightly, longer handles so dashes show."""
    kwargs.setdefault("fontsize", "small")
    return ax.legend(handlelength=3.0, framealpha=0.85, **kwargs)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def metric_vs_param(
    frame: pd.DataFrame,
    param: str,
    metric: str,
    *,
    hue: str | None = None,
    theory: Callable[..., Any] | None = None,
    theory_label: str = "theory",
    reference: Callable[..., Any] | None = None,
    reference_label: str = "reference",
    band: str = "ci95",
    ax: Any = None,
    logx: bool = False,
    xlabel: str | None = None,
    ylabel: str | None = None,
    hue_label: Callable[[Any], str] | Mapping[Any, str] | None = None,
    integer_x: bool | None = None,
    legend_outside: bool = False,
) -> Any:
    """Mean ``metric`` against ``param`` (one line per value of ``hue``, styled by
    ``series_style``), with a ``band`` ("ci95" or "quantiles"); ``theory(x)`` (or
    ``theory(x, hue_value)``) in the series' colour in the ``THEORY`` style and
    ``reference`` in the ``REFERENCE`` style. A theory or reference function is called on
    200 points spanning the data and returns the values there, or an ``(x, y)`` pair of its
    own points (an exact result computed at a few ``n`` only). ``frame`` is a sweep's or an
    experiment's one-row-per-run frame. Labels: ``xlabel`` / ``ylabel`` (default
    ``label(param)`` / ``label(metric)``), ``hue_label(value)`` or a mapping for the legend
    (default ``"<hue> = <value>"``). ``integer_x``: integer ticks on x (default: when every
    ``param`` value is an integer and x is linear). ``legend_outside``: the legend right of
    the axes (for many series). Returns the Axes.
    """
    if band not in BANDS:
        raise ValueError(f"band = {band!r}: must be one of {', '.join(BANDS)}")
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.2))
    by = [param] + ([hue] if hue else [])
    table = aggregate(frame, metrics=[metric], by=by)
    groups = table.groupby(hue, sort=False) if hue else [(None, table)]
    lo_col, hi_col = BANDS[band]

    def name(value: Any) -> str:
        if isinstance(hue_label, Mapping):
            return hue_label[value]
        if hue_label is not None:
            return hue_label(value)
        return f"{label(hue)} = {value}" if hue else label(metric)

    def curve(fn: Callable[..., Any], x: np.ndarray, value: Any) -> tuple[Any, Any]:
        xs = np.geomspace(x.min(), x.max(), 200) if logx else np.linspace(x.min(), x.max(), 200)
        ys = fn(xs) if value is None else fn(xs, value)
        return ys if isinstance(ys, tuple) else (xs, ys)

    for i, (value, group) in enumerate(groups):
        group = group.sort_values(param)
        x = group[param].to_numpy(dtype=float)
        style = series_style(i)
        ax.plot(x, group["mean"], label=name(value), **style)
        ax.fill_between(x, group[lo_col], group[hi_col], color=style["color"], alpha=0.15,
                        linewidth=0)
        suffix = f" ({value})" if value is not None else ""
        if theory is not None:
            ax.plot(*curve(theory, x, value), color=style["color"],
                    label=theory_label + suffix, **THEORY)
        if reference is not None:
            ax.plot(*curve(reference, x, value), color=style["color"],
                    label=reference_label + suffix, **REFERENCE)
    if logx:
        ax.set_xscale("log")
    values = pd.to_numeric(table[param], errors="coerce").to_numpy(dtype=float)
    if integer_x is None:
        integer_x = not logx and bool(np.all(np.isfinite(values) & (values == np.round(values))))
    if integer_x:
        integer_ticks(ax, "x")
    ax.set_xlabel(xlabel or label(param))
    ax.set_ylabel(ylabel or label(metric))
    ax.grid(True, alpha=0.3)
    if legend_outside:
        legend(ax, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    else:
        legend(ax)
    return ax


def save(ax: Any, path: str | Path, title: str | None = None) -> Path:
    """Write the Axes' figure as PNG (directories created) and close it."""
    if title:
        ax.set_title(title, fontsize="medium")
    return save_figure(ax.get_figure(), path)


def save_figure(fig: Any, path: str | Path) -> Path:
    """Lay out a whole figure, write it as PNG (directories created) and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    _pyplot().close(fig)
    return path

