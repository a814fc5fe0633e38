"""An e-mail message (.eml, RFC 5322 with MIME) -> the text of its body, read once.

Read with Python's ``email`` package (``policy.default``), which decodes quoted-printable and
base64 bodies, each part's charset and encoded headers (``=?UTF-8?Q?...?=``). A newsletter
usually carries its text twice, as ``multipart/alternative``: a plain-text part and an HTML
part. Analysing the raw message would read the headers as prose and every sentence twice; here
one alternative is chosen:

* the plain-text part, unless it is much shorter than the HTML part's article text (a
  "view this e-mail in your browser" stub), then the HTML part, extracted as a page is
  (``unspin.html.extract``);
* a plain-text body written as ``format=flowed`` (RFC 3676) has its soft line breaks joined;
  line ends are written ``\\n``; a signature after the standard ``-- `` line is left out (said);
* a forwarded message (``message/rfc822``, as mail programs forward "as attachment") is read
  after the message's own text, said; other attachments are not read (said);
* a part whose bytes its declared charset does not read, or that declares none (8-bit mail
  from old programs), is read as UTF-8, else in the likeliest legacy encoding, said.

The subject becomes the ``title`` and the ``Date`` header the ``published`` date (ISO) of the
result's ``meta``. Offsets index the body text returned here. A message without a text body is
refused naming what it holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from unspin.errors import InputError

# Header names that mail programs write; a header block with several of them is an e-mail.
_KNOWN = frozenset(
    "from to cc bcc subject date mime-version content-type content-transfer-encoding received return-path message-id "
    "delivered-to reply-to sender x-mailer dkim-signature list-unsubscribe thread-topic in-reply-to references".split()
)
# Headers only mail has (a memo may start "To:" and "Subject:", not with these).
_MAIL_ONLY = frozenset("received return-path message-id mime-version delivered-to dkim-signature from".split())
_HEADER = re.compile(r"([A-Za-z][A-Za-z0-9-]{0,76}):[ \t]")
#: The plain-text part is read unless its letters are fewer than this share of the HTML part's.
PLAIN_SHARE = 0.5
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Message:
    """The body ``text`` of an e-mail, ``meta`` (``title``: the subject, ``published``: the
    date, ISO) and ``warnings``."""

    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def looks_like_email(data: bytes | str) -> bool:
    """Whether ``data`` opens with an e-mail's header block: at least three header lines of
    names mail programs write, one of them one that only mail has (From, Received, Message-ID,
    MIME-Version...), before the first blank line. An mbox "From " line may come first."""
    head = data[:8192].decode("latin-1") if isinstance(data, bytes) else data[:8192]
    lines = head.lstrip("\ufeff").splitlines()
    if lines and lines[0].startswith("From "):
        lines = lines[1:]
    names = []
    for line in lines[:80]:
        if not line.strip():
            break
        if line[:1] in (" ", "\t"):
            continue  # a folded header's continuation
        m = _HEADER.match(line)
        if m is None:
            return False
        names.append(m.group(1).lower())
    known = {n for n in names if n in _KNOWN}
    return len(known) >= 3 and bool(known & _MAIL_ONLY)


def _mbox_body(data: bytes, name: str) -> bytes:
    """A message saved with its mbox "From " line: that line dropped; a mailbox of several
    messages refused."""
    if not data.startswith(b"From "):
        return data
    n = data.count(b"\nFrom ") + 1
    if n > 1:
        raise InputError(f"{name}: this is an mbox mailbox of {n} messages; save the one message as .eml and analyse that")
    return data.split(b"\n", 1)[1] if b"\n" in data else b""


def _content(part, name: str, warnings: list[str]) -> str:
    """A text part's content, decoded by its declared charset. Where that fails or is missing
    (8-bit bytes sent without a charset, which Python decodes as ASCII with replacement
    characters: a Russian body came out as "������ ���"), the bytes are read as UTF-8, else in
    the likeliest legacy encoding (``unspin.formats.charset``), with a warning; bytes none of
    them reads are read as UTF-8 with U+FFFD, said too."""
    try:
        text = part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError):
        text = None
    if text is not None and "\ufffd" not in text:
        return text
    payload = part.get_payload(decode=True) or b""
    if text is not None and (not isinstance(payload, bytes) or b"\xef\xbf\xbd" in payload):
        return text  # the replacement characters are in the message itself
    declared = part.get_content_charset()
    said = f"declares the charset {declared!r}, which does not read it" if declared else "declares no charset"
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from unspin.formats.charset import guess_legacy

    guess = guess_legacy(payload)
    if guess is not None:
        warnings.append(f"a part of the e-mail {said}; it was read as {guess.name} ({guess.script}), the likeliest "
                        "encoding: check that the letters read as words")
        return guess.text
    warnings.append(f"a part of the e-mail {said}; it was read as UTF-8, with \ufffd for what is not")
    return payload.decode("utf-8", "replace")


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: a line ending in a space continues on the next (the space is
    dropped with DelSp=yes); space-stuffed lines lose their first space."""
    out: list[str] = []
    for line in text.split("\n"):
        if line.startswith(" "):
            line = line[1:]
        if out and out[-1].endswith(" ") and out[-1] != "-- ":
            out[-1] = (out[-1][:-1] if delsp else out[-1]) + line
        else:
            out.append(line)
    return "\n".join(out)


