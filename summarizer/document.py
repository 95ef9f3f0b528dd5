"""Plain records passed between the pure stages: a parsed paper, its sections, links, tables and chunks."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

SectionKind = Literal[
    "front", "abstract", "introduction", "related", "method", "experiments", "results",
    "discussion", "conclusion", "references", "appendix", "other",
]
# sections retrieval skips unless asked for them
SKIPPED_SECTIONS: frozenset[str] = frozenset({"references", "appendix"})


class Page(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    number: int  # 1-based
    text: str


class PageText(BaseModel):
    """A run of a section's text that lies on one page."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    page: int
    text: str


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: SectionKind
    heading: str
    parts: list[PageText]

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.parts)

    @property
    def pages(self) -> list[int]:
        return sorted({p.page for p in self.parts})


class Link(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    url: str
    page: int
    kind: Literal["code", "project", "data", "other"] = "other"
    source: Literal["text", "annotation"] = "text"


class TableRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str
    cells: list[str]  # verbatim numeric cells as they appear in the page text


class Table(BaseModel):
    """A results table read from page text by code: every cell is a verbatim string of that page."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    caption: str
    page: int
    columns: list[str]  # header labels for the cells (may be empty when no header was recognised)
    rows: list[TableRow]


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    sha256: str
    pages: list[Page]
    sections: list[Section]
    links: list[Link] = []
    tables: list[Table] = []
    title: str | None = None  # from PDF metadata or the first page, when found
    arxiv_id: str | None = None  # an arXiv stamp printed in the PDF, when found

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.pages)

    def page_text(self, number: int) -> str:
        return self.pages[number - 1].text


class Chunk(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str  # f"{doc sha256[:16]}:{index}" - deterministic, so upserts are idempotent
    index: int
    text: str
    pages: list[int]
    section: SectionKind
