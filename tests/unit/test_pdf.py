"""pdf.parse on the fixture PDFs and on a corpus of broken PDFs built here as bytes."""

from __future__ import annotations

import hashlib
import io
import json
import random
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfWriter

from summarizer.document import Document, Page
from summarizer.errors import (
    CorruptPdf,
    EmptyPdf,
    EncryptedPdf,
    NotAPdf,
    NoTextLayer,
    PdfTooComplex,
    SummarizerError,
)
from summarizer.ingest import links, pdf, sections
from summarizer.settings import PdfSettings

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
FIXTURES = SHARED / "fixtures"
CARDS = SHARED / "eval" / "papers"
NAMES = sorted(p.name for p in FIXTURES.glob("*.pdf"))
SETTINGS = PdfSettings()


@cache
def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@cache
def parsed(name: str) -> Document:
    return pdf.parse(fixture(name), settings=SETTINGS, name=name)


def card(stem: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CARDS / f"{stem}.json").read_text("utf-8"))
    return data


def pdf_bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_there_are_fixtures_to_test_on() -> None:
    assert len(NAMES) == 7


@pytest.mark.parametrize("name", NAMES)
def test_every_fixture_parses_into_numbered_pages_with_its_sha256(name: str) -> None:
    doc = parsed(name)
    assert doc.sha256 == hashlib.sha256(fixture(name)).hexdigest()
    assert [p.number for p in doc.pages] == list(range(1, len(doc.pages) + 1))
    assert all(p.text for p in doc.pages[:3])
    assert doc.title and len(doc.title.split()) >= 3


@pytest.mark.parametrize("name", NAMES)
def test_abstract_introduction_and_references_are_found(name: str) -> None:
    kinds = {s.kind for s in parsed(name).sections}
    assert {"abstract", "introduction", "references"} <= kinds


@pytest.mark.parametrize("name", NAMES)
def test_sections_cover_the_text_in_order_and_references_are_never_method(name: str) -> None:
    doc = parsed(name)
    assert "\n".join(s.text for s in doc.sections) == doc.text
    kinds = [s.kind for s in doc.sections]
    first_reference = kinds.index("references")
    assert "method" not in kinds[first_reference:]
    assert all(s.kind == "references" for s in doc.sections if s.heading.lower() == "references")


def test_toolllm_sections_sit_on_their_pages() -> None:
    doc = parsed("toolllm_iclr2024.pdf")
    by_kind = {s.kind: s for s in reversed(doc.sections)}  # first section of each kind
    assert by_kind["abstract"].pages == [1] and "ToolBench" in by_kind["abstract"].text
    assert by_kind["introduction"].heading == "1 INTRODUCTION"
    assert by_kind["references"].pages[0] == 11
    assert any(s.kind == "experiments" and 8 in s.pages for s in doc.sections)
    assert doc.sections[-1].kind == "appendix"


def test_ieee_roman_numbered_sections_and_an_inline_abstract_are_found() -> None:
    text = (
        "A Paper Title\nJane Doe, 1 University of Somewhere\nAbstract—We study things.\nI. INTRODUCTION\n"
        "Intro text.\nII. RELATED WORK\nRelated text.\nIII. PROPOSED METHOD\nA. Architecture\nMethod text.\n"
        "IV. EXPERIMENTS\nNumbers.\nV. CONCLUSION\nDone.\nREFERENCES\n1. A. Author. Title. 2020."
    )
    found = [(s.kind, s.heading) for s in sections.detect([Page(number=1, text=text)])]
    assert found == [
        ("front", ""),
        ("abstract", "Abstract"),
        ("introduction", "I. INTRODUCTION"),
        ("related", "II. RELATED WORK"),
        ("method", "III. PROPOSED METHOD"),
        ("experiments", "IV. EXPERIMENTS"),
        ("conclusion", "V. CONCLUSION"),
        ("references", "REFERENCES"),
    ]


def test_numbered_lists_and_table_of_contents_lines_are_not_headings() -> None:
    text = (
        "Abstract\nText.\nContents\n1 Introduction 4\n2 Method . . . . . . 6\n1 Introduction\nIntro.\n"
        "2 Method\nWe prove:\n1. All nuisance coordinates vanish:\n2. The support is preserved.\n"
        "3 Experiments\n1 LLaVA CLIP-ViT 84.1 1128.0\n4 Conclusion\nEnd.\n"
        "References\n1. Doe, J. A paper. 2020."
    )
    headings = [s.heading for s in sections.detect([Page(number=1, text=text)])]
    assert headings == [
        "Abstract",
        "Contents",
        "1 Introduction",
        "2 Method",
        "3 Experiments",
        "4 Conclusion",
        "References",
    ]


