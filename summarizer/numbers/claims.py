"""Quantitative claims in a paper's prose, found and ranked by code, each with the page that prints it.

A claim is a number a reader would quote: a share ("75.8%"), a factor ("2.6 to 5.8x"), a scale ("90 million
samples", "35M pairs"), a count of things ("3,451 tools", "48 A100 GPUs"), a size ("a codebook of 16,384"),
a significance level ("p < 0.05") or an interval ("[0.93, 1.18]"). Numbers that only point somewhere
(Table 3, Section 4.1, Eq. 2, [12]) or date something (2019) are not claims. Each candidate is scored by
its form, the words around it and the kind of section it is in; the best become key numbers. The model is
not asked: what is copied here is in the paper, on the page given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from summarizer.card import KeyNumber
from summarizer.card import Section as CardSection
from summarizer.document import Document, SectionKind
from summarizer.numbers import labels, versus
from summarizer.numbers.normalise import (
    NUMBER_WORDS,
    PaperNumbers,
    canonical,
    magnitude,
    normalize_text,
    paper_numbers,
    rejoin_words,
    words_of,
)

__all__ = ["Claim", "find", "from_abstract", "in_text", "key_numbers"]

# How a candidate is scored. A share, a factor or a scale word after the value is the surest sign of a
# claim; weaker signs add less. Its section's weight is added; it is kept if the total reaches MIN_SCORE.
_RELATIVE_BONUS = 3  # "75.8%", "2.6x", "90 million": the forms a reader quotes most
_SCALE_LETTER_BONUS = 2  # "35M", "7B": as often a model's size as a claim, so less than a scale word
_COUNTED_BONUS = 2  # "3,451 tools": a count of things, but so is "3 stages"
_P_VALUE_BONUS = 4  # "p < 0.05": a significance level is always worth quoting
_SIZE_BEFORE_BONUS = 2  # "a codebook of 16,384": a named quantity gives a bare number its meaning
_INTERVAL_BONUS = 3  # "[0.93, 1.18]": an interval is a result, never a pointer
_COMPOUND_BONUS = 1.5  # ranges, ratios and sizes ("2.6 to 5.8", "9/14"): rarely incidental
_LARGE_NUMBER_BONUS = 1  # "3,451", "16000": large numbers are rarely labels
_CUE_BONUS = 1  # a sentence saying "outperforms", "improves", "accuracy" is about results
_SMALL_NUMBER_PENALTY = 2  # "two stages", "3 epochs": a lone digit is rarely the point
_OTHERS_DATA_PENALTY = 2  # "DPG-Bench is a dataset consisting of 1065 prompts": a description, not a finding
_LIST_PENALTY = 2  # one of a list of values paired with names ("…, respectively"): a detail more than a finding
_CHANGE_BONUS = 2  # "from 7:3:10 to 5:1:4": a change the authors made or measured, with its baseline
_SETUP_PENALTY = 3  # "1,000K training steps", "a batch size of 1,152": how it was trained, not what it found
_LARGE_NUMBER = 1000  # from here on a plain integer counts as large (written "1,000" or "1000")
_SMALL_NUMBER = 10  # below this a plain integer is a lone digit
MIN_SCORE = 3.0  # below this a candidate is a number in passing, not a claim
# A count in words ("the three most popular packages") is a claim only in a paper stating fewer than
# FEW_CLAIMS numbers: in a longer one it is a number in passing ("two stages", "three dimensions")
FEW_CLAIMS = 4
_WORD_COUNT_MIN_SCORE = 1.0  # its counted bonus less the small number's penalty, in a weighted section

# How much text around a value is read
_BEFORE_CHARS = 80  # enough for "the size of the codebook is" and a pointer or "p <" right before
_LEAD_CHARS = 160  # a lead's verb may stand further back: "surpasses <a rival's long name> under <a setting> by"
_AFTER_CHARS = 60  # enough for a unit and the few words naming what was measured
_CONTEXT_CHARS = 240  # the sentence quoted with a key number, cut to a card's line

# What counts as prose rather than a table row or a figure's axis labels run together
_PROSE_MIN_TOKENS = 5  # shorter pieces are headings, labels or cells
_PROSE_MAX_NUMBER_RUN = 4  # four numbers in a row are a table row, not a sentence
_PROSE_MAX_NUMERIC_SHARE = 0.35  # a sentence is mostly words; a row is mostly numbers

# How many key numbers are returned by default
_KEY_NUMBERS_LIMIT = 20  # a paper's key numbers: enough for every headline result, few enough to read
_ABSTRACT_LIMIT = 8  # an abstract alone quotes fewer numbers

_N = versus.NUMBER  # one number as printed, short for the patterns below
# a count written as a word (what a short paper quotes: "the three most popular packages", "Two papers")
_NUMBER_WORD = r"\b(?i:" + "|".join(NUMBER_WORDS[1:]) + r")\b"  # not "zero", as in "zero-shot"
# one value as a reader quotes it: an interval, a size, a ratio, a range or a fraction, or a number
_VALUE = re.compile(
    rf"""
    \[(?:{_N}),\ ?(?:{_N})\]                       # an interval: "[0.93, 1.18]"
    |(?:{_N})(?:\ ?(?:×|x)\ ?(?:{_N}))+(?!\w|\.\d)  # a size: "93 × 112 × 96", "3x4" (not "3x4b")
    |(?:{_N})(?::(?:{_N}))+(?!\w|\.\d)             # a ratio: "1:2", "1:2:3"
    |(?:{_N})(?:[%×]?\ ?(?:to|-|~)\ ?|/)(?:{_N})  # a range or a fraction: "2.6 to 5.8", "1.3× to 1.5", "9/14" ...
     (?=\s?(?:%|×|x\b|times|-fold|fold|million|billion|(?:[a-z][\w-]*\s)?\w+s\b))  # ... of a unit or of
    # counted things, perhaps after a word saying which ("1-2 sampling steps")
    |(?:{_N})(?:\+(?![\w+]))?                       # a single number, perhaps a lower bound: "29+ FPS"
    |{_NUMBER_WORD}                                # a count in words: "three packages"
    """,
    re.VERBOSE,
)
# a scale after a number, as a word or a letter: "90 million", "35M", "7B", "3k"; a word may be joined by a
# hyphen ("a 40-million-image corpus")
_SCALE_WORDS = r"million|billion|trillion|thousand"
_SCALES = _SCALE_WORDS + r"|(?-i:[KMB])\b|[kb]\b"  # "7b" too; not "120 m" (metres)
_SCALE = re.compile(rf"^(?:\s?(?:{_SCALES})|-(?:{_SCALE_WORDS})\b)", re.IGNORECASE)
# a scale spelt out: "90 million" (a letter, "7B", is as often a model's size)
_SCALE_WORD = re.compile(rf"^[\s-]?(?:{_SCALE_WORDS})", re.IGNORECASE)
_HYPHENATED_SCALE = re.compile(rf"^-(?={_SCALE_WORDS})", re.IGNORECASE)
# words every English sentence has and a table row or an axis label lacks
_FUNCTION_WORDS = re.compile(
    r"""
    \b(?:
        the|of|and|we|is|are|was|were   # articles, pronouns and verbs
        |to|in|with|for|that|our|by|on|from   # prepositions and conjunctions
    )\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
