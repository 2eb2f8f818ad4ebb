"""Build the API reference: static HTML rendered from the docstrings by pdoc, offline.

    .venv/bin/python scripts/api_docs.py               # into build/api (git-ignored)
    .venv/bin/python scripts/api_docs.py --out DIR

Every module of the ``swarm`` package is documented (``pkgutil.walk_packages``; pdoc alone
follows only the names in ``swarm.__all__``), plus ``dashboards.session`` (the live run, the
one dashboard module scripts and notebooks use). The pages need no network: pdoc's
templates inline their CSS, and math / mermaid (which load scripts from a CDN) stay off.
``tests/unit/test_api_docs.py`` builds it and checks the key pages.
"""

from __future__ import annotations

import argparse
import pkgutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXTRA = ("dashboards.session",)


def modules() -> list[str]:
    """``swarm`` and every module under it, then EXTRA."""
    import swarm

    names = ["swarm"] + sorted(m.name for m in pkgutil.walk_packages(swarm.__path__, "swarm."))
    return [*names, *EXTRA]


def build(out: Path) -> Path:
    import warnings

    import pdoc
    import pdoc.render

    # Mesa's Model and Agent are generic in type variables pdoc cannot resolve (A, M, S);
    # SwarmModel and NodeAgent inherit those annotations. Any other warning still shows.
    warnings.filterwarnings("ignore", category=UserWarning,
                            message=r"Error parsing type annotation .* Import of [AMS] failed")
    # every module is listed, so pdoc meets a package's submodules twice: once by name, once
    # walking the package (it walks those without __all__)
    warnings.filterwarnings("ignore", category=UserWarning,
                            message=r"The module specification .* has already been added")

    pdoc.render.configure(docformat="restructuredtext", math=False, mermaid=False,
                          show_source=False, search=True,
                          footer_text="swarm: gossip, failure detection and Byzantine "
                          "behaviour in large swarms")
    out.mkdir(parents=True, exist_ok=True)
    pdoc.pdoc(*modules(), output_directory=out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "api")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    out = build(args.out)
    print(f"API reference: {out / 'index.html'} ({len(list(out.rglob('*.html')))} pages)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
