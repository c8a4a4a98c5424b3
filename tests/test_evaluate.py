"""`attrib eval`: matching rules and figures on constructed documents where the answer is known."""

from __future__ import annotations

import json
import re
import random

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attrib.evaluate import Scores, evaluate, greedy_pairs, jaccard, match_overlap, overlapping_pairs, trim
from attrib.errors import OffsetError
from attrib.records import fragment, make_record, normalize_record
from fragments import frag_of
from runs import attrib

TEXT = 'Officials said the plan failed. "We will win," the minister said, "and soon." It is believed that rain helps.'
SAID = (60, 64)  # the minister's "said" (the first "said" is the officials')


def at(text: str, content, source=None, cue=None, kind="indirect") -> dict:
    """An attribution from substrings (first occurrence) or (start, end) pairs; a list gives several fragments."""

    def frags(value):
        if value is None:
            return []
        out = []
        for item in value if isinstance(value, list) else [value]:
            out.append(fragment(text, *item) if isinstance(item, tuple) else frag_of(text, item))
        return out

    return {"kind": kind, "source": frags(source), "cue": frags(cue), "content": frags(content)}


def score(text: str, gold: list[dict], pred: list[dict]) -> dict:
    scores = Scores()
    scores.add(make_record("d", text, gold), make_record("d", text, pred))
    return scores.as_dict()


def role(report: dict, name: str, matching: str) -> tuple[int, int, int]:
    figures = report["roles"][name][matching]
    return figures["tp"], figures["fp"], figures["fn"]


@pytest.mark.parametrize(
    "raw, trimmed",
    [
        ('"We will win,"', "We will win"),
        ("“Huge reinforcements.” ", "Huge reinforcements"),
        ("« Nous gagnerons »", "Nous gagnerons"),
        ("‘ok’", "ok"),
        ("″six feet″", "six feet"),
        ("`quoted´", "quoted"),
        ("\u275dquoted\u275e", "quoted"),  # dingbats, Unicode's "other symbol", not punctuation
        ("\U0001f676quoted\U0001f677", "quoted"),
        ("\t(SOHR)\n", "SOHR"),
        ("U.S.", "U.S"),
        (":", ":"),  # nothing would remain: kept as is
        (": ", ":"),  # ...but not its whitespace (a cue ": " is the cue ":")
        (" \u2015\n", "\u2015"),
    ],
)
def test_trim_strips_space_punctuation_and_quote_marks_at_both_ends(raw, trimmed):
    text = f"x {raw} y"
    s, e = trim(text, 2, 2 + len(raw))
    assert text[s:e] == trimmed


def test_jaccard_counts_characters_over_fragment_sets():
    assert jaccard([(0, 10)], [(0, 8)]) == 0.8
    assert jaccard([(0, 4), (6, 10)], [(2, 8)]) == 4 / 10
    assert jaccard([(0, 4)], [(4, 8)]) == 0.0


def test_trimming_makes_quote_marks_and_punctuation_irrelevant_to_exact_match():
    gold = [at(TEXT, '"We will win,"', "the minister", SAID, "direct")]
    pred = [at(TEXT, "We will win", "the minister said", (60, 65), "direct")]
    report = score(TEXT, gold, pred)
    assert role(report, "content", "exact") == (1, 0, 0)
    assert role(report, "cue", "exact") == (1, 0, 0)
    # "the minister" vs "the minister said": not exact, Jaccard 12/17 >= 0.5
    assert role(report, "source", "exact") == (0, 1, 1)
    assert role(report, "source", "overlap") == (1, 0, 0)


def test_overlap_needs_jaccard_of_one_half():
    text = "abcdefghijklmnopqrst"
    gold = [at(text, (0, 10)), at(text, (10, 20))]
    # (0, 5): Jaccard 5/10 = 0.5, matches; (12, 14): Jaccard 2/10, does not
    pred = [at(text, (0, 5)), at(text, (12, 14))]
    report = score(text, gold, pred)
    assert role(report, "content", "exact") == (0, 2, 2)
    assert role(report, "content", "overlap") == (1, 1, 1)
    assert report["roles"]["content"]["overlap"]["f1"] == 0.5