# a relative value right after the number: a share, a factor or a difference of shares
_RELATIVE = re.compile(
    r"""
    ^\s?(?:
        %|×|x\b|-?times\b|-fold\b|fold\b   # a share "75.8%" or a factor "2.6x", "3 times", "3-fold", "10-times"
        |percentage\ points|percent|(?-i:pp)\b   # a share or a difference of shares in words ("PP": pipeline stages)
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)
# a counted noun within the next few words: "3,451 high-quality tools", "48 A100 (80GB) GPUs"
_COUNTED = re.compile(r"^\s?(?:[\w()-]+\s){0,2}?[A-Za-z][A-Za-z-]{1,}s\b")
# a number joined by a hyphen to the word after it ("6-DoF camera poses", "8-bit weights", "a 4-step student"):
# an adjective describing the noun after it, rarely the point, so no count of that noun ranks it up. Read after
# a factor ("10-fold") and a scale ("a 40-million-image corpus"), which are still values
_COMPOUND_ADJECTIVE = re.compile(r"^-[A-Za-z]")
# a model's size in its name: a word with a digit ("Qwen2.5", "LLaMA-3.1"), then the size in a capital letter
# ("Qwen2.5 72B Base"), counting nothing after it ("Kinetics-400 240K videos" is a count of videos)
_NAME_WITH_DIGIT = re.compile(r"(?:^|\s)(?=\S*[A-Za-z])(?=\S*\d)\S+\s$")
_SIZE_LETTER = re.compile(r"^[KMBT]\b")
# a DOI, a URL or an arXiv identifier the number is part of: "doi:10.1145/...", "https://...", "arXiv 2401.01234"
_REFERENCE = re.compile(r"(?:\bdoi|\barxiv|https?://|www\.)[:\s]?\S*$", re.IGNORECASE)
# a licence's version right before the number: "an open Apache 2.0 dataset", "under CC BY 4.0", "GPL 3"
_LICENCE = re.compile(
    r"\b(?:Apache|[AL]?GPL|MPL|EPL|CC[\s-]BY(?:[\s-](?:SA|NC|ND))*|CC0|ODbL)(?:[\s-]Licen[cs]e)?[\s-]?$",
    re.IGNORECASE,
)
# a unit of time printed against the number: "in 34s", "0.27s per frame", "5ms", "2h"
_TIME_UNITS = r"(?:ms|s|min|h)\b"
_GLUED_TIME = re.compile("^" + _TIME_UNITS)
# a length of the thing named after it ("each 60s clip", "a 5s video"): what was made, not how fast; unless
# what follows is a time ("a 0.3s first-frame latency")
_LENGTH_OF = re.compile(r"\b(?:a|an|each|every|one|the|per)\s(?:[a-z-]+\s){0,2}$", re.IGNORECASE)
_A_TIME = re.compile(r"\d" + _TIME_UNITS)  # a time in a label: the label names another time
_TIME_NAMED = re.compile(r"^\w+\s(?:[\w-]+\s){0,2}?(?:latency|delay|time|runtime|overhead)\b", re.IGNORECASE)
# a sentence's opening phrase giving the setting of what it reports: "At 90% sparsity, Zeta needs 10× fewer
# FLOPs", "Under the 4-step setting, ...": the setting of the sentence's claims, not a claim of its own
# ("With 92.1% accuracy, ..." opens on a result: only "at" and "under" open a setting)
_OPENING_SETTING = re.compile(r"(?:^|[:;]\s)((?:at|under)\s(?:[^\s,;:]+\s){0,2}?\d[^;:]{0,30}?),\s", re.IGNORECASE)
# a lead in points after "by": "surpasses Rival-72B by 16.4 points" (a count of points is no lead: "1,024 points")
_MARGIN_POINTS = re.compile(r"^\s?(?:points?|pts)\b")
_LEAD_BY = re.compile(r"\b(?:by|margin\ of)\s$")
# a significance level: "p < 0.05", "p=0.3", "p ≤ 0.01"
_P_VALUE = re.compile(r"\bp\s?[<=≤]\s?$")
# numbers that point somewhere or are labels, not claims
_POINTER = re.compile(
    r"""
    (?:
        \b(?:
            table|tab|figure|fig|section|sec|eq|equation|appendix|app|algorithm|alg  # parts of the paper
            |line|lines|step|chapter|theorem|lemma|definition|example|proposition|corollary  # numbered items
            |version|stage|page|pp|footnote|no|ref  # versions, pages, references
            |top|rank|layer|row|column|col|part|phase|task|level|round|block|id  # positions and labels
        )\.?         # perhaps abbreviated: "Fig. 2", "Eq. 3"
        |[\#§]       # a number sign or a section sign: "#3", "§ 4"
    )\s?$            # right before the number
    """,
    re.IGNORECASE | re.VERBOSE,
)
# words of a sentence reporting a result
_CUE = re.compile(
    r"""
    outperform|improv|surpass|better|higher|lower|reduc|faster|slower|fewer  # a comparison
    |more\ than|less\ than|up\ to|over|under|compared                        # a bound or a comparison
    |achiev|reach|state-of-the-art|sota|gain|boost|drop|increase|decrease    # a result reached or a change
    |accura|agreement|significan|win\ rate|pass\ rate|speed                  # what is measured
    """,
    re.IGNORECASE | re.VERBOSE,
)
# a training setting: a count of optimisation steps right after the value, or a hyperparameter's name right
# before it ("500K steps", "5,000 steps of warm-up", "a total batch size of 1,152", "a maximum sequence length
# of 4096"); "256 sampling steps"
# counts what inference costs and is not one
_SETUP_AFTER = re.compile(
    r"""
    ^(?:[KMB]|\s?(?:thousand|million))?\s?    # the value's scale: "500K steps", "1 million iterations"
    (?:training\s)?(?:steps|iterations|epochs|updates)\b
    (?!\s+(?:to|for)\s+(?:generat|sampl|decod))   # not "256 steps to generate an image": a cost
    """,
    re.IGNORECASE | re.VERBOSE,
)
_SETTING = r"\b(?:batch\ size|learning\ rate|weight\ decay|warm-?up|dropout|momentum|sequence\ length)"
# or a count drawn at random to build the data ("we randomly select 2-5 tools", "randomly sample up to 3 APIs")
_SETUP_BEFORE = re.compile(
    _SETTING + r"[^.;]{0,15}$" + r"|\brandomly\ (?:select|sampl|choos|pick|draw)\w*\ (?:at\ most\ |up\ to\ )?$",
    re.IGNORECASE | re.VERBOSE,
)
# the hardware a run used ("on a cluster of 16/32 nodes", "on 8 × H100 GPUs"): in a sentence that also says how
# long the run took ("took 9/14 days", "2.8M GPU hours"; not "1,000 hours of speech"), the hardware is that
# duration's setting. The words between the count and the hardware's name are names, not numbers ("52.1 with 64
# GPUs": 52.1 is no count of GPUs)
_HARDWARE_NOUN = r"(?:nodes|GPUs|TPUs|NPUs|machines|servers|devices|accelerators|chips|cores|[A-Z]\d+s)\b"
_HARDWARE = re.compile(r"^\s?(?:[×x]\s)?(?:(?=[\w()-]*[A-Za-z])[\w()-]+\s){0,2}?" + _HARDWARE_NOUN)
_DURATION = re.compile(
    rf"(?<![\w.])(?:{_N})(?:(?:\ ?(?:to|-|~)\ ?|/)(?:{_N}))?(?:\s?(?:{_SCALES}))?"
    r"\s?(?:GPU[- ]|TPU[- ])?(?:days?|hours?|weeks?|months?|minutes)\b(?!\s+of\b)",
    re.IGNORECASE,
)
# a multiplication sign between a count and the hardware counted: "8 × H100 GPUs" is eight GPUs, not a factor. The
# words between name the hardware (a capital or a digit in each: "NVIDIA A100"): "4× faster on GPUs" is a factor
_TIMES_HARDWARE = re.compile(r"^\s?[×x](?=\s(?:[\w()-]*[A-Z0-9][\w()-]*\s){0,2}?" + _HARDWARE_NOUN + ")")
# a setting changed: "the batch size is gradually increased from 3072 to 15360" (its name further back)
_SETTING_CHANGED = re.compile(_SETTING + r"[^.;]{0,40}$", re.IGNORECASE | re.VERBOSE)
# a clause describing what a dataset or a benchmark holds or spans ("This dataset comprises 1 billion instances",
# "regions that span a 23x range of sizes"); in a sentence without "we" or "our" it describes the data the
# method is run on, not what the method found
_DESCRIBES_DATA = re.compile(
    r"\b(?:compris(?:es|ing)|consist(?:s|ing)\s+of|contain(?:s|ing)|totals|span(?:s|ning)?\s(?!of\b))\b",
    re.IGNORECASE,
)  # "span" as a verb only: not "span-level F1", "a span of"
# a list of values that the sentence pairs item by item with names ("87413, 84815 and 25251 instances for I1, I2
# and I3, respectively"; "12 / 36 examples for the single-tool / multi-tool setting"): what joins two of its values,
# and the names
_LIST_JOIN = re.compile(r"[%×]?\s*(?:,\s*(?:and\s+)?|and\s+|/\s*)")
_PAIRED_NAMES = re.compile(
    r"\b(?:on|for|in|of|across)\s+(?:the\s+)?(?P<names>[^.;()]+?),?\s+respectively\b"
    r"|\b(?:on|for|in|of)\s+(?:the\s+)?(?P<slashed>[\w-]+(?:\s/\s[\w-]+)+)",
    re.IGNORECASE,
)
_NAME_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*/\s*")
# a sentence boundary: end punctuation (not of an abbreviation: "Fig. 6", "e.g. GLIDE", "et al. (2021)"), space,
# then a capital, a bracket, a digit (a page number or a heading run into the text) or an item of a list ("ii)")
SENTENCE = re.compile(
    r"(?<=[.!?])(?<!\bFig\.)(?<!\bTab\.)(?<!\bEq\.)(?<!\bSec\.)(?<!\bal\.)(?<!e\.g\.)(?<!i\.e\.)(?<!\bvs\.)"
    r"\s+(?=[A-Z(\[\d]|[ivx]{1,4}\))"
)

# how much a claim in each kind of section is worth; kinds not here are not searched
_SECTION_WEIGHT: dict[SectionKind, float] = {
    "abstract": 3.0, "introduction": 1.0, "method": 0.5, "experiments": 1.0, "results": 1.5,
    "discussion": 1.0, "conclusion": 1.5,
}
_SECTION_OF: dict[SectionKind, CardSection] = {
    "abstract": "results", "introduction": "core_problem", "method": "method", "experiments": "method",
    "results": "results", "discussion": "results", "conclusion": "results",
}


@dataclass(frozen=True)
class Claim:
    """One quoted value: its text, the words after it, its sentence, where it is, and how good it looks."""

    value: str
    metric: str
    sentence: str
    page: int | None
    section: CardSection
    score: float
    position: int
    baseline: str | None = None  # the value it changed from: "from 7:3:10 to 5:1:4"
    setting: str | None = None  # the sentence's opening phrase: "at 90% sparsity"

    def key_number(self) -> KeyNumber:
        return KeyNumber(metric=self.metric, setting=self.setting, value=self.value, baseline=self.baseline,
                         context=self.sentence[:_CONTEXT_CHARS], section=self.section, page=self.page)


def _score(value: str, before: str, after: str, sentence: str) -> float | None:
    """How much this looks like a claim (None: it is a pointer, a year, a citation or a lone digit)."""
    plain = value.replace(",", "")
    # a year: "2023", not "2,048" (a year is printed without a comma)
    if _POINTER.search(before) or (versus.YEAR.fullmatch(value) and not _RELATIVE.match(after)):
        return None
    # "× 10" right after the value
    if re.match(r"\s?[×x]\s?10\b", after):
        return None  # scientific notation: "2.2 × 10-4" is a learning rate, not a factor
    if re.search(r"\[[\d,;\s–-]*$", before) and re.match(r"[\d,;\s–-]*\]", after) and "." not in value:
        return None  # a citation: "[12]", "[18, 50-52]"
    if not before.strip() and re.fullmatch(r"\d+(?:\.\d+){0,2}", value) and re.match(r"\s[A-Z]", after):
        return None  # a section heading run into the text: "5.2 Main Results"
    if value.startswith("[") and "." not in value:
        return None  # citations "[27, 35]": an interval of results has decimals ("[0.93, 1.18]")
    if _REFERENCE.search(before):
        return None  # part of a DOI, a URL or an arXiv identifier
    if _LICENCE.search(before):
        return None  # the version of a licence, not a quantity
    if _GLUED_TIME.match(after) and _LENGTH_OF.search(before) and not _TIME_NAMED.match(after):
        return None  # "each 60s clip": the clip's length
    glued_after = after[:1].isalpha() and not (_SCALE.match(after) or _RELATIVE.match(after) or _GLUED_TIME.match(after))
    # "\w-$": a word and a hyphen right before the value ("GPT-4")
    if before[-1:].isalpha() or re.search(r"\w-$", before) or glued_after:
        return None  # part of a name: GPT-4, A100, 3D
    if value.isalpha():  # a count in words, of counted things ("three packages", not "one of"): see `find`
        counted = _COUNTED.match(after) and not re.match(r"\s?of\b", after)
        return _COUNTED_BONUS - _SMALL_NUMBER_PENALTY if counted else None
    if re.fullmatch(r"\d", value) and before.endswith("(") and after.startswith(")"):
        return None  # an enumeration: "(1) learn a shared representation"
    compound = value.startswith("[") or not re.fullmatch(_N, value)
    score = 0.0
    if _RELATIVE.match(after) or _SCALE_WORD.match(after):
        score += _RELATIVE_BONUS
    elif _SCALE.match(after):
        score += _SCALE_LETTER_BONUS  # "35M", "7B": as often a model's size as a claim
    elif _COUNTED.match(after) and not _COMPOUND_ADJECTIVE.match(after):
        score += _COUNTED_BONUS
    if _P_VALUE.search(before):
        score += _P_VALUE_BONUS
    if labels.names_a_quantity(before):
        score += _SIZE_BEFORE_BONUS
    if value.startswith("["):
        score += _INTERVAL_BONUS  # an interval: "within [0.93, 1.18]"
    elif compound:
        score += _COMPOUND_BONUS
    if "," in value and not compound or (plain.isdigit() and int(plain) >= _LARGE_NUMBER):
        score += _LARGE_NUMBER_BONUS
    if _CUE.search(sentence):
        score += _CUE_BONUS
    if plain.isdigit() and int(plain) < _SMALL_NUMBER and not compound and not _RELATIVE.match(after):
        score -= _SMALL_NUMBER_PENALTY  # "two stages", "3 epochs": rarely the point
    if _SETUP_AFTER.match(after) or _SETUP_BEFORE.search(before):
        score -= _SETUP_PENALTY
    if _DESCRIBES_DATA.search(before) and not versus.FIRST_PERSON.search(sentence):
        score -= _OTHERS_DATA_PENALTY
    return score


def is_prose(sentence: str) -> bool:
    """A sentence, not a table row or a figure's axis labels run together by the text extraction."""
    tokens = re.sub(r"\[[\d.,\s]+\]|\s×\s", " ", sentence).split()  # "[8, 8, 5]", "93 × 112": one value
    # a number token: "75.8%", "(0.93", "3:1", "93×112", "35M"
    numeric = [bool(re.fullmatch(r"[-+(\[]?[\d.,:/×%]+[)\]%,;]?[KMB]?", t)) for t in tokens]
    longest = run = 0
    for is_number in numeric:
        run = run + 1 if is_number else 0
        longest = max(longest, run)
    return (len(tokens) >= _PROSE_MIN_TOKENS and longest < _PROSE_MAX_NUMBER_RUN
            and sum(numeric) / len(tokens) <= _PROSE_MAX_NUMERIC_SHARE
            and _FUNCTION_WORDS.search(sentence) is not None)


def in_text(text: str, *, weight: float = 1.0, page: int | None = None, section: CardSection = "results",
            position: int = 0) -> list[Claim]:
    """Every candidate claim in a piece of prose, scored (unfiltered)."""
    found: list[Claim] = []
    sentences = SENTENCE.split(normalize_text(text))
    for previous, sentence in zip(["", *sentences], sentences):
        if not is_prose(sentence):
            continue
        changes = versus.changes(sentence, previous)
        written = versus.against(sentence)  # "0.312 compared to 0.061": named the way a lone value is
        compared = {**written, **versus.thans(sentence)}  # values set against a rival's
        matches = list(_VALUE.finditer(sentence))
        paired = _paired(sentence, matches)
        timed = _DURATION.search(sentence) is not None
        opening = _OPENING_SETTING.search(sentence)
        if opening is not None and _LICENCE.search(sentence[:opening.end(1)].rstrip("0123456789.")):
            opening = None  # "Under Apache 2.0, ...": a licence, not a setting
        for match in matches:
            start, end = match.span()
            if opening is not None and opening.start(1) <= start < opening.end(1):
                continue  # the setting of the claims after it
            if any(start == v.baseline_at for at, v in [*compared.items(), *changes.items()] if at != start):
                continue  # the rival's value, or the old one stated before: another value's baseline ("from X
                # to Y" is keyed by X itself, and read below)
            if start in paired and paired[start] is None:
                continue  # a list paired with names the sentence does not give one by one: no label of its own
            # a change first ("from 76.1% to 78.3% versus 77.0% for DeiT": 78.3% changed from 76.1%)
            change = (changes.get(start) or next((v for v in changes.values() if v.value_at == start), None)
                      or compared.get(start))
            if change is not None and end <= change.value_at:
                continue  # the value changed from: the next value's baseline
            if change is not None:
                start = change.value_at  # "from 2048 to 12288 tokens" read as a range: its new value alone
            before, after = sentence[max(0, start - _BEFORE_CHARS):start], sentence[end:end + _AFTER_CHARS]
            if change is not None:
                before = sentence[max(0, change.named_until - _BEFORE_CHARS):change.named_until]
            item = paired.get(start)
            if item is not None:  # the list's words name it, with its own name in place of the first's
                before, after = sentence[max(0, item.first - _BEFORE_CHARS):item.first], sentence[item.last:]
                after = _unit(sentence[end:]) + after
            # the printed words around the value (`before` may be a change's or a list's)
            if (_NAME_WITH_DIGIT.search(sentence[max(0, start - _BEFORE_CHARS):start])
                    and _SIZE_LETTER.match(sentence[end:]) and not _COUNTED.match(sentence[end + 1:])):
                continue  # part of a model's name: "Qwen2.5 72B Base"
            after = _TIMES_HARDWARE.sub("", after, count=1)  # "8 × H100 GPUs": read as "8 H100 GPUs"
            score = _score(sentence[start:end], before, after, sentence)
            if score is None:
                continue
            if item is not None:
                score -= _LIST_PENALTY
            if timed and _HARDWARE.match(after):
                score -= _SETUP_PENALTY  # the hardware of a run whose duration the sentence gives
            if change is not None:  # a change found, but a batch size raised is still a setting
                score += -_SETUP_PENALTY if _SETTING_CHANGED.search(before) else _CHANGE_BONUS
            # the value as quoted: "75.8%", "35M", "90 million", "20 times"
            unit = (_RELATIVE.match(after) or _SCALE.match(after) or _GLUED_TIME.match(after)
                    or (_MARGIN_POINTS.match(after) if _LEAD_BY.search(before) else None))
            quoted = _HYPHENATED_SCALE.sub(" ", unit.group(0).rstrip()) if unit else ""  # "40-million": "40 million"
            value = sentence[start:end] + quoted
            lead = change is None and item is None and _LEAD_BY.search(before) is not None
            metric = labels.label(sentence[max(0, start - _LEAD_CHARS):start] if lead else before,
                                  after[unit.end():] if unit else after, share="%" in value or "percent" in value,
                                  changed=change is not None and change is not written.get(start))
            if item is not None:
                metric = item.named(metric)
            if unit is not None and unit.re is _GLUED_TIME and (not metric or _A_TIME.search(metric)):
                # "to denoise a clip in 34s" -> "time to denoise a clip"; "a 10s clip is denoised in 3s": not "10s clip"
                metric = labels.time_taken(before)
            if (p_value := _P_VALUE.search(before)) is not None:
                value, metric = p_value.group(0) + value, "significance level"
            if not metric:
                continue  # nothing names what it measures: a rival's score in brackets, a stray figure
            found.append(Claim(value=value, metric=metric, sentence=sentence,
                               page=page, section=section, score=score + weight,
                               position=position + len(found),
                               baseline=change.baseline if change is not None else None,
                               setting=opening.group(1) if opening is not None and start >= opening.end() else None))
    return found


@dataclass(frozen=True)
class _Item:
    """One value of a list paired item by item with names: its name, the first's, and where the list is."""

    name: str
    first_name: str
    first: int  # where the list's first value starts
    last: int  # where the list's last value (and its unit) ends

    def named(self, label: str) -> str:
        """The list's label, read for its first or last value, with this value's name in its place."""
        for name in (self.first_name, self.name):
            if re.search(rf"\b{re.escape(name)}\b", label):
                return re.sub(rf"\b{re.escape(name)}\b", self.name, label, count=1)
        return f"{label} ({self.name})" if label else self.name


def _paired(sentence: str, matches: list[re.Match[str]]) -> dict[int, _Item | None]:
    """The values of lists the sentence pairs with names, by where they start: each with its name, or None
    when the names cannot be paired one by one (a count that differs, no names)."""
    found: dict[int, _Item | None] = {}
    run: list[re.Match[str]] = []
    for match in [*matches, None]:
        if match is not None and run and _LIST_JOIN.fullmatch(sentence[run[-1].end():match.start()]):
            run.append(match)
            continue
        if len(run) > 1:
            last = run[-1].end() + len(_unit(sentence[run[-1].end():]))
            names = _PAIRED_NAMES.search(sentence, last)
            listed = [n for n in _NAME_SEPARATOR.split(names.group("names") or names.group("slashed"))
                      if n] if names else []
            if names is not None:
                for i, value in enumerate(run):
                    found[value.start()] = (_Item(listed[i], listed[0], run[0].start(), last)
                                            if len(listed) == len(run) else None)
        run = [match] if match is not None else []
    return found


def _unit(after: str) -> str:
    """The unit right after a value, as written ("%", "×", " million"), or ""."""
    unit = _RELATIVE.match(after) or _SCALE.match(after)
    return unit.group(0) if unit else ""


def find(doc: Document, abstract: str | None = None) -> list[Claim]:
    """Claims of the paper's prose, best first; each one printed on its page, each value once."""
    paper = paper_numbers(tuple(p.text for p in doc.pages))  # the grounding check reuses it
    vocabulary = words_of(normalize_text(" ".join(p.text for p in doc.pages)))
    candidates: list[Claim] = []
    if abstract and not any(s.kind == "abstract" for s in doc.sections):
        for claim in in_text(rejoin_words(normalize_text(abstract), vocabulary), weight=_SECTION_WEIGHT["abstract"],
                             section="results"):
            page = paper.page_of(*_numbers(claim.value))
            if page is not None:
                candidates.append(replace(claim, page=page))
    for section in doc.sections:
        weight = _SECTION_WEIGHT.get(section.kind)
        if weight is None:
            continue
        for part in section.parts:
            for claim in in_text(rejoin_words(normalize_text(part.text), vocabulary), weight=weight, page=part.page,
                                 section=_SECTION_OF[section.kind], position=len(candidates)):
                if _printed_on(claim.value, part.page, paper):
                    candidates.append(claim)
    return _selected(candidates)


def _selected(candidates: list[Claim]) -> list[Claim]:
    """The claims worth keeping, best first (`_best`); counts in words only where the text states fewer than
    FEW_CLAIMS numbers: a short paper (a software paper, a note) gives its counts in words."""
    counts_in_words = [claim for claim in candidates if claim.value.isalpha()]
    found = _best([claim for claim in candidates if not claim.value.isalpha()])
    if len(found) < FEW_CLAIMS:
        found += _best(counts_in_words, min_score=_WORD_COUNT_MIN_SCORE)[:FEW_CLAIMS - len(found)]
    return found


def _best(candidates: list[Claim], min_score: float = MIN_SCORE) -> list[Claim]:
    """Claims scoring at least `min_score`, each value once (its best-scoring mention), best first."""
    best: dict[str, Claim] = {}
    for claim in candidates:
        scaled = magnitude(claim.value)  # "2664K" and "2.664M" are one value
        key = (f"{scaled:.3f}" if scaled is not None
               else "|".join(canonical(n) for n in _numbers(claim.value)) or claim.value.casefold())
        if claim.score >= min_score and (key not in best or claim.score > best[key].score):
            best[key] = claim
    return sorted(best.values(), key=lambda c: (-c.score, c.position))


def key_numbers(doc: Document, abstract: str | None = None,
                limit: int = _KEY_NUMBERS_LIMIT) -> list[KeyNumber]:
    """The best `limit` claims of the paper as key numbers."""
    return [claim.key_number() for claim in find(doc, abstract)[:limit]]


def from_abstract(abstract: str, limit: int = _ABSTRACT_LIMIT) -> list[KeyNumber]:
    """The best `limit` claims of an abstract alone (no pages: what a listing gives before the PDF)."""
    found = _best([claim for claim in in_text(abstract, weight=_SECTION_WEIGHT["abstract"])
                   if not claim.value.isalpha()])  # an abstract is no short paper: no counts in words
    return [claim.key_number() for claim in found[:limit]]


def _numbers(value: str) -> list[str]:
    return re.findall(_N, value)


def _printed_on(value: str, page: int, paper: PaperNumbers) -> bool:
    return all(paper.on_page(n, page) for n in _numbers(value))
