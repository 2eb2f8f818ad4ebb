"""Messages in flight: a struct of arrays.

Every message of a round, request or reply, is one entry: ``src`` and ``dst`` node ids
(int32), the protocol's ``kind`` code (uint8) and ``update`` (bool: the message carries an
update its receiver may not have; these are the messages counted as useful or redundant).
"""

from __future__ import annotations

import numpy as np

__all__ = ["Messages", "MessageBuffer"]


class Messages:
    """A batch of messages; arrays of equal length, in send order."""

    __slots__ = ("src", "dst", "kind", "update")

    def __init__(
        self, src: np.ndarray, dst: np.ndarray, kind: np.ndarray, update: np.ndarray
    ) -> None:
        self.src = src
        self.dst = dst
        self.kind = kind
        self.update = update

    @classmethod
    def empty(cls) -> Messages:
        return cls(
            np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0, np.uint8),
            np.empty(0, np.bool_),
        )

    @classmethod
    def from_lists(
        cls, src: list[int], dst: list[int], kind: list[int], update: list[bool]
    ) -> Messages:
        return cls(
            np.array(src, dtype=np.int32), np.array(dst, dtype=np.int32),
            np.array(kind, dtype=np.uint8), np.array(update, dtype=np.bool_),
        )

    def __len__(self) -> int:
        return int(self.src.shape[0])

    def prefix(self, m: int) -> Messages:
        """The first ``m`` messages (views)."""
        return Messages(self.src[:m], self.dst[:m], self.kind[:m], self.update[:m])

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self.src, self.dst, self.kind, self.update

    def select(self, mask: np.ndarray) -> Messages:
        """The messages where ``mask`` is true, order kept."""
        return Messages(self.src[mask], self.dst[mask], self.kind[mask], self.update[mask])

    def __repr__(self) -> str:
        return f"Messages({len(self)})"


class MessageBuffer:
    """Reusable arrays for a kernel to write one batch into, grown as needed.

    Kernels on the fast path fill a buffer and the batch is a view of its first ``m``
    entries, valid until the same buffer is filled again (the next round): a 10^7-node round
    then allocates nothing.
    """

    __slots__ = ("src", "dst", "kind", "update", "flag")

    def __init__(self) -> None:
        self.src = np.empty(0, np.int32)
        self.dst = np.empty(0, np.int32)
        self.kind = np.empty(0, np.uint8)
        self.update = np.empty(0, np.bool_)
        self.flag = np.empty(0, np.bool_)

    def reserve(self, capacity: int) -> MessageBuffer:
        if self.src.shape[0] < capacity:
            self.src = np.empty(capacity, np.int32)
            self.dst = np.empty(capacity, np.int32)
            self.kind = np.empty(capacity, np.uint8)
            self.update = np.empty(capacity, np.bool_)
            self.flag = np.empty(capacity, np.bool_)
        return self

    def view(self, m: int) -> Messages:
        return Messages(self.src[:m], self.dst[:m], self.kind[:m], self.update[:m])