def test_overlap_matching_is_one_to_one_and_maximum():
    a, b = (0, 10), (3, 12)
    x, y = (0, 9), (0, 6)
    # x fits a (0.9) and b (0.5); y fits only a (0.6). Greedy by Jaccard would pair x-a and stop at 1.
    assert match_overlap([a, b], [y, x]) == 2
    # one predicted span cannot match two reference spans
    assert match_overlap([(0, 10), (1, 10)], [(0, 10)]) == 1


def test_discontinuous_content_counts_each_fragment():
    first, second = '"We will win,"', '"and soon."'
    gold = [at(TEXT, [first, second], "the minister", SAID, "direct")]
    pred = [at(TEXT, first, "the minister", SAID, "direct")]
    report = score(TEXT, gold, pred)
    assert role(report, "content", "exact") == (1, 0, 1)
    assert report["attributions"]["tp"] == 1  # found through the shared first fragment


def test_source_less_gold_and_shared_sources():
    officials = at(TEXT, "the plan failed", "Officials", "said")
    believed = at(TEXT, "that rain helps", None, "is believed")
    # two attributions sharing one source span: the source unit counts once
    gold = [
        officials,
        at(TEXT, '"We will win,"', "the minister", SAID, "direct"),
        at(TEXT, '"and soon."', "the minister", SAID, "direct"),
        believed,
    ]
    pred = [
        officials,
        at(TEXT, '"We will win,"', "the minister", SAID, "direct"),
        at(TEXT, "that rain helps", "It", "is believed"),
    ]
    report = score(TEXT, gold, pred)
    assert role(report, "source", "exact") == (2, 1, 0)  # "It" is a false positive; no source missed
    assert role(report, "content", "exact") == (3, 0, 1)
    assert report["attributions"] == {"precision": 1.0, "recall": 0.75, "f1": 6 / 7, "tp": 3, "fp": 0, "fn": 1}
    # the source-less gold attribution is found but leaves the source accuracy alone
    assert report["given_found"]["source"] == {"accuracy": 1.0, "correct": 2, "total": 2}
    assert report["given_found"]["cue"] == {"accuracy": 1.0, "correct": 3, "total": 3}
    assert report["recall_by_kind"]["direct"] == {"recall": 0.5, "found": 1, "total": 2}
    assert report["recall_by_kind"]["indirect"] == {"recall": 1.0, "found": 2, "total": 2}


