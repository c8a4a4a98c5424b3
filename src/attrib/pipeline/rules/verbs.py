"""Reporting verbs: the cue's extent around the verb, the complement that is its content, and
the constructions in which the parser hangs that content or the source somewhere else."""

from __future__ import annotations

from spacy.tokens import Doc, Token

from ..lexicon import Lexicon
from .names import AS_CLAUSE, CLAUSE, NEEDS_QUOTE, OBJECT, PARENTHETICAL, PASSIVE_SUBJECT, PREP_OBJECT
from .parse import (
    CLAUSE_DEPS,
    CONTENT_PREPS,
    CUE_CHILD_DEPS,
    EXPLETIVES,
    FRAME_DEPS,
    MISPARSED_VERB_DEPS,
    OBJECT_DEPS,
    RAISING_VERBS,
    SUBJECT_DEPS,
    Candidate,
    Settings,
    marked,
    subtree,
    within,
)
from .sources import extend_left, left_phrase, passive_agent, source_tokens, statement_agent, subject_of

CHANNELS = {"statement", "interview", "email", "tweet", "release", "post", "speech", "letter", "op", "memo", "message", "video"}
# "wrote on Twitter", "said on the show": PolNeAR's cue has the medium. A platform always; a show or a website not after
# a verb whose "on" names what it is about ("commented on the show", but "commented on Twitter")
PLATFORMS = {"twitter", "facebook", "instagram", "youtube", "tiktok", "linkedin", "television", "tv", "radio", "media",
             "medium"}
SHOWS = {"show", "program", "podcast", "blog", "website"}
MEDIA = PLATFORMS | SHOWS
# nouns whose that-clause is what they hold, not what a speaker says ("about claims that …")
CONTENT_NOUNS = {"claim", "rumour", "rumor", "report", "allegation", "suggestion", "assertion", "belief", "fear",
                 "concern", "idea", "notion", "news", "speculation", "evidence", "sign", "possibility", "hope", "warning",
                 "charge", "accusation", "theory", "assumption", "argument", "view", "fact", "impression", "promise",
                 "threat", "question", "doubt", "word", "assurance"}
TOPIC_ON_VERBS = {"comment", "report", "remark", "reflect", "dwell", "focus", "elaborate", "weigh", "expand", "touch",
                  "vote", "rule", "decide", "brief", "testify"}
AS_VERBS = {"describe", "portray", "characterize", "label", "brand", "depict", "cast", "see", "view", "dismiss", "regard", "paint"}
ADDRESSEE_VERBS = {"tell", "ask", "inform", "assure", "warn", "remind", "urge", "notify", "brief"}
REFLEXIVES = {"itself", "themselves", "himself", "herself", "ourselves", "myself", "yourself"}
QUESTION_VERBS = {"ask", "wonder", "inquire"}
ANSWERS = {"yes", "no", "so"}  # "46 percent said yes", "half said so": the whole content, right after the verb
ASPECTUAL_VERBS = {"continue", "begin", "start", "keep", "stop"}
RAISING_PASSIVES = {"expect", "know", "say", "believe", "report", "consider", "think", "rumor", "project", "predict"}


def _verb_prior(token: Token, lexicon: Lexicon) -> float:
    """The lexicon's prior for the token's lemma as a reporting verb (0 when it is not one)."""
    return lexicon.verbs.get(token.lemma_.lower(), 0)


def cue_tokens(verb: Token) -> set[int]:
    """The verb with what news corpora count as part of the cue: auxiliaries, negation, particles,
    adverbs before it ("has also said", "later said"; not "when") and, right after it, a date ("said Tuesday"),
    the channel ("said in a statement") and an adverb ("fired back", "said repeatedly"). An infinitive's "to"
    only with its frame (infinitive_frame)."""
    ids = {verb.i} | {c.i for c in verb.children if c.dep_ in CUE_CHILD_DEPS and c.tag_ != "TO"}
    first = min(ids)
    ids |= {c.i for c in verb.children if c.dep_ == "advmod" and first < c.i < verb.i}
    left = verb.i - 1
    while left >= 0 and verb.doc[left].dep_ in {"advmod", "neg"} and verb.doc[left].tag_ != "WRB" and verb.doc[left].head.i == verb.i and left not in ids:
        ids.add(left)
        left -= 1
    for child in verb.rights:
        if child.i != max(ids) + 1:
            break
        if child.dep_ == "npadvmod" and child.ent_type_ in {"DATE", "TIME"}:
            ids |= subtree(child)
        elif _channel(child):
            ids |= subtree(child) - _that_clauses(child)
        elif child.dep_ == "advmod" and (child.lower_ == "back" or (child.tag_ == "RB" and not any(child.children))):
            ids.add(child.i)  # "shot back", "said recently", "has said repeatedly": PolNeAR's cue has the adverb
        else:
            break
    return ids