def test_a_table_of_contents_without_page_numbers_is_skipped() -> None:
    text = (
        "Abstract\nText.\nContents\n1 Introduction\n2 Method\n3 Experiments\n4 Conclusion\n"
        "1 Introduction\nIntro.\n2 Method\nMethod.\n3 Experiments\nNumbers.\n4 Conclusion\nEnd.\n"
        "References\nRef."
    )
    found = [
        (s.kind, s.heading, s.text.split("\n")[-1]) for s in sections.detect([Page(number=1, text=text)])
    ]
    assert found == [
        ("abstract", "Abstract", "Text."),
        ("other", "Contents", "4 Conclusion"),
        ("introduction", "1 Introduction", "Intro."),
        ("method", "2 Method", "Method."),
        ("experiments", "3 Experiments", "Numbers."),
        ("conclusion", "4 Conclusion", "End."),
        ("references", "References", "Ref."),
    ]


def test_joss_draft_margin_line_numbers_are_removed() -> None:
    doc = parsed("multivae_joss_draft.pdf")
    first = doc.pages[0].text.split("\n")
    assert "Summary" in first and "Summary5" not in doc.pages[0].text
    assert any(s.heading == "Statement of Need" and s.kind == "introduction" for s in doc.sections)


def test_arxiv_stamp_gives_the_id_without_version() -> None:
    assert parsed("show_o_tech_report.pdf").arxiv_id == card("show_o_tech_report")["arxiv_id"]
    assert parsed("toolllm_iclr2024.pdf").arxiv_id is None


def test_titles_come_from_metadata_or_the_largest_line() -> None:
    assert parsed("gpjax_joss.pdf").title == card("gpjax_joss")["title"]
    assert parsed("janus_pro_tech_report.pdf").title == card("janus_pro_tech_report")["title"]
    assert str(parsed("toolllm_iclr2024.pdf").title).lower() == card("toolllm_iclr2024")["title"].lower()


def test_toolbench_repository_is_a_code_link_on_page_1() -> None:
    found = [ln for ln in parsed("toolllm_iclr2024.pdf").links if "github.com/OpenBMB/ToolBench" in ln.url]
    assert found and found[0].kind == "code" and found[0].page == 1


def test_gpjax_repository_comes_from_its_link_annotation() -> None:
    expected = card("gpjax_joss")["code_url"]
    found = [
        ln for ln in parsed("gpjax_joss.pdf").links if ln.url.split("://")[1].lower() == expected.lower()
    ]
    assert found and found[0].kind == "code" and found[0].source == "annotation"


@pytest.mark.parametrize("stem", sorted(p.stem for p in CARDS.glob("*.json")))
def test_paper_code_matches_the_reference_code_url(stem: str) -> None:
    expected = card(stem)["code_url"]
    doc = parsed(card(stem)["source_pdf"])
    own = links.paper_code(doc.links, doc.title)
    if expected is None:
        assert own is None
    else:
        assert own is not None and own.url.split("://")[1].rstrip("/").lower() == expected.lower()


def test_repositories_cited_only_in_the_references_are_not_code() -> None:
    kinds = {ln.url: ln.kind for ln in parsed("gpjax_joss.pdf").links}
    assert kinds["https://github.com/dfm/tinygp"] == "other"
    assert all(k != "code" for u, k in kinds.items() if "thomaspinder" not in u)


def test_links_are_unique_and_on_real_pages() -> None:
    for name in NAMES:
        doc = parsed(name)
        keys = [ln.url.split("://")[1].lower().rstrip("/") for ln in doc.links]
        assert len(keys) == len(set(keys))
        assert all(1 <= ln.page <= len(doc.pages) for ln in doc.links)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://github.com/OpenBMB/ToolBench", "code"),
        ("https://github.com/gpleiss", "other"),
        ("https://github.com/openjournals/joss-reviews/issues/4455", "other"),
        ("https://huggingface.co/datasets/openai/MMMLU", "data"),
        ("https://huggingface.co/spaces/showlab/Show-o", "project"),
        ("https://huggingface.co/deepseek-ai/Janus-Pro-7B", "code"),
        ("https://openbmb.github.io/ToolBench/", "project"),
        ("https://doi.org/10.5281/zenodo.6882220", "data"),
        ("https://doi.org/10.21105/joss.04455", "other"),
        ("https://arxiv.org/abs/2307.16789", "other"),
    ],
)
def test_links_are_classified_by_host_and_path(url: str, kind: str) -> None:
    assert links.classify(url) == kind