def test_attribution_matching_ignores_shared_whitespace_and_is_one_to_one():
    text = "alpha beta gamma"
    gold = [at(text, "alpha"), at(text, "gamma")]
    assert score(text, gold, [at(text, (5, 6))])["attributions"]["tp"] == 0  # only the space is shared
    # one prediction over both ("lpha beta ga"): it pairs with alpha (4 shared), gamma (2) stays unfound
    report = score(text, gold, [at(text, (1, 13), kind="direct")])
    assert report["attributions"] == {"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "tp": 1, "fp": 0, "fn": 1}
    assert report["given_found"]["kind"]["correct"] == 0


def test_many_equal_attributions_pair_one_to_one():
    """400 equal attributions in one document, 380 of them predicted (eval was quadratic in Python's slowest part
    there: 85 s for 2,000; the speed is measured, not tested: this checks the pairing the shortcuts keep)."""
    text = "The minister said that taxes will fall."
    one = at(text, "that taxes will fall", source="The minister", cue="said")
    report = score(text, [dict(one, id=f"a{i}") for i in range(400)], [dict(one, id=f"a{i}") for i in range(380)])
    assert report["attributions"]["tp"] == report["attributions_by_definition"]["found_jaccard50"]["tp"] == 380
    assert report["attributions"]["fn"] == 20 and report["given_found"]["source"]["correct"] == 380


def test_the_two_definitions_of_a_found_attribution_where_they_disagree():
    text = "The minister said that the new budget would cut taxes for most families next year."
    gold = [at(text, "that the new budget would cut taxes for most families next year")]
    by = lambda report: {d: f["tp"] for d, f in report["attributions_by_definition"].items()}  # noqa: E731
    # a prediction sharing a few characters: found for any_char, not for jaccard50 (Jaccard 8 / 64)
    assert by(score(text, gold, [at(text, "that the")])) == {"found_any_char": 1, "found_jaccard50": 0}
    # half the content and more: found for both
    assert by(score(text, gold, [at(text, "that the new budget would cut taxes")])) == {"found_any_char": 1, "found_jaccard50": 1}
    # jaccard50 compares hulls: two fragments far apart span the whole content, though they cover little of it
    assert by(score(text, gold, [at(text, ["that", "next year"])])) == {"found_any_char": 1, "found_jaccard50": 1}
    # one prediction over two reference contents: any_char finds one of them, jaccard50 neither (each < 0.5)
    two = "Ann said it rains. Bob said it snows."
    pair = [at(two, "it rains"), at(two, "it snows")]
    assert by(score(two, pair, [at(two, (9, 37))])) == {"found_any_char": 1, "found_jaccard50": 0}
    # both are one-to-one: two predictions of one content find it once
    assert by(score(text, gold, gold + gold)) == {"found_any_char": 1, "found_jaccard50": 1}


def test_given_found_source_and_cue_accuracy():
    gold = [
        at(TEXT, "the plan failed", "Officials", "said"),
        at(TEXT, '"We will win,"', "the minister", SAID, "direct"),
    ]
    pred = [at(TEXT, "the plan failed", None, "said"), at(TEXT, "We will win", "minister", (46, 50), "direct")]
    report = score(TEXT, gold, pred)
    assert report["given_found"]["source"] == {"accuracy": 0.5, "correct": 1, "total": 2}  # missing source is wrong
    assert report["given_found"]["cue"] == {"accuracy": 0.5, "correct": 1, "total": 2}  # (46, 50) is not the cue


def test_which_of_two_attributions_of_one_content_is_found_does_not_depend_on_list_order():
    """Two attributions of one content ("Bob said and officials confirmed that ...") share as many
    characters with either prediction: the pair whose source, cue and kind agree is taken, in any order."""
    text = "Bob said and officials confirmed that the plan failed."
    bob = at(text, "the plan failed", "Bob", "said", kind="indirect")
    officials = at(text, "the plan failed", "officials", "confirmed", kind="mixed")
    for gold in ([bob, officials], [officials, bob]):
        for pred in ([bob, officials], [officials, bob], [officials], [bob]):
            report = score(text, gold, pred)
            found = len(pred)
            assert report["attributions"]["tp"] == found
            assert {k: (v["correct"], v["total"]) for k, v in report["given_found"].items()} == {
                "source": (found, found), "cue": (found, found), "kind": (found, found)}
            assert report["recall_by_kind"]["mixed"]["found"] == (officials in pred)


def test_scores_do_not_depend_on_the_order_of_attributions():
    """Shuffling either side's attributions changes no figure (random drafts over one text)."""
    rng = random.Random(7)
    text = TEXT * 3
    words = [(m, m + 4) for m in range(0, len(text) - 4, 5) if text[m:m + 4].strip()]

    def draft() -> dict:
        s, e = sorted(rng.sample(range(len(words)), 2))
        source = rng.choice([None, words[rng.randrange(len(words))]])
        cue = rng.choice([None, words[rng.randrange(len(words))]])
        return at(text, (words[s][0], words[e][1]), source, cue, kind=rng.choice(["direct", "indirect", "mixed"]))

    for _ in range(200):
        gold, pred = [draft() for _ in range(rng.randrange(1, 6))], [draft() for _ in range(rng.randrange(1, 6))]
        first = score(text, gold, pred)
        rng.shuffle(gold)
        rng.shuffle(pred)
        assert score(text, gold, pred) == first


def test_empty_prediction_gives_none_not_a_made_up_precision():
    report = score(TEXT, [at(TEXT, "the plan failed", "Officials", "said")], [])
    assert report["attributions"] == {"precision": None, "recall": 0.0, "f1": 0.0, "tp": 0, "fp": 0, "fn": 1}
    assert report["given_found"]["source"]["accuracy"] is None


def _gold_line(doc_id: str, text: str, attrs: list[dict]) -> dict:
    """The gold format of ../shared/data: [s, e] pairs spanning each role's fragments (null when absent) plus all
    fragments in `parts`."""
    out = []
    for a in attrs:
        pairs = {r: [[f["start"], f["end"]] for f in a[r]] for r in ("source", "cue", "content")}
        out.append({**{r: ([p[0][0], p[-1][1]] if p else None) for r, p in pairs.items()}, "kind": a["kind"],
                    "parts": pairs})
    return {"id": doc_id, "text": text, "attributions": out}


@pytest.fixture
def files(tmp_path):
    attrs = [
        at(TEXT, "the plan failed", "Officials", "said"),
        at(TEXT, ['"We will win,"', '"and soon."'], "the minister", SAID, "direct"),
    ]
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(_gold_line(i, TEXT, attrs)) + "\n" for i in ("d1", "d2")), encoding="utf-8")
    pred = tmp_path / "pred.jsonl"
    records = [normalize_record(_gold_line("d1", TEXT, attrs), "x"), make_record("extra", "other text", [])]
    pred.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return gold, pred


