"""Labels for values quoted in prose: a short noun phrase for what a value measures ("codebook size",
"fewer sampling steps", "share of total volumetric variance"), never a window of words cut from the sentence.

Pure: the words before and after a value in, a phrase (or "") out. `claims` finds the values.
"""

from __future__ import annotations

import re

from summarizer.numbers.normalise import NUMBER_WORDS

_SIZE_BEFORE_CHARS = 60  # the quantity's name must be close: farther words belong to another clause
_ASIDE_TOKENS = 4  # an aside in brackets inside a noun phrase: "A100 (80GB) GPUs"
_METRIC_WORDS = 6  # the words after (or before) a value that name its metric: more is a whole clause
# a named quantity just before the number: "a codebook of 16,384", "context length: 4096"
_QUANTITY = r"""(?:
    size|number|total|count|length|dimension|resolution|budget   # what is measured
    |vocabulary|codebook|context|capacity|coverage|window|corpus|dataset|score|ratio
)s?"""
_SIZE_BEFORE = re.compile(
    rf"""
    {_QUANTITY}\b                 # a quantity's name ...
    [^.;]{{0,25}}?                  # ... then a few more characters of the same clause ...
    (?:of|to|is|was|=|:|as)?\s?$  # ... and a word or sign linking it to the number
    """,
    re.IGNORECASE | re.VERBOSE,
)
# a phrase naming a quantity ends in one of these words: "codebook size", "context length"
_QUANTITY_WORD = re.compile(_QUANTITY, re.IGNORECASE | re.VERBOSE)
# words that end the noun phrase naming a value: function words, pronouns, auxiliaries, reporting verbs
_PHRASE_STOP = re.compile(
    r"""
    and|or|but|nor|which|that|who|whom|where|while|when|than|as|so|if|then|thus   # conjunctions
    |by|to|in|on|at|for|from|with|over|under|into|per|vs|versus|via|across|between|of     # prepositions
    |after|before|during|since|within|without|against|among|compared|respectively
    |is|are|was|were|be|been|being|has|have|had|can|could|will|would|may|might|do|does|did
    |we|it|this|these|those|our|their|its|they|he|she|a|an|the|such|each|both
    |achieve[sd]?|reach(?:es|ed)?|obtain(?:s|ed)?|show(?:s|ed)?|outperform(?:s|ed)?|improve[sd]?
    |means|indicates|denotes|implies|suggests     # a definition: "a win rate above 50% means ..."
    |approx|ca|about|approximately|around|roughly|nearly|almost   # a hedge before the next value
    |e|i|etc|cf|viz                               # an aside opened: "12 models, e.g. ..."
    """,
    re.IGNORECASE | re.VERBOSE,
)
# a verb form or an adverb opening a clause after the noun: "tools retained after", "APIs spanning",
# "model natively trained"
_CLAUSE_VERB = re.compile(r"[a-z]{3,}(?:ing|ed)|[a-z]{4,}ly", re.IGNORECASE)
# the link between a named quantity and its value: "size of 16,384", "accuracy is 91%", "reaches 57"
_LINK = re.compile(r"of|is|was|are|were|=|:|to|by|as|at|with|in|within|between|lies?|reach(?:es|ed)?|achieve[sd]?|over|about|nearly"
                   r"|approximately|around|only|up|than|more|less"
                   r"|rises?|rose|falls?|fell|grows?|grew|increases?|decreases?|drops?|changes?|goes|went"  # a change
                   r"|improves?|improved",
                   re.IGNORECASE)
