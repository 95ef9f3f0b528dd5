"""Results tables read from page text lines by code, so every cell is a verbatim string of its page: rows
(`table_lines`) gathered into blocks, each with its caption and its header's column names."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import combinations, pairwise

from summarizer.document import Page, Table, TableRow
from summarizer.ingest.table_lines import CAPTION, FIGURE, MIN_ROW_CELLS, cell_spans, split_row

_SENTENCE_END = re.compile(
    r"""
    (?<!\bal)(?<!\be\.g)(?<!\bi\.e)     # not the dot of "et al.", "e.g.", "i.e."
    (?<!\bvs)(?<!\bFig)(?<!\bEq)        # nor of "vs.", "Fig.", "Eq."
    \.(?=\s|$)                          # a full stop before a space or the end
    """,
    re.VERBOSE,
)
MAX_GAP_LINES = 2  # group-label lines ("Und. and Gen.", "Diffusion based solutions") inside one table
CAPTION_ABOVE_LINES = 25  # caption, sub-caption, two header lines and sub-table (a) rows may sit between
CAPTION_BELOW_LINES = 6  # a caption below sits right under its last row; further down it is the next table's
CAPTION_CHARS = 200  # the first sentence is enough to name a table; longer captions are cut at a word
# the convention vote counts only a caption close above a block, so sub-tables far below don't sway it
CAPTION_VOTE_ABOVE_LINES = 12
# a label wrapped onto the line above its numbers is short; longer lines are prose or captions
WRAPPED_LABEL_CHARS = 60
WRAPPED_LABEL_WORDS = 8  # same, in words
# a group line between rows ("Diffusion based solutions") is shorter still
GROUP_LINE_WORDS = 5
GROUP_LINE_CHARS = 40  # same, in characters
MIN_BLOCK_ROWS = 2  # one row alone is a stray line of numbers, not a table
# at least 1/2 of a table's rows carry a label; a figure's stray numbers mostly don't
LABELLED_ROWS_DIVISOR = 2
# at least 1/2 of the labels are distinct; a pipeline diagram ("Device 0 1 2 ...") repeats its labels
DISTINCT_LABELS_DIVISOR = 2
# above this share of one-digit cells the block is a diagram's axis ticks or indices, not results
MAX_SINGLE_DIGIT_SHARE = 0.6
# sub-column counts repeated under group names: "Pass Win" (2), "P R F1" (3), four metrics (4)
SUB_COLUMN_SIZES = (2, 3, 4)
MIN_GROUP_REPEATS = 2  # a pattern must repeat at least twice to be sub-columns under groups
# header tokens beyond the cells (the label's header, a spanning title) accepted even when a name is lower
# case; with more, the line may be a sentence, so the names must look like columns
MAX_EXTRA_HEADER_TOKENS = 3
# group names of several words are split by what the page prints; a longer run of words is not a header
MAX_GROUP_HEADER_TOKENS = 12
# the authors marking their own group or row: not part of the name the text prints ("API Retriever (ours)")
_OURS_MARK = re.compile(r"\(ours\)", re.IGNORECASE)


@dataclass
class _Row:
    line: int
    label: str
    cells: list[str]
    label_line: int  # the previous line when the label sits there, else `line`
    spans: list[tuple[int, int]]


@dataclass
class _Block:
    page: int
    start: int  # first line of the block (a borrowed label line counts)
    end: int  # last row line
    rows: list[_Row]


def find_tables(pages: list[Page]) -> list[Table]:
    """Return every block of label + numeric-cell lines, with its caption and header when found."""
    found: list[tuple[_Block, list[str]]] = []
    captions: dict[int, list[int]] = {}
    for page in pages:
        lines = page.text.split("\n")
        captions[page.number] = [i for i, line in enumerate(lines) if CAPTION.match(line)]
        for block in _blocks(page.number, lines):
            found.append((block, lines))
    above = _captions_above(found, captions)
    tables: list[Table] = []
    for block, lines in found:
        width = Counter(len(r.cells) for r in block.rows).most_common(1)[0][0]
        _fit_width(block, lines, width)
        caption_line = _caption_for(block, captions[block.page], above)
        header_line, columns = _header(lines, block, width, caption_line)
        stop = (
            header_line
            if header_line is not None and caption_line is not None and caption_line < block.start
            else block.start
        )
        caption = ""
        if caption_line is not None:
            caption = _caption_text(lines, caption_line, stop if caption_line < block.start else len(lines))
        tables.append(
            Table(
                caption=caption,
                page=block.page,
                columns=columns,
                rows=[TableRow(label=r.label, cells=r.cells) for r in block.rows],
            )
        )
    return tables


def _rows(lines: list[str]) -> dict[int, _Row]:
    rows: dict[int, _Row] = {}
    for i, line in enumerate(lines):
        spans = cell_spans(line)
        if spans is not None:
            rows[i] = _Row(i, line[: spans[0]].strip(), [line[s:e] for s, e in spans[1]], i, spans[1])
    for i in sorted(rows):
        row = rows[i]
        if row.label or i == 0 or (i - 1) in rows:
            continue
        previous = lines[i - 1]
        # a label too long for its column wraps: pypdf prints it on the line above the numbers
        if (
            len(previous) <= WRAPPED_LABEL_CHARS
            and len(previous.split()) <= WRAPPED_LABEL_WORDS
            and not previous.endswith(".")
            and not CAPTION.match(previous)
            and not FIGURE.match(previous)
        ):
            row.label, row.label_line = previous, i - 1
        elif len(row.cells) < MIN_ROW_CELLS:
            del rows[i]  # a lone check mark with nothing to name it
    return rows


def _blocks(page: int, lines: list[str]) -> list[_Block]:
    rows = _rows(lines)
    blocks: list[_Block] = []
    current: list[_Row] = []
    gap = 0
    for i in range(len(lines)):
        row = rows.get(i)
        if row is not None and (row.label or current):
            current.append(row)
            gap = 0
            continue
        if current and (i + 1) in rows and rows[i + 1].label_line == i:
            continue  # the label of the next row, printed on its own line
        if current and _group_line(lines[i]) and gap < MAX_GAP_LINES and _next_is_row(rows, i):
            gap += 1
            continue
        if current:
            blocks.append(_Block(page, current[0].label_line, current[-1].line, current))
        current, gap = [], 0
    if current:
        blocks.append(_Block(page, current[0].label_line, current[-1].line, current))
    return [b for b in blocks if _keep(b)]


def _next_is_row(rows: dict[int, _Row], i: int) -> bool:
    return any(j in rows for j in range(i + 1, i + 1 + MAX_GAP_LINES))


def _group_line(line: str) -> bool:
    """A short line between rows naming a group of them ("Und. and Gen.", "Diffusion based solutions")."""
    return (
        len(line.split()) <= GROUP_LINE_WORDS
        and len(line) <= GROUP_LINE_CHARS
        and not CAPTION.match(line)
        and not line.startswith("(")
    )


def _keep(block: _Block) -> bool:
    """Keep blocks that look like a table: two or more rows, mostly labelled, with distinct labels."""
    if len(block.rows) < MIN_BLOCK_ROWS:
        return False
    labels = [r.label for r in block.rows if r.label]
    if (
        len(labels) < len(block.rows) / LABELLED_ROWS_DIVISOR
        or len(set(labels)) < len(labels) / DISTINCT_LABELS_DIVISOR
    ):
        return False  # figure text such as a pipeline diagram ("Device 0 1 2 ...") repeats its labels
    digits = [c for r in block.rows for c in r.cells if any(ch.isdigit() for ch in c)]
    small = [c for c in digits if len(c) == 1]
    return not (digits and len(small) > MAX_SINGLE_DIGIT_SHARE * len(digits))


def _fit_width(block: _Block, lines: list[str], width: int) -> None:
    """Move leading integer cells of over-long rows back into the label ("DALL·E 2", "LLaMA-3.1 405B"), and a
    leading "-": the empty cell of a column the other rows print inside their label ("BBH 3-shot" beside
    "Pile-test -" under "# Shots")."""
    for row in block.rows:
        extra = len(row.cells) - width
        if extra <= 0 or not row.label or row.label_line != row.line:
            continue
        # a version number or a model size: "2", "405B"
        if all(re.fullmatch(r"\d+[KMBT]?|-", c) for c in row.cells[:extra]):
            end = row.spans[extra - 1][1]
            row.label = lines[row.line][:end].strip()
            row.cells, row.spans = row.cells[extra:], row.spans[extra:]


def _captions_above(found: list[tuple[_Block, list[str]]], captions: dict[int, list[int]]) -> bool:
    """Vote on the paper's caption convention: True when its tables carry captions above them."""
    above = below = 0
    for page, lines_at in captions.items():
        blocks = [b for b, _ in found if b.page == page]
        for c in lines_at:
            up = any(0 < b.start - c <= CAPTION_VOTE_ABOVE_LINES for b in blocks)
            down = any(0 < c - b.end <= CAPTION_BELOW_LINES for b in blocks)
            above += up and not down
            below += down and not up
    return above >= below


