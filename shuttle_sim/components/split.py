"""How one field supply is shared between the tanker route and the rail (ferry) route.

A scenario with both routes names a ``split`` rule.  Under ``fixed`` each route's supply
is a constant share, set when the world is built.  Under ``overflow`` the whole supply is
offered to the tanker route's load-port tank farm, and whatever that farm cannot take
(what would otherwise be deferred, while it is full) is sent to the rail loading
station instead: :class:`OverflowSplit`, an operating policy that follows the load farm's
achieved rates.
"""

from __future__ import annotations

from .tank import Flow, TankFarm

__all__ = ["OverflowSplit"]


class OverflowSplit:
    """Send the field supply the load-port farm cannot take to the rail loading station.

    The rail station's inflow is kept equal to the supply's requested rate minus its
    achieved rate at the load farm: zero while the farm takes it all, the whole excess
    while the farm is full (its inflows cut back to its outflows).  It follows the load
    farm through the farm's ``on_replan`` hook, so it changes at the very instant the
    achieved rate does.

    Parameters
    ----------
    supply : Flow
        The field supply into the load-port farm.
    station : TankFarm
        The rail loading station's buffer.
    rail_inflow : Flow
        The supply flow into ``station`` (its rate is set by this policy).
    """

    __slots__ = ("supply", "station", "rail_inflow")

    def __init__(self, supply: Flow, station: TankFarm, rail_inflow: Flow) -> None:
        self.supply = supply
        self.station = station
        self.rail_inflow = rail_inflow

    def attach(self, load_tank: TankFarm) -> None:
        """Follow ``load_tank`` (the farm ``supply`` flows into) from now on.

        The policy acts at the farm's re-plans (any change of a rate or of its regime);
        the farm schedules a wake-up at its next boundary from its first re-plan after
        this call, so attach it before the farm's flows are opened or changed (the world
        attaches it while building, before any ship calls)."""
        load_tank.on_replan.append(self.follow)
        self.follow()

    def follow(self) -> None:
        """Set the rail inflow to the supply the load farm does not take now."""
        spill = self.supply.requested_t_per_h - self.supply.actual_t_per_h
        if spill != self.rail_inflow.requested_t_per_h:
            self.station.set_rate(self.rail_inflow, spill)
