"""Turn one eval run's result dict into Markdown, HTML and PNG reports, and compare two runs.

A result is `{"meta": {...}, "rows": [{paper, system, tier, metric, value}], "errors": [{paper, system, tier,
error}]}` (see `eval/`). Everything here is pure except `write_reports` (and `plot`, which writes one PNG).
Values are float | bool | None; booleans count as 1.0/0.0 in means and None is "not applicable", skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined

Result = Mapping[str, Any]
Value = float | bool | None
Key = tuple[str, str]  # (system, tier)

# The columns a reader scans first; every other metric still appears in the side-by-side section.
# Key numbers: the strict pair (the card's first k key numbers, k = the reference's count) before the
# lenient "anywhere in the card" recall, which listing every number of a paper would win
TABLE_METRICS = ("grounding_precision", "key_numbers_recall_at_k", "key_numbers_precision_at_k",
                 "key_number_recall_anywhere", "table_cell_recall", "title_exact", "author_f1",
                 "must_mention", "rouge_l_method", "picks_recall", "picks_precision", "picks_precision_ceiling",
                 "featured_mean_rank", "pool", "prompt_tokens", "seconds_total")
SYSTEM_ORDER = ("pipeline", "baseline", "cards")
TIER_ORDER = ("full", "abstract", "digest")
_EPS = 1e-9  # float noise from JSON round trips is not a change
_MD_SPECIAL = re.compile(r"([\\|<>\[\]`*])")  # "_" inside metric names is not emphasis in CommonMark
_UNSAFE_FILE = re.compile(r"[^A-Za-z0-9_.-]")


# ----------------------------------------------------------------------------------------------- values

def is_cost(metric: str) -> bool:
    """Lower is better for time, token counts and ranks; higher is better for every quality metric."""
    return metric.startswith("seconds") or metric.endswith(("_tokens", "_rank"))


def _num(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    return float(value)


def _fmt(value: Value, metric: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    # Token counts are whole numbers; "1234.00" would only add noise.
    return f"{value:.0f}" if metric.endswith("_tokens") else f"{value:.2f}"


def _fmt_delta(delta: float | None, metric: str) -> str:
    if delta is None:
        return "–"
    return f"{delta:+.0f}" if metric.endswith("_tokens") else f"{delta:+.2f}"


def _verdict(metric: str, delta: float | None) -> str:
    if delta is None:
        return "changed"
    if abs(delta) <= _EPS:
        return "same"
    return "better" if (delta < 0) == is_cost(metric) else "worse"


def _ordered(names: Iterable[str], preferred: tuple[str, ...]) -> list[str]:
    seen = set(names)
    return [n for n in preferred if n in seen] + sorted(seen - set(preferred))


def _metrics(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    return list(dict.fromkeys(str(r["metric"]) for r in rows))


def _cells(result: Result) -> dict[tuple[str, str, str], dict[str, Value]]:
    """(paper, tier, system) -> metric -> value; a repeated row overrides the earlier one."""
    cells: dict[tuple[str, str, str], dict[str, Value]] = {}
    for row in result.get("rows") or []:
        key = (str(row["paper"]), str(row["tier"]), str(row["system"]))
        cells.setdefault(key, {})[str(row["metric"])] = row.get("value")
    return cells


# ----------------------------------------------------------------------------------------------- summary

def summary(result: Result) -> dict[Key, dict[str, float | None]]:
    """Mean of each metric over papers, per (system, tier); None where no paper has a value."""
    values: dict[Key, dict[str, list[float]]] = {}
    for (_, tier, system), metrics in _cells(result).items():
        per_metric = values.setdefault((system, tier), {})
        for metric, value in metrics.items():
            number = _num(value)
            per_metric.setdefault(metric, [])
            if number is not None:
                per_metric[metric].append(number)
    return {key: {m: (sum(v) / len(v) if v else None) for m, v in per_metric.items()}
            for key, per_metric in values.items()}


# ----------------------------------------------------------------------------------------------- tables
# Tables are built once as plain strings; Markdown escapes them for Markdown and Jinja autoescapes for HTML.

Table = dict[str, Any]  # {"title": str, "header": list[str], "rows": list[list[str]]}


def _tiers(result: Result) -> list[str]:
    return _ordered((str(r["tier"]) for r in result.get("rows") or []), TIER_ORDER)


def _tier_table(result: Result, tier: str, means: dict[Key, dict[str, float | None]]) -> Table:
    cells = {k: v for k, v in _cells(result).items() if k[1] == tier}
    columns = [m for m in TABLE_METRICS if any(v.get(m) is not None for v in cells.values())]
    systems = _ordered((k[2] for k in cells), SYSTEM_ORDER)
    rows: list[list[str]] = []
    for paper in sorted({k[0] for k in cells}):
        for system in systems:
            if (paper, tier, system) in cells:
                got = cells[(paper, tier, system)]
                rows.append([paper, system, *(_fmt(got.get(m), m) for m in columns)])
    for system in systems:
        mean = means.get((system, tier), {})
        rows.append(["mean", system, *(_fmt(mean.get(m), m) for m in columns)])
    return {"title": f"Tier: {tier}", "header": ["paper", "system", *columns], "rows": rows}


def _side_by_side(result: Result, tier: str, means: dict[Key, dict[str, float | None]]) -> Table | None:
    """Mean of every metric per system; Δ and verdict are pipeline − baseline when both ran."""
    systems = _ordered((k[0] for k in means if k[1] == tier), SYSTEM_ORDER)
    if len(systems) < 2:
        return None
    paired = "pipeline" in systems and "baseline" in systems
    metrics = _metrics(r for r in result.get("rows") or [] if r["tier"] == tier)
    rows: list[list[str]] = []
    for metric in metrics:
        row = [metric, *(_fmt(means[(s, tier)].get(metric), metric) for s in systems)]
        if paired:
            p, b = means[("pipeline", tier)].get(metric), means[("baseline", tier)].get(metric)
            delta = None if p is None or b is None else p - b
            row += [_fmt_delta(delta, metric), "" if delta is None else _verdict(metric, delta)]
        rows.append(row)
    extra = ["Δ pipeline − baseline", "pipeline is"] if paired else []
    return {"title": f"Systems side by side: {tier}", "header": ["metric", *systems, *extra], "rows": rows}


def _tables(result: Result) -> tuple[list[Table], list[Table]]:
    means = summary(result)
    tiers = _tiers(result)
    side = [t for t in (_side_by_side(result, tier, means) for tier in tiers) if t is not None]
    return [_tier_table(result, tier, means) for tier in tiers], side


def _meta_items(meta: Mapping[str, Any]) -> list[tuple[str, str]]:
    versions = meta.get("prompt_versions") or {}
    items = [("date", meta.get("date")), ("model", meta.get("model")), ("preset", meta.get("preset")),
             ("pipeline version", meta.get("pipeline_version")),
             ("prompt versions", ", ".join(f"{k} v{v}" for k, v in sorted(versions.items())) or None),
             ("references", meta.get("refs")), ("PDFs", meta.get("pdfs")), ("note", meta.get("note"))]
    return [(k, str(v)) for k, v in items if v not in (None, "")]


def _errors(result: Result) -> list[tuple[str, str]]:
    return [(f"{e.get('paper')} / {e.get('system')} / {e.get('tier')}", str(e.get("error")))
            for e in result.get("errors") or []]


# ----------------------------------------------------------------------------------------------- markdown

def _md(text: str) -> str:
    """Escape a cell for a Markdown table: "|" would split it; "<", "[", "`" would let text become markup."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _md_table(table: Table) -> list[str]:
    header = table["header"]
    lines = ["| " + " | ".join(_md(h) for h in header) + " |", "|" + "---|" * len(header)]
    for row in table["rows"]:
        cells = [_md(c) for c in row]
        if row[0] == "mean" and table["header"][0] == "paper":
            cells[0] = "**mean**"
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def markdown(result: Result) -> str:
    """A report a person reads in a minute: meta, one table per tier, systems side by side, errors."""
    meta = result.get("meta") or {}
    lines = [f"# Eval report {_md(str(meta.get('date') or ''))}".rstrip(), ""]
    lines += [f"- **{k}**: {_md(v)}" for k, v in _meta_items(meta)] + [""]
    tier_tables, side = _tables(result)
    for table in tier_tables:
        lines += [f"## {_md(table['title'])}", "", *_md_table(table), ""]
    if side:
        lines += ["## Systems side by side", ""]
        for table in side:
            lines += [f"### {_md(table['title'])}", "", *_md_table(table), ""]
    errors = _errors(result)
    lines += [f"## Errors ({len(errors)})", ""]
    lines += [f"- {_md(where)}: {_md(message)}" for where, message in errors] or ["None."]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------------------- html

