"""import-labels checks every label name: unknown names are refused with task, span and name (or
mapped when asked), and Russian (ZenPropaganda) names go to Russian-format training data only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from store.test_store_cli import unspin
from unspin import corpus
from unspin.errors import InputError
from unspin.store import labelstudio

EN_TEXT = "The plan is a disaster. Can we trust them?"
RU_TEXT = "Можно ли доверять комиссии? Это катастрофа для города."


def task(uid: str, text: str, spans: list[tuple[int, int, str]], language: str | None = None) -> dict:
    data = {"text": text, "unspin_id": uid, **({"language": language} if language else {})}
    result = [{"type": "labels", "value": {"start": s, "end": e, "text": text[s:e], "labels": [name]}} for s, e, name in spans]
    return {"data": data, "annotations": [{"id": 1, "result": result}]}


def write(tmp_path: Path, tasks: list[dict]) -> Path:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return path


def test_an_unknown_name_is_refused_with_its_task_span_and_name(tmp_path: Path) -> None:
    export = write(tmp_path, [task("a", EN_TEXT, [(12, 22, "Loaded_Langage"), (24, 42, "Doubt")]),
                              task("b", EN_TEXT, [(24, 42, "Casting_Dout")])])
    with pytest.raises(InputError) as info:
        labelstudio.import_labels(export, tmp_path / "out")
    message = str(info.value)
    assert "2 span labels are not a technique" in message
    assert "task a span 12-22 'Loaded_Langage' (did you mean Loaded_Language?)" in message
    assert "task b span 24-42 'Casting_Dout' (did you mean Casting_Doubt?)" in message
    assert "nothing was written" in message and not (tmp_path / "out").exists()


def test_a_mapping_renames_labels_and_must_name_techniques(tmp_path: Path) -> None:
    export = write(tmp_path, [task("a", EN_TEXT, [(12, 22, "Loaded_Langage"), (24, 42, "Name_Calling-Labeling")])])
    table = labelstudio.read_mapping(["Loaded_Langage=Loaded_Language"])
    (tmp_path / "map.tsv").write_text("# SemEval-2023 names\nName_Calling-Labeling\tName_Calling,Labeling\n", encoding="utf-8")
    table.update(labelstudio.read_mapping([], tmp_path / "map.tsv"))
    result = labelstudio.import_labels(export, tmp_path / "out", table)
    assert (result.format, result.labels, result.mapped) == ("ptc", 2, {"Loaded_Langage": 1, "Name_Calling-Labeling": 1})
    labels = corpus.read_labels(tmp_path / "out" / "labels-task-flc-tc.labels")
    assert sorted(l.technique for l in labels) == ["Loaded_Language", "Name_Calling,Labeling"]
    with pytest.raises(InputError, match=r"'Loaded_Lang' is not a technique name \(did you mean Loaded_Language\?\)"):
        labelstudio.read_mapping(["x=Loaded_Lang"])
    with pytest.raises(InputError, match="expected OLD=NEW"):
        labelstudio.read_mapping(["Loaded_Language"])


def test_russian_names_go_to_zenpropaganda_format_only(tmp_path: Path) -> None:
    start = RU_TEXT.index("Это")
    export = write(tmp_path, [task("ru-1", RU_TEXT, [(0, 26, "Casting_Doubt"), (start, len(RU_TEXT) - 1, "Loaded_language")]),
                              task("ru-2", RU_TEXT, [], language="ru")])
    result = labelstudio.import_labels(export, tmp_path / "ru")
    assert (result.format, result.articles, result.labels) == ("zenpropaganda", 2, 2)
    assert not (tmp_path / "ru" / "articles").exists()  # no PTC folder holds Russian names
    articles, labels, meta = corpus.read_ru_zen_prop(tmp_path / "ru")
    assert articles["ru-1"] == RU_TEXT and set(articles) == {"ru-1", "ru-2"}
    assert sorted((articles[l.article_id][l.start : l.end], l.technique) for l in labels) == [
        ("Можно ли доверять комиссии", "Casting_Doubt"), ("Это катастрофа для города", "Loaded_language")]
    assert meta == {"Casting_Doubt": "Attack on Reputation", "Loaded_language": "Manipulation"}


def test_an_export_of_two_languages_is_imported_one_language_at_a_time(tmp_path: Path) -> None:
    export = write(tmp_path, [task("en-1", EN_TEXT, [(12, 22, "Loaded_Language")]), task("ru-1", RU_TEXT, [(0, 26, "Casting_Doubt")]),
                              task("en-2", EN_TEXT, [(0, 8, "Repetition")])])
    with pytest.raises(InputError, match=r"English tasks \(PTC names, e.g. task en-1\) and Russian ones .*task ru-1.*Russian-format"):
        labelstudio.import_labels(export, tmp_path / "out")
    en = labelstudio.import_labels(export, tmp_path / "en", language="en")
    ru = labelstudio.import_labels(export, tmp_path / "ru", language="ru")
    assert (en.format, en.articles, en.other_language) == ("ptc", 2, 1)
    assert (ru.format, ru.articles, ru.other_language) == ("zenpropaganda", 1, 2)
    assert set(corpus.read_articles(tmp_path / "en" / "articles")) == {"en-1", "en-2"}


def test_one_text_cannot_mix_the_two_sets(tmp_path: Path) -> None:
    export = write(tmp_path, [task("x", EN_TEXT, [(12, 22, "Loaded_Language"), (24, 42, "Casting_Doubt")])])
    with pytest.raises(InputError, match=r"task x has Loaded_Language \(PTC, English\) and Casting_Doubt \(ZenPropaganda, Russian\)"):
        labelstudio.import_labels(export, tmp_path / "out")


def test_the_cli_refuses_a_typo_in_one_line_and_maps_it_when_asked(tmp_path: Path) -> None:
    export = write(tmp_path, [task("a", EN_TEXT, [(12, 22, "Loaded_Langage")])])
    out = unspin("import-labels", str(export), "-o", str(tmp_path / "out"))
    assert out.returncode == 2 and "Loaded_Langage" in out.stderr and "--map OLD=NEW" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    # Names of one's own are not typos: the refusal also says where they go (train reads the export).
    assert "unspin train spans --label-studio" in out.stderr
    ok = unspin("import-labels", str(export), "-o", str(tmp_path / "out"), "--map", "Loaded_Langage=Loaded_Language")
    assert ok.returncode == 0, ok.stderr
    assert "mapped Loaded_Langage -> Loaded_Language (1)" in ok.stderr and "in PTC format" in ok.stderr
    assert "Loaded_Language" in (tmp_path / "out" / "labels-task-flc-tc.labels").read_text()


def test_the_suggestion_for_an_unknown_name_comes_from_the_task_language_and_ignores_case(tmp_path: Path) -> None:
    # An English task's "Appeal_to_Fear" was offered ZenPropaganda's Appeal_to_Time, and a cut-off
    # name ("Name_Callin") got no suggestion at all.
    export = write(tmp_path, [task("a", EN_TEXT, [(0, 8, "Appeal_to_Fear"), (12, 22, "Name_Callin"), (24, 42, "loaded_language")])])
    with pytest.raises(InputError) as info:
        labelstudio.import_labels(export, tmp_path / "out")
    message = str(info.value)
    assert "'Appeal_to_Fear' (did you mean Appeal_to_fear-prejudice?)" in message
    assert "'Name_Callin' (did you mean Name_Calling,Labeling?)" in message
    assert "'loaded_language' (did you mean Loaded_Language?)" in message
    ru = write(tmp_path, [task("r", RU_TEXT, [(0, 8, "Appeal_to_Fear")])])
    with pytest.raises(InputError, match=r"did you mean Appeal_to_fear/prejudice\?"):
        labelstudio.import_labels(ru, tmp_path / "out")


def test_names_of_ones_own_label_set_may_mix_what_look_like_two_sets(tmp_path: Path) -> None:
    # Greenwashing is spelled like a ZenPropaganda name: in a label set of one's own it says nothing of the language.
    export = write(tmp_path, [task("x", EN_TEXT, [(12, 22, "Loaded_Language"), (24, 42, "Greenwashing")]),
                              task("y", EN_TEXT, [(24, 42, "Greenwashing")])])
    with pytest.raises(InputError) as refused:
        labelstudio.import_labels(export, tmp_path / "refused", language="en", own_names=True)
    assert refused.value.context.get("setting") == "taxonomy_own"  # each door says how to give its taxonomy
    res = labelstudio.import_labels(export, tmp_path / "out", language="en", own_names=True, own_set=True)
    assert (res.articles, res.labels, res.format, res.other_language) == (2, 3, "ptc", 0)
