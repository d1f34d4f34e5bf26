"""Design events for storage sizing: a scripted stop of a given length at a random date.

Random outages with a 48 h mean almost never last three weeks, yet DOMAIN.md lists such
stops (BTC 2008 fire, CPC March-April 2022, BTC August-September 2025).  Storage sized
on random outages misses the event that sizes it; a ``stress:`` event places that event
in every replication, at a date drawn from its own stream, so a study answers "survives
a 45-day BTC stop in 9 years of 10".

Event ``i`` draws from stream (``stress``, ``i``): its duration first, then its start
(``at``, default uniform over [warm-up, horizon - duration]).  Nothing else draws from
that stream, so replication r places the event at the same hour in every cell of a
study (common random numbers), whatever the cell's fleet, berths or tanks.
"""

from __future__ import annotations

from ..rng import Streams


def draw(events, streams: Streams, warmup_h: float, horizon_h: float) -> list[tuple[str, float, float, float]]:
    """``(target, start_h, end_h, factor)`` of each stress event for this replication.

    Parameters
    ----------
    events : list of StressEvent
    streams : Streams
        The replication's named streams.
    warmup_h, horizon_h : float
        The measured period; a default start is uniform over [warmup_h, horizon_h - duration]
        (at warmup_h if the event is longer than the period).
    """
    out = []
    for i, ev in enumerate(events):
        rng = streams.get("stress", i)
        length_h = ev.duration.sample(rng)
        if ev.at is not None:
            start_h = ev.at.sample(rng)
        else:
            start_h = warmup_h + max(horizon_h - length_h - warmup_h, 0.0) * rng.random()
        out.append((ev.target, start_h, start_h + length_h, ev.factor))
    return out


def kpis(drawn: list[tuple[str, float, float, float]]) -> dict[str, float]:
    """When each stress event began and how long it lasted (``stress_<i>_start_h``,
    ``stress_<i>_duration_h``), so a study can relate each year's result to its event."""
    out: dict[str, float] = {}
    for i, (_target, a, b, _f) in enumerate(drawn):
        out[f"stress_{i}_start_h"] = a
        out[f"stress_{i}_duration_h"] = b - a
    return out
