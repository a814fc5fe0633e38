from pathlib import Path

import pytest

from unspin import corpus
from unspin.errors import InputError


def test_articles_keep_bom_and_crlf(tmp_path: Path):
    text = "\ufeffTitle\r\n\r\nThe evil plan failed.\r\n"
    (tmp_path / "article42.txt").write_bytes(text.encode("utf-8"))
    (tmp_path / "notes.md").write_text("ignored")
    arts = corpus.read_articles(tmp_path)
    assert arts == {"42": text}
    start = text.index("evil")
    assert arts["42"][start : start + 4] == "evil"  # offsets count the BOM and each \r


def test_labels_si_tc_crlf_bom_trailing_whitespace(tmp_path: Path):
    f = tmp_path / "x.labels"
    f.write_bytes("\ufeff42\tDoubt\t3\t9  \r\n42\tLoaded_Language\t10\t14\r\n\r\n".encode())
    labels = corpus.read_labels(f)
    assert labels == [corpus.Label("42", 3, 9, "Doubt"), corpus.Label("42", 10, 14, "Loaded_Language")]
    g = tmp_path / "y.labels"
    g.write_text("42 3 9\n")
    assert corpus.read_labels(g) == [corpus.Label("42", 3, 9)]


def test_labels_folder_and_round_trip(tmp_path: Path):
    labels = [corpus.Label("1", 0, 4, "Doubt"), corpus.Label("2", 5, 9, "Slogans"), corpus.Label("1", 7, 9, "Repetition")]
    corpus.write_labels_per_article(labels, tmp_path / "per", "tc")
    assert sorted(p.name for p in (tmp_path / "per").iterdir()) == ["article1.task-flc-tc.labels", "article2.task-flc-tc.labels"]
    assert sorted(corpus.read_labels(tmp_path / "per"), key=lambda l: (l.article_id, l.start)) == sorted(labels, key=lambda l: (l.article_id, l.start))
    corpus.write_labels(labels, tmp_path / "all.labels")
    assert (tmp_path / "all.labels").read_text().splitlines()[0] == "1\tDoubt\t0\t4"


@pytest.mark.parametrize("line", ["42\t3", "42\tx\ty", "42\t9\t3"])
def test_bad_label_lines_name_file_and_line(tmp_path: Path, line: str):
    f = tmp_path / "bad.labels"
    f.write_text("42\t0\t1\n" + line + "\n")
    with pytest.raises(InputError, match="bad.labels:2"):
        corpus.read_labels(f)


def test_missing_inputs(tmp_path: Path):
    with pytest.raises(InputError):
        corpus.read_articles(tmp_path / "nope")
    with pytest.raises(InputError):
        corpus.read_articles(tmp_path)  # exists but holds no articles
    with pytest.raises(InputError):
        corpus.read_labels(tmp_path / "nope.labels")


def test_validation_split_is_stable_and_disjoint():
    ids = [str(111111111 + i) for i in range(400)]
    train, val = corpus.validation_split(ids)
    assert set(train).isdisjoint(val) and len(train) + len(val) == 400
    assert 0.10 < len(val) / 400 < 0.20
    assert corpus.validation_split(reversed(ids)) == (train, val)


# ---------------------------------------------------------------------------- ru_zen_prop
from tests.conftest import SHARED, need  # noqa: E402


def _zen_folder(tmp_path: Path, meta_line: str | None = None) -> Path:
    d = tmp_path / "zen"
    (d / "train-articles").mkdir(parents=True)
    text = "Заголовок\n\nВласти снова лгут. Все это знают!\n"
    (d / "train-articles" / "article7.txt").write_text(text, encoding="utf-8")
    s = text.index("Власти")
    # the first span starts on the space before "Власти" and ends on a line break: trimmed
    (d / "train-task2-TC.labels").write_text(
        f"7\tCasting_Doubt\t{s - 1}\t{s + 18}\n7\tLoaded_language\t{s}\t{s + 6}\n7\tSlogan\t9\t11\n", encoding="utf-8")
    (d / "train-task2-TC.labels_meta").write_text(
        meta_line or f"7\tAttack on Reputation\t{s - 1}\t{s + 18}\n7\tManipulation\t{s}\t{s + 6}\n7\tCall\t9\t11\n", encoding="utf-8")
    return d


def test_read_ru_zen_prop_trims_whitespace_and_reads_meta_classes(tmp_path: Path):
    d = _zen_folder(tmp_path)
    articles, labels, meta = corpus.read_ru_zen_prop(d)
    text = articles["7"]
    assert [text[l.start : l.end] for l in labels] == ["Власти снова лгут.", "Власти"]  # "\n\n" span dropped
    assert all(text[l.start : l.end] == text[l.start : l.end].strip() for l in labels)
    assert labels[0].technique == "Casting_Doubt"
    assert meta == {"Casting_Doubt": "Attack on Reputation", "Loaded_language": "Manipulation", "Slogan": "Call"}


def test_read_ru_zen_prop_refuses_mismatched_meta_file(tmp_path: Path):
    d = _zen_folder(tmp_path, meta_line="7\tCall\t0\t3\n")
    with pytest.raises(InputError, match="lines"):
        corpus.read_ru_zen_prop(d)


def test_ru_validation_split_is_stable_and_by_article():
    ids = [str(i) for i in range(100, 200)]
    train, val = corpus.ru_validation_split(ids)
    assert set(train) | set(val) == set(ids) and not set(train) & set(val)
    assert 10 <= len(val) <= 30
    assert corpus.ru_validation_split(reversed(ids)) == (train, val)


def test_real_ru_zen_prop_has_the_documented_shape():
    folder = SHARED / "ru_zen_prop"
    if not folder.is_dir():
        pytest.skip("the ZenPropaganda corpus is not in ../shared/data")
    articles, labels, meta = corpus.read_ru_zen_prop(folder)
    assert len(articles) == 100 and len(labels) == 1582
    assert len(meta) == 36 and len(set(meta.values())) == 6
    assert len(corpus.ru_validation_split(articles)[1]) == 21


def test_the_shipped_models_training_articles_are_known_by_their_text(tmp_path: Path) -> None:
    """`unspin eval` warns when it scores articles the shipped English models trained on: PTC
    train outside the validation split (their config.json ``validation.split``), known by the
    hash of their text (unspin/data/ptc_training_texts.tsv), whatever the file is called."""
    from unspin.corpus import TRAINING_TEXTS, shipped_training_articles, text_hash, validation_split

    listed = (Path(corpus.__file__).parent / "data" / TRAINING_TEXTS).read_text(encoding="utf-8").splitlines()
    assert len(listed) == 319 and all(len(line.split("\t")[1]) == 64 for line in listed)
    assert shipped_training_articles({"1": "A text no model has seen."}) == []
    ptc = SHARED / "ptc" / "train-articles"
    need(ptc.is_dir(), f"the PTC corpus is not at {ptc}")
    articles = corpus.read_articles(ptc)
    train, held = validation_split(articles)
    assert sorted(line.split("\t")[0] for line in listed) == sorted(train)
    assert all(text_hash(articles[i]) == h for i, h in (line.split("\t") for line in listed))
    picked = {"renamed": articles[train[0]], held[0]: articles[held[0]], "other": "The council met on Monday."}
    assert shipped_training_articles(picked) == ["renamed"]
