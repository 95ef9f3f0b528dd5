"""Characters untrusted text (paper, arXiv metadata, model output) may not carry, in one place: the PDF
parser, the number normaliser and the prompt fences all strip the same ones."""

from __future__ import annotations

import unicodedata

# Invisible characters that break substring matches of numbers and words: zero-width and joiner
# characters, soft hyphen, BOM, bidi controls and variation selectors.
INVISIBLE: dict[int, None] = dict.fromkeys([
    0x00AD, 0x034F, 0x061C, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0x2061, 0x2062,
    0x2063, 0x2064, 0xFEFF, *range(0x202A, 0x202F), *range(0x2066, 0x206A), *range(0xFE00, 0xFE10),
])
# no-break, figure, thin, hair and other fixed-width spaces become plain spaces so tokens split cleanly
SPACES: dict[int, str] = {c: " " for c in [0x09, 0x00A0, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000]}
_CONTROLS = [c for c in [*range(0x20), *range(0x7F, 0xA0)] if c not in (0x09, 0x0A)]
# Characters that hide or reorder words a reader never sees: the invisible ones above, every format
# character (Cf: bidi controls, zero-width, the Unicode tags of plane 14 that smuggle ASCII which renders
# as nothing) and C0/C1 controls but newline and tab. Format characters live in the first two planes
# and in plane 14: the table is built once, at import (~30 ms).
HIDDEN: dict[int, None] = {
    **INVISIBLE, **dict.fromkeys(_CONTROLS),
    **dict.fromkeys(c for c in [*range(0x20000), *range(0xE0000, 0xE0080)] if unicodedata.category(chr(c)) == "Cf"),
}


def strip_hidden(text: str) -> str:
    return text.translate(HIDDEN)
