"""Russian text end to end with the shipped Russian model: routing, output shape, CLI formats."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path


import unspin
from unspin import taxonomy
from unspin.pipeline import RU_ENGLISH_ONLY, RU_EXPERIMENTAL

RU_TEXT = (
    "Чиновники снова врут нам в глаза. Эти так называемые эксперты из министерства уверяют, что "
    "всё под контролем, но каждый здравомыслящий человек понимает: нас держат за дураков. "
    "Если мы сейчас не остановим это безумие, завтра будет поздно!\n\n"
    "Известный профессор, чьё имя знает вся страна, прямо заявил, что вакцина опаснее самой болезни. "
    "А на Западе, между прочим, давно отказались от таких прививок. Вы должны защитить своих детей."
)


def test_russian_text_is_routed_to_the_russian_model():
    doc = unspin.analyze(RU_TEXT)
    assert doc.language == "ru"
    d = doc.to_dict()
    assert d["language"] == "ru" and d["spans"], "a text this loaded gets no Russian span at all"
    names = {t.name for t in taxonomy.RU_TECHNIQUES}
    for s in d["spans"]:
        assert s["technique"] in names  # the dataset's own names
        assert RU_TEXT[s["start"] : s["end"]] == s["text"] and s["text"] == s["text"].strip()
        assert s["meta_class"] in taxonomy.RU_META_CLASSES
        assert re.search("[а-яё]", s["explanation"])  # Russian help for Russian text
        assert s["ptc_technique"] == taxonomy.RU_ZEN_PROP[s["technique"]]
    # English-only parts are not run on Russian, and the output says so
    assert d["claims"] is None and d["genre"] is None  # keys kept, null: not looked for
    assert RU_ENGLISH_ONLY in d["warnings"] and RU_EXPERIMENTAL in d["warnings"]  # said plainly, first, in both languages
    assert d["warnings"].index(RU_EXPERIMENTAL) < d["warnings"].index(RU_ENGLISH_ONLY)
    assert d["summary"]["claims"] is None and d["summary"]["spans"] == len({(s["start"], s["end"]) for s in d["spans"]})


def test_fast_on_russian_text_is_said_not_silently_ignored():
    from unspin.pipeline import ONE_SIZE

    note = ONE_SIZE.format(language="Russian")
    assert note in unspin.analyze(RU_TEXT, fast=True).warnings
    assert [note in d.warnings for d in unspin.analyze_many([RU_TEXT, RU_TEXT], fast=True)] == [True, True]
    assert note not in unspin.analyze(RU_TEXT).warnings
    en = unspin.analyze("The corrupt elites are lying to you again, and every sensible person knows it.", fast=True)
    assert not any("fast size" in w for w in en.warnings)


def test_forcing_languages():
    assert unspin.analyze(RU_TEXT, language="ru").language == "ru"
    en = unspin.analyze("The corrupt elites are lying to you again, and every sensible person knows it.")
    assert en.language == "en" and all(s.label in taxonomy.NAMES for s in en.spans)
    assert all("meta_class" not in s for s in en.to_dict()["spans"])


def test_short_cyrillic_text_is_read_as_russian_with_a_warning_and_other_cyrillic_languages_get_ru_advice():
    from unspin.errors import UnsupportedLanguageError
    from unspin.language import decide, identify

    headline = "Госдума приняла закон о бюджете"  # py3langid: ru 0.37, too little to be sure
    assert decide(identify(headline)) == "und"
    doc = unspin.analyze(headline)
    assert doc.language == "ru"
    assert "the text is too short to tell its language; it was analysed as Russian" in doc.warnings
    try:
        unspin.analyze("Це українська мова, дуже коротко, але зрозуміло для всіх читачів тут")
    except UnsupportedLanguageError as exc:
        assert "Ukrainian" in str(exc) and exc.force == "ru"  # the advice names the Cyrillic model
    else:
        raise AssertionError("a confidently Ukrainian text was analysed")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unspin.cli", *args], capture_output=True, timeout=300)


def test_predict_and_eval_with_language_ru(tmp_path: Path):
    arts = tmp_path / "articles"
    arts.mkdir()
    (arts / "article1.txt").write_text(RU_TEXT, encoding="utf-8")
    s = RU_TEXT.index("Эти так")
    e = RU_TEXT.index("дураков.") + len("дураков.")
    gold = tmp_path / "gold.labels"
    gold.write_text(f"1\tLabelling\t{s - 1}\t{e}\n", encoding="utf-8")  # the stray space is trimmed
    out = tmp_path / "si.txt"
    p = _cli("predict", "--articles", str(arts), "--language", "ru", "--output", str(out))
    assert p.returncode == 0, p.stderr.decode()
    for line in out.read_text().splitlines():
        art, a, b = line.split("\t")
        assert art == "1" and 0 <= int(a) < int(b) <= len(RU_TEXT)
    out = tmp_path / "tc.txt"
    p = _cli("predict", "--articles", str(arts), "--language", "ru", "--task", "tc", "--spans", str(gold), "--output", str(out))
    assert p.returncode == 0, p.stderr.decode()
    art, technique, a, b = out.read_text().strip().split("\t")
    assert technique in {t.name for t in taxonomy.RU_TECHNIQUES} and (int(a), int(b)) == (s - 1, e)
    p = _cli("eval", "--articles", str(arts), "--labels", str(gold), "--language", "ru", "--format", "json")
    assert p.returncode == 0, p.stderr.decode()
    d = json.loads(p.stdout)
    assert "span_f1_iou50" in d and 0 <= d["span_f1_iou50"]["f1"] <= 1
    p = _cli("eval", "--articles", str(arts), "--labels", str(gold), "--language", "ru", "--task", "tc", "--format", "json")
    assert p.returncode == 0, p.stderr.decode()
    assert 0 <= json.loads(p.stdout)["meta_class_macro_f1"] <= 1
    for task in ("si", "tc"):  # the text view too
        p = _cli("eval", "--articles", str(arts), "--labels", str(gold), "--language", "ru", "--task", task)
        assert p.returncode == 0 and ("IoU" in p.stdout.decode() or "meta-class" in p.stdout.decode()), p.stderr.decode()
    p = _cli("predict", "--articles", str(arts), "--language", "de", "--output", str(out))
    assert p.returncode == 2 and len(p.stderr.decode().strip().splitlines()) == 1


def test_terminal_view_shows_russian_names_and_help():
    p = subprocess.run([sys.executable, "-m", "unspin.cli", "analyze", "-"], input=RU_TEXT.encode(), capture_output=True, timeout=300)
    assert p.returncode == 0, p.stderr.decode()
    out = p.stdout.decode()
    assert any(t.display in out for t in taxonomy.RU_TECHNIQUES)


def test_russian_views_carry_russian_explanations_and_the_json_round_trips():
    from unspin.render.html import payload

    doc = unspin.analyze(RU_TEXT)
    names = {t["name"]: t for t in payload(doc)["techniques"]}
    assert {s.label for s in doc.spans} <= set(names)  # the page finds every span's technique
    assert all(re.search("[а-яё]", names[s.label]["explanation"]) for s in doc.spans)
    assert unspin.Document.from_dict(json.loads(json.dumps(doc.to_dict()))) == doc


def test_the_api_lists_the_russian_techniques():
    from fastapi.testclient import TestClient

    from unspin.web.app import create_app

    with TestClient(create_app()) as client:
        ru = client.get("/api/v1/techniques", params={"language": "ru"}).json()
        en = client.get("/api/v1/techniques").json()
        both = client.get("/api/v1/techniques", params={"language": "all"}).json()
    assert len(ru) == len(taxonomy.RU_TECHNIQUES) and len(en) == 14 and len(both) == len(ru) + 14
    assert all(re.search("[а-яё]", t["explanation"]) for t in ru)


def test_evidence_on_russian_text_is_skipped_with_a_warning(tmp_path):
    ref = tmp_path / "ref.txt"
    ref.write_text("Министерство опубликовало данные о вакцинации.", encoding="utf-8")
    doc = unspin.analyze(RU_TEXT, evidence=[ref])
    assert doc.language == "ru" and doc.spans
    assert any("reference texts were not searched" in w for w in doc.warnings)


def test_russian_cue_words_leave_out_the_punctuation_beside_them():
    # The Russian tokenizer splits on spaces only, so "ложь!" and "хаоса." came out as cue words
    # with their "!" and "." (the terminal showed “хаоса.”): a cue is the word, as in English.
    text = ("Хватит терпеть ложь!\n\nТак называемые реформаторы снова обманули народ. Эти предатели продались "
            "западным спонсорам и готовы разрушить страну ради своих хозяев. Каждый честный гражданин знает "
            "правду: только сильная власть спасёт нас от хаоса. Если мы сейчас не объединимся, завтра нашу "
            "родину растерзают враги. Эксперты давно предупреждали об этом, но кто их слушал? Пора сказать прямо: довольно!")
    cues = [c for s in unspin.analyze(text).spans for c in s.cues]
    assert cues, "no cue words at all: the test reads nothing"
    for a, b in cues:
        assert text[a].isalnum() and text[b - 1].isalnum(), text[a:b]


def test_the_experimental_note_comes_first_among_the_warnings():
    """The README promises it first; a warning of the road (Latin script in a Russian post) came
    before it."""
    from unspin.document import Document
    from unspin.pipeline import Notes

    doc = Document("Власти лгут.", language="ru")
    doc.warnings.append("a road warning")
    Notes(["Experimental: ...", "English-only: ..."]).set_annotations([doc], [("Experimental: ...", "English-only: ...")])
    assert doc.warnings == ["Experimental: ...", "English-only: ...", "a road warning"]
    Notes(["Experimental: ..."]).set_annotations([doc], [("Experimental: ...",)])
    assert doc.warnings.count("Experimental: ...") == 1
