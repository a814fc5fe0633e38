"""Formats people have (issue 26): e-mail, subtitles, Markdown, legacy encodings, JSON data and
Telegram exports, each read into its message text or refused naming the format, the same way
through every door: ``unspin.inputs.read`` (and ``read_one`` for uploads), ``unspin.analyze``,
the REST API, ``unspin analyze`` and ``unspin batch``.

Fixtures are written here; the handed field cases (../shared/field-cases/, round 2: 17, 21, 29)
are read too where they exist.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import need
from test_road import ENGLISH, DigitClaims, Lexicon, _batch, field, have_models, unspin_cli
from unspin.errors import InputError
from unspin.formats import charset, jsondata, mail, markdown, subtitles, telegram
from unspin.inputs import SUFFIXES, Format, check_one_text, format_of, read, read_one, read_path
from unspin.pipeline import Pipeline

RUSSIAN = ("Министерство заявило, что цены на хлеб вырастут на двенадцать процентов уже в марте. "
           "Оппозиция назвала это решение позорным грабежом простых семей и обвинила чиновников во лжи.")
BODY = ("The mayor\u2019s office admitted on Monday that the water plant contract went to a firm owned by his brother-in-law. "
        "These corrupt traitors think you will not notice, and 300 families will pay for it.")


@pytest.fixture
def pipe() -> Pipeline:
    return Pipeline([Lexicon(), DigitClaims()], language="en")


# ------------------------------------------------------------------ one table for every door
def test_one_suffix_table_decides_the_format_and_refuses_files_of_many_texts() -> None:
    assert format_of("news.EML") is Format.email and format_of("talk.srt") is Format.subtitles
    assert format_of("talk.vtt") is Format.subtitles and format_of("notes.md") is Format.markdown
    assert format_of("page.htm") is Format.html and format_of("story.txt") is Format.auto
    assert format_of("x", "message/rfc822") is Format.email and format_of("x.txt", "text/html; charset=utf-8") is Format.html
    assert all(isinstance(kind, Format) for kind in SUFFIXES.values())
    for name, what in (("rows.csv", "holds many texts"), ("rows.tsv", "holds many texts"), ("feed.JSONL", "holds many texts"),
                       ("export.json", "Telegram export"),
                       ("box.mbox", "mailbox of many messages"), ("mail.msg", "Outlook")):
        with pytest.raises(InputError, match=what):
            check_one_text(name)
        with pytest.raises(InputError, match=what):  # what an upload door calls
            read_one(b"id,text\nr1,hello\n", name)
    assert read_one(ENGLISH.encode(), "story.txt").text == ENGLISH


# ------------------------------------------------------------------ legacy encodings
@pytest.mark.parametrize("encoding, name", [("cp1251", "Windows-1251"), ("koi8-r", "KOI8-R"), ("cp866", "CP866")])
def test_cyrillic_legacy_encodings_are_read_and_named(encoding: str, name: str) -> None:
    for text in (RUSSIAN, "Госдума приняла закон"):  # a paragraph and a headline
        src = read(text.encode(encoding), "ru.txt")
        assert src.text == text
        assert len(src.warnings) == 1 and name in src.warnings[0] and "not UTF-8" in src.warnings[0]


def test_mac_cyrillic_is_read_and_named_not_taken_for_windows_1251() -> None:
    # Before: Mac bytes read as Windows-1251 ("Њинистерство ... инфлЯциЯ"), a confident mojibake.
    for text in (RUSSIAN, "Юля и Яна: «Эй, Ёжик!»", "Инфляция в марте снизилась до 7,2 процента, сообщил Росстат."):
        src = read(text.encode("mac_cyrillic"), "ru.txt")
        assert src.text == text and "MacCyrillic" in src.warnings[0]
    # A reading with fewer oddities is chosen only where the first has some: Windows-1251 and
    # KOI8-R text with capitals, я and ё stays as it was.
    for encoding in ("cp1251", "koi8-r"):
        text = "Я знаю: Ёлка и ЯБЛОКО. " + RUSSIAN
        assert read(text.encode(encoding), "ru.txt").text == text
    assert charset.oddities(RUSSIAN) == 0 and charset.oddities("инфлЯциЯ Њинистерство") == 3


def test_windows_1252_is_still_windows_1252_and_garbage_is_refused() -> None:
    for text in ("Caf\xe9 cr\xe8me costs \u20ac3 \u2013 they say.", "Die B\xfcrger m\xfcssen f\xfcr die Stra\xdfe zahlen.",
                 "He said \u201cno\u201d \u2013 twice."):  # the last: bytes that mean the same in Windows-1251
        src = read(text.encode("cp1252"), "w.txt")
        assert src.text == text and "Windows-1252" in src.warnings[0]
    with pytest.raises(InputError, match="not UTF-8 .*not Windows-1252, Windows-1251, KOI8-R, CP866 .*or MacCyrillic"):
        read(b"caf\xe9 \x81\x8d cr\xe8me", "odd.txt")
    assert charset.guess_legacy("abc \u0403\u040c".encode("cp1251")) is None  # two rare Macedonian letters: no reading


def test_field_case_17_cp1251_text_through_the_road_and_the_pipeline() -> None:
    data = field("17-cp1251-russian.txt").read_bytes()
    src = read(data, "17.txt")
    assert src.text.startswith("Министерство заявило") and "Windows-1251" in src.warnings[0]
    ru = Pipeline([Lexicon()], language="ru")
    doc = ru(src)
    assert doc.language == "ru" and "Windows-1251" in doc.warnings[0]



# ------------------------------------------------------------------ UTF-16 without a byte-order mark
@pytest.mark.parametrize("codec, name", [("utf-16-le", "UTF-16LE"), ("utf-16-be", "UTF-16BE")])
@pytest.mark.parametrize("text", [BODY.replace(". ", ".\r\n"), RUSSIAN, "Госдума приняла закон", "Vote now"])
def test_utf16_without_a_byte_order_mark_is_read_and_named(tmp_path: Path, codec: str, name: str, text: str) -> None:
    """What Windows tools write as "Unicode" without a BOM (SQL Server's bcp -w, .NET without its
    preamble, the second part of a split file): a NUL beside every ASCII character. English and
    Russian prose, a headline and two words, in both byte orders, read with the usual note."""
    data = text.encode(codec)
    src = read(data, "export.txt")
    assert src.text == text and src.format == "text"
    assert len(src.warnings) == 1 and name in src.warnings[0] and "without a byte-order mark" in src.warnings[0]
    assert "not UTF-8" in src.warnings[0]
    (tmp_path / "export.txt").write_bytes(data)
    assert read_path(tmp_path / "export.txt").text == text
    assert charset.guess_utf16(data).codec == codec.replace("-", "_")


def test_utf16_without_a_byte_order_mark_through_the_pipeline(pipe: Pipeline) -> None:
    """Read as UTF-16, the text is English to language identification and the spans index it."""
    doc = pipe(read(BODY.encode("utf-16-le"), "export.txt"))
    assert doc.language == "en" and doc.text == BODY and any("UTF-16LE" in w for w in doc.warnings)
    assert [doc.text[s.start:s.end] for s in doc.spans] == ["corrupt", "traitors"]


_RANDOM = __import__("random").Random(26)
_PCM = b"".join(v.to_bytes(2, "little", signed=True) for v in (_RANDOM.randint(-200, 200) for _ in range(3000)))


@pytest.mark.parametrize("data, what", [
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\x00\x00" + "text".encode("utf-16-le"), "a PDF file"),
    (b"PK\x03\x04\x14\x00\x08\x00\x08\x00" + "word/document.xml".encode("utf-16-le"), "a zip archive"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "a PNG image"),
    (_RANDOM.randbytes(4096), "looks like a binary file"),
    (_PCM, "looks like a binary file"),  # 16-bit samples near silence: NUL or 0xFF high bytes
    (bytes(range(256)) * 8, "looks like a binary file"),
    ("\x07\x08\x01\x02 control codes".encode("utf-16-le"), "looks like a binary file"),
    ("".join(chr(_RANDOM.randrange(33, 127)) for _ in range(500)).encode("utf-16-le"), "looks like a binary file"),  # no words
    (("odd " * 20).encode("utf-16-le")[:-1], "looks like a binary file"),  # half a character: not UTF-16
    (b"\x07\x00\x01 some payload", "looks like a binary file"),
])
def test_binary_bytes_are_still_refused_in_one_line(tmp_path: Path, data: bytes, what: str) -> None:
    """NULs where UTF-16 text has them are not enough: the reading must be words. Documents and
    images keep their own message; the rest the binary one."""
    assert charset.guess_utf16(data) is None or what.startswith("a ")
    with pytest.raises(InputError, match=f"^blob.txt: (this is )?{what}") as caught:
        read(data, "blob.txt")
    assert "\n" not in str(caught.value)


# ------------------------------------------------------------------ e-mail
def _eml(plain: str | None, html: str | None, subject: str = "=?UTF-8?Q?Read_this_before_Sunday=E2=80=99s_vote?=",
         extra: str = "") -> bytes:
    import quopri

    parts = []
    for kind, body in (("plain", plain), ("html", html)):
        if body is not None:
            qp = quopri.encodestring(body.encode("utf-8")).decode("ascii")
            parts.append(f"--b1\r\nContent-Type: text/{kind}; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{qp}\r\n")
    head = (f"From: \"Desk\" <desk@example.org>\r\nTo: tips@example.net\r\nSubject: {subject}\r\nDate: Tue, 01 Dec 2026 09:12:44 +0000\r\n"
            f"Message-ID: <1@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n{extra}\r\n")
    return (head + "".join(parts) + "--b1--\r\n").encode("ascii")


def test_an_email_is_its_body_read_once_subject_as_title() -> None:
    data = _eml(BODY + "\n\nVote on Sunday.", f"<p>{BODY}</p><p>Vote on Sunday.</p>")
    src = read(data, "news.eml")
    assert src.format == "email" and src.text == BODY + "\n\nVote on Sunday."  # once, decoded, soft breaks joined
    assert src.meta == {"title": "Read this before Sunday\u2019s vote", "published": "2026-12-01"}
    assert "Date:" not in src.text and "=E2" not in src.text and "Subject" not in src.text
    assert read(data, "pasted").format == "email"  # recognised by its headers too
    stub = read(_eml("View this e-mail in your browser.", f"<html><body><p>{BODY}</p></body></html>"), "n.eml")
    assert stub.text == BODY and stub.warnings == ()  # a stub text part: the HTML alternative is read
    html_only = read(_eml(None, f"<html><body><p>{BODY}</p></body></html>"), "n.eml")
    assert html_only.text == BODY


def test_an_email_without_text_or_with_many_messages_is_refused_by_name() -> None:
    attachment = (b"From: a@b.org\r\nTo: c@d.org\r\nSubject: scan\r\nMIME-Version: 1.0\r\nContent-Type: application/pdf\r\n"
                  b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n")
    with pytest.raises(InputError, match="e-mail has no text body .*application/pdf"):
        read(attachment, "scan.eml")
    box = b"From a@b Mon Jan 1 00:00:00 2026\n" + _eml(BODY, None) + b"\nFrom c@d Mon Jan 1 00:00:00 2026\n" + _eml(BODY, None)
    with pytest.raises(InputError, match="mbox mailbox of 2 messages"):
        read(box, "box.eml")


def test_field_case_29_newsletter_through_the_pipeline_and_the_api(pipe: Pipeline) -> None:
    data = field("29-newsletter-quoted-printable.eml").read_bytes()
    doc = pipe(read(data, "29.eml"))
    assert doc.text.startswith("Friends,") and "Date:" not in doc.text and "=E2" not in doc.text
    assert doc.meta["title"] == "Read this before Sunday\u2019s vote" and doc.meta["published"] == "2026-12-01"
    assert len([s for s in doc.spans if doc.text_of(s).lower() == "corrupt"]) == 0  # the newsletter says "crooks", once
    assert doc.text.count("water plant contract") == 1  # the HTML alternative is not read too
    from fastapi.testclient import TestClient

    from unspin.web.app import Settings, create_app

    with TestClient(create_app(Settings(), analyze=lambda text, **kw: pipe(text, **kw))) as client:
        r = client.post("/api/v1/analyze", files={"file": ("29.eml", data, "message/rfc822")})
        assert r.status_code == 200 and r.json()["text"] == doc.text


# ------------------------------------------------------------------ subtitles
SRT = ("1\r\n00:00:01,000 --> 00:00:04,000\r\n<i>These corrupt traitors</i> have sold\r\n\r\n"
       "2\r\n00:00:04,500 --> 00:00:07,000\r\nout every family in 2 towns.\r\n\r\n"
       "3\r\n00:00:07,000 --> 00:00:09,000\r\n[APPLAUSE]\r\n\r\n"
       "4\r\n00:00:09,000 --> 00:00:12,000\r\n{\\an8}- We will not forget.\r\n- Never!\r\n")
VTT = ("WEBVTT\n\nNOTE written by hand\n\nSTYLE\n::cue { color: lime }\n\n"
       "intro\n00:01.000 --> 00:04.000 align:start position:10%\n<v Anna>These corrupt traitors have sold\n\n"
       "00:04.000 --> 00:07.000\n<v Anna>out every family in 2 towns.\n\n"
       "00:07.000 --> 00:09.000\n<v Ben><c.yellow>We</c> will <00:00:08.000>not forget &amp; never will.\n")


def test_subtitles_are_their_words_with_sentences_across_cues(pipe: Pipeline) -> None:
    srt = read(SRT.encode(), "talk.srt")
    assert srt.format == "subtitles" and srt.text == "These corrupt traitors have sold out every family in 2 towns. We will not forget. Never!"
    vtt = read(VTT.encode(), "talk.vtt")
    assert vtt.text == "These corrupt traitors have sold out every family in 2 towns.\n\nWe will not forget & never will."
    assert read(SRT.encode(), "pasted").format == read(VTT, "x").format == "subtitles"  # by content too
    doc = pipe(srt)
    assert [doc.text_of(s) for s in doc.spans] == ["corrupt", "traitors"]
    # The sentence runs across cues: one claim, not two halves, and no timecode in it.
    assert [c["text"] for c in doc.to_dict()["claims"]] == ["These corrupt traitors have sold out every family in 2 towns."]
    rolled = "WEBVTT\n\n00:00.000 --> 00:02.000\nthey have sold\n\n00:02.000 --> 00:04.000\nthey have sold\nout every town\n"
    assert read(rolled, "auto.vtt").text == "they have sold out every town"  # roll-up captions: each line once
    with pytest.raises(InputError, match="subtitles hold no text"):
        read("1\n00:00:01,000 --> 00:00:02,000\n[music]\n", "empty.srt")


# ------------------------------------------------------------------ Markdown
PIXEL = "data:image/png;base64," + "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk" * 40
MARKDOWN = (f"---\ntitle: The budget\ndate: 2026-01-05\n---\n# The *corrupt* council\n\nThey lied [again](https://example.org/a) "
            f"and ![chart]({PIXEL}) again, about 300 jobs.\nSee <https://example.org> for **more**.\n\n- one item\n- two items\n\n"
            "```\nrm -rf traitors\n```\n")


@pytest.mark.parametrize("block", [
    'title = "The budget"\ndate = 2026-01-05\ntags = ["budget"]',  # a TOML date
    'title = "The budget"\ndate = 2026-01-05T08:30:00+01:00\n[params]\nauthor = "Ann"',  # a datetime, a table
    "title = 'The budget'\ndate = \"2026-01-05\"",  # a date as a string
    'title = "The budget"\ndate = 2026-01-05\nbroken = [',  # not valid TOML: its title and date lines
], ids=["date", "datetime", "string", "invalid"])
def test_toml_front_matter_is_read_as_yaml_front_matter_is(block: str) -> None:
    yaml = read(MARKDOWN.encode(), "notes.md")
    toml = MARKDOWN.replace("---\ntitle: The budget\ndate: 2026-01-05\n---\n", f"+++\n{block}\n+++\n")
    src = read(toml.encode(), "notes.md")
    assert (src.text, src.meta) == (yaml.text, {"title": "The budget", "published": "2026-01-05"})
    assert markdown.front_matter(toml) == src.meta  # what `unspin batch` stores
    assert "+++" not in src.text and "title" not in src.text


def test_a_plus_line_that_opens_no_front_matter_is_text() -> None:
    text = "+++ Breaking +++\n\nThe council lied again about 300 jobs."
    assert read(text.encode(), "notes.md").text.startswith("+++ Breaking +++")


def test_markdown_is_its_prose_without_links_images_or_code(pipe: Pipeline) -> None:
    src = read(MARKDOWN.encode(), "notes.md")
    assert src.text == "The corrupt council\n\nThey lied again and again, about 300 jobs. See for more.\n\none item\ntwo items"
    assert src.meta == {"title": "The budget", "published": "2026-01-05"} and "code block" in src.warnings[0]
    assert "data:" not in src.text and "https" not in src.text and "rm -rf" not in src.text
    sniffed = read(MARKDOWN.split("---\n", 2)[2], "pasted")
    assert sniffed.text == src.text and "read as Markdown" in sniffed.warnings[0]
    plain = "Prices rose by 5% in #London, and the **mayor** said so."  # no link: prose with a stray mark stays prose
    assert read(plain).text == plain and read(plain).format == "text"
    assert read(MARKDOWN, "notes.md", fmt="text").text == MARKDOWN  # asked for as text: kept as it is
    doc = pipe(src)
    assert [doc.text_of(s) for s in doc.spans] == ["corrupt"] and doc.to_dict()["text"] == src.text


# ------------------------------------------------------------------ JSON data and Telegram
def test_json_data_is_refused_as_an_article_naming_telegram() -> None:
    export = json.dumps({"name": "Chan", "type": "public_channel", "id": 5, "messages": [
        {"id": 1, "type": "message", "date": "2026-01-01T10:00:00", "text": ["Hello ", {"type": "bold", "text": "all"}]}]})
    with pytest.raises(InputError, match="Telegram export"):
        read(export, "text")
    with pytest.raises(InputError, match="JSON data, not an article"):
        read('[{"id": 1, "text": "x"}]')
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(InputError, match="JSON data"):
        read(deep)
    assert read("[Updated] The council met again.").text == "[Updated] The council met again."  # not JSON: prose


@pytest.mark.parametrize("table", [
    "\ufeffid,text,source\r\nr1,\"The council approved the budget.\",ledger\r\nr2,\"They are traitors.\",ledger\r\n",  # "CSV UTF-8"
    "ID\tText\tSource\r\n1\tThe council lied again.\tx\r\n",  # Excel's "Unicode Text": tab-separated
    "sep=;\nid;text\n1;Они снова лгут.\n",  # Excel on a Russian system
])
def test_a_table_of_many_texts_given_as_one_text_points_to_batch(table: str) -> None:
    # Read as one text, the header and every row became one "article" (field case 15 as a .txt).
    with pytest.raises(InputError, match=r"this is a table \(columns id, text.*unspin batch"):
        read(table, "sheet.txt")
    with pytest.raises(InputError, match="this is a table"):
        read(table.encode("utf-16"), "sheet.txt")
    assert read(table, "sheet.txt", fmt="text").text == table  # asked for as text: read as it is


@pytest.mark.parametrize("prose", [
    "id, text and source are the columns we need.\nThen the rest follows.\n",
    "The id,text pair is all we keep.\nNothing more.\n",
    "id,text\n",  # a header alone holds no text
])
def test_prose_that_mentions_columns_is_no_table(prose: str) -> None:
    assert read(prose).text == prose


def test_telegram_text_parts_dates_and_service_messages() -> None:
    messages = [
        {"id": 1, "type": "message", "date": "2026-11-28T09:40:11", "from": "Harbour", "from_id": "channel77",
         "text": [{"type": "bold", "text": "BREAKING:"}, " the board are ", {"type": "link", "text": "https://x.org"}, " ",
                  {"type": "hashtag", "text": "#Port"}]},
        {"id": 2, "type": "service", "date": "2026-11-28T10:00:00", "action": "pin_message", "text": ""},
        {"id": 3, "type": "message", "date_unixtime": "1764324000", "date": "", "text": "", "text_entities": [{"type": "plain", "text": "Plain"}]},
        {"id": 4, "type": "message", "date": "2026-11-28T11:00:00", "photo": "photos/1.jpg", "text": ""},
    ]
    assert telegram.is_messages(messages) and telegram.is_export({"messages": messages}) and not telegram.is_messages([{"id": 1, "text": "x"}])
    rows, skipped = telegram.posts({"name": "Harbour", "id": 77, "messages": messages})
    rows = list(rows)
    assert [r["id"] for _, r in rows] == ["77/1", "77/3"]
    assert rows[0][1]["text"] == "BREAKING: the board are https://x.org #Port" and rows[0][1]["published"] == "2026-11-28T09:40:11"
    assert rows[1][1]["text"] == "Plain" and rows[1][1]["published"].startswith("2025-11-28")
    assert skipped == {"service message": 1, "post without text": 1}
    listed, _ = telegram.posts(messages)
    assert [str(r["id"]) for _, r in listed] == ["77/1", "3"]  # a channel's id comes from its posts' from_id


def test_a_telegram_account_export_reads_every_chat(tmp_path: Path) -> None:
    # "Export Telegram data" (the whole account) nests one chat export per chat under chats.list.
    def chat(name: str, chat_id: int, texts: list[str]) -> dict:
        return {"name": name, "type": "public_channel", "id": chat_id,
                "messages": [{"id": i, "type": "message", "date": "2026-11-28T09:00:00", "text": t} for i, t in enumerate(texts, 1)]}

    account = {"about": "...", "personal_information": {"first_name": "A"},
               "chats": {"about": "...", "list": [chat("Harbour", 7, ["One.", ""]), {"name": "no messages"}]},
               "left_chats": {"list": [chat("Old", 9, ["Two."])]}}
    assert telegram.is_export(account) and not telegram.is_export({"chats": {"list": []}})
    rows, skipped = telegram.posts(account)
    assert [(r["id"], r["text"], r["source"]) for _, r in rows] == [("7/1", "One.", "Harbour"), ("9/1", "Two.", "Old")]
    assert skipped == {"post without text": 1}
    from unspin.store import ingest

    path = tmp_path / "result.json"
    path.write_text(json.dumps(account), encoding="utf-8")
    assert ingest.count([path]) == 2


def test_field_case_21_telegram_exports_through_batch_and_analyze(tmp_path: Path, pipe: Pipeline) -> None:
    from unspin.store import ingest

    for name in ("21-telegram-messages.json", "21-telegram-export-result.json"):
        path = field(name)
        assert ingest.count([path]) == 2 and "1 service message" in ingest.notes([path])[0]
        (tmp_path / name).mkdir()
        docs = _batch(tmp_path / name, pipe, [path])["docs"]
        assert {k: (d.status, d.published.isoformat(), d.source) for k, d in docs.items()} == {
            "1733209981/101": ("ok", "2026-11-28", "Harbour Watch"), "1733209981/102": ("ok", "2026-11-28", "Harbour Watch")}
        assert docs["1733209981/102"].text.startswith("BREAKING: the so-called harbour board are spineless traitors")
        with pytest.raises(InputError, match="Telegram export"):
            read(path.read_bytes(), "upload")


# ------------------------------------------------------------------ jsondata
def test_json_values_pretty_printed_one_per_line_and_cut_off() -> None:
    stream = [json.dumps({"id": "a"}) + "\n", "{\n", '  "id": "b",\n', '  "text": "x {not a bracket}"\n', "}\n", "\n",
              '{"id": "cut", "text": "half\n', json.dumps({"id": "c"}) + "\n", "[\n", '  {"id": "d"}\n', "]\n", "{oops}\n"]
    got = list(jsondata.values(stream))
    assert [(n, v if not isinstance(v, InputError) else "error") for n, v in got] == [
        (1, {"id": "a"}), (2, {"id": "b", "text": "x {not a bracket}"}), (7, "error"), (8, {"id": "c"}), (9, [{"id": "d"}]), (12, "error")]
    items = list(jsondata.array_items("[" + json.dumps({"id": 1}) + "," + "[" * 5000 + "]" * 5000 + ',{"id": 2}]'))
    assert items[0] == {"id": 1} and isinstance(items[1], InputError) and items[2] == {"id": 2}


def test_formats_modules_refuse_what_is_not_theirs() -> None:
    assert not mail.looks_like_email("From: the desk\nTo: all staff\n\nMemo text")  # a memo, not mail
    assert mail.looks_like_email("Received: from x\nFrom: a@b\nSubject: s\nDate: Mon, 1 Jan 2026 00:00:00 +0000\n\nbody")
    assert not subtitles.looks_like_subtitles("1. The council met.\n2. It voted.")
    assert not markdown.looks_like_markdown("Use [brackets] for notes, (parentheses) for asides.")


# ------------------------------------------------------------------ the CLI with the shipped models
def test_formats_through_unspin_analyze(tmp_path: Path) -> None:
    need(have_models(), "the shipped English models are not installed")
    (tmp_path / "news.eml").write_bytes(_eml(BODY, f"<p>{BODY}</p>"))
    (tmp_path / "talk.srt").write_text(SRT, encoding="utf-8")
    (tmp_path / "notes.md").write_text(MARKDOWN, encoding="utf-8")
    (tmp_path / "ru.txt").write_bytes(RUSSIAN.encode("koi8-r"))
    for name, start in (("news.eml", "The mayor"), ("talk.srt", "These corrupt"), ("notes.md", "The corrupt council"), ("ru.txt", "Министерство")):
        out = unspin_cli("analyze", str(tmp_path / name), "-f", "json")
        assert out.returncode == 0, (name, out.stderr)
        data = json.loads(out.stdout)
        assert data["text"].startswith(start), name
        assert all(data["text"][s["start"]:s["end"]] == s["text"] for s in data["spans"])  # offsets index the JSON's text
    assert json.loads(unspin_cli("analyze", str(tmp_path / "news.eml"), "-f", "json").stdout)["meta"]["title"] == "Read this before Sunday\u2019s vote"
    out = unspin_cli("analyze", str(field("21-telegram-messages.json")))
    assert out.returncode == 2 and "unspin batch" in out.stderr and "Telegram" in out.stderr
