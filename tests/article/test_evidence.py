import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from unspin.article import evidence as ev
from unspin.components.claims import ClaimDetector
from unspin.components.evidence import EvidenceLinker
from unspin.components.summary import ArticleSummary
from unspin.document import Document
from unspin.errors import InputError
from unspin.pipeline import Pipeline

FIXTURES = Path(__file__).parent / "fixtures" / "evidence"


class BagEmbedder:
    """A deterministic stand-in for the sentence embedder: hashed bag of words, L2-normalised."""

    calls = 0

    def __call__(self, texts, max_len=None):
        BagEmbedder.calls += len(texts)
        out = np.zeros((len(texts), 384), np.float32)
        for i, t in enumerate(texts):
            for tok in ev.tokens(t):
                out[i, hash(tok) % 384] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("UNSPIN_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_passages_keep_offsets_and_merge_headings():
    text = (FIXTURES / "treaty.txt").read_text(encoding="utf-8")
    ps = ev.passages_of(text, "treaty.txt")
    assert all(text[p.start : p.end] == p.text for p in ps)
    starts = [p.text.split(".")[0] for p in ps]
    assert starts[1:] == ["Article 1", "Article 2", "Article 3"]
    assert ps[0].text.startswith("Treaty on the Protection") and "Preamble" in ps[0].text
    wrapped = "Article 7\nEach Party shall\nreport every year to the commission.\n\nShort."
    ps = ev.passages_of(wrapped, "w")
    assert ps[0].text == wrapped.split("\n\n")[0]


@pytest.mark.parametrize("newline, paragraph", [("\r", "\r\r"), ("\u2028", "\u2029"), ("\n", "\x0c")])
def test_passages_of_files_with_other_line_breaks_match_newline_files(newline: str, paragraph: str):
    text = (FIXTURES / "treaty.txt").read_text(encoding="utf-8")
    other = text.replace("\n\n", "\0").replace("\n", newline).replace("\0", paragraph)
    ps = ev.passages_of(other, "t")
    assert all(other[p.start : p.end] == p.text for p in ps)
    norm = [" ".join(p.text.split()) for p in ps]
    assert norm == [" ".join(p.text.split()) for p in ev.passages_of(text, "t")]


def test_long_paragraphs_become_sentence_windows():
    para = " ".join(f"Sentence number {i} says something about rivers and waste." for i in range(30))
    ps = ev.passages_of(para, "long")
    assert len(ps) > 5 and all(para[p.start : p.end] == p.text for p in ps)
    assert all(len(p.text.split()) <= 40 for p in ps)


def test_html_is_read_as_text():
    text = ev.read_text(FIXTURES / "report.html")
    assert "Fish stocks on the Birch" in text and "tracking" not in text and "<p>" not in text


@pytest.mark.parametrize("embedder", ["bag", "shipped"])
def test_treaty_article_cited_by_a_claim_comes_first(cache, embedder):
    emb = BagEmbedder() if embedder == "bag" else None
    if embedder == "shipped":
        try:
            from unspin.article.embed import load_embedder

            emb = load_embedder()
        except Exception as exc:  # noqa: BLE001
            pytest.skip(f"shipped embedder not available: {exc}")
    index = ev.build_index([FIXTURES], embedder=emb)
    claim = "Under Article 2 of the treaty, every country has to halve industrial waste in the rivers by 2030."
    hits = index.search_many([claim])[0]
    assert hits and Path(hits[0]["source"]).name == "treaty.txt"
    assert hits[0]["text"].startswith("Article 2.")
    text = (FIXTURES / "treaty.txt").read_text(encoding="utf-8")
    assert text[hits[0]["start"] : hits[0]["end"]] == hits[0]["text"]
    assert all(0 <= h["score"] <= 1 for h in hits)
    other = index.search_many(["Fish stocks in the Birch have grown by a third."])[0]
    assert Path(other[0]["source"]).name == "report.html"


def test_index_is_cached_and_rebuilt_when_files_change(cache, tmp_path):
    folder = tmp_path / "refs"
    shutil.copytree(FIXTURES, folder)
    BagEmbedder.calls = 0
    ev.build_index([folder], embedder=BagEmbedder())
    first = BagEmbedder.calls
    assert first > 0
    ev.build_index([folder], embedder=BagEmbedder())
    assert BagEmbedder.calls == first  # served from the cache
    (folder / "new.txt").write_text("The commission met in Oslo and agreed on a budget of 12 million.", encoding="utf-8")
    index = ev.build_index([folder], embedder=BagEmbedder())
    assert BagEmbedder.calls > first
    assert any(Path(p.source).name == "new.txt" for p in index.passages)
    t = time.time() + 5
    os.utime(folder / "new.txt", (t, t))
    calls = BagEmbedder.calls
    ev.build_index([folder], embedder=BagEmbedder())
    assert BagEmbedder.calls > calls  # a touched file changes the key


def test_raw_texts_and_missing_paths(cache):
    index = ev.build_index(["The budget for 2024 was 12 million euros.\nIt was approved in March."], embedder=BagEmbedder())
    assert index.passages[0].source == "text[0]"
    with pytest.raises(InputError):
        ev.build_index([FIXTURES / "nope"], embedder=BagEmbedder())
    with pytest.raises(InputError, match="not found"):
        ev.build_index(["refs/treaty-typo.txt"], embedder=BagEmbedder())


def test_pipeline_with_component_inserts_the_linker_before_the_summary(cache, monkeypatch):
    monkeypatch.setattr(ev, "build_index", lambda items: ev.EvidenceIndex.__new__(ev.EvidenceIndex))
    base = Pipeline([ClaimDetector(lambda s: np.full(len(s), 0.9)), ArticleSummary()])
    piped = base.with_component(EvidenceLinker(ev.build_index([FIXTURES])), after="claims")
    assert piped.component_names == ["claims", "evidence", "summary"]
    assert base.component_names == ["claims", "summary"]  # the cached default pipeline is untouched


def test_linker_attaches_evidence_to_claims(cache):
    index = ev.build_index([FIXTURES], embedder=BagEmbedder())
    doc = Document("The treaty says in Article 2 that industrial waste must be halved by 2030. Nice weather today, truly lovely.")
    det = ClaimDetector(lambda s: np.array([0.9 if "2030" in x else 0.1 for x in s]))
    linker = EvidenceLinker(index)
    for comp in (det, linker):
        comp.set_annotations([doc], comp.predict([doc]))
    claims = doc.to_dict()["claims"]
    assert len(claims) == 1 and claims[0]["evidence"][0]["text"].startswith("Article 2.")
    assert set(claims[0]["evidence"][0]) == {"source", "start", "end", "text", "score"}
