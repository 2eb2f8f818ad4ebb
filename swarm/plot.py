"""Plots of sweep and experiment results (matplotlib, imported only when a plot is made).

``metric_vs_param`` draws one line per group: the mean of a metric over the seeds against a
parameter, with a band (95% CI of the mean, or the 5-95% quantiles), and optionally a theory
curve. A plot is never a test: the numbers it shows come from ``swarm.analysis.aggregate``,
which the tests check.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from swarm.analysis import aggregate

__all__ = ["metric_vs_param", "save", "save_figure"]

BANDS = {"ci95": ("ci95_low", "ci95_high"), "quantiles": ("q05", "q95")}


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
    band: str = "ci95",
    ax: Any = None,
    logx: bool = False,
) -> Any:
    """Mean ``metric`` against ``param`` (one line per value of ``hue``), with a ``band``
    ("ci95" or "quantiles") and ``theory(x)`` (or ``theory(x, hue_value)``) as a dashed
    line. ``frame`` is a sweep's or an experiment's one-row-per-run frame. Returns the Axes.
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
    for value, group in groups:
        group = group.sort_values(param)
        x = group[param].to_numpy(dtype=float)
        label = f"{hue} = {value}" if hue else metric
        line = ax.plot(x, group["mean"], marker="o", label=label)[0]
        ax.fill_between(x, group[lo_col], group[hi_col], color=line.get_color(), alpha=0.2)
        if theory is not None:
            xs = np.linspace(x.min(), x.max(), 200) if not logx else \
                np.geomspace(x.min(), x.max(), 200)
            ys = theory(xs) if value is None else theory(xs, value)
            ax.plot(xs, ys, linestyle="--", color=line.get_color(),
                    label=f"{theory_label}" + (f" ({value})" if value is not None else ""))
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(param)
    ax.set_ylabel(metric)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
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
    fig.savefig(path, dpi=110)
    _pyplot().close(fig)
    return path

