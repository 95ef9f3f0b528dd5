"""The `summarizer` command: a thin layer over the library (stderr for progress, stdout for the card)."""

from __future__ import annotations

import logging
import sys
from enum import Enum
from pathlib import Path

import typer

from summarizer import pipeline, render
from summarizer.errors import SummarizerError
from summarizer.settings import FLAT_ENV, PRESETS, load

SETTINGS_HELP = f"""
Settings come from environment variables (prefix SUMMARIZER_, nested with __) or a preset
(--preset, or SUMMARIZER_PRESET: {", ".join(PRESETS)}).

Common ones: {", ".join(FLAT_ENV)};
SUMMARIZER_DATA_DIR (cache, Chroma, assembled models; default ~/.cache/summarizer);
SUMMARIZER_LLM__GGUF (a packaged model name or your own .gguf path);
SUMMARIZER_ARXIV__MIN_INTERVAL_S; SUMMARIZER_ARXIV__MAX_PDF_BYTES.

With no SUMMARIZER_LLM_BASE_URL the packaged model runs locally behind llama.cpp's server.
Exit codes: 0 ok, 2 bad input (id, PDF, settings), 4 upstream unavailable (retry later), 5 model failed.
"""

app = typer.Typer(help="Turn arXiv papers into grounded editorial cards.", epilog=SETTINGS_HELP,
                  no_args_is_help=True, add_completion=False)


class Format(str, Enum):
    json = "json"
    md = "md"


def _progress(stage: str, detail: str) -> None:
    typer.echo(f"[{stage}] {detail}", err=True)


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log details to stderr.")) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@app.command(epilog=SETTINGS_HELP)
def summarize(
    source: str = typer.Argument(..., help="arXiv id (2501.12948, 2501.12948v2, hep-th/9901001), arXiv URL, or a PDF path."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the card here (JSON, plus a .md beside it)."),
    fmt: Format = typer.Option(Format.md, "--format", "-f", help="What to print on stdout."),
    preset: str | None = typer.Option(None, "--preset", help=f"Settings preset: {', '.join(PRESETS)}."),
) -> None:
    """Summarize one paper into a card: every number checked against the PDF."""
    try:
        settings = load(preset)
        card = pipeline.summarize(source, settings, progress=_progress)
    except SummarizerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except ValueError as exc:  # settings that do not validate
        typer.echo(f"error: bad settings: {exc}", err=True)
        raise typer.Exit(2) from None
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        json_path = out if out.suffix == ".json" else out.with_suffix(".json")
        json_path.write_text(render.json_text(card), "utf-8")
        json_path.with_suffix(".md").write_text(render.markdown(card), "utf-8")
        typer.echo(f"[done] wrote {json_path} and {json_path.with_suffix('.md')}", err=True)
    g = card.grounding
    typer.echo(f"[done] {g.held}/{g.checked} numbers held; {len(card.grounding.flagged)} flagged", err=True)
    typer.echo(render.json_text(card) if fmt is Format.json else render.markdown(card), nl=False)


eval_app = typer.Typer(help="Score cards against hand-written references (see eval/README.md).",
                       no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("run")
def eval_run(
    refs: Path = typer.Option(..., help="Folder of references (reference cards, digests, abstracts), searched recursively."),
    pdfs: Path | None = typer.Option(None, help="Folder with the PDFs the reference cards name (source_pdf)."),
    cards: Path | None = typer.Option(None, help="Score existing cards (<pdf stem>.json) instead of generating."),
    out: Path = typer.Option(Path("eval/results/latest"), help="Where to write result.json, report.md, report.html."),
    systems: str = typer.Option("pipeline,baseline", help="pipeline, baseline (whole paper in one prompt), or both."),
    tiers: str = typer.Option("full,abstract", help="full (PDF cards vs reference cards), abstract (vs digests)."),
    only: str | None = typer.Option(None, help="Comma-separated PDF stems or arXiv ids to evaluate."),
    preset: str | None = typer.Option(None, help=f"Settings preset: {', '.join(PRESETS)}."),
    note: str | None = typer.Option(None, help="A note recorded in the report."),
) -> None:
    """Generate cards with the real pipeline (and the baseline) and score every field."""
    from summarizer import eval_report, evaluation

    try:
        settings = load(preset)
        references = evaluation.load_references(refs)
        result = evaluation.run(
            references, settings, pdfs=pdfs, cards=cards, systems=systems.split(","), tiers=tiers.split(","),
            only=set(only.split(",")) if only else None, note=note, save_cards=None if cards else out / "cards",
            progress=lambda message: typer.echo(f"[eval] {message}", err=True),
        )
    except SummarizerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    written = eval_report.write_reports(result, out)
    for kind, path in written.items():
        typer.echo(f"[done] {kind}: {path}", err=True)
    typer.echo(written["markdown"].read_text("utf-8"), nl=False)
    if result["errors"]:
        raise typer.Exit(1)


@eval_app.command("compare")
def eval_compare(a: Path = typer.Argument(..., help="result.json of the earlier run"),
                 b: Path = typer.Argument(..., help="result.json of the later run")) -> None:
    """What got better or worse between two eval runs, per paper."""
    import json

    from summarizer import eval_report

    runs = [json.loads(p.read_text("utf-8")) for p in (a, b)]
    typer.echo(eval_report.compare(runs[0], runs[1]), nl=False)


if __name__ == "__main__":
    app()
