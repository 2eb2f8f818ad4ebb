"""Aggregating sweep results across seeds into a tidy frame."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["aggregate", "parameter_columns"]

_NOT_PARAMS = {"point", "replicate", "seed", "run_id", "status", "error", "attempt"}


def parameter_columns(frame: pd.DataFrame) -> list[str]:
    """The sweep's parameter columns (dotted keys and top-level scenario keys) that vary."""
    params = [c for c in frame.columns if ("." in c or c in {"nodes", "protocol", "topology",
                                                              "max_rounds"})
              and c not in _NOT_PARAMS]
    return [c for c in params if frame[c].astype(str).nunique() > 1]


def aggregate(frame: pd.DataFrame, metrics: Sequence[str] | None = None,
              by: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per (point, metric): ``runs``, ``mean``, ``sd``, a normal-approximation 95%
    confidence interval of the mean (``ci95_low``, ``ci95_high``: mean +- 1.96 sd / sqrt(runs))
    and the 5/25/50/75/95% quantiles, over the seeds of each point; failed runs excluded
    from these and counted in ``failed``, with the first one's message in ``error`` (None if
    none failed), so a point whose runs all failed is still a row (``runs`` 0).
    ``by`` defaults to the varying parameter columns."""
    if "status" in frame:
        bad = frame["status"] != "ok"
    else:
        bad = pd.Series(False, index=frame.index)
    ok = frame[~bad]
    by = list(by) if by is not None else parameter_columns(frame)
    if metrics is None:
        skip = _NOT_PARAMS | set(by) | set(parameter_columns(frame))
        metrics = [c for c in ok.columns if c not in skip and "." not in c
                   and pd.api.types.is_numeric_dtype(ok[c])]
    rows = []
    groups = frame.groupby(by, sort=False, dropna=False) if by else [((), frame)]
    for key, whole in groups:
        key = key if isinstance(key, tuple) else (key,)
        group = whole[~bad.loc[whole.index]]
        failed = whole[bad.loc[whole.index]]
        first_error = (str(failed["error"].iloc[0]) if len(failed) and "error" in failed
                       else None)
        for metric in metrics:
            column = group[metric] if metric in group else pd.Series([], dtype=float)
            values = pd.to_numeric(column, errors="coerce").dropna().to_numpy(float)
            k = values.size
            mean = float(values.mean()) if k else math.nan
            sd = float(values.std(ddof=1)) if k > 1 else (0.0 if k == 1 else math.nan)
            half = 1.96 * sd / math.sqrt(k) if k else math.nan
            q = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95]) if k else [math.nan] * 5
            rows.append({**dict(zip(by, key, strict=True)), "metric": metric, "runs": k,
                         "mean": mean, "sd": sd, "ci95_low": mean - half,
                         "ci95_high": mean + half, "q05": q[0], "q25": q[1], "median": q[2],
                         "q75": q[3], "q95": q[4], "failed": len(failed),
                         "error": first_error})
    return pd.DataFrame(rows)
