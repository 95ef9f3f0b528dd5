"""A corpus of hostile and broken PDFs, built as bytes by code (nothing is downloaded or committed), and
the plain text PDFs they start from.

Each case is the kind of file a parser meets in the wild or from an attacker: empty, cut short, encrypted,
not a PDF at all, pages without text, too many pages, a broken cross-reference table, a page tree that
loops, objects nested too deep, a decompression bomb, a font whose encoding is garbage, one huge page.
`CASES` maps a name to its builder and to what the parser must answer: the error classes allowed, or
None where pypdf may legitimately recover and return a Document.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter

from summarizer.errors import CorruptPdf, EncryptedPdf, NotAPdf, NoTextLayer, PdfError, PdfTooComplex

SENTENCE = "The proposed method reaches a score of 71.5 on the synthetic benchmark, 3.2 points above the baseline."
PAGE = (612, 792)


def stream(content: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(content), extra) + content + b"\nendstream"


def build(objects: list[bytes], *, root: int = 1, info: int | None = None, offsets_shift: int = 0) -> bytes:
    """A PDF file of these objects (numbered from 1) with a correct xref table, unless shifted; `info`: the
    object holding the document's metadata (its /Title)."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % (o + offsets_shift) for o in offsets)
    metadata = b" /Info %d 0 R" % info if info else b""
    out += b"trailer\n<< /Size %d /Root %d 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, metadata, xref)
    return bytes(out)


def text_ops(lines: list[str], *, font: bytes = b"/F1") -> bytes:
    body = b"".join(b"(%s) Tj 0 -14 Td\n" % _pdf_string(line) for line in lines)
    return b"BT %s 11 Tf 72 720 Td\n" % font + body + b"ET"


def _pdf_string(text: str) -> bytes:
    return text.encode("latin-1").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def text_objects(pages: list[list[str]], *, font: bytes = HELVETICA) -> list[bytes]:
    """The objects of a plain PDF: one page per list of lines (1 catalog, 2 page tree, 3 font, then each
    page and its content)."""
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(len(pages)))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages)), font]
    for i, lines in enumerate(pages):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R >> >>"
                       b" /Contents %d 0 R >>" % (*PAGE, 5 + 2 * i))
        objects.append(stream(text_ops(lines)))
    return objects


def text_pdf(pages: list[list[str]], *, title: str | None = None) -> bytes:
    """A plain, valid PDF: one page per list of lines, with a metadata title if given."""
    objects = text_objects(pages)
    if title is None:
        return build(objects)
    return build([*objects, b"<< /Title (%s) >>" % _pdf_string(title)], info=len(objects) + 1)


def _one_page(content: bytes, *, resources: bytes = b"<< /Font << /F1 3 0 R >> >>", font: bytes = HELVETICA,
              media_box: tuple[int, int] = PAGE, filters: bytes = b"") -> bytes:
    return build([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        font,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources %s /Contents 5 0 R >>"
        % (*media_box, resources),
        stream(content, filters),
    ])


PAPER = text_pdf([[SENTENCE] * 30] * 3)


def zero_bytes() -> bytes:
    return b""


def truncated() -> bytes:
    return PAPER[: len(PAPER) * 2 // 5]


def encrypted() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PAPER)))
    writer.encrypt("a password nobody gave us")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def wrong_magic() -> bytes:
    return b"GIF89a" + PAPER[8:]


def html_saved_as_pdf() -> bytes:
    return b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Please sign in.</body></html>\n"


def no_text_layer() -> bytes:
    drawing = b"0.5 g " + b" ".join(b"%d %d 40 40 re f" % (x, y) for x in range(0, 600, 50) for y in range(0, 780, 50))
    return _one_page(drawing)


def thousand_pages() -> bytes:
    # every page shares one content stream: 1,000 pages in ~100 KB
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(1000))
    page = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >>"
            b" /Contents 4 0 R >>")
    return build([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count 1000 >>" % kids,
                  HELVETICA, stream(text_ops([SENTENCE] * 5)), *[page] * 1000])


def broken_xref() -> bytes:
    """Every offset in the cross-reference table points 37 bytes past its object."""
    return build(text_objects([[SENTENCE] * 30]), offsets_shift=37)


def page_tree_loop() -> bytes:
    # the root's kid is a page-tree node whose kid is the root again
    return build([b"<< /Type /Catalog /Pages 2 0 R >>",
                  b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                  b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>"])


def deep_nesting(depth: int = 100_000) -> bytes:
    nested = b"[" * depth + b"]" * depth
    return _one_page(text_ops([SENTENCE] * 10), resources=b"<< /Font << /F1 3 0 R >> /Deep %s >>" % nested)


def decompression_bomb(expanded_bytes: int = 256 * 1024**2) -> bytes:
    """A content stream of 256 MB of spaces that compresses to 256 KB (more costs seconds to build and
    changes nothing: pypdf stops at 75 MB and the child's address space is capped anyway)."""
    pack = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    packed = b"".join(pack.compress(chunk) for _ in range(expanded_bytes // len(chunk))) + pack.flush()
    return _one_page(packed, filters=b"/Filter /FlateDecode")


def broken_font_encoding() -> bytes:
    """Widths from a negative first char, a Differences array of junk, a ToUnicode map with broken entries."""
    font = (b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /FirstChar -5 /Widths [1 2] /ToUnicode 6 0 R"
            b" /Encoding << /Type /Encoding /Differences [ 65 /no.such.glyph -3 /A 99999999 /B (x) ] >> >>")
    cmap = stream(b"/CIDInit /ProcSet findresource begin begincmap 2 beginbfchar <41> <D800> <4"
                  b" <0041> endbfchar 1 beginbfrange <00> <FF> [<> <FFFF>] endbfrange endcmap")
    return build([*text_objects([[SENTENCE] * 30], font=font), cmap])


def huge_single_page(operations: int = 20_000) -> bytes:
    """One page far larger than any paper (200 inches square) carrying 20,000 text operations (~5 s of
    pypdf; 200,000 of them take over two minutes, which the CPU limit stops)."""
    lines = b"".join(b"(%s %d) Tj 0 -1 Td\n" % (_pdf_string(SENTENCE[:40]), i) for i in range(operations))
    return _one_page(b"BT /F1 1 Tf 10 14390 Td\n" + lines + b"ET", media_box=(14400, 14400))


@dataclass(frozen=True)
class Case:
    build: Callable[[], bytes]
    #: the errors a user may be shown; None: pypdf may recover and return a Document instead
    errors: tuple[type[PdfError], ...] | None


CASES: dict[str, Case] = {
    "zero bytes": Case(zero_bytes, (NotAPdf,)),
    "truncated": Case(truncated, (CorruptPdf, NoTextLayer)),
    "encrypted": Case(encrypted, (EncryptedPdf,)),
    "wrong magic": Case(wrong_magic, (NotAPdf,)),
    "html saved as pdf": Case(html_saved_as_pdf, (NotAPdf,)),
    "no text layer": Case(no_text_layer, (NoTextLayer,)),
    "1,000 pages": Case(thousand_pages, (PdfTooComplex,)),
    "broken xref": Case(broken_xref, None),
    "page-tree loop": Case(page_tree_loop, (CorruptPdf, PdfTooComplex)),
    "deep nesting": Case(deep_nesting, None),
    "decompression bomb": Case(decompression_bomb, (PdfTooComplex, NoTextLayer)),
    "broken font encoding": Case(broken_font_encoding, None),
    "huge single page": Case(huge_single_page, None),
}
