"""The folder a sweep writes: Parquet parts, each committed atomically, one writer at a time.

Layout of ``out``::

    part-<first run id>-<runs>-<tag>.parquet          a batch's summary rows: the commit record
    rounds/part-<first run id>-<runs>-<tag>.parquet   that batch's round frames (written first)
    .lock                                             held (flock) by the sweep writing; its pid
    .<name>.<pid>.tmp                                 a file being written (never read)

- **A batch is committed by its summary part.** The rounds part is written first, the
  summary part last (each to a temporary name, then renamed); a rounds part counts only if
  the summary part of the same name exists. A kill between the two leaves an orphan rounds
  part that no reader reads and the next writer deletes, so a reader never sees half a run
  and a resume with a different batching never duplicates round rows. (One commit record per
  batch needs no manifest: the rename of one file is the atomic step.)
- **Superseded rows.** Every row carries ``attempt`` (1 for a first run). A failed run run
  again (``retry_failed``) is written as a new row with ``attempt + 1`` in a new part; a
  reader keeps, per ``run_id``, the row with the highest attempt (and that row's round frames
  only), so the store reads duplicate-free at every moment. The writer then rewrites the
  parts holding the old rows without them (each rewrite atomic; a part left empty is deleted,
  summary part first); a kill in the middle leaves rows a reader already ignores, removed on
  the next open.
- **One writer.** :meth:`SweepStore.open` takes an exclusive ``fcntl.flock`` on ``.lock``
  (the OS releases it when the process dies, however it dies) and refuses, with a
  ConfigError naming the holder's pid, if another sweep holds it. Under the lock it deletes
  temporary files, orphan rounds parts and superseded rows left by a killed writer. Readers
  (:func:`read_sweep`) take no lock: every file they read is complete.
- **Write errors** (a folder read-only, full, not a folder) are a ConfigError on ``out``
  with the OS reason; parts already committed stay readable and the temporary file is
  removed (``swarm.store.write_frame``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from swarm.errors import ConfigError
from swarm.store import METADATA_KEY, unwritable, write_frame

if TYPE_CHECKING:
    import pandas as pd

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock, one writer is up to the user
    fcntl = None  # type: ignore[assignment]

__all__ = ["SweepStore", "read_sweep", "sweep_metadata"]

LOCK_NAME = ".lock"
PART_GLOB = "part-*.parquet"


def _parts(folder: Path) -> list[Path]:
    return sorted(folder.glob(PART_GLOB))


def _winners(out: Path) -> tuple[pd.DataFrame, dict[str, set[str]]]:
    """Every committed row that is not superseded, and per part name the run ids whose
    winning row it holds."""
    import pandas as pd
    import pyarrow.parquet as pq

    frames = []
    for path in _parts(out):
        frame = pq.read_table(path).to_pandas()
        frame["_part"] = path.name
        frames.append(frame)
    if not frames:
        return pd.DataFrame(), {}
    rows = pd.concat(frames, ignore_index=True)
    if "attempt" not in rows:
        rows["attempt"] = 1
    rows["attempt"] = rows["attempt"].fillna(1).astype("int64")
    order = rows.sort_values("attempt", kind="stable")
    rows = order.drop_duplicates("run_id", keep="last").sort_index()
    owners: dict[str, set[str]] = {}
    for part, run_ids in rows.groupby("_part")["run_id"]:
        owners[part] = set(run_ids)
    return rows, owners


def read_sweep(out: str | Path, *, rounds: bool = False) -> pd.DataFrame | tuple:
    """Every stored run of the sweep in ``out``, once each (in plan order), and with
    ``rounds=True`` also their round frames. Reads only committed parts (no lock needed)."""
    import pandas as pd
    import pyarrow.parquet as pq

    out = Path(out)
    rows, owners = _winners(out)
    if rows.empty:
        raise FileNotFoundError(f"no sweep results in {out}")
    frame = rows.drop(columns="_part")
    frame = frame.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)
    if not rounds:
        return frame
    round_parts = []
    for path in _parts(out / "rounds"):
        if path.name in owners:  # committed, and holding runs not superseded
            part = pq.read_table(path).to_pandas()
            round_parts.append(part[part["run_id"].isin(owners[path.name])])
    round_frame = (pd.concat(round_parts, ignore_index=True) if round_parts
                   else pd.DataFrame())
    return frame, round_frame


def sweep_metadata(out: str | Path) -> dict[str, Any]:
    """The provenance stored with a sweep's files."""
    import pyarrow.parquet as pq

    first = next(iter(_parts(Path(out))), None)
    if first is None:
        raise FileNotFoundError(f"no sweep results in {out}")
    return json.loads(pq.read_schema(first).metadata[METADATA_KEY])


