"""One look for every report figure: a colour-blind-safe palette with a fixed colour per
state, route and tank farm, and one matplotlib style applied locally (never globally).

Colours are Okabe & Ito's palette ("Color Universal Design", 2008), safe for the common
colour-vision deficiencies, extended with greys for states that should recede (idle,
off hire).  A state keeps its colour in every figure and every report: a reader who has
learnt that vermillion is weather in the Gantt chart finds it again in the time budget.
"""

from __future__ import annotations

import contextlib

import matplotlib
import matplotlib.dates as mdates
from matplotlib.figure import Figure

BLACK, ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILLION, PURPLE = (
    "#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
OKABE_ITO = (ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILLION, PURPLE, BLACK)

#: One colour per cost item (study.costs.COST_ITEMS), the same in every report: eleven
#: items are more than the eight Okabe-Ito colours, so three are greys and a brown.
COST_COLOURS: dict[str, str] = {
    "ships_capital": BLUE, "ships_opex": SKY, "fuel": "#7F7F7F", "port_dues": YELLOW, "demurrage": ORANGE,
    "berths": VERMILLION, "tank_farms": PURPLE, "ferries": GREEN, "wagons": "#C8C8C8", "tariffs": BLACK,
    "deferred_production": "#8C510A",
}

#: Time-budget states of tankers, ferries and berths (names as in the KPI catalogue).
STATE_COLOURS: dict[str, str] = {
    "sailing_laden": BLUE,
    "sailing": BLUE,
    "sailing_ballast": SKY,
    "transferring": GREEN,
    "handling": GREEN,
    "berthing": "#7FCDB5",       # a lighter bluish green: alongside, not yet pumping
    "unberthing": "#7FCDB5",
    # formalities by kind, one hue at three lightnesses (told apart in the budget bar; the
    # Gantt charts draw them as "alongside, not pumping"): pale at anchorage, as the other
    # anchorage states are tints, darker after the transfer than before it
    "formalities": YELLOW,                   # a berth's pre- and post-transfer formalities
    "arrival_formalities": "#F8F3A8",        # pale yellow: pilot, free pratique, NOR at anchorage
    "pre_transfer_formalities": YELLOW,      # hoses, ullage survey, samples
    "post_transfer_formalities": "#BBA600",  # dark yellow: documents, customs, disconnection
    "queueing": ORANGE,
    "waiting_cargo": PURPLE,
    "waiting_wagons": PURPLE,
    "waiting_ullage": "#E7B9D6",  # a lighter reddish purple
    # waiting at anchorage (dispatch and weather decisions): hatched-looking light tints of the
    # alongside state each stands for, so the two read as one cause, at different places
    "anchorage_cargo": "#C9A3C0",      # purple tint: waiting for cargo, at anchorage
    "anchorage_ullage": "#F3DCEB",     # lighter reddish purple: waiting for ullage, at anchorage
    "anchorage_weather": "#F2A57E",    # vermillion tint: waiting for a weather window, at anchorage
    "anchorage_programme": "#B8B8E0",  # lavender: waiting for the lifting programme's month
    "weather": VERMILLION,
    "breakdown": BLACK,
    "berth_failed": "#555555",
    "failed": "#555555",
    "other_traffic": "#A6761D",
    "off_hire": "#999999",
    "positioning": "#C8C8C8",
    "idle": "#EDEDED",
}

#: Routes and tank farms.
ROUTE_COLOURS = {"tanker": BLUE, "ferry": ORANGE, "total": BLACK}
FARM_COLOURS = {"load": BLUE, "discharge": GREEN, "station": ORANGE}
MARK_COLOURS = {"target": VERMILLION, "capacity": BLACK, "deferral": VERMILLION, "shortfall": PURPLE, "stop": "#999999"}
DPI = 150

_RC = {
    "figure.figsize": (8.0, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": DPI,
    "font.size": 9.5,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,  # gridlines behind bars and bands, not across them
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.6,
    "axes.prop_cycle": matplotlib.cycler(color=list(OKABE_ITO)),
    "legend.frameon": False,
    "legend.fontsize": 8.5,
    "svg.fonttype": "none",
    "svg.hashsalt": "shuttle_sim",  # identical SVG for identical data
}


def state_colour(state: str) -> str:
    """The fixed colour of a time-budget state (grey for one this table does not know)."""
    return STATE_COLOURS.get(state, "#777777")


@contextlib.contextmanager
def style():
    """The report's matplotlib settings, for the duration of a ``with`` block."""
    with matplotlib.rc_context(_RC):
        yield


def new_figure(figsize) -> Figure:
    """A figure outside pyplot: no GUI backend, nothing to close, any backend (a script
    writing files or a notebook showing the returned figure)."""
    return Figure(figsize=figsize, layout="constrained")


def new_axes(ax=None, figsize=None):
    """``(fig, ax)``: the given axes and their figure, or a new figure in the report style."""
    if ax is not None:
        return ax.figure, ax
    fig = new_figure(figsize or _RC["figure.figsize"])
    return fig, fig.subplots()


def date_axis(ax, axis: str = "x") -> None:
    """Calendar dates on a time axis, concise and not overlapping."""
    loc = mdates.AutoDateLocator(minticks=4, maxticks=9)
    a = ax.xaxis if axis == "x" else ax.yaxis
    a.set_major_locator(loc)
    a.set_major_formatter(mdates.ConciseDateFormatter(loc))


def thousands(ax, axis: str = "y", scale: float = 1.0) -> None:
    """Tick labels with thousands separators (``scale`` divides the value first)."""
    fmt = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v / scale:,.0f}" if scale != 1 else f"{v:,.0f}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def styled(func):
    """Run a figure function inside :func:`style`, so every artist it makes (not only the
    axes) takes the report's fonts and colours."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with style():
            return func(*args, **kwargs)

    return wrapper


def new_grid(ax, n: int, figsize, vertical: bool = False, **kw):
    """``(fig, axes)``: ``n`` given axes and their figure, or a new row (or column) of ``n``."""
    import numpy as np

    if ax is not None:
        axes = np.atleast_1d(ax)
        return axes[0].figure, axes
    fig = new_figure(figsize)
    return fig, np.atleast_1d(fig.subplots(n if vertical else 1, 1 if vertical else n, **kw))


def count_axis(ax, label: str = "Replications (count)") -> None:
    """A y axis of counts: whole-number ticks and its label."""
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_ylabel(label)


def finish_over_time(ax, start, end, top: float, ylabel: str, title: str) -> None:
    """The common frame of a series over the run: calendar dates from ``start`` to ``end``
    on x, 0 to ``top`` (with headroom) on y, the labels, the legend below and the title."""
    ax.set_xlim(start, end)
    ax.set_ylim(0, top * 1.12)
    date_axis(ax)
    ax.set_xlabel("Date")
    ax.set_ylabel(ylabel)
    legend_below(ax, ncol=3)
    ax.set_title(title)


def legend_below(ax, handles=None, ncol: int = 3, **kw) -> None:
    """A legend under the plot, outside it, never over the data or the axis labels: a
    figure legend when ``ax`` is the figure's only axes (constrained layout makes room),
    else the axes' own legend where it covers least."""
    fig = ax.figure
    args = {"handles": handles} if handles is not None else {}
    if len(fig.axes) == 1 and fig.get_layout_engine() is not None:
        if handles is None:
            args["handles"], _ = ax.get_legend_handles_labels()
        fig.legend(loc="outside lower center", ncol=ncol, fontsize=8, handlelength=1.3, columnspacing=1.0, **args, **kw)
    else:
        ax.legend(loc="best", fontsize=8, **args, **kw)
