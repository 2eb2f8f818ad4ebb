"""Plain-Python references shared by the kernel tests (tests/unit is on sys.path in pytest)."""

from __future__ import annotations


def ref_partners(rng, d, fanout):
    """C2, the documented rule: pick j takes rank floor(u * (d - j)) among the ranks not yet
    taken, one double u per pick from ``rng``."""
    free = list(range(d))
    out = []
    for j in range(min(fanout, d)):
        r = min(int(rng.random() * (d - j)), d - j - 1)
        out.append(free.pop(r))
    return out


def ref_philox4x32(counter, key, rounds=10):
    """Philox4x32 as Salmon et al. (SC 2011) and Random123 define it, in plain Python ints:
    per round (hi, lo) of M0 * c0 and M1 * c2 give (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0),
    then the key is bumped by the Weyl constants."""
    mask = 0xFFFFFFFF
    c0, c1, c2, c3 = counter
    k0, k1 = key
    for _ in range(rounds):
        p0 = 0xD2511F53 * c0
        p1 = 0xCD9E8D57 * c2
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & mask, (p0 >> 32) ^ c3 ^ k1, p0 & mask
        k0, k1 = (k0 + 0x9E3779B9) & mask, (k1 + 0xBB67AE85) & mask
    return c0, c1, c2, c3


def ref_uniform(key, t, node, j, sub=0):
    """swarm's counter layout (swarm.kernels.philox): draw j of node in round t is half
    node % 2 of block (j, node // 2, t, sub), its two words' top 53 bits over 2^53."""
    w = ref_philox4x32((j, node // 2, t, sub), key)
    hi, lo = (w[2], w[3]) if node % 2 else (w[0], w[1])
    return (((hi << 32) | lo) >> 11) / 2.0**53


class RefDraws:
    """``random()`` giving draws 0, 1, ... of one node in one round (ref_partners' rng)."""

    def __init__(self, key, t, node):
        self.key, self.t, self.node, self.j = key, t, node, 0

    def random(self):
        self.j += 1
        return ref_uniform(self.key, self.t, self.node, self.j - 1)
