"""``report.html``: one self-contained page per night (inline CSS and SVG, no external assets)."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from classifier.labels import LABELS
from timeline.build import Feed
from timeline.feed import atomic_write

COLOURS = {"brand_removal": "#d62728", "apology": "#2ca02c", "policy_tightening": "#1f77b4"}
CSS = """body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}table{border-collapse:collapse;width:100%}
td,th{padding:4px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
.ok{color:#2a7d2a}.bad{color:#b00020}.incident{border:1px solid #ddd;border-radius:6px;padding:10px 14px;margin:12px 0}
.chip{display:inline-block;border-radius:10px;padding:0 8px;color:#fff;font-size:12px;margin-right:4px}
.legend span{margin-right:14px}.muted{color:#777}"""


def incident_svg(rows: pd.DataFrame, width: int = 900, height: int = 90) -> str:
    """Documents per day for one incident, a column of squares per label."""
    if rows.empty:
        return ""
    days = pd.to_datetime(rows["date"])
    start, end = days.min(), days.max()
    span = max((end - start).days, 1)
    parts = [
        f'<svg class="incident-chart" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<line x1="40" y1="{height - 20}" x2="{width - 10}" y2="{height - 20}" stroke="#999"/>',
    ]
    for (_, row), day in zip(rows.iterrows(), days, strict=True):
        x = 40 + (width - 60) * (day - start).days / span
        y = height - 28 - 18 * LABELS.index(row["label"])
        size = 6 + 3 * min(int(row["article_count"]) + int(row.get("reply_count", 0) or 0) // 5, 6)
        title = f"{row['date']} {row['label']}: {row['article_count']} documents, {row.get('reply_count', 0)} replies"
        parts.append(
            f'<rect x="{x - size / 2:.1f}" y="{y - size / 2:.1f}" width="{size}" height="{size}" '
            f'fill="{COLOURS[row["label"]]}"><title>{escape(title)}</title></rect>'
        )
    parts.append(f'<text x="40" y="{height - 4}" font-size="11">{start:%Y-%m-%d}</text>')
    parts.append(f'<text x="{width - 80}" y="{height - 4}" font-size="11">{end:%Y-%m-%d}</text></svg>')
    return "".join(parts)


def _chips(labels: str) -> str:
    return "".join(
        f'<span class="chip" style="background:{COLOURS[label]}">{label.replace("_", " ")}</span>'
        for label in str(labels).split(";")
        if label in COLOURS
    )


def render_report(report: dict[str, Any], feed: Feed) -> str:
    changes = report.get("incidents") or {}
    focus = list(dict.fromkeys([*changes.get("new", []), *changes.get("updated", [])]))
    incidents = feed.incidents.set_index("incident_id")
    if not focus:
        focus = list(incidents.sort_values("last_seen", ascending=False).index[:10])
    sections = []
    for incident_id in focus:
        if incident_id not in incidents.index:
            continue
        incident = incidents.loc[incident_id]
        docs = feed.articles[feed.articles["incident_id"] == incident_id].sort_values("published")
        links = "".join(
            f'<li><a href="{escape(str(d.url))}">{escape(str(d.title))}</a> <span class="muted">'
            f"{escape(str(d.source))}, {pd.Timestamp(d.published):%Y-%m-%d}</span></li>"
            for d in docs.itertuples()
        )
        status = "new" if incident_id in changes.get("new", []) else "updated"
        sections.append(
            f'<div class="incident" id="{escape(incident_id)}"><h3>{escape(str(incident["title"]))}</h3>'
            f"<p>{_chips(incident['labels'])} <b>{escape(str(incident['platform']))}</b> · {status} · "
            f"{pd.Timestamp(incident['first_seen']):%Y-%m-%d} → {pd.Timestamp(incident['last_seen']):%Y-%m-%d} · "
            f"{incident['article_count']} documents from {incident['source_count']} sources · stages: "
            f"{escape(str(incident['stages']))} · <code>{escape(incident_id)}</code></p>"
            f"{incident_svg(feed.timeline[feed.timeline['incident_id'] == incident_id])}<ul>{links}</ul></div>"
        )
    health_rows = []
    for source in report.get("sources", []):
        ok = source["status"] == "finished" and not source.get("error")
        failures = ", ".join(f"{k}: {v}" for k, v in sorted(source.get("failures", {}).items())) or "—"
        health_rows.append(
            f'<tr><td>{escape(source["source"])}</td><td class="{"ok" if ok else "bad"}">{escape(source["status"])}</td>'
            f"<td>{source['fetched']}</td><td>{source['new']}</td><td>{source['changed']}</td>"
            f"<td>{source.get('posts_new', 0)}</td><td>{escape(failures)}</td></tr>"
        )
    classified = report.get("classified") or {}
    errors = "".join(f'<p class="bad">{escape(e)}</p>' for e in report.get("errors", []))
    legend = "".join(
        f'<span style="color:{c}">■ {label.replace("_", " ")}</span>' for label, c in COLOURS.items()
    )
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>SellerWatch nightly report {escape(report.get("started", ""))}</title><style>{CSS}</style></head><body>
<h1>SellerWatch nightly report</h1>
<p>Run started {escape(report.get("started", ""))}, finished {escape(report.get("finished", ""))};
model {escape(str(report.get("model_version", "—")))}. {len(changes.get("new", []))} new and
{len(changes.get("updated", []))} updated incidents; {changes.get("total", 0)} in all.</p>{errors}
<h2>New and updated incidents</h2><p class="legend">{legend}</p>{"".join(sections) or "<p>No incidents.</p>"}
<h2>Run health</h2><table><tr><th>source</th><th>status</th><th>fetched</th><th>new</th><th>changed</th>
<th>new posts</th><th>failures</th></tr>{"".join(health_rows)}</table>
<p>Classified: {escape(", ".join(f"{k} {v}" for k, v in classified.items()) or "—")}.
Durations: {escape(", ".join(f"{k} {v}s" for k, v in (report.get("durations_s") or {}).items()))}.</p>
</body></html>"""


def write_report(path: Path, report: dict[str, Any], feed: Feed) -> None:
    page = render_report(report, feed).encode("utf-8")
    atomic_write(path, lambda handle: handle.write(page))
