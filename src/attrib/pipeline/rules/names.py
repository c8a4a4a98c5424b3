"""The rule names: which construction drafted an attribution. The confidence table is keyed by
them and the assembly treats some of them apart, so each is spelled here once."""

CLAUSE = "clause"  # a clausal complement: "said that …", "X's claim that …"
OBJECT = "object"  # a verb's object or infinitive: "announced the plan", "promised to …"
PREP_OBJECT = "prep-object"  # a preposition's object after the cue: "warned of …", "described as …"
PASSIVE_SUBJECT = "passive-subject"  # a passive verb's subject: "… have been reported"
AS_CLAUSE = "as-clause"  # the main clause of "as X put it"
PARENTHETICAL = "parenthetical"  # the clause a cue is set off from: "…, he said"
NEEDS_QUOTE = "needs-quote"  # a cue whose content can only be an adjacent quotation
NOUN = "noun"  # a reporting noun's that-clause or prepositional content
ACCORDING_TO = "according-to"  # "…, according to X"
POLL = "poll"  # "In a CBS News poll, …"
COLON = "colon"  # a speaker label and a colon, or a quotation and a dash before its speaker
CONTINUED_QUOTE = "continued-quote"  # a quotation no cue reaches, given to the last attribution's speaker
