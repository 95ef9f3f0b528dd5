"""The eval harness end to end on the tiny model: it runs, writes its reports, and the scores are sane."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
DIGEST = "000_5cce8fcd1cf364ff.json"  # three of its five papers have an abstract in shared/eval/abstracts
QUALITY = ("grounding_precision", "key_number_recall_anywhere", "table_cell_recall", "author_f1", "must_mention",
           "rouge_l_method")


def summarizer(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "summarizer.cli", *args], check=False, env=env, capture_output=True,
                          text=True, timeout=900)


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("eval")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUMMARIZER_")}
    env["SUMMARIZER_DATA_DIR"] = str(out / "data")
    result = summarizer("eval", "run", "--refs", str(SHARED / "eval"), "--pdfs", str(SHARED / "fixtures"),
                        "--only", f"gpjax_joss,2605.13974,{DIGEST}", "--tiers", "full,abstract,digest",
                        "--preset", "local-tiny", "--out", str(out / "run"), env=env)
    return out, env, result


Smoke = tuple[Path, dict[str, str], subprocess.CompletedProcess[str]]


def test_a_small_eval_writes_its_reports_with_sane_scores(smoke: Smoke) -> None:
    out, _, result = smoke
    assert result.returncode == 0, result.stderr
    run = out / "run"
    for name in ("result.json", "report.md", "report.html"):
        assert (run / name).is_file()
    assert list((run / "plots").glob("*.png"))
    data = json.loads((run / "result.json").read_text())
    seen = {(r["paper"], r["system"], r["tier"]) for r in data["rows"]}
    assert seen == {("gpjax_joss", "pipeline", "full"), ("gpjax_joss", "baseline", "full"),
                    ("2605.13974", "pipeline", "abstract"), (DIGEST, "pipeline", "digest")}
    for row in data["rows"]:
        if row["metric"] in QUALITY and row["value"] is not None:
            assert 0.0 <= row["value"] <= 1.0, row
        if row["metric"].startswith("cosine_") and row["value"] is not None:
            assert -1.0 <= row["value"] <= 1.0, row
    values = {(r["paper"], r["system"], r["metric"]): r["value"] for r in data["rows"]}
    assert "Tier: digest" in result.stdout
    # the pipeline's numbers are grounded by construction; metadata of a JOSS paper comes from the PDF
    assert values[("gpjax_joss", "pipeline", "grounding_precision")] in (1.0, None)
    assert values[("gpjax_joss", "pipeline", "venue_match")] is True
    assert values[("gpjax_joss", "pipeline", "prompt_tokens")] > 0
    assert values[("2605.13974", "pipeline", "title_exact")] is True  # metadata from the listing
    # the digest tier: its three papers among the distractors, scored against the picks it saved
    chosen = json.loads((run / "cards" / "digest" / DIGEST).read_text())
    assert chosen["featured"] == ["2605.13974", "2605.15141", "2605.15178"] and 1 <= len(chosen["picks"]) <= 5
    assert values[(DIGEST, "pipeline", "pool")] == 3 + 48
    hits = len(set(chosen["picks"]) & set(chosen["featured"]))
    assert values[(DIGEST, "pipeline", "picks_recall")] == hits / 3
    assert values[(DIGEST, "pipeline", "picks_precision")] == hits / len(chosen["picks"])
    assert values[(DIGEST, "pipeline", "picks_precision_ceiling")] == min(1.0, 3 / len(chosen["picks"]))
    assert 1.0 <= values[(DIGEST, "pipeline", "featured_mean_rank")] <= 51
    # its one paper that the abstract tier carded, if picked, is scored as an entry
    picked = "2605.13974" in chosen["picks"]
    assert values[(DIGEST, "pipeline", "entries_scored")] == int(picked)
    assert (values[(DIGEST, "pipeline", "entry_title_exact")] == 1.0) is picked
    assert data["meta"]["prompt_versions"]["extract_results"] >= 1 and data["meta"]["preset"] == "local-tiny"
    assert "| gpjax_joss | pipeline |" in result.stdout
    assert (run / "cards" / "pipeline" / "gpjax_joss.json").is_file()


def test_existing_cards_are_rescored_and_runs_compared(smoke: Smoke) -> None:
    out, env, _ = smoke
    rescored = summarizer("eval", "run", "--refs", str(SHARED / "eval" / "papers"), "--pdfs",
                          str(SHARED / "fixtures"), "--cards", str(out / "run" / "cards" / "pipeline"),
                          "--only", "gpjax_joss", "--out", str(out / "rescored"), env=env)
    assert rescored.returncode == 0, rescored.stderr
    first = json.loads((out / "run" / "result.json").read_text())
    again = json.loads((out / "rescored" / "result.json").read_text())

    def key(rows: list[dict[str, Any]]) -> dict[str, Any]:
        return {r["metric"]: r["value"] for r in rows if r["paper"] == "gpjax_joss"
                and r["system"] in ("pipeline", "cards") and not r["metric"].startswith(("seconds", "prompt", "completion"))}

    assert key(first["rows"]) == key(again["rows"])  # scoring is deterministic
    compared = summarizer("eval", "compare", str(out / "run" / "result.json"), str(out / "rescored" / "result.json"), env=env)
    assert compared.returncode == 0 and "better" in compared.stdout


def test_a_missing_reference_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = summarizer("eval", "run", "--refs", str(tmp_path / "nope"), "--pdfs", str(tmp_path),
                        env=dict(os.environ))
    assert result.returncode != 0 and "no reference folder" in result.stderr
