"""Venue and peer-review status come from the arXiv comment and the PDF's own words."""

from __future__ import annotations

from summarizer.drafting import venue


def test_accepted_in_the_arxiv_comment() -> None:
    assert venue.detect("Accepted at ICML 2026; 12 pages", None, "")[:2] == ("ICML 2026", "accepted")
    assert venue.detect("CVPR 2025 camera-ready", None, "")[:2] == ("CVPR 2025", "accepted")


def test_under_review_is_a_preprint() -> None:
    _name, status, _ = venue.detect("Under review at NeurIPS 2026", None, "")
    assert status == "preprint"


def test_pdf_headers() -> None:
    assert venue.detect(None, None, "Preprint\nToolLLM: ...")[1] == "preprint"
    assert venue.detect(None, None, "Published as a conference paper at ICLR 2024\n")[:2] == ("ICLR 2024", "accepted")
    joss = "Journal of Open Source Software DOI: 10.5555/jss.01234 Published: 26 July 2022"
    assert venue.detect(None, None, joss)[:2] == ("Journal of Open Source Software", "accepted")
    draft = "Journal of Open Source Software DOI: 10.xxxxxx/draft Published: unpublished"
    assert venue.detect(None, None, draft)[1] == "preprint"
    assert venue.detect(None, None, "Some title\nAbstract")[1] == "unknown"


def test_journal_reference_means_published() -> None:
    assert venue.detect(None, "Phys. Rev. D 60, 1999", "")[1] == "accepted"
