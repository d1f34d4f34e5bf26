"""Named random streams for one replication (common random numbers).

Every stochastic source and entity draws from its own ``numpy.random.Generator``,
derived from ``SeedSequence([root_seed, replication, source_id, index])`` where
``source_id`` is a stable hash of the source's name (``"tanker"``, ``"weather"``, ...)
and ``index`` the entity's number.  Adding a tanker therefore shifts neither the
weather nor any other tanker's draws, and replication ``r`` of seed ``s`` is the same
whichever worker runs it.  There is no global random state anywhere in the package.
"""

from __future__ import annotations

import zlib

import numpy as np


def source_id(name: str) -> int:
    """A stable 32-bit number for a stream name (the same on every machine and run)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Factory of named generators for one (root seed, replication) pair."""

    def __init__(self, root_seed: int, replication: int = 0) -> None:
        if root_seed < 0 or replication < 0:
            raise ValueError(f"expected seed and replication >= 0, found {root_seed}, {replication}")
        self.root_seed = int(root_seed)
        self.replication = int(replication)

    def get(self, name: str, index: int = 0) -> np.random.Generator:
        """The generator of source ``name``, entity ``index``; a fresh one on each call."""
        seq = np.random.SeedSequence([self.root_seed, self.replication, source_id(name), int(index)])
        return np.random.Generator(np.random.PCG64(seq))
