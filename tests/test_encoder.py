"""The `attrib_encoder` component on a tiny BERT built here (a few hundred thousand parameters, random weights): its
scores line up with spaCy's tokens on text with emoji, CRLF and combining marks, and survive to_disk and to_bytes.
Skipped without the `learn` extra (torch, transformers)."""

from __future__ import annotations

import numpy
import pytest
import spacy

from attrib.errors import ModelError

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from attrib.training import encoder, finder_scores  # noqa: E402
from attrib.training.encoder_model import Tagger, wordpieces  # noqa: E402

TEXT = ("Café owners 👩‍👩‍👧 said:\r\n\"Prices rose,\" sources told SANA.\r\n"
        "Zoë added: “no.” e\u0301 🇨🇦")


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-bert")
    words = sorted({w for w in "café owners said prices rose sources told sana zoe added no e".split()})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *list("\"“”:,.!?'"), *words]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizerFast(str(folder / "vocab.txt"))
    config = transformers.BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=64, max_position_embeddings=512)
    torch.manual_seed(0)
    transformers.BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def scored(nlp, tagger):
    nlp.get_pipe("attrib_encoder").tagger = tagger
    return finder_scores.take(nlp(TEXT))


def test_scores_one_row_per_spacy_token_whatever_the_text(tiny_bert):
    nlp = spacy.blank("en")
    nlp.add_pipe("attrib_encoder")
    tagger = Tagger.build(tiny_bert, 1)
    assert sum(p.numel() for p in tagger.parameters()) < 1_000_000
    scores = scored(nlp, tagger)
    doc = nlp.make_doc(TEXT)
    assert set(scores) == {finder_scores.ENCODER_PREFIX + role for role in ("source", "cue", "content")}
    for table in scores.values():
        assert table.shape == (len(doc), 2)
        assert ((table >= 0) & (table <= 1)).all()
        blank = [t.i for t in doc if t.is_space]
        assert blank and (table[blank] == 0).all()  # "\r\n" is no wordpiece: no score
        assert (table[[t.i for t in doc if not t.is_space]] > 0).all()


def overlapping_pieces(doc, offsets) -> list:
    """Each token's first and last overlapping wordpiece by the definition, one token at a time."""
    out = []
    for t in doc:
        inside = [k for k, (s, e) in enumerate(offsets.tolist()) if s < t.idx + len(t) and e > t.idx]
        out.append((inside[0], inside[-1]) if inside else None)
    return out


def test_each_tokens_wordpieces_are_found_by_binary_search_as_by_the_definition(tiny_bert):
    tokenizer = transformers.BertTokenizerFast.from_pretrained(tiny_bert)
    doc = spacy.blank("en").make_doc(TEXT + " unknownword-ish 👩‍👩‍👧\r\n")
    first, last, covered = encoder.token_pieces(doc, wordpieces(tokenizer, doc.text)[1])
    found = [(int(f), int(e)) if c else None for f, e, c in zip(first, last, covered)]
    assert found == overlapping_pieces(doc, wordpieces(tokenizer, doc.text)[1])
    assert None in found and len({f for f in found if f}) > 5


def test_targets_mark_each_fragments_first_and_last_wordpiece():
    offsets = numpy.array([[0, 3], [4, 8], [8, 10], [11, 15]])
    attribution = {"content": [{"start": 4, "end": 15}], "cue": [{"start": 0, "end": 3}], "source": []}
    found = encoder.targets([attribution], offsets)
    assert found[:, 4].tolist() == [0, 1, 0, 0] and found[:, 5].tolist() == [0, 0, 0, 1]  # content start, end
    assert found[:, 2].tolist() == [1, 0, 0, 0] and found[:, 3].tolist() == [1, 0, 0, 0]  # cue: one wordpiece
    assert not found[:, :2].any()


def test_long_text_is_read_in_overlapping_windows(tiny_bert):
    nlp = spacy.blank("en")
    nlp.add_pipe("attrib_encoder")
    text = " ".join(["prices rose, sources told sana."] * 150)  # about 1,000 wordpieces: five windows
    nlp.get_pipe("attrib_encoder").tagger = Tagger.build(tiny_bert, 1)
    doc = nlp(text)
    table = finder_scores.take(doc)[finder_scores.ENCODER_PREFIX + "content"]
    assert len(encoder.windows(1050)) > 4 and table.shape == (len(doc), 2) and (table > 0).all()


