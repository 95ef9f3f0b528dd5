# Shared pytest fixtures. Each block below belongs to one area; add new fixtures in their own block.

from __future__ import annotations

from collections.abc import Iterator

import pytest

from summarizer.settings import ArxivSettings

try:  # `tests.fakes` when the repo root is on sys.path (python -m pytest, or pytest's `pythonpath = ["."]`)
    from tests.fakes.fake_arxiv import FakeArxiv
except ModuleNotFoundError:  # plain `pytest` puts only tests/ (this rootless conftest's dir) on sys.path
    from fakes.fake_arxiv import FakeArxiv  # type: ignore[no-redef]  # the same class, by its other path

# --- fake arXiv (tests/fakes/fake_arxiv.py) ---------------------------------------------------------


@pytest.fixture(scope="session")
def fake_arxiv() -> Iterator[FakeArxiv]:
    """A fake arXiv on 127.0.0.1 for the whole session; `arxiv_settings` resets it per test."""
    with FakeArxiv() as fake:
        yield fake


@pytest.fixture
def arxiv_settings(fake_arxiv: FakeArxiv) -> ArxivSettings:
    """ArxivSettings pointing at the fake, with tiny waits so tests stay fast; clears the fake's log/faults."""
    fake_arxiv.reset()
    return ArxivSettings(
        api_url=fake_arxiv.api_url,
        pdf_url=fake_arxiv.pdf_url,
        rss_url=fake_arxiv.rss_url,
        min_interval_s=0.0,
        backoff_base_s=0.05,
        backoff_max_s=1.0,
    )


# --- end fake arXiv ---------------------------------------------------------------------------------
