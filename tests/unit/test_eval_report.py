"""Eval reports: means, Markdown, escaped HTML, PNG plots and run-to-run comparison."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from summarizer.evaluation import report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EVIL = "<script>alert(1)</script>"


def _row(paper: str, system: str, metric: str, value: Any, tier: str = "full") -> dict[str, Any]:
    return {"paper": paper, "system": system, "tier": tier, "metric": metric, "value": value}


def make_result() -> dict[str, Any]:
    """Two papers x two systems, a bool metric, a None, a cost metric and one error."""
    rows = []
    for paper, p_knr, b_knr, p_title, b_title, p_gp, b_s in (
        ("toolllm_iclr2024", 0.5, 0.25, True, False, 1.0, 100.0),
        ("react_iclr2023", 1.0, 0.75, True, True, None, 300.0),
    ):
        rows += [
            _row(paper, "pipeline", "key_number_recall_anywhere", p_knr),
            _row(paper, "baseline", "key_number_recall_anywhere", b_knr),
            _row(paper, "pipeline", "title_exact", p_title),
            _row(paper, "baseline", "title_exact", b_title),
            _row(paper, "pipeline", "grounding_precision", p_gp),
            _row(paper, "baseline", "grounding_precision", 0.5),
            _row(paper, "pipeline", "seconds_total", 55.0),
            _row(paper, "baseline", "seconds_total", b_s),
            _row(paper, "pipeline", "prompt_tokens", 1200),
            _row(paper, "baseline", "prompt_tokens", 9000),
        ]
    rows.append(_row("toolllm_iclr2024", "pipeline", "key_number_recall_anywhere", 1.0, tier="abstract"))
    return {
        "meta": {"date": "2026-11-24T21:50:00+00:00", "model": "qwen2.5-coder-1.5b",
                 "prompt_versions": {"extract_results": 1, "extract_method": 3},
                 "pipeline_version": "abc123", "refs": "/refs", "pdfs": "/pdfs", "preset": "local-default",
                 "note": None},
        "rows": rows,
        "errors": [{"paper": "react_iclr2023", "system": "baseline", "tier": "abstract",
                    "error": "context | too long"}],
    }


def test_summary_means_count_booleans_as_one_and_zero_and_skip_none() -> None:
    means = report.summary(make_result())
    pipeline, baseline = means[("pipeline", "full")], means[("baseline", "full")]
    assert pipeline["key_number_recall_anywhere"] == pytest.approx(0.75)
    assert baseline["key_number_recall_anywhere"] == pytest.approx(0.5)
    assert pipeline["title_exact"] == pytest.approx(1.0)
    assert baseline["title_exact"] == pytest.approx(0.5)
    assert pipeline["grounding_precision"] == pytest.approx(1.0)  # the None paper is not a zero
    assert baseline["seconds_total"] == pytest.approx(200.0)
    assert means[("pipeline", "abstract")] == {"key_number_recall_anywhere": 1.0}


def test_summary_of_a_metric_with_only_none_is_none() -> None:
    result = {"meta": {}, "rows": [_row("p", "pipeline", "table_cell_recall", None)], "errors": []}
    assert report.summary(result) == {("pipeline", "full"): {"table_cell_recall": None}}


def test_markdown_shows_meta_tables_mean_rows_side_by_side_and_errors() -> None:
    text = report.markdown(make_result())
    assert "qwen2.5-coder-1.5b" in text and "local-default" in text and "abc123" in text
    assert "extract_method v3" in text
    assert "## Tier: full" in text and "## Tier: abstract" in text
    assert "| **mean** | pipeline | 1.00 | 0.75 | 1.00 | 1200 | 55.00 |" in text
    assert "| toolllm_iclr2024 | baseline | 0.50 | 0.25 | ✗ | 9000 | 100.00 |" in text
    assert "| react_iclr2023 | pipeline | – | 1.00 | ✓ |" in text
    # table_cell_recall has no value anywhere, so it gets no column
    assert "table_cell_recall" not in text
    assert "## Systems side by side" in text
    assert "| key_number_recall_anywhere | 0.75 | 0.50 | +0.25 | better |" in text
    assert "| seconds_total | 55.00 | 200.00 | -145.00 | better |" in text
    assert "context \\| too long" in text  # "|" escaped, so the error cannot break a table


def test_markdown_escapes_pipes_in_paper_names() -> None:
    result = make_result()
    result["rows"].append(_row("a|b", "pipeline", "key_number_recall_anywhere", 0.1))
    assert "| a\\|b | pipeline |" in report.markdown(result)


def test_html_escapes_script_in_paper_name_and_error_and_sets_csp() -> None:
    result = make_result()
    result["rows"].append(_row(EVIL, "pipeline", "key_number_recall_anywhere", 0.1))
    result["errors"].append({"paper": "x", "system": "baseline", "tier": "full", "error": EVIL})
    page = report.html(result, {"key_number_recall_anywhere": "plots/key_number_recall_anywhere.png"})
    assert "<script" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2
    assert ('<meta http-equiv="Content-Security-Policy" content="default-src \'self\'; img-src \'self\' data:; '
            'style-src \'unsafe-inline\'">') in page
    assert '<img src="plots/key_number_recall_anywhere.png"' in page
    assert "class=\"mean\"" in page


@pytest.mark.parametrize("src", ["https://evil.example/x.png", "javascript:alert(1)", "/etc/x.png", "../x.png"])
def test_html_refuses_plots_that_are_not_relative_files(src: str) -> None:
    with pytest.raises(ValueError):
        report.html(make_result(), {"m": src})


def test_write_reports_writes_json_markdown_html_and_valid_pngs(tmp_path: Path) -> None:
    result = make_result()
    paths = report.write_reports(result, tmp_path / "run")
    assert json.loads(paths["json"].read_text(encoding="utf-8")) == result
    assert "## Tier: full" in paths["markdown"].read_text(encoding="utf-8")
    page = paths["html"].read_text(encoding="utf-8")
    plots = {k: p for k, p in paths.items() if k.startswith("plot:")}
    assert set(plots) == {f"plot:{m}" for m in ("key_number_recall_anywhere", "title_exact", "grounding_precision",
                                                 "seconds_total", "prompt_tokens")}
    for path in plots.values():
        assert path.parent == tmp_path / "run" / "plots"
        assert path.read_bytes()[:8] == PNG_MAGIC
        assert f'src="plots/{path.name}"' in page


def test_plot_without_data_writes_nothing(tmp_path: Path) -> None:
    result = {"meta": {}, "rows": [_row("p", "pipeline", "table_cell_recall", None)], "errors": []}
    assert report.plot(result, "table_cell_recall", tmp_path / "x.png") is False
    assert report.plot(result, "absent_metric", tmp_path / "y.png") is False
    assert not list(tmp_path.iterdir())


def test_compare_judges_by_direction_and_reports_a_paper_only_in_b() -> None:
    a = make_result()
    b = copy.deepcopy(a)
    for row in b["rows"]:
        if row["paper"] == "toolllm_iclr2024" and row["system"] == "pipeline" and row["tier"] == "full":
            if row["metric"] == "key_number_recall_anywhere":
                row["value"] = 0.75  # higher recall: better
            if row["metric"] == "seconds_total":
                row["value"] = 85.0  # slower: worse
    b["rows"].append(_row("new_paper_2026", "pipeline", "key_number_recall_anywhere", 0.3))

    rows = report.compare_rows(a, b)
    changed = {(r["paper"], r["metric"]): r for r in rows if r["kind"] == "changed"}
    assert set(changed) == {("toolllm_iclr2024", "key_number_recall_anywhere"), ("toolllm_iclr2024", "seconds_total")}
    assert changed[("toolllm_iclr2024", "key_number_recall_anywhere")]["verdict"] == "better"
    assert changed[("toolllm_iclr2024", "key_number_recall_anywhere")]["delta"] == pytest.approx(0.25)
    assert changed[("toolllm_iclr2024", "seconds_total")]["verdict"] == "worse"
    assert [r for r in rows if r["kind"] == "only_in_b"] == [
        {"kind": "only_in_b", "paper": "new_paper_2026", "tier": "full", "system": "pipeline"}]

    text = report.compare(a, b)
    assert text.splitlines()[2].startswith("**B vs A: 1 better, 1 worse")
    assert "| toolllm_iclr2024 | full | pipeline | key_number_recall_anywhere | 0.50 | 0.75 | +0.25 | better |" in text
    assert "| toolllm_iclr2024 | full | pipeline | seconds_total | 55.00 | 85.00 | +30.00 | worse |" in text
    assert "## Only in run B" in text and "new_paper_2026" in text


def test_compare_of_a_run_with_itself_reports_no_change() -> None:
    result = make_result()
    assert report.compare_rows(result, copy.deepcopy(result)) == []
    assert "0 better, 0 worse" in report.compare(result, result)
