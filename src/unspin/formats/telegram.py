"""Telegram Desktop's JSON export of a chat or channel ("Export chat history", format JSON).

The export (``result.json``) is an object with the chat's ``name``, ``type`` and ``id`` and a
list of ``messages``; people also keep just that list. Each message has an ``id``, a ``type``
("message", or "service" for pins, joins, calls and other events that are no post), a ``date``
(ISO, local time) and ``date_unixtime``, and a ``text`` that is a string for plain posts and a
list of strings and entity objects (``{"type": "bold", "text": "..."}``, links, hashtags,
mentions) for posts with any formatting; newer exports add ``text_entities``, the same parts
all as objects. A post's text is its parts joined, as the reader sees it.

Telegram Desktop's "Export Telegram data" (the whole account, format JSON) writes one
``result.json`` whose ``chats`` (and ``left_chats``) hold a ``list`` of such chat exports;
``posts`` reads the posts of every chat in it.

``posts`` gives the rows ``unspin batch`` stores (id, text, published, source) and counts what
it skipped: service messages, and posts without text (a photo or a sticker alone).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

#: Message types that are events in the chat, not posts.
SERVICE = "service"


def is_chat_export(value: Any) -> bool:
    """Whether ``value`` (parsed JSON) is the export of one chat: an object with a ``messages`` list."""
    return isinstance(value, dict) and isinstance(value.get("messages"), list)


def chats_of(value: Any) -> list[dict[str, Any]]:
    """The chat exports of an account export (``chats.list`` and ``left_chats.list``, in that
    order); ``[]`` for anything else."""
    if not isinstance(value, dict):
        return []
    out = []
    for key in ("chats", "left_chats"):
        group = value.get(key)
        if isinstance(group, dict) and isinstance(group.get("list"), list):
            out.extend(c for c in group["list"] if is_chat_export(c))
    return out


def is_export(value: Any) -> bool:
    """Whether ``value`` (parsed JSON) is a whole export: of one chat (an object with a
    ``messages`` list) or of an account (``chats_of`` finds at least one chat in it)."""
    return is_chat_export(value) or bool(chats_of(value))


def is_message(value: Any) -> bool:
    """Whether ``value`` is one exported message: an object with an ``id``, a ``type`` of
    "message" or "service", a ``date`` and a ``text`` or ``text_entities``."""
    return (isinstance(value, dict) and value.get("type") in ("message", SERVICE) and "id" in value and "date" in value
            and ("text" in value or "text_entities" in value))


def is_messages(value: Any) -> bool:
    """Whether ``value`` is a list of exported messages (its first object decides)."""
    if not isinstance(value, list):
        return False
    first = next((v for v in value if isinstance(v, dict)), None)
    return first is not None and is_message(first)


def text_of(parts: Any) -> str | None:
    """The text a reader sees of a message's ``text`` (a string, or a list of strings and
    objects with a ``text``); None for anything else."""
    if isinstance(parts, str):
        return parts
    if isinstance(parts, list):
        out = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                out.append(part["text"])
            else:
                return None
        return "".join(out)
    return None


def message_text(message: dict[str, Any]) -> str | None:
    """A message's text: its ``text``, else its ``text_entities`` joined."""
    text = text_of(message.get("text"))
    if text is None or (not text and message.get("text_entities")):
        text = text_of(message.get("text_entities"))
    return text


def date_of(message: dict[str, Any]) -> str | None:
    """The message's date as an ISO string: ``date`` as written (the exporting machine's local
    time), else ``date_unixtime`` (UTC); None when it has neither."""
    date = message.get("date")
    if isinstance(date, str) and date.strip():
        return date.strip()
    stamp = message.get("date_unixtime")
    try:
        return dt.datetime.fromtimestamp(int(stamp), dt.UTC).isoformat() if stamp not in (None, "") else None
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _chat_id(value: Any) -> str | None:
    """The chat's id: the export's ``id``, or that of a channel named in a post's ``from_id``
    ("channel1733209981"), so that a list of posts and the whole export give the same ids."""
    if isinstance(value, (int, str)) and str(value).strip():
        return str(value).strip()
    return None


def posts(value: Any) -> tuple[Iterator[tuple[int, dict[str, Any] | str]], Counter]:
    """Rows of an export (``is_export``: of a chat or of an account) or a list of messages
    (``is_messages``): an iterator of
    (message number from 1, row) where a row has ``id`` ("<chat id>/<message id>" when the chat
    is known, else the message id), ``text``, ``published`` and ``source`` (the chat's name, or
    the channel that posted), or a string saying why the message cannot be read; and a Counter
    of what was skipped, filled as the iterator runs ("service message": pins, joins, calls and
    other events; "post without text": a photo, a sticker or a file alone)."""
    skipped: Counter = Counter()
    if not is_chat_export(value) and chats_of(value):
        # An account export: the posts of each chat in turn, numbered on across chats.
        parts = [posts(chat) for chat in chats_of(value)]

        def chained() -> Iterator[tuple[int, dict[str, Any] | str]]:
            n = 0
            for rows_of, counted in parts:
                for _, row in rows_of:
                    n += 1
                    yield n, row
                skipped.update(counted)

        return chained(), skipped
    chat_name = chat_id = None
    messages = value
    if is_chat_export(value):
        messages = value["messages"]
        chat_name = value.get("name") if isinstance(value.get("name"), str) else None
        chat_id = _chat_id(value.get("id"))

    def rows() -> Iterator[tuple[int, dict[str, Any] | str]]:
        for n, message in enumerate(messages, 1):
            if not isinstance(message, dict):
                yield n, f"message {n}: not a JSON object"
                continue
            if message.get("type") == SERVICE:
                skipped["service message"] += 1
                continue
            text = message_text(message)
            if text is None:
                yield n, f"message {n}: its text is neither a string nor a list of text parts"
                continue
            if not text.strip():
                skipped["post without text"] += 1
                continue
            from_id = str(message.get("from_id") or "")
            chat = chat_id or (from_id[len("channel"):] if from_id.startswith("channel") else None)
            source = chat_name or (message.get("from") if from_id.startswith("channel") else None)
            msg_id = message.get("id")
            yield n, {
                "id": f"{chat}/{msg_id}" if chat and msg_id is not None else msg_id,
                "text": text,
                "published": date_of(message),
                "source": source if isinstance(source, str) else None,
            }

    return rows(), skipped
