"""Subtitles and captions (SubRip .srt, WebVTT .vtt) -> the words that are spoken.

A subtitle file is a list of cues: in SRT a cue number, a timing line
(``00:00:01,000 --> 00:00:04,000``) and one or two lines of text; in WebVTT a ``WEBVTT``
header, optional cue identifiers, timing lines (``00:01.000 --> 00:04.000 align:start``) and
NOTE, STYLE and REGION blocks; in YouTube's SubViewer (.sbv) a timing line
``0:00:01.000,0:00:04.000`` and the text. A transcript copied from a video page has a time
("0:03", "[00:01:02]") alone on a line, or at the start of one, before the words spoken from
then (``looks_like_transcript``): its times are left out and its lines joined, with a warning. Cue numbers, identifiers, timecodes and settings are not text;
a sentence often runs on across two or three cues, so cues are joined with spaces into running
text, which the sentence splitter then cuts where the punctuation says.

Read as text only:

* formatting tags (``<i>``, ``<b>``, ``<font color=...>``, WebVTT's ``<c.class>``, ``<ruby>``
  and inline timestamps ``<00:00:01.500>``) and SSA override codes (``{\\an8}``) are removed,
  character references (``&amp;``) decoded;
* a WebVTT voice (``<v Anna>``) or a broadcast caption's ``>>`` starts a new paragraph when the
  speaker changes; the name itself is not text;
* lines that only describe a sound (``[applause]``, ``(MUSIC)``) or carry music notes
  (``♪ ... ♪``) are left out, and so is a leading dialogue dash;
* a line that repeats the line before it (roll-up captions, YouTube's automatic captions,
  repeat each line in the next cue) is read once.

Offsets index the running text returned here (the JSON's ``"text"``).

Why not a library: ``srt`` reads SubRip only and ``webvtt-py`` WebVTT only; both formats are the
same list of cues, read here in one pass of line-anchored patterns (linear in the input).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from unspin.errors import InputError

_TIME = r"(?:\d{1,3}:)?\d{1,2}:\d{2}[.,]\d{1,3}"
# Anchored (used with match on one line): scanned, a run of blanks costs one pass. SRT and
# WebVTT write "start --> end", YouTube's SubViewer (.sbv) "start,end".
_TIMING = re.compile(rf"\A[ \t]*+{_TIME}[ \t]*+(?:-->|,)[ \t]*+{_TIME}")
# A transcript copied from a video page (YouTube's "Show transcript", podcast tools): a time
# ("0:03", "1:02:11", "[00:01:02]", "(12:30)") alone on its line before the words spoken from
# then, or at the start of the line of words.
_STAMP = re.compile(r"\A[ \t]*+[\[(]?(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?[\])]?(?=[ \t]|\Z)[ \t]*+")
#: The fewest time-stamped lines, and their least share of the non-blank lines, that make a text
#: a timed transcript.
STAMPS_MIN = 3
STAMPS_SHARE = 0.3
_VTT_HEAD = re.compile(r"\ufeff?WEBVTT(?:[ \t\r\n]|\Z)")
# Tags and SSA override blocks; bounded by the next bracket, so an unclosed one costs one pass.
_TAG = re.compile(r"<[^<>\n]*>|\{\\[^{}\n]*\}")
_VOICE = re.compile(r"<v(?:\.[^ \t>]*)?[ \t]+([^>\n]*)>")
_SOUND = re.compile(r"[\[(][^\[\]()]*[\])]")
_MUSIC = "♪♫♬"
_DASH = re.compile(r"^[-‐–—][ \t]*")


@dataclass(frozen=True)
class Subtitles:
    """The running ``text`` of the cues, the number of ``cues`` read, and ``warnings``."""

    text: str
    cues: int
    warnings: tuple[str, ...] = ()


def looks_like_subtitles(data: bytes | str) -> bool:
    """Whether ``data`` opens as WebVTT (``WEBVTT``), SubRip (a cue number, or none, then a
    timing line), SubViewer (a timing line) or as a timed transcript (``looks_like_transcript``)."""
    head = data[:2048].decode("utf-8", "replace") if isinstance(data, bytes) else data[:2048]
    head = head.lstrip("\ufeff")
    if _VTT_HEAD.match(head):
        return True
    lines = [line for line in head.splitlines()[:6] if line.strip()]
    if lines and lines[0].strip().isdigit():
        lines = lines[1:]
    return (bool(lines) and _TIMING.match(lines[0]) is not None) or looks_like_transcript(head)


def looks_like_transcript(text: str) -> bool:
    """Whether ``text`` opens as a transcript with times: its first non-blank line starts with a
    time, and at least ``STAMPS_MIN`` lines and ``STAMPS_SHARE`` of the non-blank lines of its
    first 2 KiB do."""
    lines = [line for line in text[:2048].splitlines() if line.strip()]
    if len(lines) > 1 and len(text) > 2048:
        lines = lines[:-1]  # the last line may be cut
    if not lines or _STAMP.match(lines[0]) is None:
        return False
    stamped = sum(1 for line in lines if _STAMP.match(line))
    return stamped >= STAMPS_MIN and stamped >= STAMPS_SHARE * len(lines)


def _transcript(lines: list[str]) -> Subtitles:
    """A timed transcript's lines -> its words as running text, the times left out; a speaker
    line of its own stays a paragraph break (a blank line in the transcript)."""
    paragraphs: list[list[str]] = [[]]
    stamps = 0
    for raw in lines:
        if not raw.strip():
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        m = _STAMP.match(raw)
        if m:
            stamps += 1
            raw = raw[m.end():]
        line, _, _ = _clean(raw)
        if line:
            paragraphs[-1].append(line)
    return Subtitles("\n\n".join(" ".join(p) for p in paragraphs if p), stamps,
                     ("the text was read as a transcript with times: the times were left out and its lines joined into running "
                      "text; read it as plain text (input format \"text\") to keep them",))


def _clean(line: str) -> tuple[str, str | None, bool]:
    """A cue line -> (its text, the speaker it names or None, whether it marks a new speaker)."""
    voice = _VOICE.search(line)
    speaker = voice.group(1).strip() if voice else None
    turn = speaker is not None
    text = html.unescape(_TAG.sub("", line)).strip()
    if text.startswith(">>"):
        text, turn = text.lstrip(">").strip(), True
    text = _DASH.sub("", text)
    if _SOUND.fullmatch(text) or (text[:1] in _MUSIC and text[-1:] in _MUSIC):
        return "", speaker, turn
    return " ".join(text.split()), speaker, turn


def read(text: str, name: str = "input") -> Subtitles:
    """SRT or WebVTT text -> ``Subtitles``; raises ``InputError`` when no cue holds text."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    vtt = bool(lines) and _VTT_HEAD.match(lines[0].lstrip("\ufeff")) is not None
    if not vtt and looks_like_transcript(text.lstrip("\ufeff")) and not any(_TIMING.match(line) for line in lines):
        out = _transcript([lines[0].lstrip("\ufeff"), *lines[1:]])
        if not out.text.strip():
            raise InputError(f"{name}: the transcript holds no text (only times)")
        return out
    paragraphs: list[list[str]] = [[]]
    speaker: str | None = None
    cues = 0
    last = ""
    block: list[str] = []

    def flush(block: list[str]) -> None:
        nonlocal speaker, cues, last
        timing = next((i for i, line in enumerate(block) if _TIMING.match(line)), None)
        if timing is None:
            if vtt or not cues:
                return  # WebVTT's header, NOTE, STYLE and REGION blocks; text before any cue
            payload = block  # SubRip cue text with a blank line inside it
        else:
            payload = block[timing + 1:]
            cues += 1
        for raw in payload:
            line, who, turn = _clean(raw)
            if turn and (who is None or who != speaker) and paragraphs[-1]:
                paragraphs.append([])
            if who is not None:
                speaker = who
            if line and line != last:
                paragraphs[-1].append(line)
                last = line

    for line in lines:
        if line.strip():
            block.append(line)
        elif block:
            flush(block)
            block = []
    if block:
        flush(block)
    out = "\n\n".join(" ".join(p) for p in paragraphs if p)
    if not out.strip():
        raise InputError(f"{name}: the subtitles hold no text (only cue numbers, timecodes or sound descriptions)")
    return Subtitles(out, cues)
