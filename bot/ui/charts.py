"""A small PNG chart of soreness over time, for /session history.

Built on matplotlib's object API with the Agg canvas (no pyplot, no global state), so it is safe to
render in a worker thread while the event loop keeps serving.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from bot.checkins.models import Soreness

MIN_POINTS = 3


def soreness_chart(points: Sequence[tuple[datetime, Soreness]]) -> bytes:
    """PNG bytes of soreness answers over time (oldest first).

    matplotlib is imported here, not at module load: it costs ~0.4 s and ~40 MB at start-up, and only
    /session history with a chart needs it.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 2.6), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    times = [date2num(moment) for moment, _level in points]  # type: ignore[no-untyped-call]
    axes.plot(times, [int(level) for _moment, level in points], marker="o", color="#1abc9c")
    axes.xaxis_date()
    axes.set_yticks([level.value for level in Soreness], [level.name.capitalize() for level in Soreness])
    axes.set_ylim(-0.3, 3.3)
    locator = AutoDateLocator(maxticks=6)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    axes.set_title("Soreness after your sessions")
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
