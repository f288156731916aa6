"""Topics for an item, with the score and the sentences that earned each: explainable by construction.

A lexicon with morphology: every term of every topic (and of the relevance gate) is matched on stems, as a
phrase, in the title and the text. A mention counts its term's weight, a title mention `title_weight` times
more, and each repeat of the same term counts `repeat_decay` times less than the one before, so a topic
must be a subject of the item, not a word it happens to repeat. Pure: values in, values out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from pipeline.domain import host_of
from pipeline.text import clip, datelines, without_datelines, without_related
from pipeline.text import sentences as split_sentences
from pipeline.topics.definitions import NAMED, Term, TopicSet
from pipeline.topics.learned import Model, dense_features, slots_of
from pipeline.topics.morph import other_word, stem, words

MAX_TEXT = 4000
EVIDENCE_LIMIT = 320  # characters of an evidence sentence
GATE_GROUPS = ("@belarus", "@russia", "@union", "@pair", "@off", "@others", "@shorthand")
LEAD_SENTENCES = 3  # the title and the text's first sentences: what an item is about, not what it mentions
# a wire's dateline heads its report, after at most a title or a section name the page repeats; looking for one
# further in cost 1 ms an item of 4,000 characters (benchmarks/classify.py: 2,093 → 508 items/s)
DATELINE_CHARS = 400
LIST_FACTOR = 0.5  # Belarus or Russia named beside a third state or a bloc in one sentence: one of a list
# a capital after "in" ("gas talks in Minsk" of Russia and Ukraine), in a sentence that names a third state and
# the capital's side by nothing else, is where the talks were held, not a side of them (the cause b)
CAPITALS = frozenset({"minsk", "минск", "мінськ", "мінск*", "менск", "moscow", "москва", "маскв*", "москв*"})


@dataclass(frozen=True)
class TopicMatch:
    topic: str
    score: float
    evidence: tuple[str, ...]  # the sentences that earned the score, best first
    terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Classification:
    relevant: bool
    relevance: float
    topics: tuple[TopicMatch, ...] = ()
    why: str = ""  # how the relevance gate decided
    # every group's raw score (gate sides, topics): the learned model's input
    scores: tuple[tuple[str, float], ...] = ()

    @property
    def topic_ids(self) -> list[str]:
        return [t.topic for t in self.topics]


@dataclass
class _Hits:
    score: float = 0.0
    by_sentence: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    terms: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class Classifier:
    """Compiled once from a TopicSet; `classify` is then a single pass over the words."""

    def __init__(self, topic_set: TopicSet, model: Model | None = None) -> None:
        self.topic_set = topic_set
        self.model = model
        self._near = {t.id: (t.near, t.away_factor) for t in topic_set.topics if t.near}
        self._union_names = {t.text for t in topic_set.gate.union}
        self._seen: dict[str, tuple[tuple[Term, str, float], ...]] = {}
        self._exact: dict[str, list[tuple[Term, str, float]]] = defaultdict(list)
        self._prefix: dict[str, list[tuple[Term, str, float]]] = defaultdict(list)
        gate = topic_set.gate
        for group, terms in zip(
            GATE_GROUPS,
            (gate.belarus, gate.russia, gate.union, gate.pair, gate.off_topic, gate.others, gate.shorthand),
            strict=True,
        ):
            for term in terms:
                self._add(term, group, term.weight)
        self._context_floor: dict[str, float] = {}
        for topic in topic_set.topics:
            boosts = topic_set.weights.get(topic.id, {})
            if topic.context and topic.terms:
                self._context_floor[topic.id] = min(t.weight * boosts.get(t.text, 1.0) for t in topic.terms)
            for term in topic.terms:
                self._add(term, topic.id, term.weight * boosts.get(term.text, 1.0))
            for term in topic.exclude:
                self._add(term, "!" + topic.id, 1.0)
            for term in topic.context:
                self._add(term, "~" + topic.id, term.weight * boosts.get(term.text, 1.0))
            for term in topic.subject_with:
                self._add(term, "^" + topic.id, 1.0)

    def _add(self, term: Term, group: str, weight: float) -> None:
        first, is_prefix = term.parts[0]
        if is_prefix:
            self._prefix[first[:3]].append((term, group, weight))
        else:
            self._exact[first].append((term, group, weight))

    def _candidates(self, token: str, token_stem: str) -> tuple[tuple[Term, str, float], ...]:
        """Terms whose first word this token can be; words recur, so the answer is remembered per word."""
        known = self._seen.get(token)
        if known is None:
            known = tuple(
                c for c in self._exact.get(token_stem, ()) if not other_word(token, token_stem, c[0].text.split()[0])
            ) + tuple(
                c
                for c in self._prefix.get(token[:3], ())
                if token.startswith(c[0].parts[0][0]) and not other_word(token, token_stem, c[0].parts[0][0])
            )
            if len(self._seen) < 200_000:
                self._seen[token] = known
        return known

    def mentions(
        self, sentences: list[str], stems_seen: set[str] | None = None
    ) -> Iterator[tuple[int, Term, str, float]]:
        """Every (sentence index, term, group, weight) match, in order (see `spans`)."""
        for index, _, _, term, group, weight in self.spans(sentences, stems_seen):
            yield index, term, group, weight

    def spans(
        self, sentences: list[str], stems_seen: set[str] | None = None
    ) -> Iterator[tuple[int, int, int, Term, str, float]]:
        """Every (sentence index, first word, word after the last, term, group, weight) match, in order; a word
        counts once per group (where the words stand tells a list of states from two states beside a third). The stems
        of the words longer than two letters are added to `stems_seen`, for the learned model, which reads the
        same words.

        Where two terms of one group cover the same word (налог* and налогооблож*, tax* and taxation, a phrase
        and its head word), the longer match wins, then the heavier: one word is one mention, whatever the
        lexicon's overlaps.

        The Union State's name inside another topic's phrase ("the Union State budget", "безопасность Союзного
        государства") qualifies that topic's subject: it is not also a mention of the Union State as a topic
        (GUIDE.md's passing mention). Likewise a union name inside a bloc's name ("the Customs Union of Russia,
        Kazakhstan and Belarus") names the bloc. Matches come in order, the longest first, so a phrase that begins
        with or before the name is seen before it.
        """
        for index, sentence in enumerate(sentences):
            tokens = words(sentence, flags=True)
            stems = [stem(t) for t in tokens]
            if stems_seen is not None:
                stems_seen.update(s for t, s in zip(tokens, stems, strict=True) if len(t) > 2)
            found = [
                (i, end, term, group, weight)
                for i, token in enumerate(tokens)
                for term, group, weight in self._candidates(token, stems[i])
                if (end := _match_end(term, tokens, stems, i)) > 0
            ]
            found += [  # a compound names what its parts name: anti-Russian, pro-Belarusian, Ukrainian-Belarusian
                (i, i + 1, term, group, weight)
                for i, token in enumerate(tokens)
                if "-" in token
                for piece in token.split("-")
                if len(piece) >= 3
                for term, group, weight in self._candidates(piece, stem(piece))
                if len(term.parts) == 1  # the candidates are chosen by their first (here only) word
            ]
            found.sort(key=lambda m: (m[0], -(m[1] - m[0]), -m[4], -len(m[2].parts[0][0])))
            covered: dict[str, set[int]] = defaultdict(set)
            phrases: list[tuple[int, int, str]] = []  # the topics' multi-word matches so far: (start, end, topic)
            blocs: list[tuple[int, int]] = []  # the multi-word names of third blocs so far (the Customs Union)
            for i, end, term, group, weight in found:
                span = range(i, end)
                if not covered[group].isdisjoint(span):
                    continue
                if term.text in self._union_names and any(s < end and i < e for s, e in blocs):
                    continue  # "Таможенный союз России, Казахстана и Белоруссии": the bloc's name, not the union
                if group == "@others" and end - i > 1:
                    blocs.append((i, end))
                if group[0] not in "@~!^":
                    if term.text in self._union_names and any(
                        g != group and s < end and i < e and (s < i or e > end) for s, e, g in phrases
                    ):
                        continue  # the Union State's budget, programmes, security: another topic's subject
                    if end - i > 1:
                        phrases.append((i, end, group))
                covered[group].update(span)
                yield index, i, end, term, group, weight

    def at_home(self, url: str, lang: str = "") -> bool:
        """Whether the item comes from a Belarusian or Russian outlet (its link's host), or is in Belarusian:
        there the integration, the ally, the bilateral talks are this pair's without saying so."""
        if lang == "be":
            return True
        host = host_of(url)
        return bool(host) and any(
            host.endswith(suffix) if suffix.startswith(".") else host == suffix or host.endswith("." + suffix)
            for suffix in self.topic_set.gate.home_outlets
        )

    def classify(self, title: str, text: str, *, url: str = "", lang: str = "") -> Classification:
        """Judge the title and the first MAX_TEXT characters: the lead says what an article is about, and
        the labelled sets were judged on the same span. `url` and `lang` say where the item was published."""
        ts = self.topic_set
        home = self.at_home(url, lang)
        home_pair = 0.0  # the integration shorthand's mentions, in an item from home that names no third state
        shorthand_seen: dict[str, int] = defaultdict(int)
        text = without_related(text[:MAX_TEXT])  # a link to another page is not a sentence of this one
        head = text[:DATELINE_CHARS]
        sentences = [title.strip(), *split_sentences(without_datelines(head) + text[DATELINE_CHARS:])]
        hits: dict[str, _Hits] = defaultdict(_Hits)
        stems_seen: set[str] | None = set() if self.model else None
        if stems_seen is not None:  # the desk that filed it is a fair prior for the learned model, not a side
            stems_seen.update(stem(w) for line in datelines(head) for w in words(line) if len(w) > 2)
        spans = list(self.spans(sentences, stems_seen))
        found = [(index, term, group, weight) for index, _, _, term, group, weight in spans]
        present: dict[str, set[int]] = defaultdict(set)  # gate group → sentences that mention it
        for index, _, group, _ in found:
            if group.startswith("@"):
                present[group[1:]].add(index)
        listed = _listed([m for m in spans if m[0] == 0], words(sentences[0], flags=True))
        venues = _venues(spans, sentences, present["others"])
        for index, start, end, term, group, weight in spans:
            factor = ts.title_weight if index == 0 else 1.0
            if group in ("@belarus", "@russia") and index in present["others"]:
                factor *= 0.0 if (index, start, end) in venues else LIST_FACTOR
            if group == "@shorthand":  # at home, in the lead and beside no third state, "integration" is this pair's
                if home and index <= LEAD_SENTENCES and not present["others"]:
                    home_pair += weight * factor * (ts.repeat_decay ** shorthand_seen[term.text])
                    shorthand_seen[term.text] += 1
                continue
            if group == "@pair" and not (
                index in present["union"] or (index in present["belarus"] and index in present["russia"])
            ):
                continue  # "ally", "integration" make a pair only of two sides the same sentence names
            near = self._near.get(group.lstrip("~"))
            if near is not None and index not in present[near[0]] and index not in present["union"]:
                factor *= near[1]
            h = hits[group]
            seen = h.terms[term.text]
            h.terms[term.text] = seen + 1
            gain = weight * factor * (ts.repeat_decay**seen)
            h.score += gain
            h.by_sentence[index] += gain
        verdict = self._decide(hits, sentences, stems_seen or set(), home_pair, listed)
        if venues and not verdict.relevant:
            places = sorted({" ".join(words(sentences[n], flags=True)[i:end]).title() for n, i, end in venues})
            why = f"{verdict.why}; {', '.join(places)} named only as the place of a third state's talks"
            return replace(verdict, why=why)
        return verdict

    def _decide(
        self,
        hits: dict[str, _Hits],
        sentences: list[str],
        stems_seen: set[str],
        home_pair: float = 0.0,
        listed: bool = False,
    ) -> Classification:
        ts = self.topic_set
        union = hits["@union"].score
        belarus, russia = hits["@belarus"].score + union, hits["@russia"].score + union
        pair, off = hits["@pair"].score, hits["@off"].score
        implied = ""
        if home_pair and (belarus > 0) != (russia > 0):  # at home, the integration names the other side
            implied = "Russia" if belarus > 0 else "Belarus"
            belarus, russia = max(belarus, home_pair), max(russia, home_pair)
            pair += home_pair
        # context words count only beside the topic's own words, and more of them than one mention of its lightest
        # term: the Union State named once in passing (a "see also" link) gives "talks" or "союз" nothing to add to
        for topic in ts.topics:
            own, context = hits[topic.id], hits.pop("~" + topic.id, None)
            if context is not None and own.score > self._context_floor.get(topic.id, 0.0):
                own.score += context.score
                for index, gain in context.by_sentence.items():
                    own.by_sentence[index] += gain
                for text, count in context.terms.items():
                    own.terms[text] += count
        topic_scores = {t.id: hits[t.id].score for t in ts.topics if not hits["!" + t.id].score}
        best_topic = max(topic_scores.values(), default=0.0)
        # a subject, not a passing mention: both sides named in the title, or one there and the other again
        # and again in the text; a title that names one side only makes the other's passing mention no pair
        title_union = hits["@union"].by_sentence.get(0, 0)
        title_belarus = hits["@belarus"].by_sentence.get(0, 0) + title_union
        title_russia = hits["@russia"].by_sentence.get(0, 0) + title_union
        in_title = min(title_belarus, title_russia) + 0.5 * max(title_belarus, title_russia)
        if listed:  # "Russia, Belarus, Kazakhstan sign …": the title names a group of states, not the pair
            in_title = 0.0
        relevance = min(belarus, russia) + 0.5 * pair + 0.25 * best_topic + 0.5 * in_title - 1.5 * off
        needed = ts.relevance_threshold if in_title or union else 2 * ts.relevance_threshold
        relevant = belarus > 0 and russia > 0 and relevance >= needed
        why = (
            f"belarus {belarus:.1f}, russia {russia:.1f}, union {union:.1f}, pair {pair:.1f}, "
            f"in title {in_title:.1f}, off-topic {off:.1f}"
        ) + (f"; {implied} implied: a Belarusian or Russian outlet's unqualified 'integration'" if implied else "")
        raw = tuple(
            (group, round(h.score, 3)) for group, h in hits.items() if h.score and not group.startswith(("~", "!", "^"))
        )
        if not relevant:
            lexicon = Classification(
                False,
                round(relevance, 2),
                (),
                f"{why}; {_missing(belarus, russia, relevance, needed, needed > ts.relevance_threshold, listed)}",
                raw,
            )
            return self._second_opinion(lexicon, hits, sentences, stems_seen) if self.model else lexicon
        matches = []
        for topic in ts.topics:
            score = topic_scores.get(topic.id, 0.0)
            if score < self._threshold(topic.id):
                continue
            h = hits[topic.id]
            if _passing(h, len(sentences)):
                continue
            best = sorted(h.by_sentence.items(), key=lambda kv: -kv[1])[:2]
            evidence = tuple(clip(sentences[i], EVIDENCE_LIMIT) for i, _ in sorted(best))
            terms = tuple(sorted(h.terms, key=lambda t: -h.terms[t]))[:6]
            matches.append(TopicMatch(topic.id, round(score, 2), evidence, terms))
        matches = _without_settings(matches, ts, {t.id for t in ts.topics if hits["^" + t.id].score})
        matches.sort(key=lambda m: -m.score)
        lexicon = Classification(True, round(relevance, 2), tuple(matches), why, raw)
        return self._second_opinion(lexicon, hits, sentences, stems_seen) if self.model else lexicon

    def _threshold(self, topic_id: str) -> float:
        topic = self.topic_set.get(topic_id)
        return topic.threshold if topic.threshold is not None else self.topic_set.threshold

    def _second_opinion(
        self, lexicon: Classification, hits: dict[str, _Hits], sentences: list[str], stems_seen: set[str]
    ) -> Classification:
        """The learned model's verdict laid over the lexicon's, for the targets where it won under
        cross-validation (learned.py). A topic it adds shows the lexicon's best sentences for that topic, if any.
        The lexicon's gate still decides whether topics are looked for at all."""
        model = self.model
        assert model is not None
        ids = [t.id for t in self.topic_set.topics]
        dense = dense_features(dict(lexicon.scores), lexicon.relevance, lexicon.relevant, ids)
        slots = slots_of(stems_seen)  # the stems `mentions` already made, not a second pass over the words
        memo = model.recall(slots)
        if memo is not None:
            relevant, p = memo.relevant, 1.0
        else:
            relevant, p = model.decide("relevant", lexicon.relevant, dense, slots)
            if not relevant and any(m.topic in NAMED for m in lexicon.topics):
                # the lexicon found a named topic's sentences: the model may not overrule them (measured in
                # benchmarks/learned_cv.py: without this, tax-code fell from 1.000 to 0.966 on dev and
                # energy-prices from 0.889 to 0.857, items the model put out of scope with their topics)
                relevant = True
        if relevant != lexicon.relevant:
            side = "in scope" if relevant else "out of scope"
            by = f"like a corrected item ({memo.source})" if memo else f"by the learned model (p {p:.2f})"
            why = f"{lexicon.why}; {side} {by}"
            return Classification(relevant, lexicon.relevance, (), why, lexicon.scores)
        if not relevant:
            return lexicon
        found = {m.topic: m for m in lexicon.topics}
        matches: list[TopicMatch] = []
        for topic in ids:
            if memo is not None:
                verdict, p = topic in memo.topics, 1.0
            else:
                verdict, p = model.decide(topic, topic in found, dense, slots)
            if verdict and topic in found:
                matches.append(found[topic])
            elif verdict:
                h = hits[topic]
                best = [i for i, _ in sorted(h.by_sentence.items(), key=lambda kv: -kv[1])[:2]]
                best = best or model.weightiest(topic, sentences, len(dense))
                if not best:
                    continue  # a topic is given with the sentences that earned it, or not at all
                evidence = tuple(clip(sentences[i], EVIDENCE_LIMIT) for i in sorted(best))
                terms = (f"learned model p {p:.2f}", *sorted(h.terms, key=lambda t: -h.terms[t])[:5])
                matches.append(TopicMatch(topic, round(h.score, 2), evidence, terms))
        matches.sort(key=lambda m: -m.score)
        return Classification(True, lexicon.relevance, tuple(matches), lexicon.why, lexicon.scores)


def _venues(
    spans: list[tuple[int, int, int, Term, str, float]], sentences: list[str], with_others: set[int]
) -> set[tuple[int, int, int]]:
    """(sentence, start, end) of each capital named as a place ("в Минске", "in Moscow") in a sentence that
    names a third state and the capital's side by nothing else."""
    sides: dict[tuple[int, str], list[tuple[int, int, Term]]] = defaultdict(list)
    for index, i, end, term, group, _ in spans:
        if index in with_others and group in ("@belarus", "@russia"):
            sides[(index, group)].append((i, end, term))
    found: set[tuple[int, int, int]] = set()
    for (index, _), named in sides.items():
        if len(named) == 1 and named[0][2].text in CAPITALS:
            i, end, _ = named[0]
            if i > 0 and words(sentences[index], flags=True)[i - 1] in _IN:
                found.add((index, i, end))
    return found


_AND = frozenset({"and", "or", "и", "или", "і", "ці", "та", "й"})
_IN = frozenset({"in", "в", "во", "на", "у"})  # "in Russia, Belarus and in Ukraine": only after an "and"
_SIDES = ("@belarus", "@russia", "@others")


def _listed(title_spans: list[tuple[int, int, int, Term, str, float]], tokens: list[str]) -> bool:
    """Whether the title lists Belarus and Russia among three or more states, one after another with only a
    comma or "and" between them ("Russia, Belarus, Kazakhstan sign…", "граждан России, Украины и Белоруссии"):
    GUIDE.md's multilateral item, where the pair is one of a group. "Ukraine and Belarus from Russia", two
    states beside a third, is no such list."""
    states = sorted((i, end, group) for _, i, end, _, group, _ in title_spans if group in _SIDES)
    run: list[str] = []
    last_end = -1
    for i, end, group in states:
        if run and not _joined(tokens[last_end:i] if last_end <= i else ["…"]):
            if _is_list(run):
                return True
            run = []
        run.append(group)
        last_end = max(last_end, end)
    return _is_list(run)


def _joined(gap: list[str]) -> bool:
    """Two names one after another in a list: nothing between them but a comma, an "and", an "and in"."""
    return not gap or (gap[0] in _AND and (len(gap) == 1 or (len(gap) == 2 and gap[1] in _IN)))


def _is_list(groups: list[str]) -> bool:
    return len(groups) >= 3 and "@belarus" in groups and "@russia" in groups and "@others" in groups


def _missing(
    belarus: float, russia: float, relevance: float, needed: float, doubled: bool, listed: bool = False
) -> str:
    """Why the gate said no, in the terms a reader can act on."""
    absent = [side for side, score in (("Belarus", belarus), ("Russia", russia)) if score <= 0]
    if absent:
        return f"out of scope: {' and '.join(absent)} not named (by name, capital, leader, or an institution)"
    return f"out of scope: relevance {relevance:.1f} below the {needed:.1f} needed" + (
        (
            " (the title lists the two among other states: a group's item, not the pair's)"
            if listed
            else " (neither side is in the title: one there, or the union itself, would halve it)"
        )
        if doubled
        else ""
    )


PASSING_MIN_SENTENCES = 6  # a text this long whose topic words sit in one body sentence mentions it in passing


def _passing(hits: _Hits, sentence_count: int) -> bool:
    """A passing mention (GUIDE.md): the topic's words all in one sentence of the body of a longer text, and
    none in the title; one clause listing a programme's contents does not make the item about it."""
    where = [i for i, gain in hits.by_sentence.items() if gain > 0]
    return sentence_count >= PASSING_MIN_SENTENCES and len(where) == 1 and where[0] != 0


def _match_end(term: Term, tokens: list[str], stems: list[str], start: int) -> int:
    """Where the phrase whose first word is `tokens[start]` ends (exclusive), or -1 when the rest does not follow.

    The first word has matched already (the candidates are chosen by it). One word may stand between two words
    of a phrase ("бюджет развития Союзного государства", "28 союзных программ", "цена на природный газ"): a
    phrase is its words in order, not a fixed string.
    """
    i = start + 1
    for part in term.parts[1:]:
        if i < len(tokens) and _part_matches(part, tokens[i], stems[i]):
            i += 1
        elif i + 1 < len(tokens) and _part_matches(part, tokens[i + 1], stems[i + 1]):
            i += 2
        else:
            return -1
    return i


def _part_matches(part: tuple[str, bool], token: str, token_stem: str) -> bool:
    text, is_prefix = part
    return token.startswith(text) if is_prefix else token_stem == text


def keyword_baseline(topic_set: TopicSet, title: str, text: str) -> Classification:
    """The plain matcher the classifier must beat: any term of a topic present, any Belarus word present."""
    blob = f"{title}\n{text}".lower()
    relevant = any(t.text.rstrip("*").lower() in blob for t in topic_set.gate.belarus)
    if not relevant:
        return Classification(False, 0.0)
    found = [
        TopicMatch(topic.id, 1.0, ())
        for topic in topic_set.topics
        if any(t.text.replace("*", "").lower() in blob for t in topic.terms)
    ]
    return Classification(True, 1.0, tuple(found))


YIELD_RATIO = 2.0  # a narrower topic this many times as strong makes a broader one its setting, not a subject
# ... and this many times, where the broader one's occasion (`subject_with`) is not named. Dev's programme items
# without the presidents or their summit are government work (GUIDE.md: "the Council of Ministers of the Union
# State when they deal with the programmes"), and their "integration" is setting; 1.5 was the bar tried without
# the exception, which took political integration from the presidents' decree on the programmes
SETTING_RATIO = 1.5


def _without_settings(matches: list[TopicMatch], ts: TopicSet, subjects: set[str]) -> list[TopicMatch]:
    """Drop a topic that `yields_to` a narrower one scoring at least YIELD_RATIO times as high: "integration"
    and the Union State's name run through every programme and tax item, and there they are its setting. Where
    the topic's occasion is not named (`subjects`: topics whose `subject_with` words the item has), SETTING_RATIO."""
    scores = {m.topic: m.score for m in matches}
    kept = []
    for match in matches:
        topic = ts.get(match.topic)
        narrower = max((scores.get(t, 0.0) for t in topic.yields_to), default=0.0)
        ratio = YIELD_RATIO if match.topic in subjects or not topic.subject_with else SETTING_RATIO
        if narrower < ratio * match.score:
            kept.append(match)
    return kept