def _channel(prep: Token) -> bool:
    """"in a statement", "on Twitter": where the words were said, which joins the cue right after the verb."""
    if prep.dep_ != "prep" or prep.lower_ not in {"in", "on"}:
        return False
    if prep.lower_ == "in":
        where = CHANNELS
    else:
        where = PLATFORMS if prep.head.lemma_.lower() in TOPIC_ON_VERBS else MEDIA
    return any(g.dep_ == "pobj" and g.lemma_.lower() in where for g in prep.children)


def _that_clauses(prep: Token) -> set[int]:
    """The that-clauses the parser hung inside a channel ("said in a statement that …" with the clause on
    "statement"): the content, not the cue (_late_that_clause finds it)."""
    return set().union(*(subtree(t) for t in prep.subtree
                         if t.dep_ in {"acl", "relcl", "ccomp"}
                         and any(c.dep_ == "mark" and c.lower_ == "that" for c in t.children)), set())


def infinitive_frame(verb: Token, lexicon: Lexicon, settings: Settings) -> set[int]:
    """The words before an infinitive cue that PolNeAR counts in it: its "to", and from the verb it
    completes on ("continued to say", "were quick to cast", "is trying to show"), which PolNeAR's
    infinitive cues include far more often than "to" alone.
    A completed verb that is a cue of its own ("decided to endorse") is an attribution of its own: then
    only "to" joins; aspectual verbs never are ("continued to say")."""
    to = next((c for c in verb.children if c.dep_ == "aux" and c.tag_ == "TO"), None)
    if to is None:
        return set()
    head = verb.head
    if verb.dep_ not in FRAME_DEPS or head.i > verb.i:
        return {to.i}
    if head.lemma_.lower() not in ASPECTUAL_VERBS and _verb_prior(head, lexicon) >= settings.min_object_prior:
        return {to.i}
    if head.pos_ in {"VERB", "AUX"}:
        frame = cue_tokens(head)
    elif head.dep_ == "acomp":
        frame = {head.i} | cue_tokens(head.head)  # "were quick to"
    else:
        frame = {head.i}
    return set(range(min(frame), to.i + 1))


