"""Published numbers the simulator is held to, exactly as printed (strings: the number of
digits printed is part of the value, it fixes the rounding allowance).

[Demers87] A. Demers et al., "Epidemic algorithms for replicated database maintenance",
PODC 1987; Tables 1 and 2 as printed in the CSL-89-1 reprint (Xerox PARC, January 1989, p.
10): n = 1000 sites, push rumour mongering, columns (residue s, traffic m, t_ave, t_last),
rows k = 1..5.
"""

from __future__ import annotations

__all__ = ["DEMERS_COLUMNS", "DEMERS_TABLE1", "DEMERS_TABLE2", "DEMERS_TABLE3"]

DEMERS_COLUMNS = ("residue", "traffic", "t_avg", "t_last")

#: Table 1: push, feedback, counter
DEMERS_TABLE1 = {
    1: ("0.18", "1.7", "11.0", "16.8"),
    2: ("0.037", "3.3", "12.1", "16.9"),
    3: ("0.011", "4.5", "12.5", "17.4"),
    4: ("0.0036", "5.6", "12.7", "17.5"),
    5: ("0.0012", "6.7", "12.8", "17.7"),
}

#: Table 2: push, blind, coin
DEMERS_TABLE2 = {
    1: ("0.96", "0.04", "19", "38"),
    2: ("0.20", "1.6", "17", "33"),
    3: ("0.060", "2.8", "15", "32"),
    4: ("0.021", "3.9", "14.1", "32"),
    5: ("0.008", "4.9", "13.8", "32"),
}

#: Table 3: pull, feedback, counter — values as recalled from the PODC'87 version, NOT checked
#: against a copy of the paper (the reprint page with it was not available): verify them.
DEMERS_TABLE3 = {
    1: ("0.031", "2.7", "9.97", "17.63"),
    2: ("0.00058", "4.5", "10.07", "15.39"),
    3: ("0.000004", "6.1", "10.08", "14.00"),
}
