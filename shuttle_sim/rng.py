"""Named random streams for one replication (common random numbers).

Every stochastic source and entity draws from its own ``numpy.random.Generator``,
derived from ``SeedSequence([root_seed, replication, source_id, index])`` where
``source_id`` is a stable hash of the source's name and ``index`` the entity's number.
Names say what an entity *is*, never where it stands in a list, so that the variants a
study compares (one more tanker, another berth, another site) share every draw they can
(common random numbers):

* tanker ``j`` of class ``C``: ``tanker/C`` (voyage durations), ``tanker_failures/C``,
  ``dry_dock/C`` (the phase of its survey cycle), index ``j``;
* berth ``j`` of the load or discharge port: ``load_berth_failures`` /
  ``discharge_berth_failures``, index ``j``; other traffic by port role;
* weather by site name (``weather_calm/SITE`` ...), storms by their origin;
* ferry ``i``: ``ferry``, ``ferry_failures``, ``dry_dock/ferry``; supply, offtake and
  stress events by their own names.

Adding a tanker therefore shifts neither the weather nor any other tanker's draws, and
replication ``r`` of seed ``s`` is the same whichever worker runs it.  There is no global random state anywhere in the package.
"""

from __future__ import annotations

import itertools
import zlib

import numpy as np


def source_id(name: str) -> int:
    """A stable 32-bit number for a stream name (the same on every machine and run)."""
    return zlib.crc32(name.encode("utf-8"))


_WORD = 2**32


def _entropy(words: tuple[int, ...]):
    """``words`` as SeedSequence entropy.  SeedSequence turns a list of ints into 32-bit
    words, one per int below 2**32, one by one; a uint32 array of the same words is taken
    as it is: the same pool, the same streams (``tests/test_crn.py``), and a generator in
    ~10.5 µs instead of ~13.4 (about 38 a replication).  An int of 2**32 or more spans
    several words: the list form then."""
    if all(0 <= w < _WORD for w in words):
        return np.array(words, dtype=np.uint32)
    return list(words)


class Streams:
    """Factory of named generators for one (root seed, replication) pair."""

    def __init__(self, root_seed: int, replication: int = 0) -> None:
        if root_seed < 0 or replication < 0:
            raise ValueError(f"expected seed and replication >= 0, found {root_seed}, {replication}")
        self.root_seed = int(root_seed)
        self.replication = int(replication)

    def generator(self, name: str, index: int = 0) -> np.random.Generator:
        """The numpy generator of source ``name``, entity ``index``; a fresh one each call."""
        words = (self.root_seed, self.replication, source_id(name), int(index))
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(_entropy(words))))

    def get(self, name: str, index: int = 0) -> "Stream":
        """The scalar stream of source ``name``, entity ``index`` (see :class:`Stream`)."""
        return Stream(self.generator(name, index))


class Stream:
    """One named stream, drawing numpy blocks and handing out scalars cheaply.

    A numpy call per scalar costs about a microsecond; the model draws a few per port
    call, so this wrapper draws blocks of ``block`` values per kind (uniform, standard
    normal, standard exponential) and serves them in order.  The values depend only on
    the stream's seed and the sequence of calls, so runs stay bit-identical.

    ``random``, ``standard_normal`` and ``standard_exponential`` are the ``__next__``
    of an endless chain of blocks: a scalar draw is one C call, and a block is drawn
    from the generator the moment the previous one of its kind runs out.
    """

    __slots__ = ("gen", "random", "standard_normal", "standard_exponential")

    def __init__(self, gen: np.random.Generator, block: int = 256) -> None:
        self.gen = gen
        #: Uniform on [0, 1).
        self.random = _chain(gen.random, block)
        self.standard_normal = _chain(gen.standard_normal, block)
        self.standard_exponential = _chain(gen.standard_exponential, block)

    def standard_gamma(self, shape: float) -> float:
        return float(self.gen.standard_gamma(shape))

    def integers(self, n: int) -> int:
        """Uniform on {0, ..., n-1}."""
        return min(int(self.random() * n), n - 1)


def _chain(draw, block: int):
    """``__next__`` of the endless sequence ``draw(block)``, ``draw(block)``, ... flattened."""
    blocks = map(lambda _: draw(block).tolist(), itertools.repeat(None))
    return itertools.chain.from_iterable(blocks).__next__