def _without_signature(text: str) -> tuple[str, bool]:
    """The text without a signature block after the standard "-- " line, when that line sits in
    the last part of the message (a signature, not a quoted one above the reply)."""
    at = text.rfind("\n-- \n")
    if at < 0 or at < len(text) * 0.5:
        return text, False
    return text[:at].rstrip(), True


# An inline forward's header block, as mail programs write it above the forwarded text: a
# marker line ("---------- Forwarded message ---------", "-------- Original Message --------",
# "Begin forwarded message:") and the From / Date / Subject / To / Cc lines under it. Bounded
# runs, anchored at line starts: linear.
_FORWARD_HEAD = re.compile(
    r"^[ \t>]*(?:-{2,}[ \t]*(?:Forwarded message|Original Message|Пересылаемое сообщение|Исходное сообщение)[ \t]*-{2,}"
    r"|Begin forwarded message:)[ \t]*\n"
    r"(?:[ \t>]*(?:From|Date|Sent|Subject|To|Cc|Reply-To|От|Дата|Отправлено|Тема|Кому|Копия)[ \t]*:[^\n]*\n){1,8}",
    re.IGNORECASE | re.MULTILINE,
)


def _without_forward_headers(text: str) -> tuple[str, int]:
    """``text`` without the header blocks of inline forwards (``_FORWARD_HEAD``; the forwarded
    text itself is kept), and how many were left out. Kept, "From: Jane <jane@...>" and "Date:
    Tue, 4 Mar 2025" were read as the article's first sentences, the date as a claim."""
    return _FORWARD_HEAD.subn("", text)


def read(data: bytes, name: str = "input") -> Message:
    """An e-mail's bytes -> ``Message`` (see the module docstring). Raises ``InputError`` for a
    message without a text body or an mbox of several messages."""
    import email
    from email import policy

    msg = email.message_from_bytes(_mbox_body(data, name), policy=policy.default)
    warnings: list[str] = []
    meta = _meta(msg)
    forwarded = [part for part in msg.iter_attachments() if part.get_content_type() == "message/rfc822"]
    try:
        text = _body(msg, name, warnings)
    except InputError:
        if not forwarded:
            raise
        text = ""  # a message that is only its forwarded message
    attachments = [part.get_filename() or part.get_content_type() for part in msg.iter_attachments()
                   if part.get_content_type() != "message/rfc822"]
    for part in forwarded:
        # A forwarded message travels as an attachment of its own (message/rfc822); it is the
        # text the sender wanted read, so it is read after the cover note, not left out.
        inner = part.get_content()  # an email.message.EmailMessage
        inner_warnings: list[str] = []
        try:
            inner_text = _body(inner, name, inner_warnings)
        except InputError:
            attachments.append(_header(inner, "subject") or "a forwarded message")
            continue
        subject = " ".join((_header(inner, "subject") or "").split())
        text = (text + "\n\n" if text else "") + inner_text
        warnings += inner_warnings
        warnings.append(f"the forwarded message{f' ({subject!r})' if subject else ''} was read after the e-mail's own text")
    if not text:
        return _body(msg, name, warnings)  # raises: no text anywhere
    if attachments:
        n = len(attachments)
        shown = ", ".join(attachments[:3]) + (", ..." if n > 3 else "")
        warnings.append(f"{n} attachment{'s' if n != 1 else ''} of the e-mail ({shown}) {'were' if n != 1 else 'was'} not read; "
                        "to analyse one, save it and analyse it on its own")
    return Message(text, meta, tuple(warnings))


