"""How a server process's C heap (glibc's malloc) hands memory back to the system.

Measured with benchmarks/memory.py (issue 16): a gunicorn worker grew from ~260 to ~290 MB PSS
between 1,000 and 3,000 mixed requests while the memory Python and the caches held stayed
level (mallinfo2: ~115 MB in use throughout; up to 70 MB free inside malloc's heaps, not given
back). The growth was the allocator keeping freed memory, in three ways, each fixed here:
- one arena per thread, up to 8 per core: 32 threads scatter their short-lived buffers over
  16 heaps that each keep their free pages. Two arenas keep most of it in two heaps;
- a dynamic mmap threshold: once a large block (a response body, a query's chunk) is freed,
  glibc raises the threshold to its size, and every later block of that size comes from the
  heap, where freeing it leaves a hole. A fixed threshold keeps large blocks in their own
  mappings, returned to the system on free;
- the heap is shrunk only from its top: malloc_trim(0) also returns whole free pages inside it.
Each measured on its own (worker PSS after 3,000 requests / growth since 1,000; the shared
machine moves these by ~5 MB): none 288-300 / +33; trims alone 268 / +29; with the fixed
threshold 253 / +17; and two arenas 232 / +6, or 241 / +9 without the trims; with all three
but the default arenas 227-238 / +9 to +18. The workers' CPU time for the 3,000 requests was
the same with and without them (50-51 s), and interleaved load.py runs showed no slower API.
Elsewhere (musl, macOS) nothing is done: each function says whether it did anything.
"""
from __future__ import annotations

import ctypes
import itertools

# mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8

ARENA_MAX = 2
MMAP_THRESHOLD = 256 * 1024   # blocks this large or larger get their own mapping
TRIM_EVERY = 100              # requests per worker between trims: a trim takes ~1 ms, up to ~10


def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


_LIBC = _glibc()
_requests = itertools.count(1)   # next() on it is atomic under the GIL: safe across a worker's threads


def tune() -> bool:
    """Two arenas and a fixed mmap threshold, for this process and the ones it forks. Called in
    gunicorn's master before it imports the app, so the preloaded heap is laid out this way too
    and no thread has made an arena yet. True when both were applied."""
    if _LIBC is None:
        return False
    return bool(_LIBC.mallopt(M_ARENA_MAX, ARENA_MAX)) & bool(_LIBC.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def trim() -> bool:
    """Free pages anywhere in malloc's heaps back to the system. True when some were."""
    return bool(_LIBC.malloc_trim(0)) if _LIBC is not None else False


def trim_now_and_then() -> bool:
    """trim() once every TRIM_EVERY calls (one per request): True when this call trimmed."""
    if next(_requests) % TRIM_EVERY:
        return False
    trim()
    return True
