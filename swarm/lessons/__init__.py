"""Lessons: ready scenarios a teacher opens from the command line or the dashboard, each with
a paragraph saying what to watch, what the numbers mean and which paper it comes from.

    swarm lesson                 # the list
    swarm lesson heal            # the paragraph, then the run (as `swarm simulate`)
    swarm lesson heal --toml     # the scenario file, to copy and change
    http://127.0.0.1:8765/?lesson=heal

A lesson is one file here, ``NAME.toml``: a scenario file (``swarm simulate --scenario``
reads the same keys, timeline included) followed by a ``[lesson]`` table, last in the file,
with ``title``, ``text`` and ``paper``; plus its name in :data:`ORDER`. Its claims are tested
(``tests/unit/test_lessons.py``): the text says only what the run shows.

    >>> from swarm.lessons import lesson
    >>> lesson("rumour").scenario.protocol.name
    'push'
"""

from __future__ import annotations

import textwrap
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from swarm.config import Scenario, flatten_tables, read_toml
from swarm.errors import ConfigError, did_you_mean

__all__ = ["Lesson", "LESSONS", "ORDER", "lesson", "LESSON_DIR"]

LESSON_DIR = Path(__file__).resolve().parent
#: the lessons in teaching order (one line per lesson file)
ORDER = ("rumour", "heal", "swim", "cap", "liar")
_KEYS = ("title", "text", "paper")


@dataclass(frozen=True)
class Lesson:
    """One lesson: its name, title, paragraph, citation and scenario file."""

    name: str
    title: str
    text: str
    paper: str
    path: Path

    @cached_property
    def scenario(self) -> Scenario:
        """The lesson's scenario (built, so checked, on first use)."""
        raw = read_toml(self.path, f"lesson {self.name}")
        raw.pop("lesson", None)
        return Scenario.from_dict(flatten_tables(raw))

    def scenario_toml(self) -> str:
        """The scenario file without its ``[lesson]`` table, the title and paragraph as
        comments on top: what ``swarm simulate --scenario`` reads."""
        body = self.path.read_text(encoding="utf-8")
        body = body[: _lesson_table_start(body)].rstrip() + "\n"
        head = [f"# {self.title} (swarm lesson {self.name})", "#"]
        for paragraph in (self.text, self.paper):
            head += ["# " + line for line in textwrap.wrap(paragraph, 88,
                                                           break_on_hyphens=False)]
            head.append("#")
        head[-1] = ""
        return "\n".join(head) + body


def _lesson_table_start(text: str) -> int:
    for offset, line in _lines(text):
        if line.strip() == "[lesson]":
            return offset
    return len(text)


def _lines(text: str):
    offset = 0
    for line in text.splitlines(keepends=True):
        yield offset, line
        offset += len(line)


def _load(name: str) -> Lesson:
    path = LESSON_DIR / f"{name}.toml"
    raw = read_toml(path, f"lesson {name}")
    table = raw.get("lesson")
    field = f"lesson {name}: [lesson]"
    if not isinstance(table, dict) or sorted(table) != sorted(_KEYS):
        raise ConfigError(field, sorted(table) if isinstance(table, dict) else table,
                          "must be a table with exactly " + ", ".join(_KEYS))
    text = path.read_text(encoding="utf-8")
    rest = tomllib.loads(text[: _lesson_table_start(text)])
    if rest != {k: v for k, v in raw.items() if k != "lesson"}:
        raise ConfigError(field, str(path), "must be the last table of the file")
    return Lesson(name=name, title=table["title"], text=" ".join(table["text"].split()),
                  paper=" ".join(table["paper"].split()), path=path)


#: name -> Lesson, in teaching order (titles and texts read here; scenarios on first use)
LESSONS: dict[str, Lesson] = {name: _load(name) for name in ORDER}


def lesson(name: str) -> Lesson:
    """The lesson called ``name`` (a name from :data:`LESSONS`, never a path)."""
    if not isinstance(name, str) or name not in LESSONS:
        raise ConfigError("lesson", name, "must be one of " + ", ".join(LESSONS)
                          + did_you_mean(name, LESSONS))
    return LESSONS[name]
