"""Markdown cards read like a seed entry and never pass markup through."""

from __future__ import annotations

import re

from summarizer.card import Card, Grounding, KeyNumber, ResultsTable
from summarizer.render import markdown

HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) ![x](https://evil.example/?q=1)"


def _card(text: str = "Plain text.") -> Card:
    return Card(
        arxiv_id="2307.16789", version="v2", name="ToolLLM", headline="Tools for open models", title="ToolLLM: X",
        authors=["Yujia Qin", "Shihao Liang"], institutions=["Tsinghua University"], venue="ICLR 2024",
        peer_review_status="accepted", core_problem=text, method=text, results_text=text, verdict=text,
        results_tables=[ResultsTable(caption="Table 3", columns=["Method", "Avg"], rows=[["DFSDT", "46.92"]], page=8)],
        key_numbers=[KeyNumber(metric="pass rate", value="46.92", baseline="27.58", page=8)],
        code_urls=["github.com/OpenBMB/ToolBench"], code_url="github.com/OpenBMB/ToolBench", code_status="released",
        grounding=Grounding(checked=3, held=3),
    )


def test_markdown_has_the_seed_sections() -> None:
    text = markdown(_card())
    for part in ("## ToolLLM: Tools for open models", "ArXiv: 2307.16789v2 · Venue: ICLR 2024 (accepted)",
                 "Authors / institution: Yujia Qin, Shihao Liang — Tsinghua University", "Core problem:", "Method:",
                 "| Method | Avg |", "| DFSDT | 46.92 |", "Resources: Code: github.com/OpenBMB/ToolBench",
                 "Peer-review status: Accepted at ICLR 2024.", "Why read it:", "3/3 held", "[p. 8]"):
        assert part in text, part


def test_hostile_text_is_escaped() -> None:
    text = markdown(_card(HOSTILE))
    assert "<script>" not in text and "<img" not in text
    assert not re.search(r"(?<!\\)\]\(javascript:", text) and "![x](" not in text
