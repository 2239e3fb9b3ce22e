"""``timeline.png``: one lane per incident, a mark per day and label, coloured by label."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd

from classifier.labels import LABELS
from timeline.feed import atomic_write

COLOURS = {"brand_removal": "#d62728", "apology": "#2ca02c", "policy_tightening": "#1f77b4"}
OFFSETS = {"brand_removal": 0.22, "apology": 0.0, "policy_tightening": -0.22}
MAX_LANES = 40
# CJK titles render where a CJK font is installed; elsewhere their glyphs are boxes, not errors.
FONTS = ["DejaVu Sans", "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Source Han Sans SC", "SimHei"]


def render_png(incidents: pd.DataFrame, timeline: pd.DataFrame) -> bytes:
    with (
        warnings.catch_warnings(),
        matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": FONTS}),
    ):
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        warnings.filterwarnings("ignore", message="findfont", category=UserWarning)
        return _render(incidents, timeline)


def _render(incidents: pd.DataFrame, timeline: pd.DataFrame) -> bytes:
    lanes = incidents.sort_values("first_seen").tail(MAX_LANES).reset_index(drop=True)
    height = max(2.5, 0.45 * len(lanes) + 1.5)
    fig, ax = plt.subplots(figsize=(12, height), dpi=100)
    if lanes.empty:
        ax.text(0.5, 0.5, "No incidents yet", ha="center", va="center", fontsize=14, transform=ax.transAxes)
        ax.set_axis_off()
    else:
        lane_of = {incident: i for i, incident in enumerate(lanes["incident_id"])}
        rows = timeline[timeline["incident_id"].isin(lane_of)].copy()
        rows["day"] = pd.to_datetime(rows["date"])
        for _, incident in lanes.iterrows():
            y = lane_of[incident["incident_id"]]
            start, end = pd.to_datetime(incident["first_seen"]), pd.to_datetime(incident["last_seen"])
            ax.plot(
                [
                    start.tz_localize(None) if start.tzinfo else start,
                    end.tz_localize(None) if end.tzinfo else end,
                ],
                [y, y],
                color="#cccccc",
                lw=6,
                solid_capstyle="round",
                zorder=1,
            )
        for label in LABELS:
            part = rows[rows["label"] == label]
            if part.empty:
                continue
            sizes = 30 + 25 * (part["article_count"] + part["reply_count"] / 5)
            ax.scatter(
                part["day"],
                part["incident_id"].map(lane_of) + OFFSETS[label],
                s=sizes,
                color=COLOURS[label],
                label=label.replace("_", " "),
                zorder=2,
                alpha=0.9,
            )
        ax.set_yticks(range(len(lanes)))
        ax.set_yticklabels(
            [f"{p} · {t[:48]}" for p, t in zip(lanes["platform"], lanes["title"], strict=True)], fontsize=8
        )
        ax.set_ylim(-0.7, len(lanes) - 0.3)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
        ax.grid(axis="x", color="#eeeeee")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, title="label")
        ax.set_title(f"Incidents over time ({len(lanes)} shown; marker size = documents that day)")
        fig.autofmt_xdate()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def write_chart(path: Path, incidents: pd.DataFrame, timeline: pd.DataFrame) -> None:
    data = render_png(incidents, timeline)
    atomic_write(path, lambda handle: handle.write(data))
