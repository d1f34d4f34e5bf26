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


# ------------------------------------------------------------------ every mechanism
def expo(lo: float, hi: float):
    return st.floats(lo, hi).map(lambda m: {"dist": "exponential", "mean": f"{m!r} h"})


def failures(up_lo: float, up_hi: float, down_hi: float):
    return st.fixed_dictionaries({"mtbf": expo(up_lo, up_hi), "mttr": st.one_of(expo(0.5, down_hi), hours(0.5, down_hi))})


SITES = ("p", "q", "s")


def weathers():
    closures = st.fixed_dictionaries({"source": st.just("closures"), "sites": st.fixed_dictionaries(
        {s: st.fixed_dictionaries({"open": expo(5, 80), "closed": st.one_of(expo(1, 20), hours(1, 20))}) for s in SITES})})
    calm = {"wind_mean": "8 m/s", "wind_sd": "3 m/s", "hs_mean": "0.8 m", "hs_sd": "0.4 m"}
    storms = st.builds(
        lambda n, reach: {"source": "storms", "sites": {s: calm for s in SITES}, "origin": "p",
                          "monthly_storms": [n] * 12, "duration": {"dist": "exponential", "mean": "20 h"},
                          "peak_wind": {"low": "15 m/s", "high": "30 m/s"}, "peak_hs": {"low": "1.5 m", "high": "4 m"},
                          "reach": {"q": {"probability": reach, "lag": "3 h"}, "s": {"probability": 1.0, "lag": "0 h"}}},
        st.floats(0, 8), st.floats(0, 1))
    return st.one_of(closures, storms)


def limits():
    op = st.fixed_dictionaries({}, optional={
        "max_wind": st.floats(8, 25).map(lambda v: f"{v!r} m/s"), "max_hs": st.floats(0.5, 3).map(lambda v: f"{v!r} m"),
        "window": hours(0, 12)})
    return st.fixed_dictionaries({}, optional={"berthing": op, "transfer": op, "unberthing": op})


@st.composite
def rich_scenarios(draw):
    """``scenarios()`` with, each maybe: weather at the ports and at sea with limits,
    berth failures, tanker breakdowns, dry docks, discharge pump caps, other traffic,
    supply and offtake outages, and scripted disruptions of every target."""
    d = draw(scenarios())
    d["start_date"] = "2025-01-01"
    days = max(1, int(float(d["horizon"].split()[0]) // 24))
    n_tankers = sum(c["count"] for c in d["fleet"]["tankers"])
    maybe = lambda strat: draw(st.one_of(st.none(), strat))
    w = maybe(weathers())
    if w is not None:
        d["weather"] = w
        for key in ("load_port", "discharge_port"):
            d[key]["weather_site"] = draw(st.sampled_from(SITES))
            d[key]["limits"] = draw(limits())
        if draw(st.booleans()):
            d["route"]["weather_site"] = draw(st.sampled_from(SITES))
            d["route"]["passage_limits"] = draw(limits().map(lambda lim: lim.get("transfer", {})))
    for key in ("load_port", "discharge_port"):
        if (f := maybe(failures(20, 400, 30))) is not None:
            d[key]["berth_failures"] = f
        if draw(st.booleans()):
            d[key]["other_traffic"] = {"calls_per_year": draw(st.floats(10, 800)), "berth_time": draw(hours(1, 30))}
    for c in d["fleet"]["tankers"]:
        if (f := maybe(failures(20, 400, 30))) is not None:
            c["breakdowns"] = f
        if draw(st.booleans()):
            c["dry_dock"] = {"every": draw(hours(50, 2000)), "duration": draw(hours(0, 100))}
        if draw(st.booleans()):
            c["discharge_pump_rate"] = f"{draw(st.floats(100, 10000))!r} t/h"
    for key in ("supply", "offtake"):
        if (f := maybe(failures(10, 300, 50))) is not None:
            d[key]["outages"] = f
    targets = st.sampled_from(["supply", "offtake", "load_berth", "discharge_berth", "tanker"])
    disruptions = []
    for target in draw(st.lists(targets, max_size=4)):
        a = draw(st.integers(0, days))
        b = a + draw(st.integers(1, 10))
        x = {"target": target, "start": (_date0() + _day(a)).isoformat(), "end": (_date0() + _day(b)).isoformat()}
        if target in ("supply", "offtake"):
            x["factor"] = draw(st.sampled_from([0.0, 0.5, 1.5]))
        else:
            n = {"load_berth": d["load_port"]["berths"], "discharge_berth": d["discharge_port"]["berths"],
                 "tanker": n_tankers}[target]
            x["index"] = draw(st.integers(0, n - 1))
        disruptions.append(x)
    d["disruptions"] = disruptions
    return d


def _date0():
    import datetime

    return datetime.date(2025, 1, 1)


def _day(n: int):
    import datetime

    return datetime.timedelta(days=n)