def test_evaluate_reads_gold_format_pairs_documents_by_id(files):
    gold, pred = files
    report = evaluate(str(gold), str(pred))
    assert report["documents"] == {
        "scored": 2,
        "gold": 2,
        "pred": 2,
        "missing_in_pred": ["d2"],
        "unscored_pred_ids": ["extra"],
    }
    assert role(report, "content", "exact") == (3, 0, 3)  # d1 perfect, d2 predicted as nothing
    assert report["attributions"]["recall"] == 0.5
    assert evaluate(str(gold), str(gold))["roles"]["content"]["overlap"]["f1"] == 1.0


def test_evaluate_refuses_different_texts_and_duplicate_ids(tmp_path, files):
    gold, _ = files
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps(make_record("d1", TEXT.replace("plan", "plot"), [])) + "\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"E100 .*other.jsonl: document 'd1': text differs from .* at character 21"):
        evaluate(str(gold), str(other))
    twice = tmp_path / "twice.jsonl"
    twice.write_text(gold.read_text(encoding="utf-8") * 2, encoding="utf-8")
    with pytest.raises(Exception, match=r"E100 .*twice.jsonl: records 1 and 3 \(counted in order, blank lines aside: `attrib validate` names their lines\) share the id .d1. \(ids must be unique\)$"):
        evaluate(str(twice), str(gold))
    versions = tmp_path / "versions.jsonl"  # labelstudio records --choose each: an annotator's version a record
    versions.write_text("".join(json.dumps(make_record("d1", TEXT, [], provenance={"task_id": 1, "annotation_id": n,
                                                                                    "annotator": who})) + "\n"
                                for n, who in ((1, "a@x"), (2, "b@x"))), encoding="utf-8")
    with pytest.raises(Exception, match=r"share the id .d1. \(several annotators' versions\? make the records with `--choose"):
        evaluate(str(versions), str(gold))
    ran = attrib("eval", twice, gold)  # the command names the lines ("records 1 and 3 (counted in order …)")
    assert ran.code == 2 and ran.err == f"attrib: E100 {twice}:3: the id 'd1' again, first at {twice}:1 (ids must be unique)\n"
    brat = tmp_path / "brat.jsonl"  # import brat of PolNeAR's layout: an annotator's .ann a record; it said `--choose`
    brat.write_text("".join(json.dumps(make_record("d1", TEXT, [], provenance={"annotator": who})) + "\n"
                            for who in ("a", "b")), encoding="utf-8")
    with pytest.raises(Exception, match=r"share the id .d1. \(several annotators' versions: keep one annotator's .ann"):
        evaluate(str(brat), str(gold))


@pytest.mark.parametrize("kind, message", [
    (["indirect"], "V103 ['indirect'] is not one of ['direct', 'indirect', 'mixed']"),  # crashed: unhashable
    (5, "V103 5 is not one of ['direct', 'indirect', 'mixed']"),  # was scored, as a kind "5" in the recall table
    ("weird", "V103 'weird' is not one of ['direct', 'indirect', 'mixed']"),
])
@pytest.mark.parametrize("side", ["gold", "pred"])
def test_eval_checks_both_files_against_the_record_schema(tmp_path, kind, message, side):
    good = make_record("d1", TEXT, [at(TEXT, "the plan failed", "Officials", "said")])
    bad = json.loads(json.dumps(good))
    bad["attributions"][0]["kind"] = kind
    paths = {}
    for name, record in (("gold", bad if side == "gold" else good), ("pred", bad if side == "pred" else good)):
        paths[name] = tmp_path / f"{name}.jsonl"
        paths[name].write_text(json.dumps(record) + "\n", encoding="utf-8")
    ran = attrib("eval", paths["gold"], paths["pred"])
    assert ran.code == 1 and ran.out == ""
    assert ran.err.startswith(f"attrib: E150 {paths[side]}:1 $.attributions[0].kind: ") and ran.err.count("\n") == 1
    assert ran.err.endswith(f": {message}\n")


