"""The Byzantine behaviour codes of ``state.byzantine`` (0: honest), read by the kernels.

The ``byzantine`` fault (``swarm.faults.byzantine``) writes them; each protocol's kernel and
agent rule act on the ones it implements. They live here, in the kernel layer, so a kernel
needs nothing of the package but other kernels (docs/design.md, layers).
"""

BEHAVIOURS = ("forge", "equivocate", "censor", "accuse")
#: the codes in ``state.byzantine``: ``BEHAVIOURS`` index + 1
FORGE, EQUIVOCATE, CENSOR, ACCUSE = 1, 2, 3, 4
