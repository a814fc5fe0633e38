"""Caption kinds an independent check of 0.4.5 tried (trial10): YouTube's SubViewer (.sbv) and a
transcript copied from a video page, whose timing lines and times were read as words and claims
("0:00:04.500,0:00:08.000\\nin March, ..."). Fixtures are written here."""

from __future__ import annotations

import pytest

from unspin.formats import subtitles
from unspin.inputs import read

SBV = ("0:00:01.000,0:00:04.000\nGood evening. Unemployment fell to 4.2 percent\n\n"
       "0:00:04.500,0:00:08.000\nin March, the lowest level since 2008.\n\n"
       "0:00:08.500,0:00:12.000\nThe opposition called ministers a gang of liars.\n")
SPOKEN = "Good evening. Unemployment fell to 4.2 percent in March, the lowest level since 2008. The opposition called ministers a gang of liars."
COPIED = ("0:00\ngood evening unemployment fell to 4.2\n0:03\npercent in march the lowest level since\n"
          "0:06\n2008 the opposition called ministers a\n1:02:11\ngang of liars\n")
INLINE = "[00:00:01] Good evening.\n[00:00:03] Unemployment fell to 4.2 percent.\n[00:00:06] Critics called it a lie.\n"


@pytest.mark.parametrize("name", ["captions.sbv", "captions.txt", "input"])
def test_sbv_captions_are_their_words(name: str) -> None:
    src = read(SBV, name)
    assert src.text == SPOKEN and src.format == "subtitles"


@pytest.mark.parametrize(("text", "spoken"), [
    (COPIED, "good evening unemployment fell to 4.2 percent in march the lowest level since 2008 the opposition called "
             "ministers a gang of liars"),
    (INLINE, "Good evening. Unemployment fell to 4.2 percent. Critics called it a lie."),
    ("\ufeff" + COPIED.replace("\n", "\r\n"), None),
])
def test_a_copied_transcript_loses_its_times_with_a_warning(text: str, spoken: str | None) -> None:
    src = read(text.encode(), "talk.txt")
    if spoken is not None:
        assert src.text == spoken
    assert "0:03" not in src.text and "1:02:11" not in src.text
    assert any("transcript with times" in w for w in src.warnings)


def test_prose_with_a_time_or_two_is_no_transcript() -> None:
    prose = ("10:30 is when the council met. The mayor spoke at 11:00 and left.\n"
             "Critics called the plan a disaster.\n12:15 saw the vote.\nIt passed.\nNobody cheered.\nThe end came late.\n")
    assert not subtitles.looks_like_transcript(prose)
    assert read(prose, "story.txt").text == prose
