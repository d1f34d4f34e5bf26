"""Build the SimPy world of one scenario and run one replication.

``simulate(scenario, seed)`` is the single entry point every layer above uses
(experiments, sweeps, the CLI).  It wires the components together::

    supply --> [load tank farm] --> load Terminal --> Tankers --sea--> discharge Terminal
           --> [discharge tank farm] --> offtake

and returns a :class:`~shuttle_sim.results.Result` with flat KPIs, one record per
voyage and the exact level traces of both tank farms.
"""

from __future__ import annotations

import time

import simpy

from .components.tank import TankFarm
from .components.tanker import Tanker
from .components.terminal import Terminal
from .config.schema import Scenario
from .results import Result, collect
from .rng import Streams


class World:
    """All components of one replication, wired together (exposed for tests)."""

    def __init__(self, scenario: Scenario, seed: int = 0, replication: int = 0) -> None:
        s = scenario
        self.scenario = s
        self.env = env = simpy.Environment()
        self.streams = streams = Streams(seed, replication)
        lp, dp = s.load_port, s.discharge_port
        self.load_tank = TankFarm(env, "load_tank", lp.tank_farm.capacity_t, lp.tank_farm.initial_level_t)
        self.discharge_tank = TankFarm(
            env, "discharge_tank", dp.tank_farm.capacity_t, dp.tank_farm.initial_level_t
        )
        self.supply = self.load_tank.source("supply", s.supply.rate_t_per_h)
        self.offtake = self.discharge_tank.sink("offtake", s.offtake.rate_t_per_h)
        self.load = Terminal(env, lp, "load", self.load_tank, streams.get("other_traffic", 0))
        self.discharge = Terminal(env, dp, "discharge", self.discharge_tank, streams.get("other_traffic", 1))
        self.voyages: list[dict] = []
        self.tankers: list[Tanker] = []
        spacing_h = s.fleet.arrival_spacing_h or 0.0
        k = 0
        for cls in s.fleet.tankers:
            for j in range(cls.count):
                name = f"{cls.name}-{j + 1}" if cls.count > 1 else cls.name
                self.tankers.append(
                    Tanker(
                        env,
                        name,
                        cls,
                        self.load,
                        self.discharge,
                        s.route.distance_nmi,
                        streams.get("tanker", k),
                        k * spacing_h,
                        self.voyages,
                    )
                )
                k += 1

    def run(self, horizon_h: float) -> None:
        """Advance to ``horizon_h`` and close every account at that instant."""
        self.env.run(until=horizon_h)
        for t in self.tankers:
            t.close()
        self.load.close()
        self.discharge.close()
        self.load_tank.level_t  # advance both farms to the horizon
        self.discharge_tank.level_t


def simulate(scenario: Scenario, seed: int = 0, replication: int = 0, horizon_h: float | None = None) -> Result:
    """Run one replication of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
    seed : int
        Root seed of the study; with ``replication`` it names every random stream.
    replication : int
        Index of this replication within the study.
    horizon_h : float, optional
        Simulated hours; defaults to the scenario's ``horizon``.

    Returns
    -------
    Result
        KPIs, voyage records and tank-level traces.  Same inputs, same bits.
    """
    horizon_h = scenario.horizon_h if horizon_h is None else float(horizon_h)
    if not horizon_h > 0:
        raise ValueError(f"horizon_h must be > 0, found {horizon_h}")
    t0 = time.perf_counter()
    world = World(scenario, seed, replication)
    world.run(horizon_h)
    return collect(world, seed, replication, horizon_h, time.perf_counter() - t0)
