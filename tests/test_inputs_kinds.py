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