# a word naming only that there is a quantity: "size", "number", "total" ("totals", a verb, too); the noun it
# belongs to, or the words after the value, say what
_GENERIC_QUANTITY = re.compile(r"(?:size|number|total|count|length|amount|dimension|mean|average)s?", re.IGNORECASE)
# a bound of what the words after the value count: "a maximum of 13 experts" is "maximum experts"
_BOUND = re.compile(r"maximum|minimum|max|min", re.IGNORECASE)  # not "the mean of 5 runs": that counts runs
_ARTICLES = frozenset({"the", "a", "an", "all", "each", "every"})
# praise in front of a name says how the authors feel about the value, not what it measures: "an impressive
# win rate of 86%" is a win rate
_PRAISE = frozenset({
    "impressive", "remarkable", "notable", "substantial", "significant", "considerable", "excellent",
    "outstanding", "strong", "superior", "competitive", "promising", "dramatic", "great", "huge", "solid",
    "poor", "inefficient",
})
# endings of a word joined to a value that make it no noun to count ("768-dimensional", "3-stage-based"), or a
# plural already
_NOT_A_NOUN = re.compile(r"(?:s|al|ic|ed|ing|wise|like|free|based|level|scale|ive|ous|ful|less)$")
# an amount compared alone names nothing: "20% more than the corpus of ..." says more of what only further on
# ("2.3× faster" does: it is a speed)
_BARE_COMPARATIVE = re.compile(r"more|less|fewer", re.IGNORECASE)
# "Zeta surpasses Rival-72B by" (16.4 points), "outperforms SDXL in FID by", "beats the previous best under the
# 2-step setting by a margin of": a lead over a rival, named by the rival (up to a preposition opening what it is
# measured in or a setting); not when the words read on into another clause ("outperforms A and reduces memory by")
_LEADS = r"outperform|surpass|beat|outscore"  # verbs of a lead over a rival ("improve" needs "on", "over")
# words opening another clause: "while", "which", "and" before a pronoun or a preposition ("and with our cache")
_NEW_CLAUSE = (r"\b(?:while|whereas|but|which|who"
               r"|and\s+(?:we|it|its|our|they|their|this|these|with|without|in|on|at|for|by))\b")
_MARGIN = re.compile(
    rf"\b(?:{_LEADS}|improve\w*\s+(?:on|over|upon))\w*\s+"
    rf"(?P<rival>(?:(?!\bby\b|\band\s+(?-i:[a-z])|{_NEW_CLAUSE})[^,;:()]){{1,60}}?)"  # "A and B", not "A and reduces"
    # a setting between rival and "by", short and of one clause ("under the 2-step setting", "under the same budget
    # and data"; not "under the same budget while our scheduler lowers the memory by")
    r"(?:\s+(?P<prep>in|on)\s(?P<measure>[^,;:()]{1,40}?)"
    rf"|\s+(?:under|at|with|across|for)\s(?:(?!{_NEW_CLAUSE})[^,;:()]){{1,50}})?"
    r"\s+by\s+(?:(?:a|an)\s+(?:\w+\s+)?margin\s+of\s+)?$",
    re.IGNORECASE,
)
# the next lead of a list: "outperforms Rival-A by 3.2 points and Rival-B by" (1.1 points)
_NEXT_MARGIN = re.compile(
    rf"\b(?:{_LEADS}|improve)\w*\s[^;:()]*?\bby\s[^;:()]*?(?:,\s(?:and\s)?|\sand\s)(?![a-z]+s\s)"
    r"(?P<rival>(?:(?!\bby\b|\band\b)[^,;:()]){1,40}?)(?P<prep>)(?P<measure>)\s+by\s+$",
    re.IGNORECASE,
)
# a change by an amount: the verb and what it changes, right before "by" ("reduces first-frame latency by" 50%,
# "speeds up sampling by" 1.3×): the thing changed and the kind of change name the value. The kinds of change,
# by the stems of their verbs
_CHANGE_KINDS = {"reduc|cut|lower|decreas|shrink|sav": "reduction", "boost|increas|rais": "increase",
                 "improv": "improvement", r"accelerat|speed(?:s|ing)?\s+up": "speed-up"}