def verb_candidate(verb: Token, prior: float, settings: Settings, lexicon: Lexicon) -> Candidate | None:
    """A reporting verb and what it governs; None when it governs nothing attributable."""
    if _quoted_as(verb) is not None:
        return None  # "is quoted as saying": the cue of "saying"
    cue = cue_tokens(verb) | infinitive_frame(verb, lexicon, settings)
    quoted = next((q for q in [verb.head.head] if verb.dep_ == "pcomp" and _quoted_as(q) == verb), None)
    if quoted is not None:
        cue |= cue_tokens(quoted) | {verb.head.i}
    issuer = _issuer(verb, lexicon, settings)
    if issuer is not None:
        cue |= set(range(min(cue_tokens(issuer)), verb.i))
    lemma = verb.lemma_.lower()
    passive = any(c.dep_ == "auxpass" for c in verb.children)
    content: set[int] = set()
    rule = ""
    clause = next((c for c in verb.children if c.dep_ in CLAUSE_DEPS), None) or _question(verb, lemma)
    if clause is not None and prior >= settings.min_clause_prior:
        content, rule = subtree(clause) - _stray_reports(clause, lexicon), CLAUSE
    elif _reports_head_clause(verb) and prior >= settings.min_clause_prior and _is_parenthetical(verb):
        content, rule = subtree(verb.head) - subtree(verb), PARENTHETICAL
    elif (fronted := _fronted_subject_clause(verb)) is not None and prior >= settings.min_clause_prior:
        content, rule = subtree(fronted), PARENTHETICAL
    elif verb.dep_ == "advcl" and marked(verb, {"as"}) and prior >= settings.min_clause_prior and not _has_complement(verb):
        content, rule = subtree(verb.head) - subtree(verb), AS_CLAUSE
        cue |= {c.i for c in verb.children if c.dep_ == "dobj" and c.lower_ == "it"}  # "as X put it"
    elif prior >= settings.min_object_prior or (
        lemma in AS_VERBS and prior >= settings.min_clause_prior and _as_complement(verb)
    ):
        obj = [c for c in verb.children if c.dep_ in OBJECT_DEPS or (c.i == verb.i + 1 and c.lower_ in ANSWERS)]
        preps = [c for c in verb.children if c.dep_ == "prep" and c.lower_ in CONTENT_PREPS and c.i > verb.i and not _is_when(c)]
        nsubjpass = next((c for c in verb.children if c.dep_ == "nsubjpass" and c.lower_ not in EXPLETIVES), None)
        as_prep = next((c for c in verb.children if c.dep_ == "prep" and c.lower_ == "as" and c.i > verb.i), None)
        relative = [o for o in obj if o.tag_ in {"WDT", "WP"}]
        if any(o.lower_ in REFLEXIVES for o in obj):
            return None  # "a group calling itself ...": naming, not saying
        if lemma in ASPECTUAL_VERBS and obj and all(o.dep_ == "xcomp" for o in obj):
            return None  # "continues to lead the field": the action goes on, nobody reports it
        if any(_issuer(c, lexicon, settings) == verb for o in obj for c in o.children):
            return None  # "issued a statement saying …": the candidate of "saying" has the whole cue
        if obj and all(o.dep_ == "dobj" and o.pos_ == "VERB" for o in obj):
            return None  # "videos shared on social media show that ...": a verb as object is a misparse
        if lemma in AS_VERBS and as_prep is not None and (relative or not obj):
            content, rule = subtree(as_prep) - {as_prep.i}, PREP_OBJECT  # "which local media described as ..."
            cue.add(as_prep.i)
        elif obj and all(_hearer(o) for o in obj):
            late = _late_that_clause(verb, lexicon, settings)
            if late is not None and _speakers_clause(late):  # "told Al Jazeera in an interview that"
                content, rule = subtree(late), CLAUSE
            else:
                rule = NEEDS_QUOTE  # "told SANA": the object is the hearer; a quotation nearby may be the content
        elif (stance := _stance_noun(obj, cue)) is not None:
            content, rule = stance[1], OBJECT  # "expressed concern that …", "voiced support for X"
            cue |= stance[0]
        elif obj and not relative:
            content, rule = set().union(*(subtree(o) for o in obj)), OBJECT
            addressee = _called_on(verb, obj, cue)
            if addressee is not None:  # "called on Muslims to stand up": PolNeAR's cue is "called on"
                cue.add(addressee.i)
                content |= subtree(addressee) - {addressee.i}
            content |= set().union(*(subtree(c) for c in verb.children if _completes_object(c) and c.i > min(content)), set())
        elif preps:
            prep = preps[0]
            content, rule = subtree(prep) - {prep.i}, PREP_OBJECT
            cue.add(prep.i)
        elif passive and nsubjpass is not None and prior >= settings.min_passive_prior:
            content, rule = subtree(nsubjpass), PASSIVE_SUBJECT
        elif not obj and (late := _late_that_clause(verb, lexicon, settings)) is not None:
            content, rule = subtree(late), CLAUSE
        elif not obj:
            rule = NEEDS_QUOTE  # '"…." he said.' parsed as a sentence of its own
    if rule == OBJECT and content:
        content = set(range(min(content), max(content) + 1))  # "lists the population that year as …": one stretch
    raised = _raised_subject(verb, lemma, passive) if rule == OBJECT else None
    if raised is not None:
        content |= subtree(raised)
    content = _without_trailing_aside(verb.doc, within(content, verb) - cue)
    if not content:
        if not rule:
            return None
        rule = NEEDS_QUOTE  # the parser took a quotation in the sentence before for the complement
    if raised is not None:
        subject = passive_agent(verb)
    elif quoted is not None:  # the one quoted speaks; "by X" only passed it on
        subject = next((c for c in quoted.children if c.dep_ == "nsubjpass" and c.lower_ not in EXPLETIVES), None)
        if subject is not None and subject.tag_ in {"WP", "WDT"} and quoted.dep_ == "relcl":
            subject = quoted.head  # "the minister, who was quoted as saying": the minister
    elif issuer is not None:
        subject = subject_of(issuer)
    else:
        subject = subject_of(verb.head.head if _is_stray_report(verb, lexicon) else verb)
    if subject is None and raised is None:
        subject = statement_agent(verb)
    if subject is None and verb.dep_ in MISPARSED_VERB_DEPS and (left := left_phrase(verb)) is not None:
        source, subject = {t.i for t in left} - content, left.root
    else:
        source = source_tokens(subject, cue | content) if subject is not None else set()
    if source and max(source) < verb.i:
        source = extend_left(source, verb, cue | content)
    content -= source
    return Candidate(cue=cue, content=content, source=source, rule=rule, prior=prior, source_root=subject.i if subject is not None else None)