@pytest.mark.parametrize("content", ["", "\n \n"])
def test_eval_against_an_empty_reference_is_nothing_to_do(tmp_path, files, content):
    _, pred = files
    empty = tmp_path / "empty.jsonl"
    empty.write_text(content, encoding="utf-8")
    ran = attrib("eval", empty, pred)
    assert ran.code == 1 and ran.out == ""
    assert ran.err == f"attrib: E160 {empty}: no records in it: nothing to score against\n"
    gold = pred
    against = attrib("eval", gold, empty)  # it scored zeros, exit 0: a failed run looked like a bad model
    assert against.code == 1 and against.out == ""
    assert against.err.startswith(f"attrib: E160 {empty}: no records in it: nothing to score (") and against.err.count("\n") == 1


def test_cli_table_json_and_warning(files):
    gold, pred = files
    result = attrib("eval", gold, pred)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "2 documents scored; 1 had no prediction (scored as predicting nothing)"
    assert lines[2].split() == ["role", "match", "P%", "R%", "F1%", "tp", "fp", "fn"]
    rows = [line.split() for line in lines]
    assert ["content", "exact", "100.0", "50.0", "66.7", "3", "0", "3"] in rows
    assert ["attribution", "found_any_char", "100.0", "50.0", "66.7", "2", "0", "2"] in rows
    assert ["attribution", "found_jaccard50", "100.0", "50.0", "66.7", "2", "0", "2"] in rows
    assert "1 predicted document not in" in result.err and "extra" in result.err
    as_json = json.loads(attrib("eval", gold, pred, "--json").out)
    assert as_json["roles"]["cue"]["exact"] == {"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "tp": 2, "fp": 0, "fn": 2}
    assert set(as_json) == {"documents", "roles", "attributions", "attributions_by_definition", "given_found", "recall_by_kind"}
    assert as_json["attributions_by_definition"]["found_any_char"] == as_json["attributions"]


def test_cli_bad_input_is_one_line(tmp_path, files):
    gold, _ = files
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "d1", "text": "abc", "attributions": [{"kind": "direct", "source": [], "cue": [], "content": [{"start": 0, "end": 9, "text": "abc"}]}]}\n'
    )
    run = attrib("eval", gold, bad)
    assert run.code != 0
    assert run.err.strip().splitlines() == [
        f"attrib: E110 {bad}:1: $.attributions[0].content[0]: span [0, 9) does not fit a text of 3 characters"
    ]


def test_seed_gold_against_itself_is_perfect(seed_gold):
    report = evaluate(str(seed_gold), str(seed_gold))
    figures = [report["attributions"]] + [report["roles"][r][m] for r in report["roles"] for m in ("exact", "overlap")]
    assert all(f["precision"] == f["recall"] == f["f1"] == 1.0 for f in figures)
    assert all(s["accuracy"] == 1.0 for s in report["given_found"].values())


@pytest.mark.polnear
def test_polnear_dev_against_itself_is_perfect(polnear_dev):
    report = evaluate(str(polnear_dev), str(polnear_dev))
    assert report["attributions"]["tp"] == 2192
    assert report["given_found"]["source"]["accuracy"] == 1.0
    assert all(report["roles"][r]["overlap"]["f1"] == 1.0 for r in report["roles"])


def _kuhn_reference(gold: list, pred: list) -> int:
    """The textbook recursive Kuhn's algorithm over the same edges, for small cases."""
    edges = {g: [p for p in range(len(pred)) if jaccard([gold[g]], [pred[p]]) >= 0.5] for g in range(len(gold))}
    owner: dict = {}

    def augment(g, seen):
        for p in edges[g]:
            if p not in seen:
                seen.add(p)
                if p not in owner or augment(owner[p], seen):
                    owner[p] = g
                    return True
        return False

    return sum(augment(g, set()) for g in edges)


