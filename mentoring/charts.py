"""Server-side SVG charts of traffic lights: the geometry, computed here; the markup is in templates.

No chart library and nothing from a CDN: the templates in mentoring/insight/partials/
draw these shapes as inline <svg> (role="img", a title, a description, text labels),
coloured by class names that app.css's light tokens fill, so a school's palette
applies. Colour is never the only signal: every segment is in a fixed order
(red, orange, green, no light), wide ones carry the light's letter and count, and a
table with the same numbers sits beside every chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Left to right in a bar, top to bottom in a column: what worries most comes first.
LIGHT_ORDER = ("red", "orange", "green", "missing")
GIVEN_LIGHTS = ("red", "orange", "green")


@dataclass
class LightCounts:
    """How many cells (a student in a subject) have each light; `missing` has none (yet)."""

    red: int = 0
    orange: int = 0
    green: int = 0
    missing: int = 0

    def add(self, light: str, count: int) -> None:
        light = light if light in GIVEN_LIGHTS else "missing"
        setattr(self, light, getattr(self, light) + count)

    def __iadd__(self, other: LightCounts) -> LightCounts:
        for light in LIGHT_ORDER:
            self.add(light, getattr(other, light))
        return self

    @property
    def total(self) -> int:
        return self.red + self.orange + self.green + self.missing

    @property
    def given(self) -> int:
        return self.red + self.orange + self.green

    @property
    def concern(self) -> int:
        """Red and orange: the students who struggle, or might."""
        return self.red + self.orange

    def percent(self, count: int, *, of_given: bool = False) -> int:
        whole = self.given if of_given else self.total
        return round(100 * count / whole) if whole else 0

    @property
    def concern_percent(self) -> int:
        return self.percent(self.concern)

    @property
    def concern_share(self) -> float:
        return self.concern / self.total if self.total else 0.0

    @property
    def red_share(self) -> float:
        return self.red / self.total if self.total else 0.0

    def percents(self, lights: tuple[str, ...] = LIGHT_ORDER) -> dict[str, int]:
        """Whole percentages per light that add up to exactly 100 (largest remainder), or all 0 when empty."""
        counts = {light: getattr(self, light) for light in lights}
        whole = sum(counts.values())
        if not whole:
            return dict.fromkeys(lights, 0)
        exact = {light: 100 * count / whole for light, count in counts.items()}
        result = {light: int(value) for light, value in exact.items()}
        short = 100 - sum(result.values())
        for light in sorted(lights, key=lambda name: exact[name] - result[name], reverse=True)[:short]:
            result[light] += 1
        return result


@dataclass
class Segment:
    """One light's part of a bar or column."""

    light: str
    count: int
    percent: int
    x: float
    y: float
    width: float
    height: float
    word: str = ""  # the school's word for the light, for titles
    text: str = ""  # the label drawn inside, when it fits: "R 3" or "3"
    text_x: float = 0.0
    text_y: float = 0.0

    @property
    def css(self) -> str:
        return "none" if self.light == "missing" else self.light


@dataclass
class Bar:
    """One row of a horizontal 100%-stacked bar chart (a subject or a class group)."""

    label: str
    short_label: str
    counts: LightCounts
    y: float
    text_y: float
    segments: list[Segment] = field(default_factory=list)


@dataclass
class BarChart:
    width: int
    height: int
    label_x: int
    bar_x: int
    bar_width: int
    summary_x: int
    row_height: int
    bar_height: int
    bars: list[Bar]


@dataclass
class Column:
    """One round in a stacked column chart over rounds."""

    label: str
    short_label: str
    counts: LightCounts
    x: float
    width: float
    center: float
    segments: list[Segment] = field(default_factory=list)
    top_text: str = ""


@dataclass
class ColumnChart:
    width: int
    height: int
    plot_top: float
    plot_bottom: float
    label_y: float
    top_text_y: float
    axis_x: float
    columns: list[Column]
    gridlines: list[tuple[float, int]] = field(default_factory=list)  # (y, percent)

    @property
    def plot_height(self) -> float:
        return self.plot_bottom - self.plot_top


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _segment_text(light: str, count: int, size: float, letters: dict[str, str], *, wide: int, narrow: int) -> str:
    if size >= wide and light in letters:
        return f"{letters[light]} {count}"
    if size >= narrow:
        return str(count)
    return ""


