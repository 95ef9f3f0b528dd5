"""The draft card assembled by code from the model's answers and what code read from the paper.

Metadata comes from arXiv, venue from the comment and the PDF, links from the PDF, tables and key numbers
from parsed cells and the prose; the model's part is its prose and its choice of table and row.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from summarizer.card import MAX_KEY_NUMBERS, Card, Evidence, KeyNumber, Passage, code_url_from
from summarizer.document import ArxivRecord, Chunk, Document, Link
from summarizer.drafting import venue
from summarizer.ingest import links
from summarizer.numbers import claims, publication, results, row_roles, table_choice
from summarizer.numbers.normalise import canonical, normalize_text, numbers_in, restates
from summarizer.settings import ExtractSettings

# how many of each source lead the key numbers: the main table's best cells, then the best prose claims,
# so an editor's first glance has both the headline comparison and the paper's own summary numbers
LEADING_TABLE_NUMBERS = 6
LEADING_PROSE_NUMBERS = 4
# a title whose part before the colon has at most this many words names the method ("ToolLLM: ...")
SHORT_NAME_MAX_WORDS = 4
# a title that is a model's report: its name, a few words ending in a coined one, then the kind of report
_REPORT_TITLE = re.compile(
    r"((?:\S+\s){0,2}\S*(?:[A-Z]\S*[A-Z0-9]|\d)\S*)\s+(?:Technical|Tech\.?|System|Model)\s+(?:Report|Card)\s*$")
# a name the authors define for their method where the title gives none: "we introduce Fixed-Point Distillation
# (FPD), ...", its capitals the initials of the capitalised words before it, the clause ending after it (not "a
# Reinforcement Learning (RL) framework": an acronym naming a kind of thing); looked for in the abstract and
# introduction only
_DEFINED_NAME = re.compile(
    r"\b(?i:we|this\s+(?:paper|work))\s+(?i:introduce|propose|present|develop|call|name|term)[sd]?\s+"
    r"(?:(?i:a|an|the|our)\s+)?(?:[a-z]+\s+)?"
    r"(?P<phrase>(?:[A-Z][\w-]*\s+){0,6}[A-Z][\w-]*)\s+\((?P<name>[A-Z][A-Za-z0-9+-]{1,15})\)"
    r"(?=\s*(?:[,.;:]|$|(?:which|that|to|for|as|is|with)\b))"
)
_DEFINED_NAME_CHARS = 6000
# the longest headline the model may give (drafting/extract.py): an answer this long was cut there
HEADLINE_CUT_CHARS = 90
# the passages shown beside a written field in the editor, and their length
PASSAGES_PER_FIELD = 2
PASSAGE_CHARS = 400
_WORD = re.compile(r"[^\W\d_]{4,}")
# the pages of the front matter, where a title, a byline and a venue stamp are printed
FRONT_PAGES = 2
# the leading characters of a link looked for in its page's lines: a printed URL is often cut at the line's end
LINK_NEEDLE_CHARS = 30
# a word the paper prints only in capitals at least this often is an acronym (APIs, LLM), not a title's casing
ACRONYM_MIN_MENTIONS = 3
# Instructions aimed at a model, in the paper's own text (or its arXiv entry): the card is flagged for an
# editor's review and gets no verdict from the model, the one field a paper that steers it would aim at.
# Words may be split by any whitespace: a PDF line break falls anywhere.
_INJECTION = re.compile(r"""
    ignore\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above|earlier)\s+(?:instructions|prompts?)
  | disregard\s+(?:the|all|previous)\s+instructions
  | <\|im_start\|> | <\|system\|>                          # chat-template control tokens
  | ^\s*(?:system|assistant)\s*:                          # a line posing as a chat turn
