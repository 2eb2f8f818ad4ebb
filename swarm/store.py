"""Parquet with provenance: a run's round frame, its summary, scenario and versions.

One file per run: the table is ``Run.rounds``; the schema metadata key ``swarm`` holds JSON
with the scenario (flat dotted dict), summary, engine, run id, seed, the topology the run ran
on (name, nodes, edges and the sha256 of its CSR arrays) and the versions of
swarm, numpy, numba, mesa, pandas, pyarrow, Python and the git commit, when known. Files are
written to a temporary name and renamed, so a reader never sees half a file.

A file that cannot be written (a folder that is read-only, full, not a folder, or not
writable by this user) is a :class:`~swarm.errors.ConfigError` on the field ``out`` naming
the path and the OS reason, e.g. ``out = 'data/r.parquet': cannot be written (No space left on
device)``; the temporary file is removed and a file already at ``path`` is left as it was.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import json
import os
import platform
import re
import subprocess
import tempfile
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from swarm.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["run_id", "versions", "write_frame", "read_frame", "check_writable"]

METADATA_KEY = b"swarm"


def run_id(scenario_dict: dict[str, Any]) -> str:
    """A stable id for (scenario, seed): the hash of the canonical flat dict."""
    text = json.dumps(scenario_dict, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@functools.cache
def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for dist in ("swarm", "numpy", "numba", "mesa", "pandas", "pyarrow"):
        try:
            out[dist] = importlib_metadata.version(dist)
        except importlib_metadata.PackageNotFoundError:
            out[dist] = None
    out["git"] = _git_commit()
    return out


def _git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    commit = done.stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=here, capture_output=True,
        text=True, timeout=5,
    )
    return commit + ("-dirty" if dirty.returncode == 0 and dirty.stdout.strip() else "")


def os_reason(exc: OSError) -> str:
    """The OS's words for an error (``No space left on device``), also for pyarrow's
    OSErrors, whose message wraps the errno (``... Detail: [errno 28] ...``)."""
    if isinstance(exc, FileExistsError):  # mkdir of a folder where a file is
        return os.strerror(errno.ENOTDIR)
    found = re.search(r"\[errno (\d+)\]", str(exc), flags=re.IGNORECASE)
    if found:
        return os.strerror(int(found.group(1)))
    if exc.errno:
        return os.strerror(exc.errno)
    return exc.strerror or str(exc).splitlines()[0]


def unwritable(path: str | Path, exc: OSError) -> ConfigError:
    """The error for a path that cannot be written: field ``out``, the path, the reason."""
    return ConfigError("out", str(path), f"cannot be written ({os_reason(exc)})")


def check_writable(path: str | Path) -> None:
    """Refuse, before any work, a file path whose folder cannot be made or written: the
    ConfigError :func:`write_frame` would raise later, after the work was done."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".probe"):
            pass
    except OSError as exc:
        raise unwritable(path, exc) from None


def write_frame(path: str | Path, frame: pd.DataFrame, meta: dict[str, Any]) -> Path:
    """Write ``frame`` with ``meta`` (JSON-able) as Parquet, atomically; a path that cannot
    be written is a ConfigError (see the module docstring)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    schema_meta = dict(table.schema.metadata or {})
    schema_meta[METADATA_KEY] = json.dumps(meta, sort_keys=True).encode("utf-8")
    table = table.replace_schema_metadata(schema_meta)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise unwritable(path, exc) from None
    return path


def read_frame(path: str | Path, field: str = "path") -> tuple[pd.DataFrame, dict[str, Any]]:
    """The frame and the metadata written by :func:`write_frame`. A file that cannot be
    read, is not Parquet (or is cut short) or was not written by swarm is a ConfigError on
    ``field`` naming the path."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except OSError as exc:  # missing, a directory, unreadable
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(field, str(path), f"cannot be read ({reason})") from None
    except pa.ArrowInvalid:
        raise ConfigError(field, str(path), "is not a Parquet file, or is truncated (its "
                          "footer is missing or damaged)") from None
    raw = (table.schema.metadata or {}).get(METADATA_KEY)
    if raw is None:
        raise ConfigError(field, str(path), "is a Parquet file swarm did not write (no "
                          "'swarm' metadata)")
    try:
        return table.to_pandas(), json.loads(raw)
    except ValueError:  # json.JSONDecodeError
        raise ConfigError(field, str(path), "has damaged 'swarm' metadata (not JSON)") from None