def _body(msg, name: str, warnings: list[str]) -> str:
    """The text of one message's own body (``read``: the plain or the HTML alternative, without
    its signature); adds to ``warnings``. Raises ``InputError`` when it has no text body."""
    plain_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    plain = html = None
    html_warnings: list[str] = []
    if plain_part is not None:
        plain = _content(plain_part, name, warnings).replace("\r\n", "\n").replace("\r", "\n")
        if str(plain_part.get_param("format", "")).lower() == "flowed":
            plain = _unflow(plain, str(plain_part.get_param("delsp", "")).lower() == "yes")
        plain = plain.strip()
    if html_part is not None:
        from unspin.html import extract

        try:
            page = extract(_content(html_part, name, warnings), name)
            # A message is as short as its writer made it: "very little text" is for web pages.
            html, html_warnings = page.text, [w for w in page.warnings if not w.startswith("very little text")]
        except InputError:
            html = None
    letters = lambda s: len(_LETTER.findall(s or ""))  # noqa: E731
    if plain and (not html or letters(plain) >= PLAIN_SHARE * letters(html)):
        text = plain
    elif html:
        text = html
        warnings.extend(html_warnings)
    else:
        kinds = sorted({part.get_content_type() for part in msg.walk() if not part.is_multipart()})
        raise InputError(f"{name}: the e-mail has no text body (its parts: {', '.join(kinds) or 'none'}); "
                         "save the text you want analysed as .txt")
    text, signed = _without_signature(text)
    if signed:
        warnings.append("the e-mail's signature (below its \"-- \" line) was left out")
    text, forwards = _without_forward_headers(text)
    if forwards:
        warnings.append(f"the header lines (From, Date, Subject...) of {forwards} forwarded message{'s' if forwards != 1 else ''} "
                        "in the text were left out; the forwarded text was read")
    return text


def _header(msg, key: str) -> str | None:
    try:
        value = msg[key]
    except Exception:  # a malformed header the parser cannot represent: as good as absent
        return None
    return str(value) if value is not None else None


def _date(msg) -> str | None:
    try:
        value = msg["date"]
        when = getattr(value, "datetime", None)
    except Exception:
        return None
    return when.date().isoformat() if when is not None else None


def headers(data: bytes) -> dict[str, Any]:
    """The ``title`` and ``published`` date of an e-mail's headers alone (for ``unspin batch``,
    which stores them with the document), without reading the body."""
    from email import policy
    from email.parser import BytesHeaderParser

    try:
        msg = BytesHeaderParser(policy=policy.default).parsebytes(_mbox_body(data, "input"))
    except InputError:
        return {}
    return _meta(msg)


def _meta(msg) -> dict[str, Any]:
    """``title`` (the subject, whitespace collapsed) and ``published`` (the date, ISO)."""
    meta: dict[str, Any] = {}
    subject = _header(msg, "subject")
    if subject and subject.strip():
        meta["title"] = " ".join(subject.split())
    date = _date(msg)
    if date:
        meta["published"] = date
    return meta