""", re.IGNORECASE | re.MULTILINE | re.VERBOSE)
INJECTION_REVIEW = "possible prompt injection in the paper text: the verdict is left to an editor"
# affiliation digits and footnote marks glued to a name: "Dahai Li2,6", "Zhiyuan Liu1†", "Senellart 1¶"
# a word of a name as the front page prints it: letters, then letters, digits, apostrophes, dots and hyphens
_NAME_WORD = r"[^\W\d_][\w'.-]*"
_MARKERS = re.compile(r"(?<=[^\W\d_])\s?\d+(?:,\d+)*|[*†‡§¶]+")


@dataclass
class Answers:
    """What the model answered, already validated: prose, and its choice of main table and row."""

    core_problem: str
    method: str
    results_text: str
    verdict: str
    headline: str
    main_table: str
    proposed_row: str
    authors: list[str] = field(default_factory=list)
    institutions: list[str] = field(default_factory=list)
    byline_read: bool = True  # False: the byline question failed; the editor is told


def card(
    doc: Document, record: ArxivRecord | None, answers: Answers, options: list[table_choice.TableOption],
    context: list[Chunk], front: str, settings: ExtractSettings,
) -> Card:
    """The draft card: the model's prose beside every field that code derives from the paper."""
    needs_review = [] if answers.byline_read else ["authors/institutions could not be read from the PDF"]
    front_norm = normalize_text(" ".join(p.text for p in doc.pages[:2])).lower()
    institutions = list(dict.fromkeys(i.strip() for i in answers.institutions if _in_text(i, front_norm)))
    title = record.title if record else (doc.title or "Untitled")
    authors = record.authors if record else byline_names(answers.authors, front, title)
    evidence: list[Evidence] = []
    # every page the model read from: the chunks, the title (page 1) and the captions and row names of the
    # tables it was offered; the grounding check holds a prose number only when one of these prints it
    context_pages = sorted({p for c in context for p in c.pages} | {1} | {o.table.page for o in options})
    context_ids = [c.id for c in context]
    for prose_field in ("core_problem", "method", "results_text", "verdict", "headline"):
        evidence.append(Evidence(field=prose_field, pages=context_pages, chunk_ids=context_ids, source="model",
                                 passages=closest_passages(getattr(answers, prose_field), context)))

    name = short_name(title, doc.text)
    anchor_words = row_roles.anchors(name, title, answers.method)
    main = table_choice.headline(next((o for o in options if o.id == answers.main_table), None), options,
                                 anchor_words)
    found = results.collect(main, answers.proposed_row, options, anchor_words, max_rows=settings.max_table_rows,
                            name_words=row_roles.anchors(name) if name else set(),
                            text=" ".join(p.text for p in doc.pages))
    tables = found.tables
    prose_numbers = claims.key_numbers(doc, record.abstract if record else None, limit=settings.max_prose_numbers)
    key_numbers, more_numbers = rank_numbers(found, prose_numbers, publication.facts(doc))
    if tables:
        evidence.append(Evidence(field="results_tables", pages=[t.page for t in tables if t.page],
                                 source="parsed_table"))
    for number_field, numbers in (("key_numbers", key_numbers), ("more_numbers", more_numbers)):
        evidence.append(Evidence(field=number_field, pages=sorted({k.page for k in numbers if k.page}),
                                 source="parsed_table"))

    comment = record.comment if record else None
    journal = record.journal_ref if record else None
    venue_name, status, review_text = venue.detect(comment, journal, front)
    primary = links.paper_code(doc.links, doc.title)  # the paper's own repository, not one it cites
    code = ([primary] if primary else []) + [link for link in doc.links if link.kind == "code" and link != primary]
    code_urls = [_bare(link.url) for link in code]
    project = next((link for link in doc.links if link.kind == "project"), None)
    evidence += read_evidence(doc, record, title=title, authors=authors, institutions=institutions,
                              venue_name=venue_name, review_text=review_text, code=code, project=project)
    arxiv_entry = (record.title, record.abstract, record.comment) if record else ()
    steered = injected(doc.text, doc.title, *arxiv_entry)
    if steered:
        needs_review.append(INJECTION_REVIEW)
    return Card(
        arxiv_id=record.arxiv_id if record else doc.arxiv_id, version=f"v{record.version}" if record else None,
        name=name, headline=tagline(answers.headline, name, title, doc.text), title=title, authors=authors,
        institutions=institutions, categories=record.categories if record else [],
        submitted=record.published if record else None, updated=record.updated if record else None,
        arxiv_comment=comment, venue=venue_name, peer_review_status=status, peer_review_text=review_text,
        core_problem=answers.core_problem, method=answers.method, results_text=answers.results_text,
        results_tables=tables, key_numbers=key_numbers, more_numbers=more_numbers,
        verdict=None if steered else answers.verdict,
        code_url=code_url_from(code_urls), code_urls=code_urls,
        project_page=_bare(project.url) if project else None,
        code_status="released" if code else "unknown", needs_review=needs_review, evidence=evidence,
    )


