"""Lessons on the page, in-process: ``?lesson=NAME`` (through ``settings_from_query``) and the
lesson select open a lesson's scenario and show its paragraph; a lesson is a name, never a
path, and the other keys of the address are still checked by ``refuse_server_files``."""

from __future__ import annotations

import ipyvuetify as v
import pytest
from page_harness import render_page, reset_page_state

from dashboards import app, lessons
from swarm.lessons import LESSONS, lesson


@pytest.fixture(autouse=True)
def fresh_state():
    reset_page_state()
    yield


def text_of(widget) -> str:
    """Every string under a widget: its children's text and Markdown's rendered HTML."""
    template = getattr(widget, "template", None)
    out = [template if isinstance(template, str) else ""]
    for child in getattr(widget, "children", None) or []:
        out.append(child if isinstance(child, str) else text_of(child))
    return " ".join(out)


def lesson_cards(rc) -> list:
    return [w for w in rc.find(v.Card).widgets if "swarm-lesson" in w.class_.split()]


@pytest.mark.parametrize("name", list(LESSONS))
def test_the_address_opens_a_lesson(name):
    app.settings_from_query(f"lesson={name}")
    assert app.error.value == ""
    assert app.Scenario.from_dict(app.settings.value) == lesson(name).scenario
    assert lessons.lesson_name.value == name


def test_other_keys_of_the_address_override_the_lesson():
    app.settings_from_query("lesson=cap&protocol.mode=ap&seed=9")
    assert app.error.value == ""
    expect = lesson("cap").scenario.replace({"protocol.mode": "ap", "seed": 9})
    assert app.Scenario.from_dict(app.settings.value) == expect


@pytest.mark.parametrize("bad", ["hael", "../swarm/lessons/heal", "/etc/passwd", "heal.toml"])
def test_a_lesson_is_a_name_never_a_path(bad):
    app.settings_from_query(f"lesson={bad}")
    assert app.error.value.startswith(f"lesson = {bad!r}: must be one of rumour, heal")
    assert app.settings.value == app.Scenario.from_dict(app.DEFAULT_SCENARIO).to_dict()
    assert lessons.lesson_name.value == ""


def test_a_lesson_does_not_lift_the_file_rule():
    app.settings_from_query("lesson=heal&topology=edgelist&topology.path=/etc/passwd")
    assert "names a file" in app.error.value or "reads a file" in app.error.value
    assert app.Scenario.from_dict(app.settings.value) == lesson("heal").scenario


def test_the_page_shows_the_lesson_and_the_select_opens_another():
    app.settings_from_query("lesson=swim")
    box, rc = render_page()
    assert app.live.value.scenario == lesson("swim").scenario
    (card,) = lesson_cards(rc)
    text = text_of(card)
    assert LESSONS["swim"].title in text and LESSONS["swim"].text[:50] in text
    picker = rc.find(v.Select, label="lesson").widget
    assert picker.v_model == LESSONS["swim"].title
    picker.v_model = LESSONS["liar"].title
    assert app.live.value.scenario == lesson("liar").scenario
    assert lessons.lesson_name.value == "liar" and app.error.value == ""
    assert LESSONS["liar"].title in text_of(lesson_cards(rc)[0])
    picker.v_model = lessons.NO_LESSON
    assert lesson_cards(rc) == []
    assert app.live.value.scenario == lesson("liar").scenario  # the run goes on
