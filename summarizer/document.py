"""Plain records passed between the stages: a paper's arXiv record, the parsed paper, its sections, links,
tables and chunks."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

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


class ArxivRecord(BaseModel):
    """One version of a paper as the export API describes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    arxiv_id: str  # base id, without version
    version: int = Field(ge=1)
    title: str
    authors: list[str]
    abstract: str
    categories: list[str]
    primary_category: str
    published: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")  # date of v1
    updated: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")  # date of this version
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    abs_url: str
    pdf_url: str

    @field_validator("title", "abstract", "comment", "journal_ref")
    @classmethod
    def _single_spaces(cls, value: str | None) -> str | None:
        # the API hard-wraps titles and indents abstracts
        return None if value is None else " ".join(value.split())

    @property
    def full_id(self) -> str:
        """The versioned id, e.g. 2501.12948v2."""
        return f"{self.arxiv_id}v{self.version}"