def read_evidence(
    doc: Document, record: ArxivRecord | None, *, title: str, authors: list[str], institutions: list[str],
    venue_name: str | None, review_text: str | None, code: list[Link], project: Link | None,
) -> list[Evidence]:
    """Where the fields code reads came from, for the editor to check them: the arXiv entry (with the address
    of its page), or the PDF's pages and, where it is cheap to find, the line that was read."""
    found: list[Evidence] = []
    if record:
        entry = [name for name, value in (("title", title), ("submitted", record.published),
                                          ("categories", record.categories), ("authors", authors)) if value]
        found += [Evidence(field=name, source="arxiv_api", url=record.abs_url) for name in entry]
    else:
        if doc.title:  # a title PDF metadata gave and no page prints shows as "from the PDF" without pages
            found.append(Evidence(field="title", pages=_pages_printing(doc, [title], FRONT_PAGES)))
        if authors:
            found.append(Evidence(field="authors", pages=_pages_printing(doc, authors, FRONT_PAGES)))
    if institutions:
        found.append(Evidence(field="institutions", pages=_pages_printing(doc, institutions, FRONT_PAGES)))
    if review_text:
        review = [name for name, value in (("venue", venue_name), ("peer_review_status", review_text),
                                           ("peer_review_text", review_text)) if value]
        where, _, line = review_text.partition(": ")  # venue.detect's "arXiv comment: ...", "PDF: ..."
        if record and where in ("arXiv comment", "journal reference"):
            read = Evidence(field="", source="arxiv_api", url=record.abs_url, passages=[Passage(text=review_text)])
        else:
            # the front matter venue.detect reads starts on page 1; "PDF: JOSS paper" quotes no line of it
            printed = _pages_printing(doc, [line], FRONT_PAGES) if where == "PDF" else []
            read = Evidence(field="", pages=printed or [1],
                            passages=[Passage(page=printed[0], text=_excerpt(line))] if printed else [])
        found += [read.model_copy(update={"field": name}) for name in review]
    if code:
        read = Evidence(field="", pages=sorted({link.page for link in code}), passages=_link_lines(doc, code))
        found += [read.model_copy(update={"field": name}) for name in ("code_urls", "code_status")]
    if project:
        found.append(Evidence(field="project_page", pages=[project.page], passages=_link_lines(doc, [project])))
    return found


def _pages_printing(doc: Document, texts: list[str], within: int) -> list[int]:
    """The pages among the first `within` that print one of the texts (spacing and case aside)."""
    wanted = [normalize_text(text).lower().strip() for text in texts]
    return [page.number for page in doc.pages[:within]
            if any(w and w in normalize_text(page.text).lower() for w in wanted)]


def _link_lines(doc: Document, found: list[Link]) -> list[Passage]:
    """The printed line of each link whose page prints it; a link annotation on a word prints no URL."""
    passages: list[Passage] = []
    for link in found:
        if not 1 <= link.page <= len(doc.pages):
            continue
        needle = _bare(link.url).lower()[:LINK_NEEDLE_CHARS]  # papers print URLs without their scheme
        line = next((line for line in doc.page_text(link.page).splitlines() if needle in line.lower()), None)
        if line is not None:
            passages.append(Passage(page=link.page, text=_excerpt(line)))
    return passages


def injected(*texts: str | None) -> bool:
    """Whether text from outside (a paper, an arXiv entry) gives orders to a model."""
    return any(_INJECTION.search(text) for text in texts if text)