_CHANGE_VERB = rf"\b(?P<verb>{'|'.join(_CHANGE_KINDS)})[a-z]*\s+"
_CHANGED_THING = r"(?:(?:the|its|our|their|overall)\s+)?(?P<object>(?:[A-Za-z0-9][\w-]*\s+){0,3}?[A-Za-z][\w-]*)"
_BY = r"\s+by\s+(?:[~∼≈]\s?)?$"  # "by ∼4×": a hedge before the value
_CHANGED_BY = re.compile(_CHANGE_VERB + _CHANGED_THING + _BY, re.IGNORECASE)
# the next thing the same verb changes: "reducing latency by 50% and Stage 2 training cost by" (4×)
_NEXT_CHANGED_BY = re.compile(
    _CHANGE_VERB + r"[^;:()]*?\bby\s[^;:()]*?(?:,\s(?:and\s)?|\sand\s)" + _CHANGED_THING + _BY, re.IGNORECASE)
# words that name no changed thing: pronouns ("reduces them by"), a verb of its own ("and accuracy increased by")
_NOT_A_THING = re.compile(r"it|them|this|these|those|us|one|[a-z]{3,}ed", re.IGNORECASE)
# a measure named right after the lead: "by 1.2 FID", "by 4.1 BLEU"
_MEASURE_AFTER = re.compile(r"^\s(?P<measure>[A-Z][A-Za-z]*[A-Z0-9][\w-]*)\b")
# "to denoise a 60s 720p clip in" (34s): the infinitive and its object, up to "in" right before the time
_TIME_TAKEN = re.compile(r"\bto\s+([a-z]+(?:\s+[\w-]+){0,5}?)\s+in\s$")
# links that make the words before a value its name: "Accuracy of 83.2%", "the FID is 9.1", "NFE = 4"
_NOUN_LINKS = frozenset({"of", "is", "was", "are", "were", "=", ":", "by"})  # "by": "improves accuracy by 2%"
# prepositions that carry a one-word name on to what it is of: "samples of synthetic data", "closer to the ideal"
_QUALIFYING_PREPOSITIONS = frozenset({"of", "to", "for", "on", "in", "across", "per"})
# prepositions opening a value's own setting after a colon: "this superiority: at 90% sparsity"
_SETTING_PREPOSITIONS = frozenset({"at", "in", "on", "with", "for", "under", "within"})
# prepositions that may join a name to the phrase: "accuracy on ImageNet", "the test set of ToolBench"
_NAME_PREPOSITIONS = frozenset({"on", "of", "in"})


def names_a_quantity(before: str) -> bool:
    """Whether the words right before a value name the quantity it is ("a codebook of", "context length:")."""
    return _SIZE_BEFORE.search(before[-_SIZE_BEFORE_CHARS:]) is not None


