"""Colours of node states: the Okabe–Ito palette (Okabe & Ito 2008), which stays distinct
under the common colour-vision deficiencies. A state is coloured by its name, so every
protocol that calls a state "informed" shows it alike; a name not listed takes the next
unused colour of the palette. The legend (:func:`legend_for`) is made from the same table as
the canvas's colours (:func:`colours_for`), so every colour drawn has its entry."""

from __future__ import annotations

from dashboards.session import BYZANTINE, DOWN, DOWN_BELIEFS

__all__ = ["OKABE_ITO", "STATE_COLOURS", "DOWN_COLOUR", "BYZANTINE_COLOUR", "colours_for",
           "legend_for"]

OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
             "#999999")

STATE_COLOURS = {
    # dissemination: who has heard; rumour mongering: who still spreads
    "susceptible": "#56B4E9",   # sky blue
    "informed": "#E69F00",      # orange
    "infective": "#D55E00",     # vermillion
    "removed": "#0072B2",       # blue
    # anti-entropy
    "behind": "#56B4E9",
    "up to date": "#009E73",    # bluish green
    # register: a value off the newest value's history (last-writer-wins will overwrite it)
    "diverged": "#D55E00",
    # failure detection (swim, heartbeat): how the live members see a node
    "trusted": "#009E73",
    "suspected": "#F0E442",     # yellow
    "declared dead": "#D55E00",
    "declared failed": "#D55E00",
    # ... and how they see a node that is down (darker: it is gone; grey once all know it)
    "down · suspected": "#8C7A00",     # dark yellow
    "down · dead to some": "#8B3A00",  # dark vermillion
    "down · dead to all": "#999999",   # grey: every live tracker holds it dead
    # aggregation: how far a node's estimate is from the true mean
    "off by > 10%": "#D55E00",
    "off by 1-10%": "#F0E442",
    "within 1%": "#009E73",
    # agreement
    "opinion 0": "#0072B2",
    "opinion 1": "#E69F00",
}
BYZANTINE_COLOUR = "#CC79A7"  # reddish purple: a live node that lies (the byzantine fault)
DOWN_COLOUR = "#000000"  # a node that is down (crashed, churned out)


def colours_for(node_states: tuple[str, ...], detector: bool = False) -> dict[str, str]:
    """``{code: "#rrggbb"}`` for a protocol's states (codes as strings: JSON keys),
    ``BYZANTINE`` and ``DOWN`` (and a failure ``detector``'s ``DOWN_BELIEFS``)."""
    used = {STATE_COLOURS[name] for name in node_states if name in STATE_COLOURS}
    used.add(BYZANTINE_COLOUR)
    spare = [c for c in OKABE_ITO if c not in used]
    out = {}
    for code, name in enumerate(node_states):
        out[str(code)] = STATE_COLOURS.get(name) or (spare.pop(0) if spare else "#999999")
    out[str(BYZANTINE)] = BYZANTINE_COLOUR
    out[str(DOWN)] = DOWN_COLOUR
    if detector:
        out.update({str(code): STATE_COLOURS[name] for code, name in DOWN_BELIEFS.items()})
    return out


def legend_for(node_states: tuple[str, ...], detector: bool = False) -> list[dict[str, str]]:
    """One entry per colour :func:`colours_for` gives: ``{"code", "name", "colour"}``."""
    names = {str(code): name for code, name in enumerate(node_states)}
    names |= {str(BYZANTINE): "byzantine", str(DOWN): "down"}
    names |= {str(code): name for code, name in DOWN_BELIEFS.items()}
    return [{"code": code, "name": names[code], "colour": colour}
            for code, colour in colours_for(node_states, detector).items()]
