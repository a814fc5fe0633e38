"""The article-level readings through ``unspin.analyze`` and the CLI, with the shipped models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE
from unspin.runtime import MODELS_DIR

ROOT_MODELS = Path(os.environ.get("UNSPIN_MODELS", MODELS_DIR))
FIXTURES = Path(__file__).parent / "fixtures"
CLAIM = "Article 2 of the treaty requires every country to cut untreated industrial waste in the rivers by half by 2030."

pytestmark = pytest.mark.skipif(
    not all((ROOT_MODELS / m / "config.json").is_file() for m in ("en", "en-claims", "en-genre", "en-embed")),
    reason="shipped models not built yet (scripts/train_spans.py, train_claims.py, train_genre.py, export_embedder.py)",
)


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("UNSPIN_CACHE", str(tmp_path / "cache"))


def test_analyze_adds_genre_claims_and_summary():
    import unspin

    text = EXAMPLE.read_text(encoding="utf-8")
    doc = unspin.analyze(text)
    d = doc.to_dict()
    assert {"spans", "techniques", "genre", "claims", "summary"} <= set(d)
    g = d["genre"]
    assert set(g["scores"]) == {"opinion", "reporting", "satire"} and abs(sum(g["scores"].values()) - 1) < 1e-3
    assert g["label"] == max(g["scores"], key=g["scores"].get)
    for c in d["claims"]:
        assert text[c["start"] : c["end"]] == c["text"] and 0 <= c["score"] <= 1
    assert [(s.start, s.end) for s in doc.group("claims")] == [(c["start"], c["end"]) for c in d["claims"]]
    s = d["summary"]
    assert s["technique_counts"] == d["techniques"] and s["top_techniques"] == list(d["techniques"])[:3]
    assert 0 < s["persuasion_share"] <= 1 and s["spans_per_1000_words"] > 0
    assert f"{len(d['claims'])} sentence" in s["sentence"] or (not d["claims"] and "none of its" in s["sentence"])


def test_claim_citing_article_2_gets_that_article_first():
    import unspin

    text = "The talks went on late into the night.\n\n" + CLAIM + "\n\nThe weather was mild."
    d = unspin.analyze(text, evidence=[FIXTURES / "evidence"]).to_dict()
    cited = [c for c in d["claims"] if "Article 2" in c["text"]]
    assert cited, f"the claims model did not flag the treaty sentence: {d['claims']}"
    top = cited[0]["evidence"][0]
    assert Path(top["source"]).name == "treaty.txt" and top["text"].startswith("Article 2.")
    # The default path (no evidence) stays evidence-free.
    assert "evidence" not in unspin.analyze(text).to_dict()["claims"][0]


def test_cli_evidence_and_text_view(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text(EXAMPLE.read_text(encoding="utf-8") + "\n\n" + CLAIM + "\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "unspin.cli", "analyze", str(article), "--evidence", str(FIXTURES / "evidence")]
    p = subprocess.run([*cmd, "--format", "json"], capture_output=True, timeout=300)
    assert p.returncode == 0, p.stderr.decode()
    d = json.loads(p.stdout)
    assert all("evidence" in c for c in d["claims"])
    p = subprocess.run(cmd, capture_output=True, timeout=300, env={**os.environ, "COLUMNS": "400"})
    out = p.stdout.decode()
    assert p.returncode == 0 and "Genre:" in out and "Worth checking first" in out and "treaty.txt" in out
    p = subprocess.run([*cmd[:-1], str(tmp_path / "missing")], capture_output=True, timeout=300)
    assert p.returncode == 2 and "evidence path not found" in p.stderr.decode()


def test_runtime_needs_no_torch_transformers_or_sklearn():
    code = (
        "import sys, unspin; unspin.analyze(open(sys.argv[1], encoding='utf-8').read(), evidence=[sys.argv[2]]); "
        "bad = [m for m in ('torch', 'transformers', 'sklearn') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    p = subprocess.run([sys.executable, "-c", code, str(EXAMPLE), str(FIXTURES / "evidence")], capture_output=True, timeout=300)
    assert p.returncode == 0, p.stdout.decode() + p.stderr.decode()
