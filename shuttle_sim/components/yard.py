"""The ferry port's rail yard: wagons at the port waiting for a ferry, first come first served.

The yard holds ``capacity`` wagons *at the port*; wagons still on the rail to it are not
in it.  Rail shipments to the port are sent only while the yard has room for them
(:meth:`Yard.wait_room`: while it is full, shipments are halted at their origin); a
train that reaches the port to find the yard full waits on the approach
(:meth:`Yard.admit`) until a ferry's loading frees room.  Wagons of every kind (oil,
``other``) queue in the order they entered the yard, and a ferry takes them from the
head of that queue (:meth:`Yard.take`), splitting a train if it must.
"""

from __future__ import annotations

from collections import deque

import simpy

from ..engine import Engine

__all__ = ["Yard", "KINDS"]

KINDS = ("oil", "other")


class Yard:
    """Wagons in the yard by kind, in arrival order, and its free room."""

    def __init__(self, env: Engine, capacity: int) -> None:
        self.env = env
        self.space = simpy.Container(env, capacity=capacity, init=capacity)  # free slots at the port
        self.queue: deque[list] = deque()  # [kind, wagons] in the order they entered
        self.count = dict.fromkeys(KINDS, 0)
        self.total = 0
        self.arrived = env.event()  # fires (and is replaced) when wagons enter
        self._freed = env.event()  # fires (and is replaced) when a ferry frees room
        self.trace_t = [env.now]
        self.trace_n = [0]

    def wait_room(self, r: int):
        """Process step: until the yard has room for ``r`` wagons (shipments halted)."""
        while self.space.level < r:
            yield self._freed

    def admit(self, r: int) -> simpy.Event | None:
        """Reserve room for ``r`` wagons reaching the port: ``None`` if taken at once,
        else the event to wait for (the train waits on the approach)."""
        get = self.space.get(r)
        return None if get.triggered else get

    def enter(self, kind: str, r: int) -> None:
        """``r`` wagons of ``kind`` (room already reserved) join the queue."""
        self.queue.append([kind, r])
        self.count[kind] += r
        self.total += r
        self._changed()
        ev, self.arrived = self.arrived, self.env.event()
        ev.succeed()

    def take(self, n: int) -> dict[str, int]:
        """Take up to ``n`` wagons from the head of the queue; returns them by kind.
        Their room is freed by :meth:`free` once they are aboard."""
        out = dict.fromkeys(KINDS, 0)
        while n > 0 and self.queue:
            head = self.queue[0]
            k = min(n, head[1])
            out[head[0]] += k
            head[1] -= k
            n -= k
            if head[1] == 0:
                self.queue.popleft()
        for kind, k in out.items():
            self.count[kind] -= k
            self.total -= k
        self._changed()
        return out

    def free(self, n: int):
        """Process step: give back the room of ``n`` wagons that left on a ferry."""
        if n:
            yield self.space.put(n)
            ev, self._freed = self._freed, self.env.event()
            ev.succeed()

    def _changed(self) -> None:
        t, n = self.env.now, self.total
        if self.trace_t[-1] == t:
            self.trace_n[-1] = n
        else:
            self.trace_t.append(t)
            self.trace_n.append(n)
