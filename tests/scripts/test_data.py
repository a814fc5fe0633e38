import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from _data import best_threshold, f1_positive, genre_split, GenreDoc, heldout, read_checkworthy  # noqa: E402


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