def _caption_for(block: _Block, lines_at: list[int], above: bool) -> int | None:
    ups = [c for c in lines_at if 0 < block.start - c <= CAPTION_ABOVE_LINES]
    downs = [c for c in lines_at if 0 < c - block.end <= CAPTION_BELOW_LINES]
    up = max(ups) if ups else None
    down = min(downs) if downs else None
    first, second = (up, down) if above else (down, up)
    return first if first is not None else second


def _caption_text(lines: list[str], start: int, stop: int) -> str:
    """The caption's first sentence (at most CAPTION_CHARS), read from its line up to `stop`."""
    text = lines[start]
    caption = CAPTION.match(text)
    prefix = len(caption.group(0)) if caption else 0  # callers pass a caption line: it always matches
    i = start + 1
    while (
        len(text) < CAPTION_CHARS
        and not _SENTENCE_END.search(text, prefix)
        and i < min(stop, len(lines))
        and split_row(lines[i]) is None
        and not CAPTION.match(lines[i])
    ):
        text = (
            text[:-1] + lines[i]
            # a word hyphenated at the line end ("pre-" + "training") joins without the hyphen
            if re.search(r"[a-z]-$", text) and lines[i][:1].islower()
            else f"{text} {lines[i]}"
        )
        i += 1
    end = _SENTENCE_END.search(text, prefix)
    if end:
        text = text[: end.end()]
    return text if len(text) <= CAPTION_CHARS else text[: text.rfind(" ", 0, CAPTION_CHARS)] + " …"


