"""summarizer.ingest.arxiv against the fake arXiv on loopback: what the client fetched, cached and refused."""

from __future__ import annotations

import itertools
import logging
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import redis

from summarizer.document import ArxivRecord
from summarizer.errors import InvalidArxivId, NotAPdf, PaperNotFound, PdfTooLarge, UpstreamUnavailable
from summarizer.ingest import ids
from summarizer.ingest.arxiv import ArxivClient
from summarizer.settings import ArxivSettings

if TYPE_CHECKING:  # the fixture supplies the instance; the import is for annotations only
    from tests.fakes.fake_arxiv import FakeArxiv

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


@pytest.fixture
def client(arxiv_settings: ArxivSettings, tmp_path: Path) -> Iterator[ArxivClient]:
    with ArxivClient(arxiv_settings, tmp_path / "cache") as c:
        yield c


def make_client(settings: ArxivSettings, tmp_path: Path, **changes: object) -> ArxivClient:
    return ArxivClient(settings.model_copy(update=changes), tmp_path / "cache")


def test_record_metadata_is_fetched_and_parsed(client: ArxivClient, fake_arxiv: FakeArxiv) -> None:
    record = client.fetch_record(ids.parse("2307.16789"))
    assert record.arxiv_id == "2307.16789"
    assert record.version == 2  # an unversioned id resolves to the latest version
    assert record.full_id == "2307.16789v2"
    # the feed hard-wraps the title and indents the abstract; the record has single spaces
    assert record.title == "ToolLLM: Facilitating Large Language Models to Master 16000+ Real-world APIs"
    assert record.abstract.startswith("Open-source large language models") and "  " not in record.abstract
    assert record.authors[0] == "Yujia Qin" and record.authors[-1] == "Maosong Sun"
    assert len(record.authors) == 18
    assert record.comment == "Preprint"
    assert record.categories == ["cs.AI", "cs.CL", "cs.LG"] and record.primary_category == "cs.AI"
    assert (record.published, record.updated) == ("2023-07-31", "2023-10-03")
    assert record.journal_ref is None and record.doi is None
    assert record.abs_url == "http://arxiv.org/abs/2307.16789v2"
    assert record.pdf_url == "http://arxiv.org/pdf/2307.16789v2"
    [request] = fake_arxiv.requests
    assert request.path == "/api/query"
    assert request.query == {"id_list": ["2307.16789"], "max_results": ["1"]}


