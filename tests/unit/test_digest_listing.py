"""Reading arXiv's RSS listing: new, cross-listed and replaced papers told apart, each paper once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from summarizer.digest.listing import Day, merge, parse_feed, read_file
from summarizer.errors import BadInput, UpstreamUnavailable
from tests.fakes.listing import rss

DAY = date(2031, 3, 4)  # a Tuesday


def paper(arxiv_id: str, categories: list[str], kind: str = "new", version: int = 1, **extra: object) -> dict[str, object]:
    return {"arxiv_id": arxiv_id, "version": version, "announce_type": kind, "title": f"Paper {arxiv_id}",
            "authors": ["Ann Example", "Bo Sample", "Cy Placeholder"], "categories": categories,
            "abstract": f"We study the problem of {arxiv_id}. It works & scales.", **extra}


def test_a_feed_gives_each_item_with_its_id_version_type_authors_and_abstract() -> None:
    body = rss([paper("3103.00001", ["cs.CV"]), paper("3012.09999", ["cs.CV"], "replace", version=3)], ["cs.CV"], DAY)

    entries, announced = parse_feed(body, "cs.CV")

    assert announced == DAY
    first, second = entries
    assert (first.arxiv_id, first.version, first.announce_type) == ("3103.00001", 1, "new")
    assert first.authors == ["Ann Example", "Bo Sample", "Cy Placeholder"]
    assert first.abstract == "We study the problem of 3103.00001. It works & scales."
    assert first.title == "Paper 3103.00001"
    assert (second.arxiv_id, second.version, second.announce_type) == ("3012.09999", 3, "replace")


def test_a_title_and_abstract_written_in_tex_are_read_as_plain_text() -> None:
    body = rss([paper("3103.00002", ["cs.LG"], title=r"$\pi$-Zeta: Fast Sampling",
                      abstract=r"We reach $4\times$ fewer steps and 30% lower cost with \textbf{Zeta}.")], ["cs.LG"], DAY)

    [entry], _ = parse_feed(body, "cs.LG")

    assert entry.title == "π-Zeta: Fast Sampling"
    assert entry.abstract == "We reach 4× fewer steps and 30% lower cost with Zeta."


def test_a_paper_cross_listed_to_a_second_category_is_one_paper_announced_as_new() -> None:
    entries = [paper("3103.00001", ["cs.CV", "cs.LG"]), paper("3103.00002", ["stat.ML", "cs.LG"])]
    feeds = [parse_feed(rss(entries, [c], DAY), c)[0] for c in ("cs.CV", "cs.LG")]

    merged = merge(feeds)

    assert [(e.arxiv_id, e.announce_type) for e in merged] == [("3103.00001", "new"), ("3103.00002", "cross")]
    assert merged[0].categories == ["cs.CV", "cs.LG"]
    day = Day(merged, DAY)
    assert [e.arxiv_id for e in day.new] == ["3103.00001", "3103.00002"]  # a cross-list is new to this listing


def test_replacements_are_kept_apart_from_the_new_papers() -> None:
    entries = [paper("3103.00001", ["cs.CV"]), paper("3011.00005", ["cs.CV"], "replace", version=2),
               paper("3011.00006", ["math.OC", "cs.CV"], "replace", version=4)]
    day = Day(merge([parse_feed(rss(entries, ["cs.CV"], DAY), "cs.CV")[0]]), DAY)

    assert [e.arxiv_id for e in day.new] == ["3103.00001"]
    assert [(e.arxiv_id, e.version, e.announce_type) for e in day.replaced] == [
        ("3011.00005", 2, "replace"), ("3011.00006", 4, "replace-cross")]


def test_a_weekend_feed_is_empty_not_an_error() -> None:
    entries, announced = parse_feed(rss([], ["cs.CV"], date(2031, 3, 8)), "cs.CV")

    assert entries == []
    assert announced == date(2031, 3, 8)


def test_a_page_that_is_not_a_feed_is_refused_with_a_reason() -> None:
    with pytest.raises(UpstreamUnavailable, match="not readable XML"):
        parse_feed(b"<html><body>Service unavailable", "cs.CV")
    with pytest.raises(UpstreamUnavailable, match="not an RSS feed"):
        parse_feed(b"<feed xmlns='http://www.w3.org/2005/Atom'></feed>", "cs.CV")


def test_a_saved_listing_is_read_from_a_file_and_a_bad_one_is_bad_input(tmp_path: Path) -> None:
    saved = tmp_path / "listing.xml"
    saved.write_bytes(rss([paper("3103.00001", ["cs.CV", "cs.LG"]), paper("3103.00002", ["cs.LG"])],
                          ["cs.CV", "cs.LG"], DAY))

    day = read_file(saved)

    assert [e.arxiv_id for e in day.new] == ["3103.00001", "3103.00002"]
    assert day.announced == DAY
    (tmp_path / "bad.xml").write_text("not a feed")
    with pytest.raises(BadInput, match="not readable XML"):
        read_file(tmp_path / "bad.xml")
    with pytest.raises(BadInput, match="cannot read"):
        read_file(tmp_path / "missing.xml")


def test_an_item_without_an_arxiv_id_is_skipped_not_fatal() -> None:
    body = rss([paper("3103.00001", ["cs.CV"])], ["cs.CV"], DAY).replace(
        b"arXiv:3103.00001v1", b"arXiv:nonsense").replace(b"oai:arXiv.org:3103.00001v1", b"nothing")

    entries, _ = parse_feed(body, "cs.CV")

    assert entries == []
