"""The comparisons the authors write out: which rivals the paper's text names beside a result of theirs, and
which results of theirs it quotes.

A results table lists many rivals; the text that discusses it names the few the authors compare with ("compared
to GLIDE and DALL·E 2, Zeta achieves a better FID"; "Though Imagen obtains a better score than Zeta, it is much
larger"). An editor quotes a result against those rivals. Pure: the paper's text and one table in, groups of its
rows (`named_rivals`) or its columns (`quoted`) out.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from summarizer.document import Table, TableRow
from summarizer.numbers import row_roles
from summarizer.numbers.claims import SENTENCE, is_prose
from summarizer.numbers.normalise import normalize_text, numbers_in, rejoin_words, words_of

_DISCUSSION_CHARS = 2500  # how far after a "Table N" mention the text still discusses that table
_CAPTION_CHARS = 30  # a sentence beginning with the caption's first letters is the caption itself
_MIN_QUOTED_DIGITS = 3  # a quoted whole number this long is the cell's, not a count that happens to match
# a sentence comparing things
_COMPARES = re.compile(
    r"\b(?:outperform\w*|surpass\w*|better|worse|higher|lower|beat\w*|compar\w*|than|trail\w*|exceed\w*"
    r"|superior|inferior|improv\w*|v\.?s\.?|versus|against|match\w*)\b",
    re.IGNORECASE,
)
_OUR_METHOD = re.compile(r"\bour\s+(?:method|model|approach)\b", re.IGNORECASE)
_TABLE_NUMBER = re.compile(r"\s*Table\s+(\d+)\b", re.IGNORECASE)
_ANY_POINTER = re.compile(r"\b(?:Tab(?:le|\.)|Fig(?:ure|\.))\s*(\d+)")
_BRACKETED = re.compile(r"\s*\[[^\]]*\]|\s*\([^)]*\)")  # a citation or an aside: "[46]", "(d=24)", "(Ours)"
# a kind of system the text defines by its members: "unified models including Gemini, NExT-GPT and LWM",
# "diffusion-based methods such as GLIDE and LDM": a word that is no function word ("of parameters", "several
# baselines" name no kind), a plural, then the list (`_name_run` keeps its names)
_KIND = re.compile(
    r"(?<![\w-])(?P<kind>(?!(?:in|of|for|from|to|on|at|by|with|and|or|only|the|these|those|their|its|our|some|other|many"
    r"|all|several|various|different|both|most|more|such|two|three|four|five|compare|compared)\s)"
    r"[A-Za-z][\w-]*\s[a-z][a-z-]*[a-z]s),?\s+(?:including|such\s+as|e\.g\.,?)\s+(?P<members>[^;]+)",
    re.IGNORECASE)
# what sets our result against a kind right before it names: "in comparison to unified models", "than
# existing diffusion models", "outperforms other retrieval methods"
_VERSUS_KIND = r"(?:compar\w*\s+(?:to|with)|than|over|against|outperform\w*|surpass\w*|beat\w*|exceed\w*)\s+(?:\w+\s+){0,2}?"
_JOINERS = {"and", "or", "etc"}


@dataclass(frozen=True)
class Named:
    """Rivals one passage of the text compares our row with, in the column it is about."""

    column: int
    rivals: tuple[TableRow, ...]


def name_pattern(label: str) -> re.Pattern[str] | None:
    """A row's name as the text may print it: without its citation or aside, punctuation between words free
    ("DALL·E 2" = "DALL-E 2", "ChatGPT-DFSDT" = "ChatGPT+DFSDT"), a size after it ("NExT-GPT-13B"), not part
    of a longer name ("Janus" is not "Janus-Pro"). A coined name is found in any case ("ReAct" for "ReACT");
    a name of plain words only as printed ("Linear" is not "a linear schedule")."""
    words = re.findall(r"[A-Za-z0-9]+", _BRACKETED.sub("", label))
    if len("".join(words)) < row_roles.MIN_NAME_CHARS:
        return None
    flags = re.IGNORECASE if any(row_roles.coined(w) for w in label.split()) else 0
    return re.compile(r"(?<![A-Za-z0-9])" + r"[^\w\s]?\s?".join(map(re.escape, words))
                      + r"(?![A-Za-z0-9]|-(?!\s?\d+(?:\.\d+)?[BM]\b)[A-Za-z0-9])", flags)


def discussion(text: str, table: Table) -> list[tuple[int, str]]:
    """The sentences of the text that discuss `table`, each with its place in the text (its index among the
    text's sentences): from each sentence mentioning "Table N" (not its caption) up to the next one pointing
    to another table or figure, at most `_DISCUSSION_CHARS` on; prose only (`is_prose`), not the table's own
    rows that the text extraction ran into it. Words broken at a line end are joined first (`rejoin_words`)."""
    number = _TABLE_NUMBER.match(table.caption)
    if number is None:
        return []
    sentences = _sentences(text)
    mention = re.compile(rf"\bTab(?:le|\.)\s*{number.group(1)}\b")
    caption = row_roles.squash(table.caption)[:_CAPTION_CHARS]
    found: dict[int, str] = {}
    for i, sentence in enumerate(sentences):
        if not mention.search(sentence) or row_roles.squash(sentence).startswith(caption):
            continue
        read = 0
        for j in range(i, len(sentences)):
            if j > i and (read > _DISCUSSION_CHARS or _points_elsewhere(sentences[j], number.group(1))):
                break  # this sentence and what follows discuss another table or figure
            read += len(sentences[j])
            found[j] = sentences[j]
    return [(j, sentence) for j, sentence in sorted(found.items()) if is_prose(sentence)]


def named_rivals(text: str, table: Table, ours: TableRow, rivals: Sequence[TableRow], measured: Sequence[int],
                 lead: int | None, lower_better: Sequence[bool]) -> list[Named]:
    """The authors' comparisons of `ours` in `table`: each sentence discussing the table that names our row
    (or "our method") and at least one of `rivals`, and compares. Its column is the one whose cell of ours
    the sentence quotes, else the one whose every word it names ("I2-Cat. Win"), else `lead` (a summary column,
    or the only one; None: a sentence about the whole table is about no one column, and is skipped). A sentence
    naming several columns ("on POPE, MME and GQA") is about none of them. Sentences in a row
    of the text about one column whose rivals all fall on the same side of ours (all beaten, or all ahead) are
    one comparison: "than LDM." "than DALL·E 2." -> LDM and DALL·E 2; a comparison written out again is not
    one more.

    `measured`: the columns that measure (not a size or a date); `lower_better[i]`: column i's direction.
    """
    own = [p for name in _our_names(ours.label, rivals) if (p := name_pattern(name)) is not None]
    patterns = [(row, p) for row in rivals if (p := name_pattern(row.label)) is not None]
    found: list[tuple[int, Named, bool]] = []  # sentence's place, comparison, whether we are ahead of all
    for n, sentence in discussion(text, table):
        ours_named = [m.span() for p in own for m in p.finditer(sentence)]
        if not _COMPARES.search(sentence) or not (_OUR_METHOD.search(sentence) or ours_named):
            continue
        column = _column(sentence, ours, measured, lead, table.columns)
        if column is None or column >= len(ours.cells) or not numbers_in(ours.cells[column]):
            continue
        named = tuple(row for row in _named_in(sentence, patterns, ours_named) or _of_kind(sentence, text, patterns)
                      if column < len(row.cells) and numbers_in(row.cells[column]))
        if not named:
            continue
        ahead = [is_ahead(ours.cells[column], row.cells[column], lower_better[column]) for row in named]
        if len(set(ahead)) > 1:
            continue  # "better than X, worse than Y": no one side to quote
        if any(w.column == column and set(map(id, named)) <= set(map(id, w.rivals)) for _, w, _ in found):
            continue  # a comparison written out again
        if found and found[-1][0] == n - 1 and found[-1][1].column == column and found[-1][2] == ahead[0]:
            previous = found.pop()[1]
            merged = Named(column, previous.rivals + tuple(r for r in named if all(r is not p for p in previous.rivals)))
            found.append((n, merged, ahead[0]))
        else:
            found.append((n, Named(column, named), ahead[0]))
    return [named for _, named, _ in found]


def quoted(text: str, table: Table, ours: TableRow, measured: Sequence[int]) -> set[int]:
    """The columns whose cell of ours the text discussing the table quotes ("leads on F1 (87.51)"): the
    results the authors point out (`_quotable` values only)."""
    said = {n for _, sentence in discussion(text, table) for n in numbers_in(sentence)}
    return {i for i in measured if i < len(ours.cells) and (value := numbers_in(ours.cells[i]))
            and _quotable(value[0]) and value[0] in said}


@functools.lru_cache(maxsize=2)
def _sentences(text: str) -> list[str]:
    """The paper's sentences, its words broken at line ends joined: read once per paper, for every table."""
    text = normalize_text(text)
    return SENTENCE.split(rejoin_words(text, words_of(text)))


def _quotable(value: str) -> bool:
    """A value the text can be said to quote: one with a decimal point or of `_MIN_QUOTED_DIGITS` digits; a
    small whole number ("2") is found in any text ("Table 2", "Alpha 2")."""
    return "." in value or sum(c.isdigit() for c in value) >= _MIN_QUOTED_DIGITS


def _points_elsewhere(sentence: str, number: str) -> bool:
    """Whether a sentence points to another table or to a figure."""
    return any(m.group(1) != number or not m.group(0).lower().startswith("tab") for m in _ANY_POINTER.finditer(sentence))


def _our_names(label: str, rivals: Sequence[TableRow]) -> list[str]:
    """Our row's name, and its family's when the row names a variant: "ToolLLaMA-DFSDT" is also "ToolLLaMA",
    "Zeta-Pro-7B" also "Zeta-Pro"; not a family name shorter than a distinctive prefix ("Show" of "Show-o"),
    and no name another row is named by (our earlier model, or "Zeta" beside our "Zeta (maj@6)")."""
    core = _BRACKETED.sub("", label).strip()
    family = core.rsplit("-", 1)[0] if "-" in core else ""
    taken = {row_roles.squash(_BRACKETED.sub("", r.label)) for r in rivals}
    names = [core, family] if len(family) >= row_roles.MIN_PREFIX_CHARS else [core]
    return [name for name in names if row_roles.squash(name) not in taken]


def _named_in(sentence: str, patterns: list[tuple[TableRow, re.Pattern[str]]],
              ours: list[tuple[int, int]]) -> list[TableRow]:
    """The rows a sentence names; a name only found inside a longer one's ("DALL·E" in "DALL·E 2"), ours
    included ("Zeta" in "Zeta XL", where `ours` are the places our name is found), is not."""
    spans = {id(row): [m.span() for m in p.finditer(sentence)] for row, p in patterns}
    everywhere = [span for found in spans.values() for span in found] + ours
    return [row for row, _ in patterns if any(
        not any(a <= start and end <= b and (a, b) != (start, end) for a, b in everywhere)
        for start, end in spans[id(row)])]


def _of_kind(sentence: str, text: str, patterns: list[tuple[TableRow, re.Pattern[str]]]) -> list[TableRow]:
    """The rows a sentence names by their kind, set against ours ("In comparison to unified models, Zeta ..."),
    where the text defines the kind by its members ("unified models including Alpha and Borealis"): those
    members, once each, a name inside a longer one's not counted (`_named_in`)."""
    lists = " ; ".join(members for kind, members in _kinds(text).items()
                       if re.search(rf"{_VERSUS_KIND}{re.escape(kind)}\b", sentence, re.IGNORECASE))
    return _named_in(lists, patterns, []) if lists else []


@functools.lru_cache(maxsize=2)
def _kinds(text: str) -> dict[str, str]:
    """The kinds of system the text defines by their members, lower-cased, each with the names listing them
    (every list the text gives for it)."""
    kinds: dict[str, str] = {}
    for sentence in _sentences(text):
        for match in _KIND.finditer(sentence):
            kind = match.group("kind").lower()
            kinds[kind] = f"{kinds.get(kind, '')}; {_name_run(match.group('members'))}"
    return kinds


def _name_run(members: str) -> str:
    """The names a list begins with, up to its first plain word: "Alpha (Lee, 2021), Borealis and Orion have
    been overtaken by ..." -> "Alpha, Borealis and Orion have"; a plain word ends it, a name need not."""
    run: list[str] = []
    for word in _BRACKETED.sub("", members).split():
        bare = word.strip(",.:")
        if bare and not (bare.lower() in _JOINERS or bare[0].isupper() or any(c.isdigit() for c in bare)
                         or row_roles.coined(bare)):
            break
        run.append(word)
    return " ".join(run)


def _column(sentence: str, ours: TableRow, measured: Sequence[int], lead: int | None,
            columns: Sequence[str]) -> int | None:
    said = {n for n in numbers_in(sentence) if _quotable(n)}
    for i in measured:
        if i < len(ours.cells) and said & set(numbers_in(ours.cells[i])):
            return i
    words = set(_words(sentence))
    names = {i: _words(columns[i]) for i in measured if i < len(columns)}
    first_words = {name[0] for name in names.values() if name and name[0] in words}
    if len(first_words) > 1:
        return None  # "on POPE, MME and GQA": about several columns, no one of them
    whole = [i for i, name in names.items() if name and set(name) <= words]
    return whole[0] if len(whole) == 1 else None if whole else lead


def _words(text: str) -> list[str]:
    """Words as a column's name spells them: "I2-Cat. Win" -> ["i2-cat", "win"]."""
    return [w.lower().rstrip(".") for w in re.findall(r"[\w.-]+", text)]


def is_ahead(ours: str, theirs: str, lower_better: bool) -> bool:
    """Whether the first cell's number is better than the second's (both cells print a number)."""
    mine, other = (float(numbers_in(c)[0].replace(",", "")) for c in (ours, theirs))
    return mine < other if lower_better else mine > other