# autoescape=True on every value: paper names, errors and meta come from files and model runs (LLM05).
_HTML_ENV = Environment(autoescape=True, undefined=StrictUndefined)
_HTML = _HTML_ENV.from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'">
<title>Eval report {{ date }}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
tr.mean{font-weight:bold;background:#f4f4f4}img{max-width:100%}</style></head><body>
<h1>Eval report {{ date }}</h1>
<dl>{% for k, v in meta %}<dt>{{ k }}</dt><dd>{{ v }}</dd>{% endfor %}</dl>
{% for group, tables in [("", tier_tables), ("Systems side by side", side)] %}
{% if group and tables %}<h2>{{ group }}</h2>{% endif %}
{% for t in tables %}<h3>{{ t.title }}</h3><table><tr>{% for h in t.header %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in t.rows %}<tr{% if row[0] == "mean" and t.header[0] == "paper" %} class="mean"{% endif %}>
{% for c in row %}<td>{{ c }}</td>{% endfor %}</tr>
{% endfor %}</table>{% endfor %}{% endfor %}
{% if plots %}<h2>Plots</h2>{% for metric, src in plots %}<figure><img src="{{ src }}" alt="{{ metric }}">
<figcaption>{{ metric }}</figcaption></figure>{% endfor %}{% endif %}
<h2>Errors ({{ errors | length }})</h2>
<ul>{% for where, message in errors %}<li><b>{{ where }}</b>: {{ message }}</li>{% else %}<li>None.</li>{% endfor %}</ul>
</body></html>
""")


def html(result: Result, plots: Mapping[str, str]) -> str:
    """A standalone HTML page with the Markdown report's tables and `<img>` tags for `plots` (metric -> file)."""
    for src in plots.values():
        # The page only shows its own files: a URL or absolute path would fetch from elsewhere (and CSP blocks it).
        if ":" in src or src.startswith(("/", "\\")) or ".." in Path(src).parts:
            raise ValueError(f"plot must be a file name relative to the page: {src!r}")
    meta = result.get("meta") or {}
    tier_tables, side = _tables(result)
    return _HTML.render(date=str(meta.get("date") or ""), meta=_meta_items(meta), tier_tables=tier_tables,
                        side=side, plots=sorted(plots.items()), errors=_errors(result))


# ----------------------------------------------------------------------------------------------- plots

def plot(result: Result, metric: str, path: Path) -> bool:
    """Bar chart of `metric` per paper, one bar per system, one panel per tier; False (no file) if no data."""
    cells = {k: _num(v.get(metric)) for k, v in _cells(result).items()}
    tiers = [t for t in _tiers(result) if any(v is not None for k, v in cells.items() if k[1] == t)]
    if not tiers:
        return False
    # The object API with the Agg canvas, not pyplot: no process-wide backend switch and no global figure
    # registry to leak from; imported here so the CLI does not pay for matplotlib unless it plots.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(max(6.0, 2.5 * len(tiers) * 2), 4.0), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(tiers), squeeze=False)[0]
    for ax, tier in zip(axes, tiers):
        keys = [k for k, v in cells.items() if k[1] == tier and v is not None]
        papers = sorted({k[0] for k in keys})
        systems = _ordered((k[2] for k in keys), SYSTEM_ORDER)
        width = 0.8 / len(systems)
        for i, system in enumerate(systems):
            heights = [cells.get((p, tier, system)) for p in papers]
            xs = [j + (i - (len(systems) - 1) / 2) * width for j in range(len(papers))]
            ax.bar(xs, [float("nan") if h is None else h for h in heights], width, label=system)
        ax.set_xticks(range(len(papers)), papers, rotation=30, ha="right", fontsize=8)
        ax.set_xlim(-0.75, max(len(papers), 2) - 0.25)  # one paper should not fill the panel with one bar
        ax.set_title(f"{metric} ({tier})")
        ax.legend(fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=100)
    return True


def write_reports(result: Result, out_dir: Path) -> dict[str, Path]:
    """Write result.json, report.md, report.html and plots/<metric>.png; return paths by kind."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {"json": out_dir / "result.json", "markdown": out_dir / "report.md",
                              "html": out_dir / "report.html"}
    paths["json"].write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    plots: dict[str, str] = {}
    for metric in _metrics(result.get("rows") or []):
        # Metric names come from a JSON file that may have been edited; keep the file name tame.
        name = f"plots/{_UNSAFE_FILE.sub('_', metric)}.png"
        if plot(result, metric, out_dir / name):
            plots[metric] = name
            paths[f"plot:{metric}"] = out_dir / name
    paths["markdown"].write_text(markdown(result), encoding="utf-8")
    paths["html"].write_text(html(result, plots), encoding="utf-8")
    return paths


# ----------------------------------------------------------------------------------------------- compare

def compare_rows(a: Result, b: Result) -> list[dict[str, Any]]:
    """Changes from run A to run B, one dict each, ordered by paper, tier, system, metric.

    kind "changed": {paper, tier, system, metric, a, b, delta, verdict} for a metric present in both runs
    whose value differs (verdict "better"/"worse" by the metric's direction, "changed" when one side is None);
    kind "only_in_a"/"only_in_b": {paper, tier, system} for an entry that only one run has.
    """
    ca, cb = _cells(a), _cells(b)
    out: list[dict[str, Any]] = []
    for key in sorted(ca.keys() | cb.keys()):
        paper, tier, system = key
        if key not in cb or key not in ca:
            out.append({"kind": "only_in_a" if key in ca else "only_in_b", "paper": paper, "tier": tier,
                        "system": system})
            continue
        for metric in [m for m in ca[key] if m in cb[key]]:
            va, vb = ca[key][metric], cb[key][metric]
            na, nb = _num(va), _num(vb)
            delta = None if na is None or nb is None else nb - na
            if (na is None and nb is None) or (delta is not None and abs(delta) <= _EPS):
                continue
            out.append({"kind": "changed", "paper": paper, "tier": tier, "system": system, "metric": metric,
                        "a": va, "b": vb, "delta": delta, "verdict": _verdict(metric, delta)})
    return out


def _run_label(result: Result) -> str:
    meta = result.get("meta") or {}
    return " ".join(str(meta.get(k)) for k in ("date", "model", "pipeline_version") if meta.get(k))


def compare(a: Result, b: Result) -> str:
    """Markdown: a better/worse count, then each changed metric per paper, then entries in only one run."""
    rows = compare_rows(a, b)
    changed = [r for r in rows if r["kind"] == "changed"]
    counts = {v: sum(r["verdict"] == v for r in changed) for v in ("better", "worse", "changed")}
    only = {side: [r for r in rows if r["kind"] == f"only_in_{side}"] for side in ("a", "b")}
    headline = (f"**B vs A: {counts['better']} better, {counts['worse']} worse, {counts['changed']} not "
                f"comparable** ({len(only['a'])} only in A, {len(only['b'])} only in B)")
    lines = ["# Eval comparison", "", headline, "",
             f"- A: {_md(_run_label(a))}", f"- B: {_md(_run_label(b))}", ""]
    if changed:
        lines += ["## Changed metrics", "", "| paper | tier | system | metric | A | B | Δ | |", "|" + "---|" * 8]
        for r in changed:
            lines.append("| " + " | ".join(_md(c) for c in (
                r["paper"], r["tier"], r["system"], r["metric"], _fmt(r["a"], r["metric"]),
                _fmt(r["b"], r["metric"]), _fmt_delta(r["delta"], r["metric"]), r["verdict"])) + " |")
        lines.append("")
    else:
        lines += ["No metric changed.", ""]
    for side, label in (("a", "A"), ("b", "B")):
        if only[side]:
            lines += [f"## Only in run {label}", ""]
            papers: dict[str, list[str]] = {}
            for r in only[side]:
                papers.setdefault(r["paper"], []).append(f"{r['tier']}/{r['system']}")
            lines += [f"- {_md(p)} ({_md(', '.join(where))})" for p, where in papers.items()] + [""]
    return "\n".join(lines)