def _speakers_clause(clause: Token) -> bool:
    """A late that-clause is the speaker's ("told reporters during a briefing that …", which the parser hangs on
    "briefing"), unless it completes a noun that holds it ("about claims that …") or "so" / "such" ("areas so low
    that …")."""
    head = clause.head
    holds = head.lemma_.lower() in CONTENT_NOUNS or head.head.lower_ in {"about", "regarding", "concerning"}
    if clause.dep_ in {"acl", "relcl"} and holds:
        return False
    return not any(c.lower_ in {"so", "such"} for c in head.children)


def _quoted_as(verb: Token) -> Token | None:
    """For "quoted" in "X is quoted (by Y) as saying …": the participle after "as", whose cue runs from "is quoted"
    (PolNeAR's cue is "is quoted as saying", its source X)."""
    if verb.lemma_.lower() != "quote" or not any(c.dep_ == "auxpass" for c in verb.children):
        return None
    return next((p for c in verb.children if c.dep_ == "prep" and c.lower_ == "as" and c.i > verb.i
                 for p in c.children if p.dep_ == "pcomp" and p.tag_ == "VBG"), None)


def _issuer(verb: Token, lexicon: Lexicon, settings: Settings) -> Token | None:
    """For "saying" in "the campaign issued a statement saying …": "issued". PolNeAR's cue runs from
    that verb to the participle ("issued a statement saying"), its source is that verb's subject."""
    channel = verb.head
    if verb.dep_ != "acl" or verb.tag_ != "VBG" or channel.dep_ != "dobj" or channel.lemma_.lower() not in CHANNELS:
        return None
    issuing = channel.head
    if issuing.pos_ != "VERB" or _verb_prior(issuing, lexicon) < settings.min_object_prior:
        return None
    return issuing


def _called_on(verb: Token, obj: list[Token], cue: set[int]) -> Token | None:
    """The "on" of "called on X to …", right after the cue, when the verb's object is an infinitive."""
    on = next((c for c in verb.children if c.dep_ == "prep" and c.lower_ in {"on", "upon"} and c.i == max(cue) + 1), None)
    if on is None or not all(o.dep_ == "xcomp" for o in obj) or not any(c.dep_ == "pobj" for c in on.children):
        return None
    return on


def made_clear_candidate(verb: Token) -> Candidate | None:
    """"X made it clear that …", "X made clear that …": no reporting verb, but a cue of two or three
    words and a that-clause (hung from "clear" or, without "it", from the verb)."""
    clear = next((c for c in verb.children if c.dep_ in {"ccomp", "oprd", "xcomp"} and c.lower_ == "clear"), None)
    if clear is None or not (clear.i == verb.i + 1 or (clear.i == verb.i + 2 and verb.doc[verb.i + 1].lower_ == "it")):
        return None
    clause = next((c for c in [*clear.children, *verb.children] if c.i > clear.i and marked(c, {"that"})), None)
    if clause is None:
        return None
    content = within(subtree(clause), verb)
    subject = subject_of(verb)
    source = source_tokens(subject, content) if subject is not None else set()
    cue = cue_tokens(verb) | set(range(verb.i + 1, clear.i + 1))
    return Candidate(cue=cue, content=content, source=source, rule=CLAUSE, prior=0.85, source_root=subject.i if subject is not None else None)


