"""A Document into retrieval chunks: split per section, each chunk with the pages its text spans.

Default size (ChunkSettings: size_chars=1200, overlap_chars=150), measured with eval/chunk_size.py on the six
fixture PDFs that have reference cards (88 key numbers); word pieces counted with all-MiniLM-L6-v2's
tokenizer:

    size  chunks/paper  mean chars  word pieces  >256 pieces  value+base in a chunk  embedded  emb. prose
     600           106         419          117           2%                    76%       99%        100%
     900            71         631          176          18%                    90%       82%        100%
    1200            53         850          236          38%                    93%       76%        100%
    1600            40        1133          315          65%                    92%       70%         87%
    2400            28        1642          456          79%                   100%       47%         74%

("embedded": the key number lies within the first 256 word pieces of a chunk on its page, the part MiniLM
embeds; "prose": key numbers outside tables, the ones retrieval must find - table numbers are read from
parsed tables.) 1200 is the largest size whose mean chunk still fits the 256 word pieces MiniLM embeds and
keeps every prose key number in the embedded part; it keeps 93% of values together with their baselines
(600 keeps 76%), and 4 chunks of it fill most of the ~4.8k-char prompt budget per field group. Above it
the truncated tails grow fast (1600: 87% of prose numbers embedded). Chunks of table-dense text run
over 256 word pieces (1.9 chars per piece in table rows, 3.6 elsewhere); their numbers come from
parsed tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from summarizer.document import Chunk, Document, PageText, Section, SectionKind
from summarizer.settings import ChunkSettings

# pypdf text has no blank lines between paragraphs and breaks lines where the PDF wraps them, so prefer
# a sentence that ends a line, then any sentence end, then a line break, before cutting inside a line
SEPARATORS = ["\n\n", ".\n", ". ", "\n", " ", ""]
# hex digits of the document's sha256 that prefix its chunk ids: 64 bits keep different papers' ids apart
# in one index and stay short in logs and prompts (retrieval/index.py finds a paper's chunks by this prefix)
CHUNK_ID_HASH_CHARS = 16


@dataclass
class _Unit:
    """The text of one section (or a heading-only section joined to its first subsection)."""

    kind: SectionKind
    parts: list[PageText]


def split(doc: Document, settings: ChunkSettings) -> list[Chunk]:
    """Split each section into chunks of about settings.size_chars, never across sections."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=settings.size_chars,
        chunk_overlap=settings.overlap_chars,
        separators=SEPARATORS,
        keep_separator="end",
        strip_whitespace=True,
    )
    chunks: list[Chunk] = []
    for unit in _units(doc.sections):
        text = "\n".join(p.text for p in unit.parts)
        spans = _part_spans(unit.parts)
        start = 0
        for piece in splitter.split_text(text):
            found = text.find(piece, start)
            if found < 0:  # cannot happen for a substring; keep the whole unit's pages to stay safe
                found, pages = start, sorted({p.page for p in unit.parts})
            else:
                pages = sorted({page for page, lo, hi in spans if lo < found + len(piece) and found < hi})
            start = found + 1
            index = len(chunks)
            chunks.append(
                Chunk(
                    id=f"{doc.sha256[:CHUNK_ID_HASH_CHARS]}:{index}",
                    index=index,
                    text=piece,
                    pages=pages,
                    section=unit.kind,
                )
            )
    return chunks


def _units(sections: list[Section]) -> list[_Unit]:
    """Join a heading-only section ("3 Experiments") to the next of its kind: no chunk is a bare heading."""
    units: list[_Unit] = []
    carry: _Unit | None = None
    for section in sections:
        unit = _Unit(section.kind, list(section.parts))
        if carry is not None and carry.kind == unit.kind:
            unit.parts = carry.parts + unit.parts
        elif carry is not None:
            units.append(carry)
        carry = None
        if section.heading and section.text.strip() == section.heading.strip():
            carry = unit
        else:
            units.append(unit)
    if carry is not None:
        units.append(carry)
    return units


def _part_spans(parts: list[PageText]) -> list[tuple[int, int, int]]:
    """(page, start, end) offsets of each part in the unit's text, which joins the parts with newlines."""
    spans: list[tuple[int, int, int]] = []
    offset = 0
    for part in parts:
        spans.append((part.page, offset, offset + len(part.text)))
        offset += len(part.text) + 1
    return spans