def test_project_page_words_before_a_url_make_it_a_project_link() -> None:
    assert links.classify("https://example.org/paper", "Project page:") == "project"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("https://github.com/OpenBMB/ToolBench.", "https://github.com/OpenBMB/ToolBench"),
        ("https://github.com/a/b),", "https://github.com/a/b"),
        ("https://en.wikipedia.org/wiki/A_(b)", "https://en.wikipedia.org/wiki/A_(b)"),
        ("%20http://proceedings.mlr.press/v108/a.html%20", "http://proceedings.mlr.press/v108/a.html"),
    ],
)
def test_trailing_punctuation_is_cleaned_from_urls(raw: str, clean: str) -> None:
    assert links.clean(raw) == clean


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("46 .0 38 .0", "46.0 38.0"),
        ("16, 464 APIs", "16,464 APIs"),
        ("(Pinder et al., 2021, 2022)", "(Pinder et al., 2021, 2022)"),
        ("e\u0301t\u00e9", "\u00e9t\u00e9"),
        ("a\u200bb\u202ec\u2066d\u00ade\x00", "abcde"),
        ("x\u00a0 y\t\tz\r\nnext line\n\n", "x y z\nnext line"),
    ],
)
def test_page_text_is_normalised_but_keeps_lines(raw: str, text: str) -> None:
    assert pdf.normalise(raw) == text


def test_a_pdf_whose_empty_user_password_opens_it_is_read() -> None:
    writer = PdfWriter(clone_from=io.BytesIO(fixture("gpjax_joss.pdf")))
    writer.encrypt("", owner_password="owner")
    assert len(pdf.parse(pdf_bytes(writer), settings=SETTINGS).pages) == 4


def _blank_pages() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    writer.add_blank_page(612, 792)
    return pdf_bytes(writer)


def _encrypted() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(fixture("gpjax_joss.pdf")))
    writer.encrypt("secret")
    return pdf_bytes(writer)


BAD: dict[str, tuple[Callable[[], bytes], type[SummarizerError]]] = {
    "foo": (lambda: b"foo", NotAPdf),
    "empty file": (lambda: b"", NotAPdf),
    "html page": (lambda: b"<!DOCTYPE html><html><body>404 Not Found</body></html>", NotAPdf),
    "header only": (lambda: b"%PDF-", CorruptPdf),
    "header and junk": (lambda: b"%PDF-1.7\n" + bytes(range(256)) * 40, CorruptPdf),
    "encrypted": (_encrypted, EncryptedPdf),
    "blank pages only": (_blank_pages, NoTextLayer),
    # pypdf writes a valid PDF with an empty page tree
    "zero pages": (lambda: pdf_bytes(PdfWriter()), EmptyPdf),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_pdfs_raise_the_error_a_user_can_act_on(case: str) -> None:
    make, error = BAD[case]
    with pytest.raises(error) as raised:
        pdf.parse(make(), settings=SETTINGS, name="paper.pdf")
    assert "paper.pdf" in str(raised.value) or error is NotAPdf


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", ["toolllm_iclr2024.pdf", "gpjax_joss.pdf"])
def test_a_truncated_pdf_raises_a_readable_summarizer_error(name: str) -> None:
    data = fixture(name)
    with pytest.raises(SummarizerError) as raised:
        pdf.parse(data[: int(len(data) * 0.3)], settings=SETTINGS, name=name)
    assert name in str(raised.value) and len(str(raised.value)) > len(name) + 10


@pytest.mark.timeout(60)
def test_a_pdf_over_the_page_limit_is_too_complex() -> None:
    with pytest.raises(PdfTooComplex, match="max_pages"):
        pdf.parse(fixture("toolllm_iclr2024.pdf"), settings=PdfSettings(max_pages=5))


@pytest.mark.timeout(60)
def test_damaged_bytes_give_a_document_or_a_summarizer_error_never_another_exception() -> None:
    data = fixture("gpjax_joss.pdf")
    rng = random.Random(20240731)
    for _ in range(25):
        mutated = bytearray(data)
        for _ in range(rng.choice([1, 10, 100])):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        try:
            pdf.parse(bytes(mutated), settings=SETTINGS)
        except SummarizerError as exc:
            assert str(exc)


def test_a_parsed_document_is_kept_for_later_stages_and_a_damaged_copy_is_parsed_again(tmp_path: Path) -> None:
    from summarizer import pipeline
    from summarizer.settings import load

    settings = load(env={"SUMMARIZER_DATA_DIR": str(tmp_path)})
    fetched = pipeline.Fetched(fixture("gpjax_joss.pdf"), None, "gpjax_joss.pdf")
    doc, chunks = pipeline.parse_cached(fetched, settings)
    [kept] = (settings.cache_dir / "documents").glob(f"{doc.sha256}-*.json")
    again, again_chunks = pipeline.parse_cached(fetched, settings)
    assert again == doc and again_chunks == chunks
    kept.write_text('{"sha256": "truncated')  # a disk full, a killed writer: never fatal
    reparsed, _ = pipeline.parse_cached(fetched, settings)
    assert reparsed == doc and kept.read_bytes() == doc.model_dump_json().encode()