def _late_that_clause(verb: Token, lexicon: Lexicon, settings: Settings) -> Token | None:
    """"X said at a rally in Texas that …", "said before attending the town hall that …": a that-clause
    after the verb's adjuncts, which the parser hung from a word inside them; no other cue in between."""
    for token in verb.doc[verb.i + 1 : verb.right_edge.i + 1]:  # up to the first word that ends the search: walking
        # the whole subtree of every verb was quadratic in a long sentence
        if token.dep_ == "mark" and token.lower_ == "that" and token.head.head.i != verb.i and verb.is_ancestor(token):
            return token.head
        if token.pos_ == "VERB" and _verb_prior(token, lexicon) >= settings.min_object_prior:
            return None  # another cue before it
        if token.is_punct and token.text not in {",", "-", "—", "–"}:
            return None
    return None


STRAY_PRIOR = 0.5  # verbs that mostly report (say, add, note); with weaker ones the split loses more than it finds


def _is_stray_report(verb: Token, lexicon: Lexicon) -> bool:
    """"He said it was too early but added that …": a reporting verb without a subject that the parser
    coordinated with the clause of another reporting verb; the writer coordinated it with that verb.
    It is an attribution of its own, with that verb's source."""
    return (
        verb.dep_ == "conj"
        and verb.pos_ == "VERB"
        and _verb_prior(verb, lexicon) >= STRAY_PRIOR
        and not any(c.dep_ in SUBJECT_DEPS | {"nsubjpass"} for c in verb.children)
        and verb.head.dep_ in CLAUSE_DEPS
        and verb.head.head.lemma_.lower() in lexicon.verbs
    )


def _second_report(verb: Token, clause: Token, lexicon: Lexicon) -> bool:
    """"… said they were worried, and more than 4 in 10 said Trump would be best", "…, while other voters
    said …": another speaker's report, with its own subject and clause, that the parser coordinated with
    (or hung as an adverbial of) the first report's clause. PolNeAR never nests one attribution in another's content."""
    return (
        verb.i > clause.i
        and (verb.dep_ == "conj" or (verb.dep_ == "advcl" and marked(verb, {"while", "whereas"})))
        and verb.pos_ == "VERB"
        and _verb_prior(verb, lexicon) >= STRAY_PRIOR
        and any(c.dep_ in SUBJECT_DEPS for c in verb.children)
        and any(c.dep_ in CLAUSE_DEPS for c in verb.children)
    )


def _stray_reports(clause: Token, lexicon: Lexicon) -> set[int]:
    """The stray and second reports hung from `clause`, with the conjunction and comma before each: not its content."""
    out: set[int] = set()
    for child in clause.children:
        if _is_stray_report(child, lexicon) or _second_report(child, clause, lexicon):
            stray = subtree(child)
            i = min(stray) - 1
            while i > clause.i and (clause.doc[i].dep_ in {"cc", "punct"} and clause.doc[i].head.i in {clause.i, child.i}):
                stray.add(i)
                i -= 1
            out |= stray
    return out


def _has_complement(verb: Token) -> bool:
    """"As Karadsheh spoke about the consulate, …" reports nothing of the main clause ("as" is "while"),
    unlike "as Trump put it", "as the report notes": an as-clause verb with its own object or topic."""
    return any((c.dep_ in OBJECT_DEPS and c.lower_ != "it") or (c.dep_ == "prep" and c.lower_ in CONTENT_PREPS) for c in verb.children)


def _raised_subject(verb: Token, lemma: str, passive: bool) -> Token | None:
    """The subject of "X seems to …", "X is expected to …": part of what is reported, not who reports
    it (PolNeAR gives such content two fragments and no source)."""
    if not (lemma in RAISING_VERBS or (passive and lemma in RAISING_PASSIVES)):
        return None
    deps = {"nsubjpass"} if passive else {"nsubj"}
    return next((c for c in verb.children if c.dep_ in deps and c.lower_ not in EXPLETIVES), None)


def _completes_object(prep: Token) -> bool:
    """A prepositional phrase after the object that belongs to the content: "accused Republicans of
    being sore losers", "described the plan as ..." (not a time: "announced it on Tuesday")."""
    return prep.dep_ == "prep" and prep.lower_ in CONTENT_PREPS | {"as"} and not _is_when(prep)