def closest_passages(text: str, context: list[Chunk], limit: int = PASSAGES_PER_FIELD) -> list[Passage]:
    """The context chunks that share most of the text's words (four letters or more), best first: where an
    editor checks what the model wrote. Excerpts are cut to PASSAGE_CHARS."""
    words = set(_WORD.findall(text.lower()))
    scored = [(len(words & set(_WORD.findall(chunk.text.lower()))), -i, chunk) for i, chunk in enumerate(context)]
    best = sorted((s for s in scored if s[0] > 0), key=lambda s: (s[0], s[1]), reverse=True)[:limit]
    return [Passage(page=chunk.pages[0] if chunk.pages else None, text=_excerpt(chunk.text))
            for _score, _i, chunk in best]


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PASSAGE_CHARS else flat[:PASSAGE_CHARS].rsplit(" ", 1)[0] + " …"


def rank_numbers(table: results.Collected, prose: list[KeyNumber],
                 facts: list[KeyNumber]) -> tuple[list[KeyNumber], list[KeyNumber]]:
    """(key numbers, more numbers): the headline numbers first (the summary cells of the main tables, the
    best prose claims), then the other claims taking turns with the side tables' first numbers (ablation
    findings), then the tables' detail cells and publication facts; the card
    shows the first MAX_KEY_NUMBERS and keeps the others, still ranked, for the editor to draw from. A
    prose claim of a value a table cell already gives ("16,464 APIs" in the abstract, "16464" in a table)
    is not listed again, nor one that repeats a table's or another claim's number in a rounder form ("16k+"
    for "16,464", "80%" for a cell's "0.80"), nor one quoting a decimal any results table prints (a row's
    result, often a rival's: "its relatively low Accuracy of 83.77%")."""
    in_tables = {_value_key(number) for number in table.numbers}
    cells = {canonical(n) for t in table.tables for row in t.rows for cell in row[1:] for n in numbers_in(cell)}
    precise = [n for number in [*table.numbers, *prose] for n in numbers_in(number.value)]
    prose = [number for number in prose
             if _value_key(number) not in in_tables and not restates(number.value, precise)
             and not _quotes_a_cell(number, cells)]
    lead = table.headline
    ranked = (lead[:LEADING_TABLE_NUMBERS] + prose[:LEADING_PROSE_NUMBERS] + lead[LEADING_TABLE_NUMBERS:]
              + _alternate(table.side, prose[LEADING_PROSE_NUMBERS:]) + table.detail + facts)
    return ranked[:MAX_KEY_NUMBERS], ranked[MAX_KEY_NUMBERS:]


def _quotes_a_cell(number: KeyNumber, cells: set[str]) -> bool:
    """Whether a prose claim is one decimal number ("83.77%", "0.7954") that a results table prints: the
    claim reports that row, ours or a rival's. Whole numbers ("49 categories") agree with a cell by chance."""
    found = numbers_in(number.value)
    return len(found) == 1 and "." in found[0] and canonical(found[0]) in cells


def _alternate(first: list[KeyNumber], second: list[KeyNumber]) -> list[KeyNumber]:
    """One of each in turn, then the rest of the longer list."""
    merged: list[KeyNumber] = []
    for n in range(max(len(first), len(second))):
        merged += first[n:n + 1] + second[n:n + 1]
    return merged


def _value_key(number: KeyNumber) -> tuple[str, ...]:
    return tuple(canonical(n) for n in numbers_in(number.value))


def short_name(title: str, text: str = "") -> str | None:
    """The method's name when the title leads with one ("ToolLLM: Facilitating ...") or is its report
    ("DeepSeek-V3 Technical Report"), else the acronym the text defines for it ("we introduce Fixed-Point
    Distillation (FPD)"), else None.

    A title set in capitals ("TOOLLLM: ...") gives the name as the paper's text spells it most often
    ("ToolLLM"), when the text has it in mixed case.
    """
    head = title.split(":", 1)[0].strip()
    report = _REPORT_TITLE.match(head)
    if report is not None:  # "Zephyr-V3 Technical Report": the report names the model
        return report.group(1)
    if ":" not in title or len(head.split()) > SHORT_NAME_MAX_WORDS:
        return _defined_name(text[:_DEFINED_NAME_CHARS])
    return (_printed_spelling(head, text) or head) if head.isupper() and text else head