def _header(
    lines: list[str], block: _Block, width: int, caption_line: int | None
) -> tuple[int | None, list[str]]:
    """Best-effort (header line, column names) for the cells from the line(s) just above the block."""
    i = block.start - 1
    while i >= 0 and i != caption_line and len(header_tokens(lines[i])) < width and _group_line(lines[i]):
        i -= 1  # skip "Gen. Only"-style group lines between header and rows
    if i < 0 or i == caption_line or split_row(lines[i]) is not None:
        return None, []
    if not any(ch.isdigit() for r in block.rows for c in r.cells for ch in c):
        return i, []  # check-mark tables: pypdf drops empty cells, so positions are unknowable
    tokens = header_tokens(lines[i])
    if len(tokens) < width and i - 1 >= 0 and i - 1 != caption_line and split_row(lines[i - 1]) is None:
        i -= 1
        tokens = header_tokens(lines[i]) + tokens  # a two-line header (groups over sub-columns)
        return i, align_header(tokens, width, _elsewhere(lines, i, i + 2))
    columns = align_header(tokens, width, _elsewhere(lines, i, i + 1))
    if len(set(columns)) < len(columns) and (above := _names_above(lines, i - 1, width, caption_line)) is not None:
        return above  # "Architecture MoE MoE Dense" repeats itself: a row of properties under the names
    return _with_groups(lines, i, columns, caption_line)


