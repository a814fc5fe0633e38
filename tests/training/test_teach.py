"""Teach it your domain, end to end: `unspin train spans` on a handful of tiny articles labelled
with a label set of their own (two technique names PTC does not have), a few steps from the
shipped fast model; the folder it writes is then used with --model everywhere (analyze, eval,
batch, the Python API, the page's technique list) and exported back to Label Studio. A run cut
by Ctrl-C and resumed ends with the weights of a run that never stopped."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.training.conftest import HAVE_TRAIN, SENTENCES

CLI = [sys.executable, "-m", "unspin.cli"]
NAMES = ["Blame_Shifting", "Loaded_Language", "Fake_Consensus"]
TEXT = "The corrupt regime unleashed a brutal crackdown. " + SENTENCES["Blame_Shifting"][0] + " " + SENTENCES["Fake_Consensus"][0]


def run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, corpus_dir):
    if not HAVE_TRAIN:
        pytest.skip("the train extra")  # conftest's fixture says why (and fails in CI)
    out = tmp_path_factory.mktemp("mine") / "campaign-model"
    p = run("train", "spans", "--labels", corpus_dir / "labels.txt", "--articles", corpus_dir / "articles", "--taxonomy",
            corpus_dir / "taxonomy.tsv", "--out", out, "--epochs", "1", "--batch", "4", "--threads", "2")
    assert p.returncode == 0, p.stderr
    return out, p.stderr


def test_train_writes_a_model_folder_with_its_own_techniques_and_a_card(trained):
    out, log = trained
    config = json.loads((out / "config.json").read_text())
    assert config["kind"] == "spans" and config["labels"] == NAMES and config["name"] == "campaign-model"
    assert (out / "encoder.onnx").is_file() and (out / "head.npz").is_file() and (out / "encoder_config.json").is_file()
    assert config["trained"]["label_set"] == "own" and config["trained"]["date"]
    assert set(config["validation"]) >= {"si", "tc_micro_f1", "si_two_fold", "start_model"}
    techniques = {t["name"]: t for t in json.loads((out / "techniques.json").read_text())}
    assert techniques["Blame_Shifting"]["explanation"] == "Puts the blame for a problem on one group, without evidence."
    assert techniques["Fake_Consensus"]["explanation"] == ""  # none given: shown as such
    assert techniques["Loaded_Language"]["display"] == "Loaded language"  # a PTC technique keeps its own help
    card = (out / "MODEL_CARD.md").read_text()
    assert "No explanation was given for `Fake_Consensus`" in card and "| start model |" in card
    # Time as it was spent (export and tuning after the fit), in words that fit the number.
    took = re.search(r"Training took (under a second|(\d+(?:\.\d)?) (second|minute)s?) \((\d+(?:\.\d)?) (second|minute)s? with export and "
                     r"tuning\)", card)
    assert took is not None, card
    fit = 0.0 if took.group(1) == "under a second" else float(took.group(2)) * (60 if took.group(3) == "minute" else 1)
    assert fit <= float(took.group(4)) * (60 if took.group(5) == "minute" else 1) + 1 and config["trained"]["training_seconds"] >= 0
    assert " 1 training spans" not in card and " 1 times the default" not in card
    # The held-out scores, per epoch and at the end beside the start model's; a checkpoint per epoch.
    assert "epoch 1: held-out articles" in log and "start model" in log and "checkpoint written" in log
    assert (out / "training" / "checkpoint.pt").is_file()


def test_a_resume_says_it_resumes_and_asks_for_the_first_runs_taxonomy(trained, corpus_dir, tmp_path):
    """--resume continues from the checkpoint, not from the start model (whose "continuing from
    ... new techniques start fresh" was said before); a resume whose labels come in another order
    (the first run's --taxonomy left out: own names, sorted) is refused naming --taxonomy."""
    import shutil

    out, _ = trained
    copy = tmp_path / "campaign-model"
    shutil.copytree(out, copy)
    common = ("train", "spans", "--labels", corpus_dir / "labels.txt", "--articles", corpus_dir / "articles", "--out", copy,
              "--epochs", "1", "--batch", "4", "--threads", "2", "--resume")
    p = run(*common)
    error = p.stderr.split("unspin: error: ")[-1]
    assert p.returncode == 2 and "Traceback" not in p.stderr and len(error.strip().splitlines()) == 1, p.stderr
    assert error.startswith("--resume: ") and "was written for another order of techniques" in error, p.stderr
    assert error.strip().endswith("pass the same --taxonomy as the run that wrote it"), p.stderr
    p = run(*common, "--taxonomy", corpus_dir / "taxonomy.tsv")
    assert p.returncode == 0, p.stderr
    assert "resuming from" in p.stderr and "every epoch done (1)" in p.stderr and "continuing from" not in p.stderr, p.stderr


def test_analyze_compare_and_eval_read_the_folder_with_model(trained, tmp_path):
    out, _ = trained
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    p = run("analyze", "--model", out, tmp_path / "a.txt", "-f", "json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["model"]["size"] == "custom" and doc["model"]["name"] == "campaign-model"
    assert doc["spans"] and {s["technique"] for s in doc["spans"]} <= set(NAMES)
    page = run("analyze", "--model", out, tmp_path / "a.txt", "-f", "html")
    assert page.returncode == 0 and "Puts the blame for a problem on one group" in page.stdout  # the legend's data
    both = run("compare", "--model", out, tmp_path / "a.txt", tmp_path / "a.txt", "-f", "json")
    assert both.returncode == 0 and json.loads(both.stdout)["a"]["model"]["size"] == "custom"


def test_a_model_of_ones_own_offers_the_operating_points_chosen_on_its_held_out_articles(trained, tmp_path):
    out, log = trained
    config = json.loads((out / "config.json").read_text())
    card = (out / "MODEL_CARD.md").read_text()
    offered = set(config["points"])
    assert offered and offered <= {"precise", "sensitive"}
    for name, point in config["points"].items():
        assert set(point) == {"threshold", "seed_threshold", "edge_start", "edge_end", "sentence_breaks"}
        shown = config["validation"]["points"][name]
        assert set(shown["si"]) == {"precision", "recall", "f1"}
        # The promise each name makes, on the articles that chose it.
        if name == "precise":
            assert shown["passages_per_default_passage"] <= 1 and shown["si"]["precision"] > config["validation"]["si"]["precision"]
        else:
            assert shown["si"]["recall"] > config["validation"]["si"]["recall"]
    assert "operating points, on the held-out articles" in log and f"unspin analyze --model {out} --sensitivity" in card
    for missing in {"precise", "sensitive"} - offered:  # a point no setting qualified for is explained
        assert f"No {missing} point" in card and f"no {missing} point" in log
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    for point in ("precise", "sensitive"):
        p = run("analyze", "--model", out, "--sensitivity", point, tmp_path / "a.txt", "-f", "json")
        if point not in offered:
            assert p.returncode == 2 and "has no operating point" in p.stderr and "Traceback" not in p.stderr
            continue
        assert p.returncode == 0, p.stderr
        doc = json.loads(p.stdout)
        assert doc["model"]["sensitivity"] == point and doc["model"]["version"].endswith(f"@{point}")


def test_eval_scores_the_own_label_set(trained, corpus_dir):
    out, _ = trained
    p = run("eval", "--model", out, "--articles", corpus_dir / "articles", "--labels", corpus_dir / "labels.txt", "--task", "tc",
            "--format", "json")
    assert p.returncode == 0, p.stderr
    assert set(json.loads(p.stdout)["per_technique"]) <= set(NAMES)


def test_the_python_api_and_the_page_technique_list(trained):
    import unspin
    from unspin import taxonomy
    from unspin.pipeline import model_version

    out, _ = trained
    pipeline = unspin.load("en", model=out)
    assert pipeline.get("techniques").labels == NAMES
    assert model_version("en", model=out) != model_version("en") and "campaign-model" in model_version("en", model=out)
    doc = unspin.analyze(TEXT, model=str(out))
    assert doc.model["size"] == "custom"
    # The page's legend reads /api/v1/techniques: a server started with --model lists the model's own.
    from fastapi.testclient import TestClient

    from unspin.web.app import Settings, create_app

    with TestClient(create_app(Settings(model=(str(out),), preload=False))) as client:
        every = client.get("/api/v1/techniques", params={"language": "all"}).json()
        listed = {t["name"]: t for t in every if not t.get("meta_class")}
        assert listed["Blame_Shifting"]["explanation"].startswith("Puts the blame")
        assert listed["Fake_Consensus"]["explanation"] == taxonomy.UNEXPLAINED
        assert listed["Fake_Consensus"]["display"] == "Fake Consensus" and listed["Fake_Consensus"]["colour"].startswith("#")
        # The model's label set in place of PTC's 14 (its texts can show no other English name); Russian's stays.
        assert sorted(listed) == sorted(NAMES) and len([t for t in every if t.get("meta_class")]) == len(taxonomy.RU_TECHNIQUES)
        assert client.get("/healthz").json()["size"] == "custom"


def test_batch_stores_the_model_version_and_label_studio_gets_the_new_names(trained, tmp_path):
    out, _ = trained
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "one.txt").write_text(TEXT, encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'c.db'}"
    p = run("batch", tmp_path / "in", "--db", db, "--model", out, "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["analysed"] == 1
    again = run("batch", tmp_path / "in", "--db", db, "--fast", "--json")  # a shipped model: another version, analysed again
    assert json.loads(again.stdout)["analysed"] == 1
    p = run("batch", tmp_path / "in", "--db", db, "--model", out, "--json")
    assert json.loads(p.stdout)["analysed"] == 1
    e = run("export", "--db", db, "--format", "label-studio", "--output", tmp_path / "tasks.json")
    assert e.returncode == 0, e.stderr
    (task,) = json.loads((tmp_path / "tasks.json").read_text())
    assert "campaign-model" in task["predictions"][0]["model_version"]
    used = {r["value"]["labels"][0] for r in task["predictions"][0]["result"]}
    assert used and used <= set(NAMES)
    config = (tmp_path / "tasks.label_config.xml").read_text()
    assert all(f'value="{n}"' in config for n in used)


def test_one_line_errors_for_a_wrong_model_or_two_span_models(trained, tmp_path):
    out, _ = trained
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    for args, needle in (((tmp_path / "nowhere",), "no such folder"), ((tmp_path,), "no config.json"), ((out, "--fast"), "--fast and --model")):
        p = run("analyze", "--model", *args, tmp_path / "a.txt")
        assert p.returncode == 2 and needle in p.stderr and "Traceback" not in p.stderr, p.stderr
    p = run("train", "spans", "--labels", tmp_path / "a.txt", "--articles", tmp_path, "--out", out)
    assert p.returncode == 2 and "holds a run already" in p.stderr


def test_a_run_cut_by_ctrl_c_and_resumed_ends_with_the_weights_of_one_that_never_stopped(tiny_base, corpus_dir, tmp_path):
    import torch

    from unspin.training import bases, data, spans

    corpus = data.read_ptc(corpus_dir / "labels.txt", corpus_dir / "articles")
    labels = data.label_set(corpus.labels, "own")
    train_ids, val_ids = data.split_ids(corpus.articles, 0.15)
    # Two stages (a fresh warm-up and fresh optimiser moments at the second), the cut inside it.
    recipe = spans.SpanRecipe(epochs=[1, 2], lr=[1e-3, 5e-4], head_lr=[1e-2, 5e-3], batch=2, window=24, stride=24, infer_stride=24, bf16=False,
                              precisions=["int8"])

    def job(out: Path, resume: bool = False) -> spans.SpanJob:
        return spans.SpanJob(corpus, labels, train_ids, val_ids, bases.resolve(str(tiny_base), from_scratch=True), out, threads=1, resume=resume)

    class CtrlC(spans.Reporter):
        def step(self, s) -> None:
            if s.step == s.total - 3:
                raise KeyboardInterrupt

    whole = spans.train(job(tmp_path / "whole"), recipe)
    assert set(whole) == {"model", "start"}
    with pytest.raises(KeyboardInterrupt):
        spans.train(job(tmp_path / "cut"), recipe, CtrlC())
    assert not (tmp_path / "cut" / "config.json").is_file()
    spans.train(job(tmp_path / "cut", resume=True), recipe)
    a = torch.load(tmp_path / "whole" / "training" / "spannet.pt")
    b = torch.load(tmp_path / "cut" / "training" / "spannet.pt")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    # A resume under other settings is refused in one line.
    from unspin.errors import InputError

    other = spans.SpanRecipe(**{**recipe.__dict__, "lr": [1e-3, 1e-4]})
    with pytest.raises(InputError, match="other training settings"):
        spans.train(job(tmp_path / "cut", resume=True), other)


def test_a_run_ships_int8_outliers_calibrated_on_its_training_articles(tiny_base, corpus_dir, tmp_path):
    # The accurate base's default precision: export calibrates on the run's own training windows,
    # and the folder it writes is read like any other (analysis, continuing from it).
    import onnx

    from unspin.training import bases, data, spans
    from unspin.training.weights import onnx_state_dict

    corpus = data.read_ptc(corpus_dir / "labels.txt", corpus_dir / "articles")
    labels = data.label_set(corpus.labels, "own")
    train_ids, val_ids = data.split_ids(corpus.articles, 0.15)
    recipe = spans.SpanRecipe(epochs=[1], lr=[1e-3], head_lr=[1e-2], batch=2, window=24, stride=24, infer_stride=24, bf16=False,
                              precisions=["int8-outliers"], ship="int8-outliers", per_row=True)
    assert spans.SpanRecipe.continuing("accurate").per_row and not spans.SpanRecipe.continuing("fast").per_row
    out = tmp_path / "outliers"
    spans.train(spans.SpanJob(corpus, labels, train_ids, val_ids, bases.resolve(str(tiny_base), from_scratch=True), out, threads=1), recipe)
    config = json.loads((out / "config.json").read_text())
    assert config["precision"] == "int8-outliers" and config["activation_scales"] == "per-row"
    graph = onnx.load(str(out / "encoder.onnx")).graph
    assert sum(n.name.endswith("/outliers/Gather") for n in graph.node) == 2  # one per layer of the tiny base
    assert not any(n.op_type == "DynamicQuantizeLinear" for n in graph.node)  # every int8 activation scaled per row
    assert "encoder.encoder.layer.1.output.dense.weight" in onnx_state_dict(out / "encoder.onnx")
    import unspin

    doc = unspin.load(model=out)(TEXT)
    assert doc.text == TEXT


def test_a_model_of_ptcs_techniques_keeps_the_start_models_layout_rules(tmp_path):
    """Phrase edges and the cut of long runs describe how PTC marks spans: a new model of PTC's
    techniques decodes with the start model's (the fast model's two sentences), a label set of
    one's own without them (its campaign may mark whole sentences)."""
    if not HAVE_TRAIN:
        pytest.skip("the train extra")
    from unspin.runtime import MODELS_DIR
    from unspin.training.spans import start_layout

    fast = MODELS_DIR / "en-fast"
    config = json.loads((fast / "config.json").read_text())
    assert start_layout(config, fast, tmp_path, "own") == {} and not list(tmp_path.iterdir())
    layout = start_layout(config, fast, tmp_path, "ptc")
    assert layout["max_sentences"] == 2 and layout["phrase_edges"] == config["phrase_edges"]
    assert (tmp_path / config["phrase_edges"].get("file", "edges.json")).is_file()
    assert "max_sentences" not in start_layout({**config, "max_sentences": 0}, fast, tmp_path, "ptc")


def test_a_model_of_ptcs_techniques_on_few_held_out_articles_keeps_the_start_models_decoder_and_points(tmp_path):
    """On fewer than 10 held-out articles, thresholds and points tuned there are noise (T2: 2.5 to
    3.6 points of SI lost on 22 other articles): a model of PTC's techniques keeps the fast
    model's, and its card and log say why."""
    from tests.training.conftest import write_corpus
    from unspin.runtime import MODELS_DIR

    root = write_corpus(tmp_path / "ptc")
    rename = {"Blame_Shifting": "Causal_Oversimplification", "Fake_Consensus": "Bandwagon,Reductio_ad_hitlerum"}
    labels = root / "labels.txt"
    rows = [line.split("\t") for line in labels.read_text().splitlines()]
    labels.write_text("".join("\t".join([a, rename.get(t, t), s, e]) + "\n" for a, t, s, e in rows))
    out = tmp_path / "ptc-model"
    p = run("train", "spans", "--labels", labels, "--articles", root / "articles", "--out", out, "--epochs", "1", "--batch", "4",
            "--threads", "2")
    assert p.returncode == 0, p.stderr
    config, fast = json.loads((out / "config.json").read_text()), json.loads((MODELS_DIR / "en-fast" / "config.json").read_text())
    assert config["trained"]["label_set"] == "ptc" and config["validation"]["decoder_kept_for_few_articles"]
    assert [config[k] for k in ("threshold", "seed_threshold", "edge_start", "edge_end")] == \
        [fast[k] for k in ("threshold", "seed_threshold", "edge_start", "edge_end")]
    assert config["points"] == fast["points"] and config["max_sentences"] == fast["max_sentences"]
    assert "too few to choose decoder thresholds by" in " ".join(p.stderr.split())
    assert "too few to choose thresholds by" in (out / "MODEL_CARD.md").read_text()


def test_techniques_lists_a_models_own_label_set(trained, tmp_path):
    out, _ = trained
    p = run("techniques", "--model", out, "--format", "json")
    assert p.returncode == 0, p.stderr
    listed = {t["name"]: t for t in json.loads(p.stdout)}
    assert list(listed) == NAMES
    assert listed["Blame_Shifting"]["explanation"] == "Puts the blame for a problem on one group, without evidence."
    assert listed["Fake_Consensus"]["explanation"].startswith("No explanation came with this technique")
    assert listed["Loaded_Language"]["display"] == "Loaded language"
    text = run("techniques", "--model", out)
    assert text.returncode == 0 and "Fake Consensus" in text.stdout and "Example: \n" not in text.stdout
    claims = run("techniques", "--model", Path(__file__).parents[2] / "src" / "unspin" / "models" / "en-claims")
    assert claims.returncode != 0 and "not a span model folder" in claims.stderr


def test_card_wording_of_time_counts_and_passages():
    """A short run said "0.1 minutes (0 minutes with export and tuning)", "1 training spans",
    "1 times the default's passages"."""
    from unspin.training import folder as mf
    from unspin.training.spans import _n, times_passages, took

    assert [mf.duration(s) for s in (0.4, 1, 6, 59.4, 60, 90, 599, 1380)] == [
        "under a second", "1 second", "6 seconds", "59 seconds", "1 minute", "1.5 minutes", "10 minutes", "23 minutes"]
    assert took(6, 40) == "Training took 6 seconds (40 seconds with export and tuning)"
    assert took(600, 300) == "Training took 10 minutes over its runs (the last 5 minutes with export and tuning)"  # resumed
    assert took(90, 0) == "Training took 1.5 minutes"  # a tuning of its own knows no total
    assert _n(1, "training span") == "1 training span" and _n(3, "training span") == "3 training spans"
    assert times_passages(1) == "as many passages as the default" and times_passages(3.33) == "3.33 times the default's passages"