def _defined_name(text: str) -> str | None:
    """The acronym the authors define for what they introduce ("we introduce Fixed-Point Distillation (FPD)"):
    its capitals are the initials of the words it abbreviates, each capitalised."""
    for match in _DEFINED_NAME.finditer(text):
        words = [part for word in match.group("phrase").split() for part in word.split("-") if part]
        capitals = [c for c in match.group("name") if c.isupper()]
        initials = [w[0] for w in words[-len(capitals):]] if len(capitals) <= len(words) else []
        if initials == capitals and all(w[:1].isupper() for w in words[-len(capitals):]):
            return match.group("name")
    return None


def _printed_spelling(phrase: str, text: str) -> str | None:
    """The paper's most common spelling of a phrase it also prints in mixed or lower case, else None."""
    spellings = Counter(m.group(0) for m in re.finditer(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, re.IGNORECASE)
                        if not m.group(0).isupper())
    return spellings.most_common(1)[0][0] if spellings else None


def _recased(capitals: str, text: str) -> str:
    """Words set in capitals as the paper's text spells them ("MASTER 16000+ REAL-WORLD APIS" -> "master
    16000+ real-world APIs"); a word the text prints only in capitals often enough is an acronym and stays."""
    def word(match: re.Match[str]) -> str:
        found = match.group(0)
        printed = _printed_spelling(found, text)
        if printed is not None:
            return printed
        times = len(re.findall(rf"(?<!\w){re.escape(found)}(?!\w)", text))
        return found if times >= ACRONYM_MIN_MENTIONS else found.lower()
    recased = re.sub(r"[^\W\d_][\w'-]*", word, capitals)
    return recased[:1].upper() + recased[1:]


def tagline(headline: str | None, name: str | None, title: str, text: str = "") -> str | None:
    """The one-line tagline the heading shows after the name: the model's, without the name or the title
    repeated in front and ended at a whole word (and not in the second half of a pair) when the answer's length
    limit cut it; when nothing is left of it, the title's own words after the name ("GPJax: A Gaussian Process
    Framework in JAX"), as the paper's `text` spells them when the title is set in capitals."""
    subtitle = title.split(":", 1)[1].strip() if name and ":" in title else None
    if subtitle and subtitle.isupper() and text:
        subtitle = _recased(subtitle, text)
    if not headline:
        return subtitle
    text = " ".join(headline.split())
    for prefix in (title, name):
        if prefix and text.casefold().startswith(prefix.casefold()):
            text = text[len(prefix):].lstrip(" :-–—,")
    if len(headline) >= HEADLINE_CUT_CHARS:  # cut by the length limit: drop the broken last word
        text = text.rsplit(" ", 1)[0] if " " in text else text
        text = re.sub(r"[\s,;:–—-]+(?:and|or|of|the|a|an|for|to|with|in|on)?$", "", text, flags=re.IGNORECASE)
        # a pair cut in its second half ("with high speed and low"): the first half alone
        text = re.sub(r"[\s,]+(?:and|or)(?:\s+\S+){1,2}$", "", text, flags=re.IGNORECASE)
    return text or subtitle


def byline_names(candidates: list[str], front: str, title: str = "") -> list[str]:
    """Author names as the PDF prints them: split glued lists, drop markers, keep only names on the page. Words
    of the `title` are no author ("Zeta-V2 Technical Report", printed above the byline, is not a name)."""
    words = re.findall(_NAME_WORD, _MARKERS.sub(" ", front))
    folded = [_fold(w) for w in words]
    title_words = " " + " ".join(_fold(w) for w in re.findall(_NAME_WORD, _MARKERS.sub("", title))) + " "
    names: list[str] = []
    for candidate in candidates:
        for part in re.split(r"\s*(?:,|;|&|\band\b)\s*", _MARKERS.sub("", candidate)):
            target = [_fold(w) for w in part.split()]
            if len(target) < 2 or f" {' '.join(target)} " in title_words:
                continue
            for i in range(len(folded) - len(target) + 1):
                if folded[i:i + len(target)] == target:
                    names.append(" ".join(words[i:i + len(target)]))  # the page's spelling
                    break
    return list(dict.fromkeys(names))


def _in_text(name: str, text: str) -> bool:
    return len(name) > 2 and normalize_text(name).lower() in text


def _fold(text: str) -> str:
    """Lower case without accents: "Clément" and "Clement" are one name to a reader."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _bare(url: str) -> str:
    return re.sub(r"^https?://(?:www\.)?", "", url).rstrip("/")