class SweepStore:
    """The writer's side of a sweep folder (see the module docstring): ``open`` (lock and
    clean up), ``stored`` (the winning row per run id), ``write_batch``, ``compact``,
    ``close`` (unlock). A context manager."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self._lock_fd: int | None = None

    # -- the lock ---------------------------------------------------------------------
    def open(self) -> SweepStore:
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.out / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise unwritable(self.out, exc) from None
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
                os.close(fd)
                raise ConfigError(
                    "out", str(self.out),
                    f"another sweep (pid {holder}) is writing to this folder; wait for it to "
                    "finish, or give another out") from None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
        except OSError as exc:
            os.close(fd)
            raise unwritable(self.out, exc) from None
        self._lock_fd = fd
        try:
            self.clean_up()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._lock_fd, 0)
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    def __enter__(self) -> SweepStore:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading and writing ------------------------------------------------------------
    def stored(self) -> pd.DataFrame:
        """The winning row of every stored run (columns ``run_id``, ``status``,
        ``attempt``); empty if nothing is stored."""
        import pandas as pd

        rows, _ = _winners(self.out)
        if rows.empty:
            return pd.DataFrame({"run_id": [], "status": [], "attempt": []})
        return rows[["run_id", "status", "attempt"]].reset_index(drop=True)

    def write_batch(self, rows: list[dict], rounds: list[pd.DataFrame],
                    meta: dict[str, Any]) -> None:
        """Commit one batch: its rounds part, then its summary part (the commit record)."""
        import pandas as pd

        tag = hashlib.sha256(json.dumps([(r["run_id"], r.get("attempt", 1)) for r in rows])
                             .encode()).hexdigest()[:8]
        name = f"part-{rows[0]['run_id']}-{len(rows)}-{tag}.parquet"
        if rounds:
            write_frame(self.out / "rounds" / name, pd.concat(rounds, ignore_index=True), meta)
        write_frame(self.out / name, pd.DataFrame(rows), meta)

    # -- keeping the folder clean (under the lock) ----------------------------------------
    def clean_up(self) -> None:
        """Delete what a killed writer left: temporary files, orphan rounds parts and
        superseded rows."""
        for folder in (self.out, self.out / "rounds"):
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)
        committed = {p.name for p in _parts(self.out)}
        for path in _parts(self.out / "rounds"):
            if path.name not in committed:
                path.unlink()
        self.compact()

    def compact(self) -> None:
        """Rewrite the parts that hold superseded rows without them (each atomically)."""
        import pyarrow.parquet as pq

        _, owners = _winners(self.out)
        for path in _parts(self.out):
            table = pq.read_table(path)
            keep = owners.get(path.name, set())
            run_ids = table.column("run_id").to_pylist()
            if all(r in keep for r in run_ids):
                continue
            meta = json.loads(table.schema.metadata[METADATA_KEY])
            frame = table.to_pandas()
            frame = frame[frame["run_id"].isin(keep)].reset_index(drop=True)
            rounds_path = self.out / "rounds" / path.name
            if frame.empty:
                path.unlink()  # uncommit first; the rounds part is then an orphan
                rounds_path.unlink(missing_ok=True)
                continue
            write_frame(path, frame, meta)
            if rounds_path.exists():
                rounds = pq.read_table(rounds_path).to_pandas()
                if not rounds["run_id"].isin(keep).all():
                    write_frame(rounds_path,
                                rounds[rounds["run_id"].isin(keep)].reset_index(drop=True), meta)