def test_saved_and_shipped_taggers_score_the_same(tiny_bert, tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("attrib_encoder")
    nlp.get_pipe("attrib_encoder").tagger = Tagger.build(tiny_bert, 2)
    before = finder_scores.take(nlp(TEXT))
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    shipped = spacy.blank("en")
    shipped.add_pipe("attrib_encoder")
    shipped.from_bytes(nlp.to_bytes())
    for other in (loaded, shipped):
        after = finder_scores.take(other(TEXT))
        assert all(numpy.allclose(before[k], after[k], atol=1e-6) for k in before)


def test_weights_of_another_hash_are_refused(tmp_path):
    weights = tmp_path / encoder.WEIGHTS
    weights.write_bytes(b"not the weights")
    with pytest.raises(ModelError, match="SHA-256 .* not the published all-MiniLM-L6-v2's"):
        encoder.check_weights(weights, encoder.MINILM_SHA256)


def test_fine_tuning_learns_where_fragments_start_and_end(tiny_bert, tmp_path, capsys):
    from attrib.training.encoder_fit import fine_tune

    text = "prices rose, sources told sana. no, zoe added."
    cue = {"start": text.index("told"), "end": text.index("told") + 4}
    record = {"text": text, "attributions": [{"cue": [cue], "source": [], "content": []}]}
    lines: list[str] = []
    tagger = fine_tune(tiny_bert, 1, [record] * 64, tmp_path, 0, lines.append, epochs=3, learning_rate=1e-3)
    nlp = spacy.blank("en")
    nlp.add_pipe("attrib_encoder")
    nlp.get_pipe("attrib_encoder").tagger = tagger
    doc = nlp(text)
    starts = finder_scores.take(doc)[finder_scores.ENCODER_PREFIX + "cue"][:, 0]
    told = next(t.i for t in doc if t.text == "told")
    assert starts[told] > 0.5 > max(s for i, s in enumerate(starts) if i != told)
    assert lines and lines[-1].startswith("encoder: fine-tuning steps: 12/12 in")
    printed = capsys.readouterr()
    assert printed.out == "" and "Loading weights" not in printed.err  # transformers' bar over the weights


@pytest.fixture(scope="module")
def encoder_trained(corpus, tiny_bert, tmp_path_factory):
    """A model `attrib train` trained with the tiny BERT as its encoder: its folder, its meta and what training said."""
    from attrib.training.settings import TrainSettings
    from attrib.training.train import train

    folder = tmp_path_factory.mktemp("encoder-trained") / "model"
    lines: list[str] = []
    settings = TrainSettings(max_steps=20, eval_frequency=10, calibration_fraction=0.2, encoder=str(tiny_bert))
    meta = train([corpus[0]], folder, dev=[corpus[1]], settings=settings, log=lines.append)
    return folder, meta, lines


def test_train_fine_tunes_an_encoder_the_model_loads_with_plain_spacy_load(corpus, encoder_trained, tmp_path):
    import json
    import subprocess
    import sys

    model, meta, lines = encoder_trained
    assert meta["revision"]["scores"] == ["finder", "encoder"]
    assert any(line.startswith("encoder, half 2: fine-tuning steps:") for line in lines)
    script = ("import json, sys, spacy; nlp = spacy.load(sys.argv[1]); doc = nlp(sys.argv[2]); "
              "print(json.dumps([nlp.pipe_names, [[f['text'] for f in a['content']] for a in doc._.attributions]]))")
    text = json.loads(corpus[1].read_text(encoding="utf-8").splitlines()[0])["text"]
    done = subprocess.run([sys.executable, "-c", script, str(model), text], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    names, contents = json.loads(done.stdout)
    assert names.index("attrib_encoder") < names.index("attrib_revise") and contents
    # without torch, the model is refused in one line that says what to install
    blocked = ("import sys; sys.modules['torch'] = None; from attrib.console import main; "
               "sys.argv = ['attrib', 'annotate', '--model', sys.argv[1], sys.argv[2]]; main()")
    text_file = tmp_path / "doc.txt"
    text_file.write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", blocked, str(model), str(text_file)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "torch" in done.stderr and "attrib[learn]" in done.stderr, done.stderr



def test_a_backend_round_of_a_model_trained_with_an_encoder_fine_tunes_that_encoder(corpus, encoder_trained, tmp_path):
    """A round trained the default pipeline whatever the backend served: a model trained with --encoder had candidates
    without one, judged against itself. A round takes the serving model's encoder from its meta.json (a real round,
    in this process: the round's process is not the point here)."""
    import json
    from dataclasses import asdict

    from attrib.backend import round as training_round
    from attrib.jsonio import dumps_line
    from attrib.records import iter_records

    model, meta, _ = encoder_trained
    settings = training_round.settings_for(json.loads((model / "meta.json").read_text(encoding="utf-8")), 20)
    assert (settings.encoder, settings.max_steps) == (meta["settings"]["encoder"], 20) and settings.encoder
    round_dir = tmp_path / "round"
    round_dir.mkdir()
    with open(round_dir / training_round.SNAPSHOT, "w", encoding="utf-8") as out:  # records, as the server writes them
        out.writelines(dumps_line(record) for record in iter_records(corpus))  # 34: enough to cross-fit
    (round_dir / training_round.SPEC).write_text(json.dumps({"serving": str(model), "settings": asdict(settings)}),
                                                 encoding="utf-8")
    result = training_round.run(round_dir)
    candidate = json.loads((round_dir / training_round.CANDIDATE / "meta.json").read_text(encoding="utf-8"))["attrib"]
    assert candidate["settings"]["encoder"] == settings.encoder
    assert candidate["revision"]["scores"] == ["finder", "encoder"]
    assert result["serving"]["source"] == str(model) and "mean" in result["candidate"]["figures"]

def test_packaged_encoder_is_the_published_one_and_its_wordpieces_sit_on_the_text(tmp_path):
    """The real all-MiniLM-L6-v2 (requirements/encoder.txt): extracted with its hash checked, its tokenizer's offsets
    cover every visible character of TEXT, each wordpiece the text under it (uncased, accents stripped), and the
    tagger scores every visible spaCy token."""
    import hashlib
    import unicodedata

    folder = encoder.packaged_encoder(tmp_path)
    assert hashlib.sha256((folder / encoder.WEIGHTS).read_bytes()).hexdigest() == encoder.MINILM_SHA256
    tagger = Tagger.build(folder, encoder.LAYERS)
    assert tagger.encoder.config.num_hidden_layers == encoder.LAYERS
    ids, offsets = wordpieces(tagger.tokenizer, TEXT)
    covered = set()
    for piece, (start, end) in zip(tagger.tokenizer.convert_ids_to_tokens(ids), offsets.tolist()):
        under = TEXT[start:end]
        plain = "".join(c for c in unicodedata.normalize("NFD", under) if unicodedata.category(c) != "Mn").lower()
        assert plain == piece.removeprefix("##") or (piece == "[UNK]" and not under.isascii()), (piece, under)
        covered.update(range(start, end))
    visible = {i for i, c in enumerate(TEXT) if not c.isspace() and unicodedata.category(c) not in ("Mn", "Cf")}
    assert visible <= covered
    nlp = spacy.blank("en")
    nlp.add_pipe("attrib_encoder")
    doc_scores = scored(nlp, tagger)
    doc = nlp.make_doc(TEXT)
    first, last, covered = encoder.token_pieces(doc, offsets)
    assert [(int(f), int(e)) if c else None for f, e, c in zip(first, last, covered)] == overlapping_pieces(doc, offsets)
    for table in doc_scores.values():
        assert (table[[t.i for t in doc if not t.is_space]] > 0).all()


@pytest.mark.parametrize("choice, says", [("folder", "no config.json"), ("packaged", "not the published")])
def test_an_encoder_that_cannot_be_fine_tuned_stops_train_before_any_training(tmp_path, monkeypatch, choice, says):
    """Before the data is read (it is not JSON here), not after half an hour of spaCy's training."""
    from attrib.training.settings import TrainSettings
    from attrib.training.train import train

    monkeypatch.setattr(encoder, "MINILM_SHA256", "0" * 64)  # as if the package held other weights
    data = tmp_path / "data.jsonl"
    data.write_text("not read\n", encoding="utf-8")
    given = str(tmp_path) if choice == "folder" else choice
    with pytest.raises(ModelError, match=says):
        train([data], tmp_path / "model", settings=TrainSettings(encoder=given))
    assert not (tmp_path / "model").exists()


def test_a_loaded_encoder_tags_in_forked_workers(tmp_path):
    """spaCy's `--n-process` workers are forked. They hung in torch's first parallel region when loading the real
    encoder had started GNU OpenMP's thread pool in their parent (the packaged weights' copies are large enough to
    start it; the tiny BERT's are not)."""
    import subprocess
    import sys

    nlp = spacy.blank("en")
    nlp.add_pipe("attrib_encoder")
    nlp.get_pipe("attrib_encoder").tagger = Tagger.build(encoder.packaged_encoder(tmp_path), encoder.LAYERS)
    nlp.to_disk(tmp_path / "model")
    script = ("import sys, spacy; nlp = spacy.load(sys.argv[1]); "
              "print(sum(len(doc) for doc in nlp.pipe([sys.argv[2]] * 4, batch_size=1, n_process=2)))")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "model"), TEXT], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == 4 * len(nlp.make_doc(TEXT))