def test_overlap_matching_is_maximum_without_recursion():
    """A chain of 1,200 spans each overlapping the next went past Python's recursion limit (a traceback in eval
    and agreement on a file validate passes); random cases agree with the recursive algorithm."""
    chain_gold = [(2 * i, 2 * i + 4) for i in range(1200)]
    chain_pred = [(s + 1, e + 1) for s, e in chain_gold]
    assert match_overlap(chain_gold, chain_pred) == 1200
    rng = random.Random(7)
    for _ in range(300):
        spans = lambda n: sorted((s, s + rng.randint(1, 8)) for s in (rng.randint(0, 40) for _ in range(n)))  # noqa: E731
        gold, pred = spans(rng.randint(0, 12)), spans(rng.randint(0, 12))
        assert match_overlap(gold, pred) == _kuhn_reference(gold, pred), (gold, pred)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \t\n\r\x0b\x0c\x1c\x85\xa0\u1680\u2000\u2028\u202f\u3000😀é\u0301")),
               max_size=60))
def test_non_whitespace_counts_are_those_of_str_isspace(text):
    """The prefix counts behind found_any_char, kept as a numpy array (a list of Python ints took 40 bytes a
    character: 6.3 GB to score a text of 153 MB against itself)."""
    from itertools import accumulate

    from attrib.evaluate import _solid_before

    assert _solid_before(text).tolist() == [0, *accumulate(not c.isspace() for c in text)]


def test_only_a_perfect_score_reads_100_and_only_nothing_reads_0():
    """A round trip that lost one attribution in 2,192 printed 100.0, as if perfect."""
    from attrib.evaluate import percent

    assert [percent(v) for v in (None, 0.0, 0.0004, 0.5, 2191 / 2192, 1.0)] == ["-", "0.0", "0.1", "50.0", "99.9", "100.0"]


def test_an_id_written_as_1_or_1_0_or_string_is_one_document(tmp_path):
    """JSON has one number 1, however written (pandas writes integer ids with gaps as 1.0): eval pairs them."""
    gold, pred = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    attribution = at(TEXT, "the plan failed", "Officials", "said")
    gold.write_text("".join(json.dumps(make_record(i, TEXT, [attribution])).replace(f'"{i}"', i) + "\n"
                            for i in ("1", "2")), encoding="utf-8")
    pred.write_text("".join(json.dumps(make_record(i, TEXT, [attribution])).replace('"id": "1.0"', '"id": 1.0') + "\n"
                            for i in ("1.0", "2")), encoding="utf-8")
    report = evaluate(str(gold), str(pred))
    assert report["attributions"]["tp"] == 2 and report["attributions"]["fn"] == 0
    ran = attrib("annotate", "-", stdin=b'{"id": 3.0, "text": "It rains, he said."}\n{"id": 3.5, "text": "x"}\n')
    assert [json.loads(line)["id"] for line in ran.out.splitlines()] == ["3", "3.5"]


spans_strategy = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)).map(lambda p: (min(p), max(p))), max_size=25)


@settings(max_examples=300, deadline=None)
@given(spans_strategy, spans_strategy)
def test_overlapping_pairs_are_every_overlapping_pair(gold, pred):
    """The sweep (20,000 disjoint attributions took 52 s when every pair was looked at) finds what looking at every
    pair finds, empty spans, equal starts and one long span included."""
    every = [(g, p) for g, a in enumerate(gold) for p, b in enumerate(pred) if a[0] < b[1] and b[0] < a[1]]
    assert list(zip(*(side.tolist() for side in overlapping_pairs(gold, pred)))) == sorted(every)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.tuples(st.integers(0, 6), st.integers(0, 6)), st.integers(1, 3), max_size=30),
       st.randoms(use_true_random=False))
def test_greedy_pairs_asks_order_only_of_free_pairs_and_takes_what_sorting_them_all_takes(weights, rng):
    """Greedy by weight, ties by `order`, then by the pair: the order of the pairs still free when their weight comes
    decides, as sorting every pair by (weight, order, pair) did."""
    rank = {pair: rng.random() for pair in weights}
    asked = []

    def order(a, b):
        asked.extend(zip(a.tolist(), b.tolist()))
        return (numpy.array([rank[pair] for pair in zip(a.tolist(), b.tolist())]),)

    used_a, used_b, expected = set(), set(), []
    for (a, b), _ in sorted(weights.items(), key=lambda item: (-item[1], rank[item[0]], item[0])):
        if a not in used_a and b not in used_b:
            used_a.add(a), used_b.add(b), expected.append((a, b))
    a, b = (numpy.array([pair[side] for pair in weights], dtype=numpy.int32) for side in (0, 1))
    assert greedy_pairs(a, b, numpy.array(list(weights.values()), dtype=numpy.int64), order) == sorted(expected)
    assert len(asked) <= len(weights)
    still_free = []  # every pair asked about had both sides free when its weight came
    for (a, b), weight in sorted(weights.items(), key=lambda item: -item[1]):
        taken_before = {pair for pair in expected if weights[pair] > weight}
        if all(a != x and b != y for x, y in taken_before):
            still_free.append((a, b))
    assert set(asked) <= set(still_free)


