"""Work shared out to one forked process per core.

Reading files, asking a large DNS batch and judging many sends are each shared out the same
way: the shares are left in this module before the processes fork, so each child inherits
them (nothing is pickled on the way in, however large the DNS answers or sends); only what
each share gives back is pickled. Objects alive at the fork are frozen out of the garbage
collector meanwhile: a child's collection would otherwise write to every inherited object and
so copy the parent's whole heap. Where fork is not available, or the work is too small to pay
for starting processes, the shares run here, one after another.
"""

from __future__ import annotations

import gc
import heapq
import os
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from operator import attrgetter
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
C = TypeVar("C", bound=type)

MAX_WORKERS = 8

_inherited: tuple[Callable[[Any], Any], Sequence[Any]] | None = None
_frozen_depth = 0
_thresholds: list[tuple[int, int, int]] = []  # the collector's own, while a run holds others
YOUNG_COLLECTION = 100_000  # allocations between collections of young objects during a run


@contextmanager
def frozen() -> Iterator[None]:
    """A run's garbage collection: objects alive now are left out of the collector's passes
    until the outermost `frozen` ends, and young objects are collected after 100,000
    allocations instead of 700. A run keeps what it has read until its report is written
    and makes few reference cycles: left in, its objects would be traversed again by every
    collection the later phases trigger (and by a forked child's, copying their pages), and
    the frequent young collections find next to nothing to free."""
    global _frozen_depth
    gc.freeze()
    if _frozen_depth == 0:
        _thresholds.append(gc.get_threshold())
        gc.set_threshold(YOUNG_COLLECTION, *_thresholds[-1][1:])
    _frozen_depth += 1
    try:
        yield
    finally:
        _frozen_depth -= 1
        if _frozen_depth == 0:
            gc.unfreeze()
            gc.set_threshold(*_thresholds.pop())


def handed_back(cls: C) -> C:
    """A frozen dataclass with slots that workers hand back by the thousand (sends, their
    MAIL FROM, the outcome of each): pickled as its fields and rebuilt through its
    constructor. The state dataclasses give such a class is restored by a Python loop that
    looks its fields up again for every object, which made unpickling a run's sends twice
    as slow."""
    names = [item.name for item in fields(cls)]
    values = attrgetter(*names)

    def __reduce__(self: object) -> tuple[type, tuple[object, ...]]:
        return cls, values(self) if len(names) > 1 else (values(self),)

    setattr(cls, "__reduce__", __reduce__)  # noqa: B010  (mypy: a method assigned)
    return cls


def workers(size: int, threshold: int) -> int:
    """How many processes `size` pieces of work get: one per core, or 1 (this process) below
    `threshold`, on one core, or where processes cannot be forked."""
    cores = min(os.cpu_count() or 1, MAX_WORKERS)
    if cores < 2 or size < threshold or not _can_fork():
        return 1
    return cores


def split(items: Sequence[T], shares: int) -> list[Sequence[T]]:
    """`items` in at most `shares` runs of consecutive items, as even as can be."""
    count = max(1, min(shares, len(items)))
    size, extra = divmod(len(items), count)
    runs: list[Sequence[T]] = []
    start = 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        runs.append(items[start:end])
        start = end
    return runs


def grouped(
    items: Sequence[T], shares: int, key: Callable[[T], Hashable], weight: Callable[[T], int]
) -> list[list[T]]:
    """`items` in at most `shares` shares as even in weight as can be, items with the same
    key together (work a process does once per key is then done by one process, not by
    every one), each share in the items' order. A group heavier than an even share is cut
    into runs of consecutive items, so one large group still spreads over every share."""
    if not items:
        return []
    count = max(1, min(shares, len(items)))
    total = sum(weight(item) for item in items)
    even = max(1, -(-total // count))  # the weight of an even share, rounded up
    groups: dict[Hashable, list[int]] = {}
    for index, item in enumerate(items):
        groups.setdefault(key(item), []).append(index)
    pieces: list[tuple[int, list[int]]] = []  # (weight, indexes)
    for indexes in groups.values():
        piece: list[int] = []
        held = 0
        for index in indexes:
            if piece and held + weight(items[index]) > even:
                pieces.append((held, piece))
                piece, held = [], 0
            piece.append(index)
            held += weight(items[index])
        pieces.append((held, piece))
    pieces.sort(key=lambda found: (-found[0], found[1][0]))  # heaviest first, then in order
    lightest = [(0, number) for number in range(count)]
    dealt: list[list[int]] = [[] for _ in range(count)]
    for held, piece in pieces:
        load, number = heapq.heappop(lightest)
        dealt[number].extend(piece)
        heapq.heappush(lightest, (load + held, number))
    return [[items[index] for index in sorted(share)] for share in dealt if share]


def share_out(
    function: Callable[[T], R],
    shares: Sequence[T],
    processes: int,
    meanwhile: Callable[[], object] | None = None,
) -> list[R]:
    """`function` over every share, in order: in `processes` forked processes (each share
    inherited, not pickled), or here when `processes` is 1. `meanwhile` runs here once the
    processes have started (work this process would do next, alone, done while they run);
    not at all when the shares run here."""
    if processes < 2 or len(shares) < 2:
        return [function(share) for share in shares]
    import concurrent.futures
    import multiprocessing

    global _inherited
    _inherited = (function, shares)
    try:
        with frozen():  # the children's collections leave inherited objects alone
            context = multiprocessing.get_context("fork")
            with concurrent.futures.ProcessPoolExecutor(processes, mp_context=context) as pool:
                results = pool.map(_run_share, range(len(shares)))  # every process forked
                if meanwhile is not None:
                    meanwhile()
                return list(results)
    finally:
        _inherited = None


def _run_share(index: int) -> Any:
    assert _inherited is not None, "a share runs only in a process forked by share_out"
    function, shares = _inherited
    return function(shares[index])


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()