def _with_groups(lines: list[str], i: int, columns: list[str], caption_line: int | None) -> tuple[int, list[str]]:
    """(header line, column names): the names of line `i` under the groups of the line above when it has them
    (`_group_header`), else as they are."""
    groups = _group_header(lines, i - 1, len(columns), caption_line) if columns else None
    if groups is None:
        return i, columns
    # benchmarks above, metrics below: "MMBench SEED" over "Acc F1 Acc F1"; or a name wrapped over both lines:
    # "Qwen2.5" over "72B-Inst.", "Claude-3.5-" over "Sonnet"
    spans = [groups[j * len(groups) // len(columns)] for j in range(len(columns))]
    return i - 1, [f"{group}{name}" if group.endswith("-") else f"{group} {name}" for group, name in zip(spans, columns,
                                                                                                         strict=True)]


def _names_above(lines: list[str], i: int, width: int, caption_line: int | None) -> tuple[int, list[str]] | None:
    """(header line, column names) from line `i` up, when it names `width` distinct columns, perhaps under
    or wrapped onto the line above (`_with_groups`); None when it does not."""
    if i < 0 or i == caption_line or split_row(lines[i]) is not None:
        return None
    tokens = header_tokens(lines[i])
    line, names = _with_groups(lines, i, align_header(tokens, width), caption_line)
    if not names or len(set(names)) < width:
        line, names = i, _two_rows_in_one_line(tokens, width, _elsewhere(lines, i, i + 1)) or []
    return (line, names) if names and len(set(names)) == width else None


def _two_rows_in_one_line(tokens: list[str], width: int, elsewhere: str) -> list[str] | None:
    """Names wrapped over two header rows that the text extraction printed as one line: after the label
    column's header, the `width` first parts, then the second parts in order ("DeepSeek-V2 Qwen2.5 Base 72B
    Base" -> "DeepSeek-V2 Base", "Qwen2.5 72B Base"). The second parts are split the way every whole name is
    one the rest of the page prints (a hyphen or a space between its words); None when no way is."""
    page = " ".join(elsewhere.split())

    def printed(name: str) -> bool:
        return re.search(r"(?<!\w)" + r"[\s-]".join(map(re.escape, name.split())) + r"(?!\w)", page) is not None

    for skip in range(min(MAX_EXTRA_HEADER_TOKENS, len(tokens) - 2 * width) + 1):
        first, rest = tokens[skip:skip + width], tokens[skip + width:]
        if len(rest) > MAX_GROUP_HEADER_TOKENS:
            continue
        for cuts in combinations(range(1, len(rest)), width - 1):
            names = [f"{head} {' '.join(rest[a:b])}" for head, (a, b) in zip(first, pairwise((0, *cuts, len(rest))),
                                                                              strict=True)]
            if all(printed(name) for name in names):
                return names
    return None


def _elsewhere(lines: list[str], start: int, stop: int) -> str:
    """The page without its lines `start` to `stop` (a header): where the header's names are printed again."""
    return "\n".join(lines[:start] + lines[stop:])


def _group_header(lines: list[str], i: int, width: int, caption_line: int | None) -> list[str] | None:
    """The upper row of a two-row header: names each spanning an equal share of the columns (one each: a name
    wrapped onto the lower row), on the line above the lower row (not a row, not the caption or its
    unfinished sentence); None when there is none."""
    if i < 0 or i == caption_line or split_row(lines[i]) is not None or lines[i].rstrip().endswith("."):
        return None
    if caption_line is not None and caption_line < i and not _SENTENCE_END.search(" ".join(lines[caption_line:i])):
        return None  # the caption's sentence runs on to this line
    names = header_tokens(lines[i])
    if len(names) > MIN_GROUP_REPEATS and width % (len(names) - 1) == 0 and width % len(names):
        names = names[1:]  # the label column's own header ("Method") heads the line
    if not MIN_GROUP_REPEATS <= len(names) <= width or width % len(names):
        return None
    # names, not a sentence or a numbered section heading ("4 Experiments")
    return names if all(n[:1].isupper() for n in names) else None


def header_tokens(line: str) -> list[str]:
    """Split a header line into column names, re-joining "FID (i3d)", "# Params" and "Single Obj.", and a word
    that the text extraction split after its first letter as one ("P re." -> "Pre.")."""
    out: list[str] = []
    depth = 0  # inside parentheses: "(ReACT & DFSDT)" is one name
    for token in line.split():
        if out and (depth > 0 or out[-1] == "#" or _continues_name(out[-1], token)):
            split_word = re.fullmatch(r"[A-Z]", out[-1]) and re.fullmatch(r"[a-z]{1,3}\.", token)
            out[-1] += ("" if split_word else " ") + token
        else:
            out.append(token)
        depth = max(0, depth + token.count("(") - token.count(")"))
    return out


def _continues_name(previous: str, token: str) -> bool:
    """True for "(i3d)" after "FID", "Obj." after "Single", a version such as "2.0" after "AlpacaEval", and a
    ligature split such as "P re."."""
    # a short abbreviation after a capitalised word ("Single Obj."), a lower-case ligature tail ("re."), or
    # a dotted version number after a name ("AlpacaEval 2.0")
    return token.startswith("(") or bool(
        (re.fullmatch(r"[A-Z][a-z]{1,6}\.", token) and re.fullmatch(r"[A-Z][a-z]+", previous))
        or re.fullmatch(r"[a-z]{1,3}\.", token)
        or (re.fullmatch(r"v?\d+(?:\.\d+)+", token) and previous[:1].isalpha())
    )


def align_header(tokens: list[str], width: int, elsewhere: str = "") -> list[str]:
    """Map header tokens onto `width` cells, or [] when they cannot be matched with confidence. `elsewhere`:
    the rest of the page, which tells where the names of groups over sub-columns start and end."""
    if width == 0 or len(tokens) < width:
        return []
    tail = tokens[-width:]
    for k in SUB_COLUMN_SIZES:
        repeats = width // k
        if width % k or repeats < MIN_GROUP_REPEATS or len(set(tail[:k])) != k:
            continue
        if all(tail[i] == tail[i % k] for i in range(width)):
            # group names over repeated sub-columns ("I1-Inst." over "Pass Win"), perhaps after one label
            # header; names of several words ("API Retriever (ours)") are split as the page's text says them
            groups = _group_names(tokens[:-width], repeats, elsewhere)
            return [f"{groups[i // k]} {tail[i]}" for i in range(width)] if groups else tail
    if width > 1 and len(set(tail)) == 1:
        return []  # "Constant Constant Constant": a row of words, not a header
    extra = len(tokens) - width
    names_look_like_columns = all(not t[0].islower() for t in tail)
    return tail if extra <= MAX_EXTRA_HEADER_TOKENS or names_look_like_columns else []


def _group_names(tokens: list[str], repeats: int, elsewhere: str = "") -> list[str] | None:
    """The `repeats` names of column groups in the header tokens before the sub-columns, perhaps after the
    label column's own header ("Model I1-Inst. I2-Cat. ..."), or None when they cannot be told apart.

    With more tokens than groups, a name has several words ("Instruction API Retriever (ours) BM25 Ada
    Embedding"): the tokens are joined into names the way every name is one the rest of the page prints
    (`elsewhere`, a plural counting: "Ada Embeddings"), trying first the ways that leave the label column's
    header out ("API Retriever", "BM25", "Ada Embedding"); None when no way does.
    """
    if len(tokens) in (repeats, repeats + 1):
        return tokens[-repeats:]
    if len(tokens) < repeats or len(tokens) > MAX_GROUP_HEADER_TOKENS or not elsewhere:
        return None
    page = " ".join(elsewhere.split()).casefold()

    def printed(name: str) -> bool:
        words = _OURS_MARK.sub("", name).split()
        return bool(words) and re.search(rf"(?<!\w){re.escape(' '.join(words).casefold())}s?(?!\w)", page) is not None

    for skip in (1, 0):  # the label column's header, then none
        names = tokens[skip:]
        for cuts in combinations(range(1, len(names)), repeats - 1):
            joined = [" ".join(names[a:b]) for a, b in pairwise((0, *cuts, len(names)))]
            if all(printed(name) for name in joined):
                return joined
    return None