def label(before: str, after: str, *, share: bool = False, changed: bool = False) -> str:
    """A short noun phrase for what a value measures, "" when nothing names it.

    The words before the value name it when a noun link joins them to it ("Accuracy of 83.2%", "the input
    resolution is limited to 384 × 384") or they name a quantity ("codebook size 8,192"); otherwise they
    are the sentence's subject ("Zeta achieves 80% ...") and the words right after the value name it, up
    to the end of the phrase ("3,451 high-quality tools retained" -> "high-quality tools"). A share is
    named by its whole ("1% of the variance" -> "share of variance"). An aside in brackets after another
    name ("LDM (1.4B)") has no name of its own.
    """
    if (margin := _MARGIN.search(before) or _NEXT_MARGIN.search(before)) is not None:
        return _margin(margin, after)
    if (changed_by := _change(before)) is not None:
        return changed_by
    before_words = _phrase_tokens(before)[::-1]  # nearest first
    link: list[str] = []  # "is limited to", "of", "(": what joins the words before to the value
    while before_words and (_LINK.fullmatch(before_words[0]) or _CLAUSE_VERB.fullmatch(before_words[0])
                            or before_words[0] == "("):
        link.append(before_words.pop(0).lower())
    named_before = _noun_phrase(before_words)[::-1]
    after_words = _phrase_tokens(after)
    if after_words and re.fullmatch(r"-[^\W\d_]+", after_words[0]) and not changed:
        # "a 4B-parameter diffusion model", "a 12-layer decoder": the value counts the word it is joined to, of the
        # noun after it -> "parameters (diffusion model)"
        counted = after_words[0][1:]
        counted += "s" if counted.islower() and not _NOT_A_NOUN.search(counted) else ""
        of = _plain(_noun_phrase(after_words[1:]))
        return f"{counted} ({of})" if of else counted
    named_after = _noun_phrase(after_words, of_names=True)
    if len(named_after) == 1:  # one word says little ("samples", "closer"): what follows it says what of
        named_after += _qualifier(after_words[1:])
    if not named_after and after_words[:1] == ["of"]:  # "under 1% of the variance": a share of a whole
        rest = after_words[2:] if after_words[1:2] and after_words[1].lower() in _ARTICLES else after_words[1:]
        whole = _noun_phrase(rest, of_names=True)
        named_after = ["share", "of", *whole] if share and whole else whole
    if len(named_before) == 1 and _BOUND.fullmatch(named_before[0]) and link == ["of"] and named_after:
        return f"{named_before[0].lower()} {_plain(named_after)}"
    if len(named_before) == 1 and _GENERIC_QUANTITY.fullmatch(named_before[0]):
        if named_after:
            return " ".join(named_after)  # "a total of 3,981 scan pairs" -> "scan pairs"
        if before_words[1:2] == ["of"] and len(before_words) > 2 and not _PHRASE_STOP.fullmatch(before_words[2]):
            named_before = [before_words[2], named_before[0]]  # "a codebook of size 16,384" -> "codebook size"
    quantity = bool(named_before) and _QUANTITY_WORD.fullmatch(named_before[-1]) is not None
    # a colon names what follows it ("context length: 4096"), unless a preposition opens what follows
    # ("this superiority: at 90% sparsity", the value's own setting, named after it)
    links = set(link) - ({":"} if link[:1] and link[0] in _SETTING_PREPOSITIONS and named_after else set())
    if named_before and (changed or _NOUN_LINKS & links or (quantity and names_a_quantity(before))):
        return _plain(named_before)
    return _plain(named_after)


def _change(before: str) -> str | None:
    """"first-frame latency reduction" for "reduces first-frame latency by", "sampling speed-up" for "speeds up
    sampling by", "reduction in cost of training" for "reduces the cost of training by"; None when the words
    before "by" are no such change."""
    change = _CHANGED_BY.search(before) or _NEXT_CHANGED_BY.search(before)
    if change is None:
        return None
    words = change.group("object").split()
    if any(_NOT_A_THING.fullmatch(word) or _PHRASE_STOP.fullmatch(word) and word.lower() != "of" for word in words):
        return None
    kind = next(noun for stems, noun in _CHANGE_KINDS.items() if re.match(stems, change.group("verb"), re.IGNORECASE))
    thing = _plain(words)
    return f"{kind} in {thing}" if "of" in (w.lower() for w in words) else f"{thing} {kind}"


def _margin(margin: re.Match[str], after: str) -> str:
    """"margin over Rival-A", and what it is measured in where the words say ("in FID" before the value,
    "in VBench Total" or "on ImageNet" after it, "FID" right after it)."""
    name = _plain(_phrase_tokens(margin.group("rival"))) or margin.group("rival")
    if margin.group("measure"):
        return f"margin over {name} {margin.group('prep').lower()} {margin.group('measure')}"
    if (named := _MEASURE_AFTER.match(after)) is not None:
        return f"margin over {name} in {named.group('measure')}"
    after_words = _phrase_tokens(after)
    if after_words[:1] and after_words[0].lower() in ("in", "on"):
        measured = _noun_phrase(after_words[1:])
        if measured and measured != ["average"]:  # "on average" says how, not in what
            return f"margin over {name} {after_words[0].lower()} {_plain(measured)}"
    return f"margin over {name}"


