"""Lessons on the page: ``?lesson=NAME`` and the lesson select open one of
``swarm.lessons.LESSONS`` (a preset on the server, chosen by name, never a path); its title,
paragraph and citation are shown above the live view.

``app.py`` wires it in: :func:`lesson_settings` inside ``settings_from_query``,
:func:`LessonPicker` in the left column and :func:`LessonText` above the live view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from swarm.lessons import LESSONS, lesson

__all__ = ["lesson_name", "lesson_settings", "LessonPicker", "LessonText", "NO_LESSON"]

NO_LESSON = "(none)"
#: the lesson open on this tab ("" for none); one value per browser tab, as in app.py
lesson_name = solara.reactive("")


def lesson_settings(name: str) -> dict[str, Any]:
    """The flat scenario of lesson ``name`` (a ConfigError naming the lessons if there is
    none of that name), and mark it open on the page."""
    scenario = lesson(name).scenario
    lesson_name.value = name
    return scenario.to_dict()


@solara.component
def LessonPicker(on_open: Callable[[dict[str, Any]], None]):
    """A select of the lessons; choosing one calls ``on_open`` with its flat scenario."""

    def choose(title: str) -> None:
        name = next((k for k, v in LESSONS.items() if v.title == title), "")
        if not name:
            lesson_name.value = ""
            return
        on_open(lesson_settings(name))

    titles = [NO_LESSON, *(item.title for item in LESSONS.values())]
    current = LESSONS[lesson_name.value].title if lesson_name.value in LESSONS else NO_LESSON
    solara.Select(label="lesson", values=titles, value=current, on_value=choose)


@solara.component
def LessonText():
    """The open lesson's title, paragraph and citation (nothing when none is open)."""
    if lesson_name.value not in LESSONS:
        return
    item = LESSONS[lesson_name.value]
    with solara.Card(item.title, classes=["swarm-lesson"],
                     style={"max-width": "1080px"}):
        solara.Markdown(item.text)
        solara.Markdown(f"*{item.paper}*  \n`swarm lesson {item.name}` runs it from the "
                        "command line.")
