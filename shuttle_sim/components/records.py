"""Flat records of one replication: one per tanker voyage, one per ferry crossing, one
per spell a port was closed to an operation by weather.

Each record type is declared once, here: its fields are the columns of its CSV file
(``voyages.csv``, ``ferry_trips.csv``, ``weather_closures.csv``, written by :mod:`shuttle_sim.output` from
``Record._fields``) and the attributes a notebook reads.  Times are simulation hours
from the start of the run; a time that has not happened yet (a crossing still at sea at
the horizon) is NaN.

These are plain ``NamedTuple`` classes, kept out of the compiled hot modules: a record is
built once per voyage or crossing, and tuples compare, pickle and turn into DataFrames
(``pandas.DataFrame(result.voyages)``) with no help.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Voyage", "FerryTrip", "WeatherClosure"]


class Voyage(NamedTuple):
    """One completed tanker voyage: the load call, the laden passage, the discharge call.

    ``*_arrive_h`` is the arrival off the port, ``*_berth_h`` the moment a berth was
    assigned (the ship then berths, weather permitting), ``*_start_h``/``*_end_h`` the
    cargo transfer, ``*_depart_h`` the moment the ship left the berth: the end of
    unberthing, or the tow for a ship towed off broken down (:mod:`.towoff`; the
    passage begins once it is repaired).  ``load_berth`` and
    ``discharge_berth`` are the indices (0-based) of the berths used at each end.
    ``*_queue_h`` is the wait for a berth; ``load_wait_cargo_h`` and
    ``discharge_wait_ullage_h`` the part of the transfer the tank farm slowed;
    ``*_weather_h`` the weather holds charged to the call (at anchorage waiting for a
    berthing window, before berthing, during the transfer, before unberthing, waiting
    for a passage window); ``load_anchorage_cargo_h`` and
    ``discharge_anchorage_ullage_h`` the wait at anchorage under ``dispatch`` before
    the ship queues for a berth: for the farm to serve the cargo (``policy: ready``)
    and for the month's nominated liftings (a ``programme``), which the ship's budget
    splits into ``anchorage_cargo``/``anchorage_ullage`` and ``anchorage_programme``
    (0 without dispatch).
    """

    tanker: str
    tanker_class: str
    voyage: int
    cargo_t: float
    load_arrive_h: float
    load_berth_h: float
    load_start_h: float
    load_end_h: float
    load_depart_h: float
    load_queue_h: float
    discharge_arrive_h: float
    discharge_berth_h: float
    discharge_start_h: float
    discharge_end_h: float
    discharge_depart_h: float
    discharge_queue_h: float
    load_wait_cargo_h: float
    discharge_wait_ullage_h: float
    load_weather_h: float
    discharge_weather_h: float
    load_berth: int
    discharge_berth: int
    load_anchorage_cargo_h: float = 0.0
    discharge_anchorage_ullage_h: float = 0.0


class FerryTrip(NamedTuple):
    """One ferry crossing from the yard port and the call at the arrival port after it.

    ``leave_port_h`` is the moment the ferry left its berth at the yard port with
    ``wagons`` loaded oil wagons and ``other_wagons`` wagons of other shippers on board:
    the end of unberthing, or, for a ferry towed off broken down (:mod:`.towoff`), the
    tow (it sails once repaired), as a tanker's ``*_depart_h``; ``arrive_h`` the
    end of the crossing (NaN while still at sea at the horizon); ``empties_back`` the
    empty wagons taken on at the arrival port (0 until then); ``load_limit`` the wagons
    the ferry could take on this trip (its capacity, or fewer where the draft limits it).
    """

    ferry: int
    trip: int
    leave_port_h: float
    wagons: int
    arrive_h: float
    empties_back: int
    other_wagons: int = 0
    load_limit: int = 0


class WeatherClosure(NamedTuple):
    """One spell ``[start_h, end_h)`` during which a port was closed to one operation by
    weather (its limits on wind, waves and visibility at the berth, or a closures
    source's closed spell).

    ``port`` is the port's role (``load``, ``discharge``, ``ferry_port``,
    ``ferry_arrival_port``), ``port_name`` its name, ``site`` its weather site and
    ``operation`` one of ``berthing``, ``transfer``, ``unberthing``.  The spells are the
    same timelines the ``*_closed_*_frac`` KPIs total, cut to ``[0, horizon]`` (the
    whole run, warm-up included, as the level traces).  A berthing also needs its
    window (``limits.berthing.window``) open throughout, so a ship may wait longer
    than a spell shows.
    """

    port: str
    port_name: str
    site: str
    operation: str
    start_h: float
    end_h: float
