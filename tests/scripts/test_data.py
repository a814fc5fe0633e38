import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from _data import (  # noqa: E402
    DEV_TEST_MIDDLE, GenreDoc, Sentence, best_threshold, dev_test_half, f1_positive, genre_publisher, genre_source_folds,
    genre_split, heldout, read_checkworthy,
)


def test_joined_records_are_split(tmp_path):
    p = tmp_path / "t.tsv"
    p.write_text(
        "Sentence_id\tText\tclass_label\n"
        "1\tWe spent 5 billion dollars.\tYes\n"
        "24098\tWe've got to invest and grow.\tNo29286\tYou can't bring back jobs.\tNo\n"
        '3\t"Quoted ""text"" here."\tNo\r\n',
        encoding="utf-8",
    )
    rows = read_checkworthy(p)
    assert [(r.id, r.label) for r in rows] == [("1", 1), ("24098", 0), ("29286", 0), ("3", 0)]
    assert rows[1].text == "We've got to invest and grow."
    assert rows[3].text == 'Quoted "text" here.'


def test_f1_and_threshold():
    assert f1_positive([1, 1, 0, 0], [1, 0, 1, 0])["f1"] == 0.5
    th, f = best_threshold([1, 1, 0, 0], [0.9, 0.8, 0.3, 0.1])
    assert f == 1.0 and 0.3 < th <= 0.8


def test_dev_test_halves_split_by_id_and_cover_everything_once():
    rows = [Sentence(str(i), f"s{i}", i % 2) for i in (DEV_TEST_MIDDLE - 2, DEV_TEST_MIDDLE - 1, DEV_TEST_MIDDLE, DEV_TEST_MIDDLE + 7)]
    first, second = dev_test_half(rows, "first"), dev_test_half(rows, "second")
    assert [r.id for r in first] == [str(DEV_TEST_MIDDLE - 2), str(DEV_TEST_MIDDLE - 1)]
    assert [r.id for r in second] == [str(DEV_TEST_MIDDLE), str(DEV_TEST_MIDDLE + 7)]
    assert dev_test_half(rows, "all") == rows
    import pytest

    with pytest.raises(ValueError, match="half must be"):
        dev_test_half(rows, "third")


def test_heldout_is_stable_and_about_the_share():
    share = sum(heldout(str(i)) for i in range(5000)) / 5000
    assert 0.08 < share < 0.12
    assert heldout("42") == heldout("42")


def test_genre_split_holds_out_every_cell():
    cells = (("a", "opinion", 10), ("b", "satire", 5), ("a", "reporting", 4), ("b", "reporting", 6))
    docs = [GenreDoc(f"{s}{l}{i}", s, l, "", "x") for s, l, n in cells for i in range(n)]
    train, test = genre_split(docs)
    assert {(d.source, d.label) for d in test} == {(d.source, d.label) for d in docs}
    assert not {d.id for d in train} & {d.id for d in test}
    assert len(train) + len(test) == len(docs)


def _genre_fixture():
    # Two datasets confounded with labels as in genre_en: opinion only in FTD, satire only in
    # Horne, reporting in both; several publishers each.
    docs = []
    for site, n_op, n_rep in (("org", 9, 2), ("co", 6, 7), ("bbc", 0, 5), ("ted", 4, 0), ("un", 5, 1), ("custom-essays", 3, 0)):
        docs += [GenreDoc(f"ftd-__id__{len(docs) + i}-{site}", "sharoff-ftd-en", "opinion", "", "x") for i in range(n_op)]
        docs += [GenreDoc(f"ftd-__id__{len(docs) + i}-{site}", "sharoff-ftd-en", "reporting", "", "x") for i in range(n_rep)]
    docs += [GenreDoc(f"ftd-__id__{len(docs)}-MarxMarxK_ComMan_01_EN.txt", "sharoff-ftd-en", "opinion", "", "x")]
    docs += [GenreDoc(f"ftd-__id__{len(docs)}-MarxMarxK_Feuerbach_EN.txt", "sharoff-ftd-en", "opinion", "", "x")]
    docs += [GenreDoc(f"horne-real-{i}", "horne-adali-2017", "reporting", "", "WASHINGTON - The Senate voted.") for i in range(8)]
    docs += [GenreDoc(f"horne-satire-{i}", "horne-adali-2017", "satire", "", "NEW YORK (The Borowitz Report)\u2014Mr. X.") for i in range(4)]
    docs += [GenreDoc(f"horne-satire-o{i}", "horne-adali-2017", "satire", "", "WASHINGTON\u2014In a move") for i in range(3)]
    docs += [GenreDoc(f"horne-satire-w{i}", "horne-adali-2017", "satire", "", "RICHMOND, VA (SatireWire.com) - A man") for i in range(2)]
    docs += [GenreDoc(f"horne-satire-x{i}", "horne-adali-2017", "satire", "", "OTTAWA - The Liberals") for i in range(2)]
    return docs


def test_genre_publisher_reads_site_collection_and_outlet():
    docs = {d.id: genre_publisher(d) for d in _genre_fixture()}
    assert docs["ftd-__id__0-org"] == "sharoff-ftd-en:org"
    assert "sharoff-ftd-en:Marx" in docs.values() and "sharoff-ftd-en:bbc" in docs.values()
    assert docs["horne-satire-0"] == "horne-adali-2017:borowitz"
    assert docs["horne-satire-o0"] == "horne-adali-2017:onion"
    assert docs["horne-satire-w0"] == "horne-adali-2017:satirewire"
    assert docs["horne-satire-x0"] == "horne-adali-2017:satire-other"
    assert docs["horne-real-0"] == "horne-adali-2017:reporting"


def test_genre_source_folds_keep_publishers_and_reporting_datasets_apart():
    docs = _genre_fixture()
    pub = [genre_publisher(d) for d in docs]
    folds = genre_source_folds(docs, k=3)
    assert len(folds) == 6
    tested = [0] * len(docs)
    for name, train, test in folds:
        assert not set(train) & set(test)
        assert not {pub[i] for i in train} & {pub[i] for i in test}, name
        rep_train = {docs[i].source for i in train if docs[i].label == "reporting"}
        rep_test = {docs[i].source for i in test if docs[i].label == "reporting"}
        assert len(rep_train) == 1 and not rep_train & rep_test, name  # reporting: other dataset only
        for i in test:
            tested[i] += 1
    # Reporting once (in the run of its own dataset), opinion and satire once per run.
    assert all(t == (1 if d.label == "reporting" else 2) for d, t in zip(docs, tested))
    # Deterministic.
    assert folds == genre_source_folds(docs, k=3)


def test_genre_grouped_folds_without_swap_test_each_document_once():
    docs = _genre_fixture()
    pub = [genre_publisher(d) for d in docs]
    folds = genre_source_folds(docs, k=3, swap_reporting=False)
    assert len(folds) == 3
    assert sorted(i for _, _, test in folds for i in test) == list(range(len(docs)))
    for _, train, test in folds:
        assert not {pub[i] for i in train} & {pub[i] for i in test}
        assert sorted(train + test) == list(range(len(docs)))  # nothing else is dropped