def time_taken(before: str) -> str:
    """What a time at the end of a clause measures: "to denoise a 60s clip in" -> "time to denoise a 60s
    clip"; "" unless the clause says what was done ("to" and a verb, at most six words, then "in")."""
    done = _TIME_TAKEN.search(before)
    return f"time to {done.group(1)}" if done else ""


def _plain(phrase: list[str]) -> str:
    """The phrase without the articles and praise in front ("all context window lengths", "impressive win
    rate" -> "context window lengths", "win rate"), unless nothing else is left; "" for "more" or "less" alone."""
    start = 0
    while start < len(phrase) - 1 and phrase[start].lower() in _ARTICLES | _PRAISE:
        start += 1
    if len(phrase) - start == 1 and _BARE_COMPARATIVE.fullmatch(phrase[start]):
        return ""
    return " ".join(phrase[start:])


def _qualifier(tokens: list[str]) -> list[str]:
    """A phrase that says what a one-word name is of: a preposition and its noun phrase ("of synthetic
    aesthetic data", "to the ideal ratio"), or [] when the words go on another way."""
    if not tokens or tokens[0].lower() not in _QUALIFYING_PREPOSITIONS:
        return []
    rest = tokens[1:]
    article = rest[:1] if rest[:1] and rest[0].lower() in _ARTICLES else []
    phrase = _noun_phrase(rest[len(article):])
    return [tokens[0], *article, *phrase] if phrase else []


def _phrase_tokens(text: str) -> list[str]:
    """Words (hyphens, apostrophes, slashes, %, × kept inside) and the punctuation that ends a phrase."""
    return re.findall(r"[\w%×'/-]+(?:\.(?=\d)[\w%×'/-]+)*|[,;:.!?()\[\]=]", text)  # "Wan2.1-1.3B" is one word


def _noun_phrase(tokens: list[str], *, of_names: bool = False) -> list[str]:
    """The leading words up to a function word, a verb form starting a clause or punctuation, at most
    _METRIC_WORDS; with `of_names`, "on ImageNet" and "of GenEval" (a preposition before a name) go on."""
    phrase: list[str] = []
    i = 0
    while i < len(tokens) and len(phrase) < _METRIC_WORDS:
        word = tokens[i]
        if (of_names and phrase and word.lower() in _NAME_PREPOSITIONS and i + 1 < len(tokens)
                and tokens[i + 1][:1].isupper()):
            phrase += [word, tokens[i + 1]]
            i += 2
            continue
        if phrase and word == "(" and ")" in tokens[i + 1:i + 1 + _ASIDE_TOKENS]:
            close = tokens.index(")", i + 1)
            if "(" not in tokens[i + 1:close] and close + 1 < len(tokens) and re.match(r"[A-Za-z]", tokens[close + 1]):
                i = close + 1  # an aside inside the phrase: "48 A100 (80GB) GPUs" -> "A100 GPUs"
                continue
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if (word.lower() in ("and", "or") and len(phrase) == 1 and phrase[0].islower() and not phrase[0].endswith("s")
                and re.match(r"[a-z]", following) and not _PHRASE_STOP.fullmatch(following)):
            phrase.append(word)  # "diverse and high-quality tokens": adjectives joined before their noun
            i += 1
            continue
        if not re.match(r"[\w%×]", word) or _PHRASE_STOP.fullmatch(word):
            break
        if phrase and (word.lower() in NUMBER_WORDS or re.fullmatch(r"[\d.,]+", word)):
            break  # another count: "includes two model sizes: 1B" is named "model sizes"
        modifier = following.endswith("s") and following[:1].isalpha() and not _PHRASE_STOP.fullmatch(following)
        if phrase and _CLAUSE_VERB.fullmatch(word) and not modifier:
            break  # "APIs spanning 49 categories"; but "fewer sampling steps", "more labelled examples" go on
        phrase.append(word)
        i += 1
    return phrase[:_METRIC_WORDS]