@pytest.mark.parametrize("change, said", [
    # parts and pair disagree: the pair was dropped without a word
    (lambda a: a["parts"].update(content=[[0, 9]]), "$.attributions[0].content: [15, 30] is not the span of its parts"),
    (lambda a: a.update(content=None), "$.attributions[0].content: None is not the span of its parts ([15, 30])"),
    # a pair of floats (a pandas round trip) was named as a record's fragment list at source[0]
    (lambda a: (a.pop("parts"), a.update(content=[15.0, 30.0])), "$.attributions[0].content: start and end must be integers"),
    (lambda a: a["parts"].update(cue=[[0.0, 9.0]]), "$.attributions[0].parts.cue[0]: start and end must be integers"),
    (lambda a: a.update(content=[15.0, 30.0]), "$.attributions[0].content: expected a [start, end] pair of integers or "
                                               "null, got [15.0, 30.0]"),  # equal to its parts, it passed
    # parts of another shape, or a misspelt role, were read as no parts: the pairs alone, validate said clean
    (lambda a: a.update(parts=[[15, 18], [24, 30]]), "$.attributions[0].parts: expected an object of [start, end] "
                                                     "pairs per role, got an array"),
    (lambda a: a.update(parts="x"), "$.attributions[0].parts: expected an object of [start, end] pairs per role, got a string"),
    (lambda a: a["parts"].update(contnet=a["parts"].pop("content")), "$.attributions[0].parts: 'contnet' is no role "
                                                                     "(source, cue, content)"),
])
def test_a_gold_attribution_is_refused_where_its_pairs_are_wrong(change, said):
    line = _gold_line("d1", TEXT, [at(TEXT, "the plan failed", "Officials", "said")])
    assert line["attributions"][0]["content"] == [15, 30]
    change(line["attributions"][0])
    with pytest.raises(OffsetError, match=re.escape(f"gold.jsonl:1: {said}")):
        normalize_record(line, "gold.jsonl:1")


def test_a_gold_attribution_keeps_the_record_keys_it_has_and_refuses_others():
    """A gold attribution's id was replaced and its confidence, source_type and any other key dropped, without a word
    (`validate` said clean, as it checks what is read)."""
    from attrib.errors import SchemaError
    from attrib.validation import check_records

    line = _gold_line("d1", TEXT, [at(TEXT, "the plan failed", "Officials", "said")])
    source = line["attributions"][0]["source"]
    line["attributions"][0].update(id="keep-me", confidence=0.4, source_type="named", source_entity=source)
    (read,) = normalize_record(line, "gold.jsonl:1")["attributions"]
    assert (read["id"], read["confidence"], read["source_type"]) == ("keep-me", 0.4, "named")
    assert read["source_entity"] == fragment(TEXT, *source)  # a pair, as the roles are given
    line["attributions"][0]["note"] = "checked by AB"
    with pytest.raises(SchemaError, match=re.escape("gold.jsonl:1: $.attributions[0]: 'note' is no key of an "
                                                    "attribution (the gold format's: kind, parts, source, cue, content; "
                                                    "a record's too: id, confidence, source_type, source_entity)")):
        normalize_record(line, "gold.jsonl:1")
    (finding,) = check_records([line])
    assert (finding.code, finding.path) == ("V105", "$[0].attributions[0]")


