"""Hypothesis strategies: random but valid scenarios, small enough to run fast."""

from hypothesis import strategies as st

from .conftest import cycle_dict, port


def hours(lo: float, hi: float):
    return st.floats(lo, hi, allow_nan=False).map(lambda v: f"{v!r} h")


def durations():
    fixed = hours(0, 5)
    expo = st.floats(0.1, 5).map(lambda m: {"dist": "exponential", "mean": f"{m!r} h"})
    logn = st.tuples(st.floats(0.1, 5), st.floats(0.1, 1.5)).map(
        lambda t: {"dist": "lognormal", "mean": f"{t[0]!r} h", "cv": t[1]})
    unif = st.tuples(st.floats(0, 3), st.floats(0, 3)).map(
        lambda t: {"dist": "uniform", "low": f"{min(t)!r} h", "high": f"{max(t)!r} h"})
    return st.one_of(fixed, expo, logn, unif)


@st.composite
def scenarios(draw):
    cargo = draw(st.floats(1_000, 80_000))
    def a_port(name):
        cap = draw(st.floats(cargo, 6 * cargo))
        return port(
            name,
            draw(st.integers(1, 3)),
            capacity=f"{cap!r} t",
            level=f"{draw(st.floats(0, 1)) * cap!r} t",
            transfer_rate=f"{draw(st.floats(200, 8000))!r} t/h",
            arrival_formalities=draw(durations()),
            berthing=draw(durations()),
            pre_transfer=draw(durations()),
            post_transfer=draw(durations()),
            unberthing=draw(durations()),
        )
    tankers = [
        {"name": f"C{i}", "count": draw(st.integers(1, 3)), "cargo": f"{cargo * draw(st.floats(0.3, 1))!r} t",
         "laden_speed": f"{draw(st.floats(6, 16))!r} kn", "ballast_speed": f"{draw(st.floats(6, 16))!r} kn"}
        for i in range(draw(st.integers(1, 2)))
    ]
    return cycle_dict(
        horizon=f"{draw(st.floats(50, 3000))!r} h",
        supply={"rate": f"{draw(st.floats(0, 5000))!r} t/h"},
        offtake={"rate": f"{draw(st.floats(0, 5000))!r} t/h"},
        route={"distance": f"{draw(st.floats(10, 400))!r} nmi"},
        load_port=a_port("L"),
        discharge_port=a_port("D"),
        fleet={"tankers": tankers, "arrival_spacing": draw(hours(0.5, 30))},
    )