def stacked_bars(
    rows: list[tuple[str, LightCounts]],
    *,
    letters: dict[str, str],
    words: dict[str, str],
    width: int = 720,
    label_width: int = 170,
    summary_width: int = 110,
    row_height: int = 30,
    bar_height: int = 22,
) -> BarChart:
    """Horizontal 100%-stacked bars, one per row, in the order given (red, orange, green, no light)."""
    bar_x = label_width
    bar_width = width - label_width - summary_width
    bars = []
    for index, (label, counts) in enumerate(rows):
        y = index * row_height + (row_height - bar_height) / 2
        bar = Bar(
            label=label,
            short_label=_shorten(label, 24),
            counts=counts,
            y=y,
            text_y=index * row_height + row_height / 2,
        )
        percents = counts.percents()
        done = 0
        for light in LIGHT_ORDER:
            count = getattr(counts, light)
            if not count:
                continue
            # Edges from the running total, so the rounded widths still add up to the whole bar.
            x = round(bar_x + bar_width * done / counts.total, 2)
            done += count
            size = round(bar_x + bar_width * done / counts.total, 2) - x
            bar.segments.append(
                Segment(
                    light=light,
                    count=count,
                    percent=percents[light],
                    x=x,
                    y=y,
                    width=round(size, 2),
                    height=bar_height,
                    word=words.get(light, ""),
                    text=_segment_text(light, count, size, letters, wide=44, narrow=20),
                    text_x=round(x + size / 2, 2),
                    text_y=bar.text_y,
                )
            )
        bars.append(bar)
    return BarChart(
        width=width,
        height=max(len(rows), 1) * row_height,
        label_x=label_width - 8,
        bar_x=bar_x,
        bar_width=bar_width,
        summary_x=bar_x + bar_width + 8,
        row_height=row_height,
        bar_height=bar_height,
        bars=bars,
    )


def stacked_columns(
    columns: list[tuple[str, LightCounts]],
    *,
    letters: dict[str, str],
    words: dict[str, str],
    width: int = 720,
    height: int = 260,
    axis_width: int = 44,
    label_height: int = 28,
    top_height: int = 24,
    label_limit: int = 16,
    wide: int = 30,
    narrow: int = 14,
    gridlines: bool = True,
) -> ColumnChart:
    """Vertical 100%-stacked columns of the given lights (red on top, green at the bottom), one per round.

    Shares are of the lights given: a round in which not every light is in yet still compares.
    """
    plot_top = float(top_height)
    plot_bottom = float(height - label_height)
    plot_height = plot_bottom - plot_top
    slot = (width - axis_width) / max(len(columns), 1)
    column_width = min(slot * 0.6, 72.0)
    chart = ColumnChart(
        width=width,
        height=height,
        plot_top=plot_top,
        plot_bottom=plot_bottom,
        label_y=plot_bottom + label_height * 0.7,
        top_text_y=plot_top - 7,
        axis_x=axis_width - 4,
        columns=[],
    )
    if gridlines:
        chart.gridlines = [(round(plot_bottom - plot_height * p / 100, 2), p) for p in (0, 25, 50, 75, 100)]
    for index, (label, counts) in enumerate(columns):
        x = axis_width + index * slot + (slot - column_width) / 2
        column = Column(
            label=label,
            short_label=_shorten(label, label_limit),
            counts=counts,
            x=round(x, 2),
            width=round(column_width, 2),
            center=round(x + column_width / 2, 2),
        )
        if counts.given:
            column.top_text = f"{counts.percent(counts.concern, of_given=True)}%"
            percents = counts.percents(GIVEN_LIGHTS)
            done = 0
            for light in GIVEN_LIGHTS:  # red at the top, where the eye starts
                count = getattr(counts, light)
                if not count:
                    continue
                y = round(plot_top + plot_height * done / counts.given, 2)
                done += count
                size = round(plot_top + plot_height * done / counts.given, 2) - y
                column.segments.append(
                    Segment(
                        light=light,
                        count=count,
                        percent=percents[light],
                        x=column.x,
                        y=y,
                        width=column.width,
                        height=round(size, 2),
                        word=words.get(light, ""),
                        text=_segment_text(light, count, column_width, letters, wide=wide, narrow=narrow)
                        if size >= 14  # room for a line of text
                        else "",
                        text_x=column.center,
                        text_y=round(y + size / 2, 2),
                    )
                )
        chart.columns.append(column)
    return chart
