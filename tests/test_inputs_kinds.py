"""Kinds of input tried by an independent check of 0.4.5 (trial10): encodings, office files,
feeds and archives that the road (``unspin.inputs.read``) read wrongly or refused unclearly.
Fixtures are written here, never read from the research corpora."""

from __future__ import annotations

import pytest

from unspin.errors import InputError
from unspin.inputs import read

TEXT = ("The minister said on Monday that unemployment fell to 4.2 percent in March. "
        "Critics called the so-called reformers a gang of liars.\n")


@pytest.mark.parametrize("codec", ["utf-32", "utf-32-le", "utf-32-be"])
def test_utf32_with_a_byte_order_mark_is_read(codec: str) -> None:
    # Before: FF FE 00 00 was taken for UTF-16's mark and the text refused as "NUL bytes".
    data = TEXT.encode(codec)
    if codec != "utf-32":
        data = ("\ufeff" + TEXT).encode(codec)
    assert read(data, "story.txt").text == TEXT


def test_broken_utf32_is_refused_in_one_line_naming_it() -> None:
    with pytest.raises(InputError, match="UTF-32"):
        read(TEXT.encode("utf-32")[:-1], "story.txt")


def _zip(members: dict[str, str]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    return buffer.getvalue()


@pytest.mark.parametrize(("members", "said"), [
    ({"[Content_Types].xml": "<x/>", "xl/workbook.xml": "<x/>"}, r"an Excel workbook \(\.xlsx\).*CSV.*unspin batch"),
    ({"[Content_Types].xml": "<x/>", "word/document.xml": "<x/>"}, r"a Word document \(\.docx\).*plain text"),
    ({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}, r"OpenDocument spreadsheet.*CSV"),
    ({"mimetype": "application/epub+zip"}, "an EPUB e-book"),
    ({"story.txt": TEXT}, r"a zip archive.*unpack it"),
])
def test_a_zip_file_is_refused_naming_what_it_holds(members: dict[str, str], said: str) -> None:
    # Before: every zip was "a zip archive (a Word .docx, OpenDocument or EPUB file is one)" and
    # an Excel workbook was told to be saved as .txt, which glues its rows into one "article".
    with pytest.raises(InputError, match=said) as caught:
        read(_zip(members), "upload.bin")
    assert "\n" not in str(caught.value)


def test_a_frameset_page_is_refused_naming_its_frames() -> None:
    # Before: the <noframes> notice, "&lt;body&gt;Your browser does not support frames.", was analysed.
    page = ('<html><head><title>Gazette</title></head><frameset cols="20%,80%"><frame src="menu.html">'
            "<frame src='story.html'><noframes><body>Your browser does not support frames.</body></noframes></frameset></html>")
    with pytest.raises(InputError, match=r"frameset.*\(menu\.html, story\.html\)"):
        read(page, "index.html")
    # A frameset whose <noframes> carries the article is read.
    story = " ".join([TEXT.strip()] * 5)
    full = page.replace("Your browser does not support frames.", f"<p>{story}</p>")
    assert "unemployment fell" in read(full, "index.html").text
