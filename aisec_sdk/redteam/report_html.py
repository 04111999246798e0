"""A self-contained HTML report: inline CSS and SVG charts, no scripts or external assets.

Charts: attack success rate per family and per converter (bars with 95% Wilson whiskers),
and before/after per family when a baseline run is given. Below them, the worst attempts
with prompt and answer, then every attempt in a collapsible table. All text from prompts and
answers is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aisec_sdk.redteam.comparison import Comparison, compare
from aisec_sdk.redteam.probes import FAMILIES
from aisec_sdk.redteam.report_json import write_text
from aisec_sdk.redteam.results import from_dict
from aisec_sdk.redteam.results import worst as pick_worst

__all__ = ["render_html", "write_html"]

_ROW = 30
_LABEL_W = 230
_BAR_W = 420
_WIDTH = _LABEL_W + _BAR_W + 120
_BEFORE = "#9aa5b1"
_CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1f2933;
background:#f5f7fa}
main{max-width:1040px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}
.sub{color:#52606d;margin:0 0 16px}
.tiles{display:flex;flex-wrap:wrap;gap:12px}
.tile{background:#fff;border-radius:8px;padding:12px 16px;min-width:130px;
box-shadow:0 1px 2px rgba(0,0,0,.08)}
.tile b{display:block;font-size:24px}.tile span{color:#52606d;font-size:13px}
.card{background:#fff;border-radius:8px;padding:12px 16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
svg text{font:13px system-ui,sans-serif;fill:#1f2933}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid #e4e7eb}
pre{white-space:pre-wrap;word-break:break-word;margin:0;font-size:12px;max-height:160px;
overflow:auto;background:#f5f7fa;padding:6px;border-radius:4px}
.ok{color:#1f7a3d}.bad{color:#b42318}.muted{color:#7b8794}
"""


def _colour(asr: float) -> str:
    if asr < 0.1:
        return "#2f9e5b"
    if asr < 0.3:
        return "#e8a317"
    return "#d64545"


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _x(value: float) -> float:
    return _LABEL_W + max(0.0, min(1.0, value)) * _BAR_W


def _axis(height: int) -> str:
    parts = []
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = _x(tick)
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="#e4e7eb"/>'
            f'<text x="{x:.1f}" y="{height + 14}" text-anchor="middle" class="muted">'
            f"{int(tick * 100)}%</text>"
        )
    return "".join(parts)


def _bar(y: float, height: float, stats: Mapping[str, Any], colour: str, label: str) -> str:
    asr, low, high = float(stats["asr"]), float(stats["ci_low"]), float(stats["ci_high"])
    mid = y + height / 2
    tip = (
        f"{label}: {stats['successes']}/{stats['attempts']} succeeded, ASR {_pct(asr)} "
        f"(95% CI {_pct(low)}-{_pct(high)})"
    )
    return (
        f"<g><title>{_esc(tip)}</title>"
        f'<rect x="{_LABEL_W}" y="{y:.1f}" width="{max(1.0, _x(asr) - _LABEL_W):.1f}" '
        f'height="{height:.1f}" fill="{colour}" rx="2"/>'
        f'<line x1="{_x(low):.1f}" y1="{mid:.1f}" x2="{_x(high):.1f}" y2="{mid:.1f}" '
        f'stroke="#1f2933" stroke-width="1.5"/>'
        f'<line x1="{_x(low):.1f}" y1="{mid - 5:.1f}" x2="{_x(low):.1f}" y2="{mid + 5:.1f}" '
        f'stroke="#1f2933"/><line x1="{_x(high):.1f}" y1="{mid - 5:.1f}" x2="{_x(high):.1f}" '
        f'y2="{mid + 5:.1f}" stroke="#1f2933"/></g>'
    )


def _chart(title: str, rows: Mapping[str, Mapping[str, Any]], labels: Mapping[str, str]) -> str:
    """Horizontal bars, one per row, with CI whiskers and the rate and count on the right."""
    height = max(1, len(rows)) * _ROW
    body = [_axis(height)]
    for i, (name, stats) in enumerate(rows.items()):
        y = i * _ROW
        label = labels.get(name, name)
        body.append(
            f'<text x="{_LABEL_W - 8}" y="{y + 19}" text-anchor="end">{_esc(label)}</text>'
            + _bar(y + 5, _ROW - 10, stats, _colour(float(stats["asr"])), label)
            + f'<text x="{_LABEL_W + _BAR_W + 8}" y="{y + 19}">{_pct(float(stats["asr"]))} '
            f'<tspan class="muted">n={stats["attempts"]}</tspan></text>'
        )
    return (
        f'<svg role="img" aria-label="{_esc(title)}" viewBox="0 0 {_WIDTH} {height + 22}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg">{"".join(body)}</svg>'
    )