def test_an_attribution_id_made_for_a_gold_or_idless_attribution_repeats_no_id_the_record_gives():
    """A gold attribution beside one of the record format with the id "a0": both were "a0", and `export` wrote a
    record that `validate` refuses (V703)."""
    from attrib.validation import check_records

    line = _gold_line("d1", TEXT, [at(TEXT, "the plan failed", "Officials", "said")])
    given = {**normalize_record(_gold_line("d1", TEXT, [at(TEXT, "the plan failed", "Officials", "said")]),
                                "x")["attributions"][0], "id": "a0"}
    idless = {key: value for key, value in given.items() if key != "id"}
    line["attributions"] += [given, idless, {**idless, "id": "a2"}]
    record = normalize_record(line, "x")
    assert [a["id"] for a in record["attributions"]] == ["a0.1", "a0", "a2.1", "a2"]
    assert "V703" not in [f.code for f in check_records([record])]


def _nested(n: int) -> dict:
    """One document of n attributions, each content holding the next: every pair of contents overlaps."""
    text = "x " * n + "He said it rains." + " y" * n
    middle = 2 * n
    return {"id": "nested", "text": text, "attributions": [
        {"kind": "indirect", "source": [fragment(text, middle, middle + 2)],
         "cue": [fragment(text, middle + 3, middle + 7)],
         "content": [fragment(text, 2 * i, len(text) - 2 * i)]} for i in range(n)]}


def test_every_pair_overlapping_is_scored_in_bytes_a_pair_and_past_a_million_refused(tmp_path):
    """1,000 nested contents scored against themselves (a million overlapping pairs, each level of the matchings'
    pairs) took 500 MB as lists of tuples and dicts; as index arrays the whole process peaks far lower. Past
    MAX_PAIRS pairs in one document (PolNeAR's most is 206) eval says which document, before making them."""
    import subprocess
    import sys
    from pathlib import Path

    from attrib.evaluate import MAX_PAIRS

    inside, over = tmp_path / "inside.jsonl", tmp_path / "over.jsonl"
    inside.write_text(json.dumps(_nested(1000)) + "\n", encoding="utf-8")
    over.write_text(json.dumps(_nested(1001)) + "\n", encoding="utf-8")
    assert 1000 ** 2 <= MAX_PAIRS < 1001 ** 2
    child = ("import json, sys\nfrom runs import attrib\nran = attrib('eval', sys.argv[1], sys.argv[1], '--json')\n"
             "status = dict(line.split(':', 1) for line in open('/proc/self/status'))\n"
             "print(json.dumps({'code': ran.code, 'out': ran.out, 'peak_kb': int(status['VmHWM'].split()[0])}))")
    tests = Path(__file__).parent  # a fresh interpreter: its peak is its own (a forked child's counts its parent's)
    done = subprocess.run([sys.executable, "-c", child, inside], capture_output=True, text=True, timeout=300, cwd=tests,
                          env={"PYTHONPATH": str(tests), "PATH": "/usr/bin:/bin"}, check=True)
    ran = json.loads(done.stdout)
    assert ran["code"] == 0
    report = json.loads(ran["out"])
    assert report["attributions"]["tp"] == 1000
    assert report["attributions_by_definition"]["found_jaccard50"]["tp"] == 1000
    assert ran["peak_kb"] / 1024 < 250, ran["peak_kb"]
    ran = attrib("eval", over, over)
    assert ran.code == 2 and "Traceback" not in ran.err
    assert ran.err.strip() == (f"attrib: E100 {over}: document 'nested': 1,001 reference and 1,001 predicted spans "
                               "overlap "
                               "in 1,002,001 pairs, more than the 1,000,000 attrib scores in one document (one draft "
                               "repeated, or nested spans, thousands of times?)")


def test_an_empty_or_reversed_span_is_said_to_be_so(tmp_path):
    """An empty span ([5, 5)) or a reversed one ([6, 5)) inside the text was said not to fit the text."""
    for start, end, said in ((5, 5, "is empty"), (6, 5, "is reversed (start after end)")):
        bad = tmp_path / f"bad{start}.jsonl"
        bad.write_text(json.dumps({"id": "d", "text": TEXT, "attributions": [
            {"kind": "indirect", "source": [], "cue": [], "content": [{"start": start, "end": end, "text": ""}]}]}) + "\n",
            encoding="utf-8")
        ran = attrib("eval", bad, bad)
        assert ran.code == 1 and ran.err.strip() == (f"attrib: E110 {bad}:1: $.attributions[0].content[0]: span "
                                                     f"[{start}, {end}) {said}: a span needs start < end"), ran.err
