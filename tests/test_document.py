import json

import pytest

from unspin import Document, Span, __version__


def test_spans_are_views_by_offset_and_json_shape():
    text = "Title\r\nThe corrupt elite lied again.\r\n"
    doc = Document(text)
    s = text.index("corrupt elite")
    doc.spans.append(Span(s, s + len("corrupt elite"), "Name_Calling,Labeling", 0.8765))
    doc.spans.append(Span(s, s + len("corrupt"), "Loaded_Language", 0.5))
    d = doc.to_dict()
    assert list(d) == ["unspin", "language", "text_chars", "spans", "techniques", "warnings"]
    assert d["warnings"] == []
    assert d["unspin"] == __version__ and d["text_chars"] == len(text)
    assert [x["text"] for x in d["spans"]] == ["corrupt elite", "corrupt"]  # reading order, longer first
    assert d["spans"][0] == {"start": s, "end": s + 13, "text": "corrupt elite", "technique": "Name_Calling,Labeling", "score": 0.8765}
    assert d["techniques"] == {"Loaded_Language": 1, "Name_Calling,Labeling": 1}
    json.dumps(d)


def test_results_add_keys_without_replacing():
    doc = Document("Some text here.")
    doc.results["genre"] = {"label": "opinion"}
    doc.results["spans"] = "must not overwrite"
    d = doc.to_dict()
    assert d["genre"] == {"label": "opinion"} and d["spans"] == []


@pytest.mark.parametrize("args", [(5, 5, "x", 0.5), (-1, 2, "x", 0.5), (0, 2, "x", 1.5)])
def test_invalid_spans_rejected(args):
    with pytest.raises(ValueError):
        Span(*args)


def test_span_past_end_rejected():
    doc = Document("short")
    with pytest.raises(ValueError):
        doc.spans.append(Span(0, 10, "Doubt", 0.5))


def test_named_groups():
    doc = Document("A claim. Another.")
    doc.group("claims").append(Span(0, 8, "claim", 0.9))
    assert len(doc.group("claims")) == 1 and len(doc.spans) == 0