def _before_after(comparison: Comparison, labels: Mapping[str, str]) -> str:
    """Two bars per family: the baseline in grey, this run coloured by its rate."""
    group = _ROW + 16
    height = max(1, len(comparison.families)) * group
    body = [_axis(height)]
    for i, (name, change) in enumerate(comparison.families.items()):
        y = i * group
        label = labels.get(name, name)
        before = {
            "asr": change.before,
            "ci_low": change.before_ci[0],
            "ci_high": change.before_ci[1],
            "successes": round(change.before * change.before_attempts),
            "attempts": change.before_attempts,
        }
        after = {
            "asr": change.after,
            "ci_low": change.after_ci[0],
            "ci_high": change.after_ci[1],
            "successes": round(change.after * change.after_attempts),
            "attempts": change.after_attempts,
        }
        body.append(
            f'<text x="{_LABEL_W - 8}" y="{y + 22}" text-anchor="end">{_esc(label)}</text>'
            + _bar(y + 3, 14, before, _BEFORE, f"{label} ({comparison.before_label})")
            + _bar(y + 19, 14, after, _colour(change.after), f"{label} ({comparison.after_label})")
            + f'<text x="{_LABEL_W + _BAR_W + 8}" y="{y + 22}">{change.delta:+.1%}</text>'
        )
    legend = (
        f'<rect x="{_LABEL_W}" y="{height + 20}" width="12" height="12" fill="{_BEFORE}"/>'
        f'<text x="{_LABEL_W + 18}" y="{height + 30}">{_esc(comparison.before_label)}</text>'
        f'<rect x="{_LABEL_W + 140}" y="{height + 20}" width="12" height="12" fill="#d64545"/>'
        f'<text x="{_LABEL_W + 158}" y="{height + 30}">{_esc(comparison.after_label)}</text>'
    )
    return (
        f'<svg role="img" aria-label="attack success rate before and after" '
        f'viewBox="0 0 {_WIDTH} {height + 40}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(body)}{legend}</svg>'
    )


def _tiles(report: Mapping[str, Any]) -> str:
    asr = float(report["attack_success_rate"])
    tiles = [
        (f'<b class="{"ok" if asr < 0.1 else "bad"}">{_pct(asr)}</b>', "attack success rate"),
        (f"<b>{_pct(report['ci_low'])}-{_pct(report['ci_high'])}</b>", "95% Wilson interval"),
        (f"<b>{report['evaluated']}</b>", "attempts evaluated"),
        (f"<b>{report['successes']}</b>", "successful attacks"),
        (f"<b>{report['blocked']}</b>", "blocked by guards"),
        (f"<b>{report['errors']}</b>", "errors (not counted)"),
    ]
    return (
        '<div class="tiles">'
        + "".join(f'<div class="tile">{value}<span>{label}</span></div>' for value, label in tiles)
        + "</div>"
    )


def _attempt_rows(attempts: Sequence[Mapping[str, Any]], full: bool) -> str:
    rows = []
    for a in attempts:
        prompt = a["prompt"] + (f"\n\n[document]\n{a['document']}" if a.get("document") else "")
        answer = a["response"] or a.get("error") or ""
        cls = "bad" if a["success"] else "ok"
        rows.append(
            f"<tr><td>{a['seq']}</td><td>{_esc(a['family'])}<br><span class='muted'>"
            f"{_esc(a['probe'])}</span></td><td>{_esc(a['converter'])}</td>"
            f"<td class='{cls}'>{_esc(a['outcome'])}<br><span class='muted'>"
            f"{_esc(a['reason'])}</span></td>"
            + (f"<td><pre>{_esc(prompt)}</pre></td><td><pre>{_esc(answer)}</pre></td>" * full)
            + "</tr>"
        )
    head = "<tr><th>#</th><th>family / probe</th><th>converter</th><th>outcome</th>"
    head += "<th>prompt</th><th>answer</th></tr>" if full else "</tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def render_html(
    report: Mapping[str, Any],
    *,
    baseline: Mapping[str, Any] | None = None,
    title: str = "aisec red-team report",
    worst: int = 10,
) -> str:
    """The report page; with ``baseline`` (an earlier JSON report) a before/after chart."""
    labels = {f.id: f.title for f in FAMILIES.values()}
    target = report["target"]
    sections = [
        f"<h1>{_esc(title)}</h1>",
        f"<p class='sub'>Target <b>{_esc(target.get('name'))}</b>"
        + (f" ({_esc(target.get('file'))})" if target.get("file") else "")
        + f" &middot; seed {_esc(report['seed'])} &middot; started {_esc(report['started_at'])}"
        f" &middot; {float(report['duration_s']):.1f} s</p>",
        _tiles(report),
        "<h2>Attack success rate per probe family</h2>",
        f"<div class='card'>{_chart('ASR per family', report['families'], labels)}</div>",
        "<h2>Attack success rate per converter</h2>",
        f"<div class='card'>{_chart('ASR per converter', report['converters'], {})}</div>",
    ]
    if baseline is not None:
        comparison = compare(baseline, report, before_label="baseline", after_label="this run")
        sections += [
            "<h2>Before / after</h2>",
            f"<div class='card'>{_before_after(comparison, labels)}</div>",
        ]
    top = [a.to_dict() for a in pick_worst(map(from_dict, report["attempts"]), worst)]
    sections += [
        f"<h2>Worst attempts ({len(top)} shown)</h2>",
        "<div class='card'>"
        + (_attempt_rows(top, full=True) if top else "<p class='ok'>No attack succeeded.</p>")
        + "</div>",
        f"<h2>All attempts</h2><details class='card'><summary>{len(report['attempts'])} "
        f"attempts</summary>{_attempt_rows(report['attempts'], full=True)}</details>",
    ]
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head>"
        f"<body><main>{''.join(sections)}</main></body></html>\n"
    )


def write_html(report: Mapping[str, Any], path: str | Path, **options: Any) -> None:
    """Write `render_html` of ``report`` to ``path`` (``-``: standard output)."""
    write_text(path, render_html(report, **options))
