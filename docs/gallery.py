"""Write docs/gallery.md (one section per lesson: its paragraph, how to open it, its
screenshot) and docs/gallery/runs.png (each lesson's run in numbers, matplotlib).

    python docs/gallery.py                 # both, in docs/
    python docs/gallery.py --out DIR       # elsewhere (the test writes to a temporary dir)

The screenshots (docs/gallery/NAME.png) come from the browser test:
``SWARM_GALLERY_DIR=docs/gallery pytest tests/dashboard/test_lessons_browser.py -m browser``.
The text of every section is the lesson's own (swarm/lessons/NAME.toml), so the page cannot
drift from the lessons: tests/unit/test_gallery.py checks docs/gallery.md is what this
script writes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

import swarm
from swarm import theory
from swarm.lessons import LESSONS, lesson

DOCS = Path(__file__).resolve().parent

HEAD = """# Gallery: the lessons

Five ready lessons, each a scenario with a fault timeline and a paragraph saying what to
watch, what the numbers mean and which paper it comes from. Open one in the dashboard
(`swarm dashboard`, then the address below, or the **lesson** select on the page) or run it
at the command line: `swarm lesson` lists them, `swarm lesson NAME` prints the paragraph
and runs it as `swarm simulate` does (its options override the lesson, e.g.
`--set protocol.mode=ap`), `swarm lesson NAME --toml` prints its scenario file to copy and
change. In Python: `swarm.lessons.lesson("heal").scenario`. The lesson files are
`swarm/lessons/*.toml`; what each paragraph claims is tested (`tests/unit/test_lessons.py`).

The screenshots are the dashboard at the round named under each, taken in headless
Chromium by `tests/dashboard/test_lessons_browser.py`; this page and the figure at the end
are written by `python docs/gallery.py`.
"""

#: the browser test that takes the screenshots; its MOMENT says the round each one shows
from_test = "tests/dashboard/test_lessons_browser.py"


def markdown(moments: dict[str, int]) -> str:
    parts = [HEAD]
    for name, item in LESSONS.items():
        parts.append(f"""## {item.title}

{item.text}

*{item.paper}*

```bash
swarm lesson {name}
```

Dashboard: `http://127.0.0.1:8765/?lesson={name}`

![the {name} lesson at round {moments[name]}](gallery/{name}.png)

*The dashboard at round {moments[name]}.*
""")
    parts.append("""## The runs in numbers

![each lesson's run](gallery/runs.png)

Each lesson's run on the kernel path (`swarm.simulate(lesson(NAME).scenario)`), with the
comparison its paragraph asks for: the rumour against the mean-field curve; the coverage
across the split and the heal; SWIM's agreement and suspicions; the register's availability
per round in cp and ap mode; the true update's coverage and the forged value's acceptance
with quorum 3 and quorum 1.
""")
    return "\n".join(parts)


def figure(path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 5, figsize=(18, 3.4))
    run = swarm.simulate(lesson("rumour").scenario)
    r = run.rounds
    ax = axes[0]
    ax.plot(r["round"], r["coverage"], label="push, n = 5,000")
    ax.plot(r["round"], 1 - theory.mean_field_trajectory("push", 5000, len(r) - 1), "--",
            color="grey", label="mean field")
    ax.axvline(theory.pittel_push_rounds(5000), color="grey", lw=0.8, ls=":")
    ax.set_title("rumour: coverage", fontsize="medium")

    r = swarm.simulate(lesson("heal").scenario).rounds
    ax = axes[1]
    ax.plot(r["round"], r["coverage"], label="coverage")
    ax.axvspan(1, 20.5, color="#D55E00", alpha=0.12, label="split")
    ax.set_title("heal: coverage across the split", fontsize="medium")

    r = swarm.simulate(lesson("swim").scenario).rounds
    ax = axes[2]
    ax.plot(r["round"], r["agreement"], label="agreement")
    ax2 = ax.twinx()
    ax2.plot(r["round"], r["suspects"], color="#CC79A7", label="suspects")
    ax2.set_ylabel("suspicion entries", fontsize="small")
    ax.axvline(10, color="grey", lw=0.8, ls=":")
    ax.set_title("swim: agreement, suspects (right)", fontsize="medium")

    ax = axes[3]
    cap = lesson("cap").scenario
    for mode in ("cp", "ap"):
        r = swarm.simulate(cap.replace({"protocol.mode": mode})).rounds
        served = r["served"].rolling(3, min_periods=1).sum()
        ops = r["ops"].rolling(3, min_periods=1).sum()
        ax.plot(r["round"], np.where(ops > 0, served / ops.where(ops > 0), np.nan),
                label=mode)
    ax.axvspan(11, 30.5, color="#D55E00", alpha=0.12)
    ax.axhline(theory.cp_availability([1200, 800], 2000), color="grey", lw=0.8, ls="--")
    ax.set_xlim(0, 45)
    ax.set_title("cap: availability (3-round mean)", fontsize="medium")

    ax = axes[4]
    liar = lesson("liar").scenario
    for q in (3, 1):
        r = swarm.simulate(liar.replace({"protocol.quorum": q})).rounds
        line, = ax.plot(r["round"], r["coverage"], label=f"quorum {q}: true")
        ax.plot(r["round"], r["false_acceptance"], ls="--", color=line.get_color(),
                label=f"quorum {q}: forged")
    ax.set_title("liar: honest nodes holding each value", fontsize="medium")
    for ax in axes:
        ax.set_xlabel("round")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="x-small", loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def moments() -> dict[str, int]:
    """MOMENT of the browser test, read from its source (importing it needs playwright)."""
    import ast

    source = (DOCS.parent / from_test).read_text()
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(getattr(t, "id", "") == "MOMENT" for t in targets):
                return ast.literal_eval(node.value)
    raise SystemExit(f"MOMENT not found in {from_test}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOCS,
                        help="folder for gallery.md and gallery/runs.png (default docs/)")
    args = parser.parse_args(argv)
    (args.out / "gallery").mkdir(parents=True, exist_ok=True)
    (args.out / "gallery.md").write_text(markdown(moments()))
    png = figure(args.out / "gallery" / "runs.png")
    print(f"wrote {args.out / 'gallery.md'} and {png}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
