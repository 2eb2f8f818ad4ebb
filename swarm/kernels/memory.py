"""Memory helpers for kernels whose rounds are random accesses to large per-node rows
(anti-entropy's stores, aggregation's values): a prefetch hint and large arrays backed by
transparent huge pages. Neither changes a result; both only change how fast rows arrive.

Why (issue 15, benchmarks/issue15_protocols.md): a merge of one random row reads and writes
a few cache lines and then does ~100 instructions, so the out-of-order core has about one
merge in flight and every merge waits one full memory latency (~200 ns here, measured).
Prefetching the rows of the message ``AHEAD`` places later keeps several merges' lines in
flight; with 4 KiB pages most of those prefetches also miss the TLB (64 MiB per array at
10^6 nodes x 16 keys), which huge pages remove.
"""

from __future__ import annotations

import mmap

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["prefetch", "large_array", "HUGE_BYTES", "AHEAD"]

#: how many messages ahead a receive loop prefetches the rows it will touch (8 to 32 measured
#: alike for anti-entropy at 10^6 nodes x 16 keys; 0 was 2.8x slower)
AHEAD = 12

#: arrays at least this large are mapped with MADV_HUGEPAGE (smaller ones gain nothing)
HUGE_BYTES = 4 * 2**20


@intrinsic
def prefetch(typingctx, arr, idx):  # type: ignore[no-untyped-def]
    """A hint to the cache: start loading the line of ``arr[idx]`` — ``idx`` an integer (the
    first element of row ``idx`` of an array of any rank) or a tuple of ``arr.ndim``
    integers. No effect on any value and no bounds check: the address is only computed
    (``llvm.prefetch``, read, high locality). Receive loops call it for the rows of a message
    a few messages ahead, so that the cache misses of a batch in random order overlap
    instead of queueing one after the other."""
    if not isinstance(arr, types.Array):
        return None
    if isinstance(idx, types.Integer):
        count, itys = 1, [idx]
    elif isinstance(idx, types.BaseTuple) and len(idx) == arr.ndim and all(
            isinstance(x, types.Integer) for x in idx):
        count, itys = len(idx), list(idx)
    else:
        return None

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        raw = [args[1]] if count == 1 else cgutils.unpack_tuple(builder, args[1], count)
        inds = [context.cast(builder, v, t, types.intp) for v, t in zip(raw, itys, strict=True)]
        zero = context.get_constant(types.intp, 0)
        inds += [zero] * (aryty.ndim - len(inds))
        ptr = cgutils.get_item_pointer2(
            context, builder, data=ary.data, shape=cgutils.unpack_tuple(builder, ary.shape),
            strides=cgutils.unpack_tuple(builder, ary.strides), layout=aryty.layout,
            inds=inds, wraparound=False, boundscheck=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, 0),
                          ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(arr, idx), codegen


def large_array(shape: tuple[int, ...], dtype: type | np.dtype, fill: object) -> np.ndarray:
    """A C-contiguous array of ``shape`` filled with ``fill`` (a scalar, or an array it is
    a copy of). From ``HUGE_BYTES`` on (and
    where the OS offers it) it lives in a private anonymous mapping advised
    ``MADV_HUGEPAGE``: page-aligned, so rows of 64 bytes sit in one cache line each, and
    backed by 2 MiB pages where the kernel has them. Otherwise a plain numpy array. Either
    way an ordinary writable ndarray (copies and pickles are plain arrays)."""
    dt = np.dtype(dtype)
    count = int(np.prod(shape))
    nbytes = count * dt.itemsize
    if nbytes < HUGE_BYTES or not hasattr(mmap, "MADV_HUGEPAGE"):
        out = np.empty(shape, dt)
        out[...] = fill
        return out
    mapping = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    try:
        mapping.madvise(mmap.MADV_HUGEPAGE)
    except OSError:  # advice refused: the mapping still works with small pages
        pass
    out = np.frombuffer(mapping, dtype=dt, count=count).reshape(shape)
    if not (np.isscalar(fill) and fill == 0):  # an anonymous mapping reads as zeros
        out[...] = fill
    return out
