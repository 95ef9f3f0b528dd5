"""The `summarizer summarize` command end to end: fake arXiv on loopback, real PDFs, real tiny model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from summarizer.card import Card
from summarizer.jobs import Stage
from tests.fakes.fake_arxiv import FakeArxiv
from tests.fakes.fake_llm import FakeLLM, schema_answer

pytestmark = pytest.mark.integration
FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"


def run(args: list[str], env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "summarizer.cli", *args], check=False, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture()
def env(fake_arxiv: FakeArxiv, tmp_path: Path) -> dict[str, str]:
    fake_arxiv.reset()
    base = {k: v for k, v in os.environ.items() if not k.startswith("SUMMARIZER_")}
    return {**base, "SUMMARIZER_DATA_DIR": str(tmp_path / "data"), "SUMMARIZER_PRESET": "local-tiny",
            "SUMMARIZER_ARXIV_API_URL": fake_arxiv.api_url, "SUMMARIZER_ARXIV_PDF_URL": fake_arxiv.pdf_url,
            "SUMMARIZER_ARXIV__MIN_INTERVAL_S": "0", "SUMMARIZER_ARXIV__BACKOFF_BASE_S": "0.05"}


def test_an_arxiv_id_becomes_a_grounded_card_on_the_local_model(env: dict[str, str], tmp_path: Path,
                                                               fake_arxiv: FakeArxiv) -> None:
    out = tmp_path / "card.json"
    result = run(["summarize", "2307.16789", "--out", str(out)], env)
    assert result.returncode == 0, result.stderr
    for stage in [*Stage, "done"]:
        if stage != Stage.STORE:  # the queue's stage: the CLI keeps no store
            assert f"[{stage}]" in result.stderr
    card = Card.model_validate_json(out.read_text())
    # metadata from the (fake) arXiv API, never from the model
    assert card.arxiv_id == "2307.16789" and card.version == "v2"
    assert card.title.startswith("ToolLLM") and card.name == "ToolLLM" and "Yujia Qin" in card.authors
    assert card.core_problem and card.method and card.verdict
    assert card.code_url == "github.com/OpenBMB/ToolBench" and card.code_status == "released"
    # grounding: every kept key number is printed on its page; the card says how many held
    evidence = card.evidence_for("key_numbers")
    pages = evidence.pages if evidence else []
    assert all(k.page for k in card.key_numbers) and {k.page for k in card.key_numbers} <= set(pages)
    assert card.grounding.checked >= len(card.key_numbers) > 0
    assert 0 <= card.grounding.held <= card.grounding.checked
    assert card.provenance.grounding_rate == round(card.grounding.rate, 4)
    assert len(card.provenance.calls) >= 3 and card.provenance.prompt_tokens > 0
    assert set(card.provenance.stage_seconds) == {Stage.FETCH, Stage.PARSE, Stage.EXTRACT}
    assert card.provenance.prompt_versions["extract_results"] >= 1
    md = out.with_suffix(".md").read_text()
    assert "Core problem:" in md and "Peer-review status:" in md and md == result.stdout
    # a second run is served from the cache: no request reaches arXiv
    before = len(fake_arxiv.requests)
    again = run(["summarize", "2307.16789", "--format", "json"], {**env, "SUMMARIZER_LLM_BASE_URL": "http://127.0.0.1:9/v1"})
    assert len(fake_arxiv.requests) == before
    assert again.returncode == 4  # the (unreachable) endpoint is the only thing that failed


def test_malformed_id_exits_2_before_any_request(env: dict[str, str], fake_arxiv: FakeArxiv) -> None:
    result = run(["summarize", "2501.1294x"], env, timeout=60)
    assert result.returncode == 2 and "not an arXiv id" in result.stderr
    assert fake_arxiv.requests == []


def test_unknown_id_exits_2(env: dict[str, str]) -> None:
    result = run(["summarize", "2501.99999"], env, timeout=60)
    assert result.returncode == 2 and "no paper" in result.stderr


def test_html_served_as_pdf_exits_2(env: dict[str, str], fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.html_as_pdf()
    result = run(["summarize", "2408.12528"], env, timeout=60)
    assert result.returncode == 2 and "not a PDF" in result.stderr


def test_a_corrupt_local_pdf_exits_2(env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes((FIXTURES / "gpjax_joss.pdf").read_bytes()[:3000])
    result = run(["summarize", str(broken)], env, timeout=60)
    assert result.returncode == 2 and "error:" in result.stderr and "Traceback" not in result.stderr


def test_a_model_returning_garbage_exits_5_with_a_clear_message(env: dict[str, str]) -> None:
    garbage = FakeLLM(default=lambda request: "Sure! Here is your card: {title: oops").start()
    try:
        result = run(["summarize", str(FIXTURES / "gpjax_joss.pdf")],
                     {**env, "SUMMARIZER_LLM_BASE_URL": garbage.url}, timeout=120)
    finally:
        garbage.stop()
    assert result.returncode == 5, result.stderr
    assert "not valid after one repair attempt" in result.stderr and "Traceback" not in result.stderr


def test_every_command_reports_bad_settings_in_one_line_naming_the_variable(env: dict[str, str]) -> None:
    bad = {**env, "SUMMARIZER_LLM__TIMEOUT": "3", "SUMMARIZER_LLM_API_KEY": "sk-do-not-print-me"}
    for args in (["summarize", "2307.16789"], ["jobs"], ["submit", "2307.16789"], ["worker"], ["api"]):
        result = run(args, bad, timeout=120)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith("error: bad settings: SUMMARIZER_LLM__TIMEOUT"), (args, result.stderr)
        assert "Traceback" not in result.stderr and "sk-do-not-print-me" not in result.stderr
    result = run(["worker", "--preset", "no-such-preset"], env, timeout=120)
    assert result.returncode == 2 and "unknown preset; choose one of" in result.stderr


def test_no_error_prints_a_secret_set_in_the_wrong_variable_or_a_password_in_a_url(env: dict[str, str],
                                                                                 tmp_path: Path) -> None:
    key, url = "sk-live-0123456789abcdef", "postgresql+psycopg://editor:hunter2@127.0.0.1:{}/cards"
    for args, variable, value, code in (
        (["jobs"], "SUMMARIZER_DATABASE_URL", url.format("notaport"), 2),
        (["jobs"], "SUMMARIZER_DATABASE_URL", url.format(1), 4),  # refused: the driver's own message
        (["eval", "export", "--approved", str(tmp_path)], "SUMMARIZER_DIGEST", key, 2),  # in DIGEST__TIMEZONE
        (["summarize", "2307.16789"], "SUMMARIZER_PRESET", key, 2),
        (["api", "--port", "0"], "SUMMARIZER_WEB__RATE_LIMIT_STORAGE", "redix://:hunter2@127.0.0.1:6379/0", 2),
    ):
        name = "SUMMARIZER_DIGEST__TIMEZONE" if variable == "SUMMARIZER_DIGEST" else variable
        result = run(args, {**env, name: value}, timeout=120)
        assert result.returncode == code, (args, result.stderr)
        assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert variable in result.stderr, result.stderr
        assert "hunter2" not in result.stderr and "0123456789abcdef" not in result.stderr, result.stderr


def test_an_unreachable_database_exits_4_and_an_unreadable_id_file_exits_2(env: dict[str, str],
                                                                         tmp_path: Path) -> None:
    down = {**env, "SUMMARIZER_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    result = run(["jobs"], down, timeout=120)
    assert result.returncode == 4 and result.stderr.startswith("error: the database is unavailable")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    result = run(["submit", "--file", str(tmp_path / "missing.txt")], env, timeout=120)
    assert result.returncode == 2 and "cannot read ids from" in result.stderr and "Traceback" not in result.stderr


def test_help_explains_the_settings() -> None:
    result = subprocess.run([sys.executable, "-m", "summarizer.cli", "summarize", "--help"], check=False,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for name in ("SUMMARIZER_LLM_BASE_URL", "SUMMARIZER_ARXIV_API_URL", "SUMMARIZER_CHROMA_URL", "Exit codes"):
        assert name in result.stdout


def test_card_json_format_on_stdout(env: dict[str, str]) -> None:
    fake = FakeLLM(default=schema_answer).start()
    try:
        result = run(["summarize", str(FIXTURES / "gpjax_joss.pdf"), "--format", "json"],
                     {**env, "SUMMARIZER_LLM_BASE_URL": fake.url}, timeout=120)
    finally:
        fake.stop()
    assert result.returncode == 0, result.stderr
    card = json.loads(result.stdout)
    assert card["venue"] == "Journal of Open Source Software" and card["peer_review_status"] == "accepted"
    assert card["code_url"] and "github.com" in card["code_url"]