def _without_trailing_aside(doc: Doc, content: set[int]) -> set[int]:
    """Content without a comma-set relative clause at its end ("…, who is now the nominee"): the
    writer's aside, not the source's words. Asides inside content, and appositions, are kept:
    PolNeAR keeps them about as often as it leaves them out."""
    if not content:
        return content
    last = max(content)
    for i in sorted(content):
        token = doc[i]
        if token.dep_ != "relcl" or token.head.i not in content or token.i < token.head.i:
            continue
        aside = subtree(token)
        comma = min(aside) - 1
        if doc[comma].text == "," and max(aside) >= last - 1 and comma in content:
            return content - aside - set(range(comma, last + 1))
    return content


def _is_when(prep: Token) -> bool:
    """"on Thursday", "for a week": a time, not what the verb is about."""
    return any(c.dep_ == "pobj" and c.ent_type_ in {"DATE", "TIME"} for c in prep.children)


def _as_complement(verb: Token) -> bool:
    """"sees the piece as a return to …": an object and its as-phrase, a judgement even from a verb
    as weak as "see"."""
    return any(c.dep_ == "dobj" for c in verb.children) and any(c.dep_ == "prep" and c.lower_ == "as" and c.i > verb.i for c in verb.children)


def _stance_noun(obj: list[Token], cue: set[int]) -> tuple[set[int], set[int]] | None:
    """A bare noun right after the verb that carries the content: "expressed concern that …", "voiced
    support for X". PolNeAR's cue is verb and noun (and the preposition); the content is the noun's."""
    if len(obj) != 1 or obj[0].dep_ != "dobj" or obj[0].pos_ != "NOUN" or obj[0].i != max(cue) + 1:
        return None
    noun = obj[0]
    children = list(noun.children)
    if len(children) != 1:
        return None
    child = children[0]
    if child.dep_ in {"acl", "ccomp"} and child.i > noun.i and any(t.dep_ in {"nsubj", "nsubjpass"} for t in child.subtree):
        return {noun.i}, subtree(child)
    if child.dep_ == "prep" and child.lower_ in CONTENT_PREPS and child.i == noun.i + 1 and not _is_when(child):
        return {noun.i, child.i}, subtree(child) - {child.i}
    return None


def _question(verb: Token, lemma: str) -> Token | None:
    """The if- or whether-clause of "asked (them) if …", which the parser hangs as an adverbial clause."""
    if lemma not in QUESTION_VERBS:
        return None
    return next(
        (c for c in verb.children if c.dep_ == "advcl" and c.i > verb.i and marked(c, {"if", "whether"})),
        None,
    )


def _reports_head_clause(verb: Token) -> bool:
    """Whether the verb hangs from the clause it reports: "…, he said" parsed as parataxis or ccomp,
    or "…, but it is under pressure, said the chief executive" parsed as a conjunct with its own
    subject, no "and" and no object but a hearer."""
    if verb.head.pos_ not in {"VERB", "AUX"}:
        return False
    if verb.dep_ in {"parataxis", "ccomp"}:
        return True
    return (
        verb.dep_ == "conj" and verb.head.i < verb.i
        and any(c.dep_ in SUBJECT_DEPS for c in verb.children)
        and not any(c.dep_ == "cc" or (c.dep_ in OBJECT_DEPS and not _hearer(c)) for c in verb.children)
    )


def _hearer(obj: Token) -> bool:
    """The object of "told a Senate panel", "assured them": who hears, not what is said."""
    return obj.dep_ == "dobj" and obj.head.lemma_.lower() in ADDRESSEE_VERBS


def _fronted_subject_clause(verb: Token) -> Token | None:
    """'… and Clevelanders get nervous, said Christine Link': the parser made the clause before the
    verb a second subject; the one after the verb speaks (see subject_of), the one before is the content."""
    subjects = [c for c in verb.children if c.dep_ in SUBJECT_DEPS]
    if len(subjects) < 2 or subjects[0].i > verb.i or subjects[-1].i < verb.i or verb.doc[verb.i - 1].text != ",":
        return None
    return subjects[0]


def _is_parenthetical(verb: Token) -> bool:
    """"…, he said", "…, said the minister", "The closures, he said, have …": the verb's clause is set
    off by punctuation, after its head clause or inside it."""
    doc = verb.doc
    first, last = min(t.i for t in verb.subtree), max(t.i for t in verb.subtree)
    if not (doc[first].is_punct or (first > 0 and doc[first - 1].is_punct)):
        return False
    if verb.head.i < verb.i:
        return True
    return doc[last].is_punct or (last + 1 < len(doc) and doc[last + 1].is_punct)
