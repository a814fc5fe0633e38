"""E-mail kinds an independent check of 0.4.5 tried (trial10): a forwarded message attached as
message/rfc822, an 8-bit body without a charset, attachments named in the warning.
Fixtures are written here."""

from __future__ import annotations

import base64

from unspin.formats import mail
from unspin.inputs import read

STORY = ("The minister said on Monday that unemployment fell to 4.2 percent in March. "
         "Critics called the so-called reformers a gang of liars.")
RUSSIAN = "Министерство заявило, что цены на хлеб вырастут на двенадцать процентов уже в марте."
HEAD = "From: a@example.org\nTo: b@example.org\nDate: Tue, 4 Mar 2025 09:15:00 +0000\nMessage-ID: <1@example.org>\nMIME-Version: 1.0\n"


def _forward(cover: str | None) -> bytes:
    note = f"--B\nContent-Type: text/plain; charset=utf-8\n\n{cover}\n\n" if cover is not None else ""
    return (HEAD + "Subject: Fwd: Budget\nContent-Type: multipart/mixed; boundary=\"B\"\n\n" + note
            + "--B\nContent-Type: message/rfc822\n\n"
            + HEAD + "Subject: Budget row\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
            + base64.encodebytes(STORY.encode()).decode() + "\n--B--\n").encode()


def test_a_forwarded_message_is_read_after_the_cover_note() -> None:
    # Before: only "Look at this." was analysed; the forwarded story was "1 attachment not read".
    src = read(_forward("Look at this."), "fwd.eml")
    assert src.text == "Look at this.\n\n" + STORY
    assert src.meta["title"] == "Fwd: Budget"
    assert any("forwarded message ('Budget row')" in w for w in src.warnings)
    assert not any("attachment" in w for w in src.warnings)


def test_a_message_that_is_only_a_forwarded_message_is_its_text() -> None:
    assert read(_forward(None), "fwd.eml").text == STORY


def test_an_8bit_body_without_a_charset_is_read_in_its_legacy_encoding() -> None:
    # Before: Python read the undeclared bytes as ASCII and the body became "������ ���".
    for declared in ("", "; charset=us-ascii"):
        data = (HEAD + f"Subject: x\nContent-Type: text/plain{declared}\nContent-Transfer-Encoding: 8bit\n\n").encode() \
            + RUSSIAN.encode("cp1251")
        msg = mail.read(data, "ru.eml")
        assert msg.text == RUSSIAN
        assert any("Windows-1251" in w for w in msg.warnings)
    utf8 = (HEAD + "Subject: x\nContent-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\n").encode() + RUSSIAN.encode()
    assert mail.read(utf8, "ru.eml") == mail.Message(RUSSIAN, mail.read(utf8, "ru.eml").meta, ())


def test_attachments_not_read_are_named() -> None:
    data = (HEAD + "Subject: x\nContent-Type: multipart/mixed; boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nSee attached.\n"
            "--B\nContent-Type: text/plain; name=article.txt\nContent-Disposition: attachment; filename=article.txt\n\n"
            + STORY + "\n--B--\n").encode()
    warning = next(w for w in read(data, "a.eml").warnings if "attachment" in w)
    assert "article.txt" in warning and "save it" in warning


def test_an_inline_forward_keeps_its_text_and_loses_its_header_lines():
    from unspin.formats import mail

    body = ("Have a look at this, Bob.\n\n"
            "---------- Forwarded message ---------\n"
            "From: Jane Roe <jane@example.org>\n"
            "Date: Tue, 4 Mar 2025 at 09:12\n"
            "Subject: Budget row deepens\n"
            "To: Bob <bob@example.org>\n\n"
            "The council will vote on the budget next week. Critics call it a gang of liars.\n")
    raw = ("From: Al <al@example.org>\nTo: Bob <bob@example.org>\nSubject: Fwd: Budget row deepens\n"
           "Content-Type: text/plain; charset=utf-8\n\n" + body).encode()
    msg = mail.read(raw, "fwd.eml")
    assert "Have a look at this, Bob." in msg.text and "The council will vote on the budget next week." in msg.text
    assert "jane@example.org" not in msg.text and "Tue, 4 Mar 2025" not in msg.text and "Forwarded message" not in msg.text
    assert any("forwarded message" in w and "left out" in w for w in msg.warnings)
    # "From:" in the middle of prose, with no forward marker above it, is text.
    raw2 = raw.replace(b"---------- Forwarded message ---------\n", b"")
    assert "From: Jane Roe" in mail.read(raw2, "x.eml").text