def test_a_title_and_abstract_written_in_tex_are_read_as_plain_text(client: ArxivClient, fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.papers["3103.00002"] = {
        **fake_arxiv.papers["2307.16789"], "id": "3103.00002", "version": 1, "title": r"$\pi$-Zeta: Fast Sampling",
        "abstract": r"We reach $4\times$ fewer steps and 30% lower cost with \textbf{Zeta}.",
    }
    record = client.fetch_record(ids.parse("3103.00002"))
    assert record.title == "π-Zeta: Fast Sampling"
    assert record.abstract == "We reach 4× fewer steps and 30% lower cost with Zeta."


def test_an_explicit_version_is_fetched_as_asked(client: ArxivClient) -> None:
    record = client.fetch_record(ids.parse("arXiv:2307.16789v1"))
    assert record.version == 1
    assert record.updated == record.published == "2023-07-31"


def test_accepted_paper_comment_and_journal_fields(client: ArxivClient) -> None:
    drift = client.fetch_record(ids.parse("2607.08270"))
    assert drift.comment == "Accepted at ECCV 2026" and drift.categories == ["cs.CV"]
    old = client.fetch_record(ids.parse("hep-th/9901001"))
    assert old.arxiv_id == "hep-th/9901001" and old.version == 1
    assert old.doi == "10.21105/joss.04455" and old.journal_ref is not None


def test_pdf_is_the_fixture_bytes(client: ArxivClient, fake_arxiv: FakeArxiv) -> None:
    record, pdf = client.fetch(ids.parse("https://arxiv.org/abs/2408.12528"))
    assert record.full_id == "2408.12528v1"
    assert pdf == fake_arxiv.fixture_bytes("2408.12528")
    assert [r.path for r in fake_arxiv.requests] == ["/api/query", "/pdf/2408.12528v1"]


def test_old_style_id_end_to_end(client: ArxivClient, fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    record, pdf = client.fetch(ids.parse("https://arxiv.org/abs/hep-th/9901001"))
    assert record.title == "GPJax: A Gaussian Process Framework in JAX"
    assert pdf == fake_arxiv.fixture_bytes("hep-th/9901001")
    assert fake_arxiv.requests[-1].path == "/pdf/hep-th/9901001v1"
    assert (tmp_path / "cache" / "arxiv" / "hep-th_9901001v1.pdf").is_file()


def test_second_fetch_comes_from_the_cache(client: ArxivClient, fake_arxiv: FakeArxiv,
                                           arxiv_settings: ArxivSettings, tmp_path: Path) -> None:
    first = client.fetch(ids.parse("2501.17811"))
    assert len(fake_arxiv.requests) == 2
    cache = tmp_path / "cache" / "arxiv"
    assert sorted(p.name for p in cache.iterdir()) == ["2501.17811.latest", "2501.17811v1.pdf", "2501.17811v1.v2.json"]
    fake_arxiv.reset()
    # a new client (a new process, say) finds everything on disk, versioned or not
    with make_client(arxiv_settings, tmp_path) as again:
        assert again.fetch(ids.parse("2501.17811")) == first
        assert again.fetch(ids.parse("2501.17811v1")) == first
        assert again.fetch_pdf(ids.parse("2501.17811")) == first[1]
    assert fake_arxiv.requests == []


def test_429_with_retry_after_is_waited_out(client: ArxivClient, fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.rate_limit(1, retry_after="1")
    started = time.monotonic()
    record = client.fetch_record(ids.parse("2412.19437"))
    assert record.title == "DeepSeek-V3 Technical Report"
    first, second = fake_arxiv.requests
    assert second.at - first.at >= 0.95  # Retry-After: 1, although the backoff alone is ~0.05 s
    assert time.monotonic() - started < 3


def test_retry_after_is_capped_at_backoff_max(client: ArxivClient, fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.rate_limit(1, retry_after="3600")
    client.fetch_record(ids.parse("2412.19437"))
    first, second = fake_arxiv.requests
    assert second.at - first.at < 2  # backoff_max_s=1 bounds a hostile Retry-After


def test_503_beyond_max_retries_is_upstream_unavailable(arxiv_settings: ArxivSettings, fake_arxiv: FakeArxiv,
                                                         tmp_path: Path) -> None:
    fake_arxiv.unavailable(10)
    with make_client(arxiv_settings, tmp_path, max_retries=2) as client, \
            pytest.raises(UpstreamUnavailable, match="after 3 attempts.*HTTP 503") as caught:
        client.fetch_record(ids.parse("2412.19437"))
    assert len(fake_arxiv.requests) == 3  # one try and max_retries=2 retries
    assert caught.value.transient  # the task layer may try again later


def test_503_then_success_recovers(client: ArxivClient, fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.unavailable(2, target="pdf")
    pdf = client.fetch_pdf(ids.parse("2412.19437v1"))
    assert pdf == fake_arxiv.fixture_bytes("2412.19437")
    assert [r.kind for r in fake_arxiv.requests] == ["pdf"] * 3


def test_a_stalled_answer_times_out_and_is_retried(arxiv_settings: ArxivSettings, fake_arxiv: FakeArxiv,
                                                   tmp_path: Path) -> None:
    fake_arxiv.stall(5, target="api")
    with make_client(arxiv_settings, tmp_path, timeout_s=0.3) as client:
        assert client.fetch_record(ids.parse("2408.12528")).version == 1
    assert len(fake_arxiv.requests) == 2


def test_malformed_id_error_entry_is_invalid_arxiv_id(client: ArxivClient, fake_arxiv: FakeArxiv) -> None:
    # our parser accepts the id, arXiv does not: its answer is an entry titled "Error" (HTTP 400)
    fake_arxiv.error_feed()
    with pytest.raises(InvalidArxivId, match="incorrect id format"):
        client.fetch_record(ids.parse("2501.12948"))
    assert len(fake_arxiv.requests) == 1  # not retried: it will not get better


def test_unknown_id_is_paper_not_found_after_a_few_tries(client: ArxivClient, fake_arxiv: FakeArxiv,
                                                         tmp_path: Path) -> None:
    with pytest.raises(PaperNotFound, match="2501.99999"):
        client.fetch(ids.parse("2501.99999"))
    # an empty feed may be arXiv's hiccup, so it is asked again before giving up; no PDF is requested
    assert [r.kind for r in fake_arxiv.requests] == ["api"] * 3
    assert not list((tmp_path / "cache").rglob("*2501.99999*"))


def test_an_intermittent_empty_feed_is_retried(client: ArxivClient, fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.empty_feed(1, total_results=1)  # arXiv has claimed 1 result and sent none
    assert client.fetch_record(ids.parse("2501.17811")).version == 1
    assert len(fake_arxiv.requests) == 2


def test_pdf_404_is_paper_not_found(client: ArxivClient, fake_arxiv: FakeArxiv) -> None:
    with pytest.raises(PaperNotFound, match="2501.17811v7"):
        client.fetch_pdf(ids.parse("2501.17811v7"))
    assert len(fake_arxiv.requests) == 1


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "application/pdf"])
def test_html_served_as_pdf_is_not_a_pdf(client: ArxivClient, fake_arxiv: FakeArxiv, tmp_path: Path,
                                         content_type: str) -> None:
    fake_arxiv.html_as_pdf(content_type=content_type)  # labelled honestly, or lying about its type
    with pytest.raises(NotAPdf):
        client.fetch_pdf(ids.parse("2501.17811v1"))
    assert not list((tmp_path / "cache").rglob("*.pdf"))


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
def test_pdf_over_max_pdf_bytes_is_refused(arxiv_settings: ArxivSettings, fake_arxiv: FakeArxiv,
                                           tmp_path: Path, declared: bool) -> None:
    if not declared:
        fake_arxiv.omit_content_length()
    with make_client(arxiv_settings, tmp_path, max_pdf_bytes=100_000) as client, \
            pytest.raises(PdfTooLarge, match="100,000"):
        client.fetch_pdf(ids.parse("2501.17811v1"))
    assert not list((tmp_path / "cache").rglob("*.pdf"))


def test_truncated_pdf_is_returned_but_not_cached(client: ArxivClient, fake_arxiv: FakeArxiv,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    fake_arxiv.truncate_pdf()
    arxiv_id = ids.parse("2408.12528v1")
    with caplog.at_level(logging.WARNING, logger="summarizer.ingest.arxiv"):
        cut = client.fetch_pdf(arxiv_id)
    full = fake_arxiv.fixture_bytes("2408.12528")
    assert cut.startswith(b"%PDF-") and len(cut) == len(full) // 2  # the parser will judge it
    assert "not cached" in caplog.text
    assert client.fetch_pdf(arxiv_id) == full  # asked again, not served from a poisoned cache
    assert client.fetch_pdf(arxiv_id) == full
    assert len(fake_arxiv.requests) == 2


def test_requests_are_spaced_by_min_interval(arxiv_settings: ArxivSettings, fake_arxiv: FakeArxiv,
                                             tmp_path: Path) -> None:
    with make_client(arxiv_settings, tmp_path, min_interval_s=0.5) as client:
        client.fetch(ids.parse("2501.17811"))
    # a second client in the same process shares the limiter
    with make_client(arxiv_settings, tmp_path / "other", min_interval_s=0.5) as other:
        other.fetch_record(ids.parse("2408.12528"))
    times = [r.at for r in fake_arxiv.requests]
    assert len(times) == 3
    assert all(b - a >= 0.45 for a, b in itertools.pairwise(times))  # ~ms apart without the limiter


def test_user_agent_is_the_configured_one(client: ArxivClient, fake_arxiv: FakeArxiv,
                                          arxiv_settings: ArxivSettings) -> None:
    client.fetch(ids.parse("2501.17811"))
    assert [r.headers["user-agent"] for r in fake_arxiv.requests] == [arxiv_settings.user_agent] * 2
    assert arxiv_settings.user_agent.startswith("summarizer/")


def test_redirect_to_another_host_is_not_followed(client: ArxivClient, fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.redirect("http://127.0.0.2:1/x", target="pdf")
    with pytest.raises(UpstreamUnavailable, match="another host"):
        client.fetch_pdf(ids.parse("2501.17811v1"))
    assert [r.path for r in fake_arxiv.requests] == ["/pdf/2501.17811v1"]  # and no retry


def test_redirect_on_the_configured_host_is_followed(client: ArxivClient, fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.redirect("/pdf/2501.17811v1.pdf", target="pdf")  # relative, like arXiv's own redirects
    assert client.fetch_pdf(ids.parse("2501.17811v1")) == fake_arxiv.fixture_bytes("2501.17811")
    assert [r.path for r in fake_arxiv.requests] == ["/pdf/2501.17811v1", "/pdf/2501.17811v1.pdf"]


def test_unreachable_arxiv_is_upstream_unavailable(arxiv_settings: ArxivSettings, tmp_path: Path) -> None:
    # port 1 on loopback refuses connections: a transport error, retried, then reported
    settings = arxiv_settings.model_copy(update={"api_url": "http://127.0.0.1:1/api/query", "max_retries": 1})
    with ArxivClient(settings, tmp_path) as client, pytest.raises(UpstreamUnavailable, match="2 attempts"):
        client.fetch_record(ids.parse("2501.17811"))


def test_cached_record_round_trips(client: ArxivClient, tmp_path: Path) -> None:
    record = client.fetch_record(ids.parse("2607.08270v1"))
    stored = tmp_path / "cache" / "arxiv" / "2607.08270v1.v2.json"
    assert ArxivRecord.model_validate_json(stored.read_bytes()) == record
    assert not (tmp_path / "cache" / "arxiv" / "2607.08270.latest").exists()  # only unversioned asks set it


def test_a_record_cached_before_tex_was_read_is_fetched_again(client: ArxivClient, fake_arxiv: FakeArxiv,
                                                                 tmp_path: Path) -> None:
    record = client.fetch_record(ids.parse("2607.08270v1"))
    cache = tmp_path / "cache" / "arxiv"
    (cache / "2607.08270v1.v2.json").rename(cache / "2607.08270v1.json")  # the older format's name
    (cache / "2607.08270v1.json").write_text(record.model_copy(update={"title": r"$\pi$-Old"}).model_dump_json())
    fake_arxiv.reset()
    assert client.fetch_record(ids.parse("2607.08270v1")) == record
    assert [r.path for r in fake_arxiv.requests] == ["/api/query"]


_WORKER = """
import sys, redis
from pathlib import Path
from summarizer.ingest import ids
from summarizer.ingest.arxiv import ArxivClient, RedisTurns
from summarizer.settings import ArxivSettings
api, pdf, key, cache = sys.argv[1:5]
settings = ArxivSettings(api_url=api, pdf_url=pdf, min_interval_s=0.4)
turns = RedisTurns(redis.Redis(host="127.0.0.1", port=6379, db=0), key=key)
with ArxivClient(settings, Path(cache), turns=turns) as client:
    for arxiv_id in ("2307.16789", "2408.12528", "2501.17811"):
        client.fetch_record(ids.parse(arxiv_id))
"""


def test_workers_sharing_redis_ask_arxiv_once_per_interval_together(
    arxiv_settings: ArxivSettings, fake_arxiv: FakeArxiv, tmp_path: Path,
) -> None:
    key = f"test:arxiv-turns:{secrets.token_hex(4)}"
    root = Path(__file__).resolve().parents[2]
    try:
        workers = [subprocess.Popen([sys.executable, "-c", _WORKER, arxiv_settings.api_url,
                                     arxiv_settings.pdf_url, key, str(tmp_path / f"cache{n}")], cwd=root)
                   for n in range(2)]
        assert [w.wait(timeout=45) for w in workers] == [0, 0]
    finally:
        redis.Redis(host="127.0.0.1", port=6379, db=0).delete(key)
    arrivals = sorted(r.at for r in fake_arxiv.requests_to("api"))
    assert len(arrivals) == 6
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    # two processes, one limit: each per-process limiter alone would let pairs arrive together
    assert min(gaps) >= 0.35, gaps
