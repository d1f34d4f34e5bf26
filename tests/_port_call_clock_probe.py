"""Probe for tests/test_terminal.py: runs kcts_concept with the port call wrapped so
that, at every ``yield`` of the call, the call's own clock (its local ``now``, read from
the frame of the generator that yielded: the call or a step it delegates to) is recorded
beside SimPy's; also each transfer's start and each
call's end.  Prints what it saw as JSON.  Run with ``SHUTTLE_SIM_PURE=1`` (patches and
frame reads need the Python source)."""

import json
from pathlib import Path

import shuttle_sim as ss
from shuttle_sim import _native
from shuttle_sim.components import terminal, transfer
from shuttle_sim.model import World

yields, starts, ends = [], [], []
first_seen: dict = {}
call, transfer_init = terminal.Terminal.call, transfer.CargoTransfer.__init__


def checked_call(self, ship, amount_t, pump):
    gen = call(self, ship, amount_t, pump)
    value = None
    while True:
        try:
            event = gen.send(value)
        except StopIteration as stop:
            rec = stop.value
            break
        inner = gen  # the generator that yielded: the call, or a step it delegates to
        while inner.gi_yieldfrom is not None and hasattr(inner.gi_yieldfrom, "gi_frame"):
            inner = inner.gi_yieldfrom
        yields.append((inner.gi_frame.f_locals["now"], self.env.now))  # the call's clock as it yields
        value = yield event
    ends.append((rec.depart_h, self.env.now))
    return rec


def checked_transfer(self, term, ship, berth_obj, flow, rate, rec):
    if id(rec) not in first_seen:  # the call's first transfer (one resumed after a storm departure started earlier)
        first_seen[id(rec)] = rec  # (kept alive: ids stay unique)
        starts.append((rec.start_h, term.env.now))
    transfer_init(self, term, ship, berth_obj, flow, rate, rec)


terminal.Terminal.call = checked_call
transfer.CargoTransfer.__init__ = checked_transfer
s = ss.load_scenario(Path(__file__).resolve().parents[1] / "configs" / "kcts_concept.yaml")  # random durations, weather, breakdowns
World(s, seed=3, horizon_h=2 * 8760).run()
print(json.dumps({
    "source": _native.compiled_modules() == [],
    "calls": len(ends),
    "yields": len(yields),
    "transfers": len(starts),
    "yield_mismatches": [a for a in yields if a[0] != a[1]][:5],
    "start_mismatches": [a for a in starts if a[0] != a[1]][:5],
    "end_mismatches": [a for a in ends if a[0] != a[1]][:5],
}))
