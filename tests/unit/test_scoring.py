"""Scoring a generated card against a reference card: hand-made cards with known answers, and every real
reference card scored against itself with its PDF's text."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from summarizer.card import Card, KeyNumber, ResultsTable
from summarizer.evaluation.scoring import (
    author_f1,
    grounding_precision,
    key_number_recall_anywhere,
    key_number_recall_anywhere_with_baseline,
    key_numbers_at_k,
    metadata,
    must_mention,
    pick_scores,
    rouge_l,
    score_card,
    table_cell_recall,
    value_form,
)
from summarizer.numbers.normalise import PaperNumbers, canonical, numbers_in

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
PAPERS = SHARED / "eval" / "papers"
FIXTURES = SHARED / "fixtures"

PAGES = [
    "Abstract. We collect 23, 817 real-world APIs spanning 37 categories.",
    "Table 3: pass rate. ReACT 41.06 27.58\nDFSDT 52.31 46.92\nFID drops by \u221238.3%",
    "ToolLLaMA reaches 57.0 average pass rate with the API retriever.",
]

REFERENCE: dict[str, Any] = {
    "title": "ToolLLM: Facilitating Large Language Models to Master 16000+ Real-world APIs",
    "authors": ["Yujia Qin", "Shihao Liang", "Yining Ye", "Kunlun Zhu"],
    "arxiv_id": "2307.16789",
    "venue": None,
    "peer_review_status": "preprint",
    "code_url": "github.com/OpenBMB/ToolBench",
    "code_status": "released",
    "core_problem": "Open-source LLMs are poor at calling external tools.",
    "method": "DFSDT searches a decision tree of API calls.",
    "verdict": "Read it if you build tool-using LLMs.",
    "key_numbers": [
        {"metric": "APIs", "value": "23,817", "baseline": None, "page": 1},
        {"metric": "pass rate", "value": "46.92", "baseline": "27.58; 41.06", "page": 2},
        {"metric": "average pass rate", "value": "57", "baseline": None, "page": 3},
        {"metric": "FID change", "value": "\u221238.3%", "baseline": None, "page": 2},
    ],
    "results_tables": [{
        "caption": "Table 3: pass rate",
        "columns": ["Method", "I1", "Average"],
        "rows": [["ReACT", "41.06", "27.58"], ["DFSDT", "52.31", "46.92"], ["Vicuna", "-", "\u2014"]],
    }],
    "must_mention": ["ToolBench", "DFSDT", "API retriever", "depth-first search decision tree"],
}


def make_card(**changes: Any) -> Card:
    fields: dict[str, Any] = {
        "title": "ToolLLM:  facilitating large language models to master 16000+ real-world APIs",
        "authors": ["Yujia Qin", "shihao  liang", "Yining Ye", "Kunlun Zhu"],
        "arxiv_id": "2307.16789",
        "peer_review_status": "preprint",
        "code_url": "https://www.github.com/openbmb/ToolBench/",
        "code_status": "released",
        "core_problem": "Open-source LLMs are poor at calling external tools.",
        "method": "DFSDT searches a decision tree of API calls.",
        "verdict": "Read it if you build tool-using LLMs.",
        "results_text": "ToolLLaMA reaches 57.0 average pass rate on 23,817 APIs.",
        "key_numbers": [KeyNumber(metric="pass rate", value="46.92", baseline="27.58; 41.06", page=2)],
        "results_tables": [ResultsTable(caption="Table 3", columns=["Method", "I1", "Average"],
                                        rows=[["ReACT", "41.06", "27.58"], ["DFSDT", "52.31", "46.92"]])],
    }
    fields.update(changes)
    return Card(**fields)


# ------------------------------------------------------------------------------------------- grounding

def test_one_invented_number_among_four_costs_exactly_a_quarter() -> None:
    grounded = Card(title="t", results_text="Pass rate 57.0 on 23,817 APIs; 46.92 vs 27.58.")
    invented = Card(title="t", results_text="Pass rate 57.0 on 23,817 APIs; 46.92 vs 77.77.")
    assert grounding_precision(grounded, PAGES) == 1.0
    assert grounding_precision(invented, PAGES) == 0.75


def test_grounding_counts_key_numbers_baselines_and_table_cells() -> None:
    card = Card(
        title="t",
        key_numbers=[KeyNumber(metric="m", value="46.92", baseline="27.58; 12.5")],  # 12.5 invented
        results_tables=[ResultsTable(caption="c", columns=["a", "b"], rows=[["ReACT", "41.06"], ["X", "99.9"]])],
    )
    assert grounding_precision(card, PAGES) == 0.6  # 46.92, 27.58, 41.06 held; 12.5, 99.9 not


def test_grounding_is_none_without_numbers_and_accepts_dicts() -> None:
    assert grounding_precision(Card(title="t", method="No numbers here."), PAGES) is None
    assert grounding_precision({"title": "t", "results_text": "57 and \u221238.3%"}, PAGES) == 1.0


# ------------------------------------------------------------------------------------------- key numbers

def test_key_number_recall_drops_one_of_four() -> None:
    assert key_number_recall_anywhere(make_card(results_text="Reaches 57.0 on 23,817 APIs; FID -38.3%."), REFERENCE) == 1.0
    assert key_number_recall_anywhere(make_card(results_text="Reaches 57.0 on 23,817 APIs."), REFERENCE) == 0.75


def test_key_number_recall_normalises_spellings() -> None:
    reference = {"key_numbers": [{"value": "57.0"}, {"value": "23,817"}, {"value": "\u221238.3"}]}
    card = {"title": "t", "key_numbers": [{"metric": "m", "value": "57"}],
            "results_tables": [{"caption": "c", "columns": ["a", "b"], "rows": [["x", "23817"]]}],
            "method": "A change of -38.3 points."}
    assert key_number_recall_anywhere(card, reference) == 1.0
    assert key_number_recall_anywhere(Card(title="t"), {"key_numbers": []}) is None


def test_key_number_recall_with_baseline_needs_every_part() -> None:
    card = make_card(results_text="Reaches 57.0 on 23,817 APIs; FID -38.3%.", key_numbers=[],
                     results_tables=[ResultsTable(caption="c", columns=["a", "b"], rows=[["DFSDT", "46.92"]])])
    assert key_number_recall_anywhere(card, REFERENCE) == 1.0
    assert key_number_recall_anywhere_with_baseline(card, REFERENCE) == 0.75  # 27.58 and 41.06 not stated
    assert key_number_recall_anywhere_with_baseline(make_card(results_text="57.0, 23,817, -38.3"), REFERENCE) == 1.0


# ------------------------------------------------------------------------------------------- tables

def test_table_cell_recall_on_a_small_table() -> None:
    assert table_cell_recall(make_card(), REFERENCE) == 1.0  # "-" and "—" cells are skipped
    partial = make_card(results_tables=[ResultsTable(caption="c", columns=["a", "b", "c"],
                                                     rows=[["ReACT", "41.06", "27.580"]])])
    assert table_cell_recall(partial, REFERENCE) == 0.5
    prose_only = make_card(results_tables=[], results_text="52.31 and 46.92")
    assert table_cell_recall(prose_only, REFERENCE) == 0.0
    assert table_cell_recall(make_card(), {"results_tables": []}) is None


# ------------------------------------------------------------------------------------------- metadata

def test_metadata_matches_up_to_case_space_and_url_form() -> None:
    meta = metadata(make_card(), REFERENCE)
    assert meta == {
        "title_exact": True, "author_f1": 1.0, "arxiv_id_match": True, "venue_match": True,
        "peer_review_status_match": True, "code_url_match": True, "code_status_match": True,
    }
    other = metadata(make_card(venue="ICLR 2024", arxiv_id="2307.16790", code_url=None), REFERENCE)
    assert not other["venue_match"] and not other["arxiv_id_match"] and not other["code_url_match"]
    assert metadata(make_card(), {**REFERENCE, "arxiv_id": None})["arxiv_id_match"] is None
    assert metadata(make_card(venue="iclr 2024"), {**REFERENCE, "venue": "ICLR 2024"})["venue_match"] is True


def test_author_f1_with_one_missing_author() -> None:
    card = make_card(authors=["Yujia Qin", "Shihao Liang", "Yining Ye"])
    assert metadata(card, REFERENCE)["author_f1"] == pytest.approx(2 * 1.0 * 0.75 / 1.75)
    assert author_f1([], ["A B"]) == 0.0
    assert author_f1(["A B"], []) is None


# ------------------------------------------------------------------------------------------- text

def test_must_mention_allows_light_paraphrase() -> None:
    card = make_card(
        method="ToolBench is searched with DFSDT, a depth-first search over a decision tree; "
        "a dense retriever picks the APIs.",
    )
    assert must_mention(card, REFERENCE) == 1.0  # "API retriever" by its words, "decision tree" likewise
    assert must_mention(make_card(method="DFSDT only."), REFERENCE) == 0.25
    assert must_mention(card, {"must_mention": []}) is None


def test_rouge_l() -> None:
    assert rouge_l("The cat sat on the mat", "the cat sat on the mat") == 1.0
    assert rouge_l("alpha beta", "gamma delta") == 0.0
    assert rouge_l("a b c d", "a c") == pytest.approx(2 * 0.5 * 1.0 / 1.5)


def test_score_card_is_flat() -> None:
    scores = score_card(make_card(), REFERENCE, PAGES)
    assert scores["grounding_precision"] == 1.0
    assert scores["rouge_l_core_problem"] == scores["rouge_l_method"] == scores["rouge_l_verdict"] == 1.0
    assert all(isinstance(v, (float, bool)) or v is None for v in scores.values())


# ------------------------------------------------------------------------------------------- real cards

# Numbers the card writer's own prose states that the PDF does not print (a count and an estimate made by
# the writer: "lists 14 models", "~20 published models"). Known, so the floor below holds for the rest.
WRITER_NUMBERS_NOT_IN_PDF = {"multivae_joss_draft": {"14", "20"}}


def reference_as_card(reference: dict[str, Any]) -> Card:
    fields = {k: v for k, v in reference.items()
              if k in Card.model_fields and k not in ("key_numbers", "results_tables")}
    key_numbers = [KeyNumber(**{k: v for k, v in kn.items() if k in KeyNumber.model_fields})
                   for kn in reference.get("key_numbers") or []]
    tables = [ResultsTable(**{k: v for k, v in t.items() if k in ResultsTable.model_fields}, page=None)
              for t in reference.get("results_tables") or []]
    return Card(**fields, key_numbers=key_numbers, results_tables=tables)


@cache
def pdf_pages(name: str) -> list[str]:
    from summarizer.ingest.pdf import parse
    from summarizer.settings import PdfSettings

    return [page.text for page in parse((FIXTURES / name).read_bytes(), settings=PdfSettings()).pages]


REFERENCE_FILES = sorted(PAPERS.glob("*.json"))


def test_the_reference_set_is_there() -> None:
    assert len(REFERENCE_FILES) >= 6  # ../shared is beside the checkout in dev and CI


@pytest.mark.parametrize("path", REFERENCE_FILES, ids=lambda p: p.stem)
def test_reference_card_scored_against_itself(path: Path) -> None:
    reference = json.loads(path.read_text(encoding="utf-8"))
    assert (FIXTURES / reference["source_pdf"]).exists()
    pages = pdf_pages(reference["source_pdf"])
    card = reference_as_card(reference)
    scores = score_card(card, reference, pages)
    assert scores["key_number_recall_anywhere"] == 1.0
    assert scores["key_number_recall_anywhere_with_baseline"] == 1.0
    assert scores["table_cell_recall"] in (1.0, None)
    assert scores["title_exact"] is True
    assert scores["author_f1"] == 1.0
    assert scores["must_mention"] == 1.0
    assert scores["arxiv_id_match"] in (True, None)
    assert all(scores[k] is True for k in ("venue_match", "peer_review_status_match", "code_url_match",
                                           "code_status_match"))
    assert all(scores[f"rouge_l_{f}"] in (1.0, None) for f in ("core_problem", "method", "verdict"))
    precision = scores["grounding_precision"]
    assert precision is not None
    known = WRITER_NUMBERS_NOT_IN_PDF.get(path.stem, set())
    paper = PaperNumbers(pages)
    stated = {canonical(n) for n in _all_card_numbers(card)}
    missing = {n for n in stated if not paper.has(n)}
    assert missing == known  # nothing else the card states is missing from the PDF
    assert precision == pytest.approx(1 - len(known) / len(stated))
    if not known:
        assert precision >= 0.95


def _all_card_numbers(card: Card) -> list[str]:
    from summarizer.evaluation.scoring import _stated_numbers

    return _stated_numbers(card.model_dump())


# --- key numbers, strictly -------------------------------------------------------------------------------


def _kn(value: str, baseline: str | None = None) -> KeyNumber:
    return KeyNumber(metric="m", value=value, baseline=baseline)


def test_a_whole_value_matches_in_every_spelling_but_not_with_another_sign_unit_or_scale() -> None:
    same = [("57.0", "57"), ("23,817", "23817"), ("\u221238.3%", "-38.3 %"), ("up to 12\u00d7 fewer", "12x"),
            ("approximately 20 times fewer", "20\u00d7"), ("35M", "35 M"), ("5:1:4", "5 : 1 : 4"),
            ("three", "3"), ("9 percent", "9%"), ("about 61.5 million", "61.5M"), ("7-billion-parameter", "7B"),
            ("3 thousand", "3k")]
    for a, b in same:
        assert value_form(a) == value_form(b), (a, b)
    different = [("-38.3%", "38.3%"), ("38.3%", "38.3"), ("12\u00d7", "12"), ("35M", "35B"), ("5:1:4", "5:4:1"),
                 ("2.5 pp", "2.5%"), ("57.0", "57.01"), ("3 thousand", "3 trillion"), ("61.5 million", "61.5")]
    for a, b in different:
        assert value_form(a) != value_form(b), (a, b)


def test_only_the_first_k_key_numbers_count_and_precision_is_of_those() -> None:
    reference = {"key_numbers": [{"value": "57.0"}, {"value": "23,817"}]}  # k = 2
    right_first = {"key_numbers": [_kn("57"), _kn("23,817"), _kn("1.5")]}
    assert key_numbers_at_k(right_first, reference) == {"key_numbers_recall_at_k": 1.0,
                                                        "key_numbers_precision_at_k": 1.0}
    right_late = {"key_numbers": [_kn("1.5"), _kn("57"), _kn("23,817")]}  # the third is past the budget
    assert key_numbers_at_k(right_late, reference) == {"key_numbers_recall_at_k": 0.5,
                                                       "key_numbers_precision_at_k": 0.5}
    twice = {"key_numbers": [_kn("57"), _kn("57.0")]}  # one reference entry is matched once
    assert key_numbers_at_k(twice, reference)["key_numbers_recall_at_k"] == 0.5
    assert key_numbers_at_k({"key_numbers": []}, reference) == {"key_numbers_recall_at_k": 0.0,
                                                                "key_numbers_precision_at_k": None}
    assert key_numbers_at_k(right_first, {"key_numbers": []})["key_numbers_recall_at_k"] is None
    # the further numbers kept for the editor continue the ranked list
    continued = {"key_numbers": [_kn("57")], "more_numbers": [_kn("23,817"), _kn("1.5")]}
    assert key_numbers_at_k(continued, reference)["key_numbers_recall_at_k"] == 1.0


def test_a_reference_baseline_must_be_the_same_entrys_baseline() -> None:
    reference = {"key_numbers": [{"value": "46.92", "baseline": "27.58; 41.06"}]}
    assert key_numbers_at_k({"key_numbers": [_kn("46.92", "41.06; 27.58")]}, reference)["key_numbers_recall_at_k"] == 1.0
    # the strongest competitor alone is one of the reference's baselines: the same comparison
    assert key_numbers_at_k({"key_numbers": [_kn("46.92", "41.06")]}, reference)["key_numbers_recall_at_k"] == 1.0
    assert key_numbers_at_k({"key_numbers": [_kn("46.92", "33.10")]}, reference)["key_numbers_recall_at_k"] == 0.0
    assert key_numbers_at_k({"key_numbers": [_kn("46.92")]}, reference)["key_numbers_recall_at_k"] == 0.0
    # every rival's value as the baseline is not a comparison: it never matches
    every_rival = _kn("46.92", "41.06; 27.58; 33.10; 12.00")
    assert key_numbers_at_k({"key_numbers": [every_rival]}, reference)["key_numbers_recall_at_k"] == 0.0
    # the baseline stated elsewhere in the card (prose, a table) does not make this entry right
    card = make_card(key_numbers=[_kn("46.92")], results_text="ReACT reaches 27.58 and 41.06.")
    assert key_numbers_at_k(card, reference)["key_numbers_recall_at_k"] == 0.0
    assert key_number_recall_anywhere_with_baseline(card, reference) == 1.0


def test_a_card_listing_every_number_of_the_paper_scores_low_on_the_strict_metric() -> None:
    # a "card" with no judgement: every number the paper prints, in reading order, as a key number
    pages = ["We run 3 seeds on 4 benchmarks with 2 model sizes at 512 px, batch 64, for 100 epochs.",
             "Table 1 (Section 4.2): ours 71.4 vs 65.2 [12]; FID 9.8 vs 12.1; 1.7\u00d7 faster; params 350M."]
    reference = {"key_numbers": [{"value": "71.4", "baseline": "65.2"}, {"value": "9.8", "baseline": "12.1"},
                                 {"value": "1.7\u00d7"}]}
    everything = [_kn(number) for page in pages for number in numbers_in(page)]
    assert len(everything) > 10
    volume = {"title": "t", "key_numbers": everything}
    assert key_number_recall_anywhere(volume, reference) == 1.0  # the lenient figure is fooled
    strict = key_numbers_at_k(volume, reference)
    assert strict == {"key_numbers_recall_at_k": 0.0, "key_numbers_precision_at_k": 0.0}
    chosen = {"title": "t", "key_numbers": [_kn("71.4", "65.2"), _kn("9.8", "12.1"), _kn("1.7\u00d7")]}
    assert key_numbers_at_k(chosen, reference) == {"key_numbers_recall_at_k": 1.0,
                                                   "key_numbers_precision_at_k": 1.0}


def test_picks_are_scored_by_recall_and_precision_with_the_precision_ceiling_beside_it() -> None:
    ranked = ["a", "x", "b", "y", "z", "c", "w"]

    scores = pick_scores(ranked, ranked[:5], {"a", "b", "c"})

    assert scores["picks_recall"] == 2 / 3 and scores["picks_precision"] == 2 / 5
    assert scores["picks_precision_ceiling"] == 3 / 5
    assert scores["featured_mean_rank"] == (1 + 3 + 6) / 3
    assert pick_scores(ranked, ranked[:5], set())["picks_recall"] is None
