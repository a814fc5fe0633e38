"""Files of many texts that no suffix names, tried by an independent check of 0.4.5 (trial10):
news feeds (RSS, Atom) and a Twitter/X archive's tweets.js, which were analysed as one article
(their links, dates, keys and ids read as prose). Fixtures are written here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unspin.errors import InputError
from unspin.formats import feeds, twitter
from unspin.inputs import read
from unspin.store import ingest

ITEM = "Unemployment fell to 4.2 percent in March. Critics called the reformers a gang of liars."
RSS = ('<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet href="s.xsl"?>\n<rss version="2.0"><channel><title>Gazette</title>'
       + "".join(f"<item><title>Story {i}</title><link>https://news.example/{i}</link><description><![CDATA[<p>{ITEM}</p>]]>"
                 "</description></item>" for i in range(3)) + "</channel></rss>")
ATOM = ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Gazette</title>'
        '<entry><title>Story</title><link rel="alternate" href="https://news.example/a"/><content type="html">'
        f"&lt;p&gt;{ITEM}&lt;/p&gt;</content></entry></feed>")
TWEETS = [{"tweet": {"id_str": "100", "full_text": ITEM, "created_at": "Tue Mar 04 09:15:00 +0000 2025"}},
          {"tweet": {"id_str": "101", "full_text": "RT @someone: worst budget in history", "created_at": "bad date"}},
          {"tweet": {"id_str": "102"}}]
ARCHIVE = "window.YTD.tweets.part0 = " + json.dumps(TWEETS, indent=2)


@pytest.mark.parametrize(("data", "name", "said"), [
    (RSS, "feed.xml", r"an RSS feed of 3 items.*first links to https://news\.example/0"),
    (RSS.encode(), "feed.rss", "an RSS feed of 3 items"),
    (RSS, "input", "an RSS feed"),  # pasted into the web page or sent as JSON text
    (ATOM, "atom.txt", r"an Atom feed of 1 entry\b.*https://news\.example/a"),
    (ARCHIVE, "tweets.js", r"Twitter/X archive.*unspin batch tweets\.js"),
    (ARCHIVE.encode(), "input", r"Twitter/X archive.*unspin batch tweets\.js"),
])
def test_many_texts_are_refused_by_content_in_one_line(data: str | bytes, name: str, said: str) -> None:
    with pytest.raises(InputError, match=said) as caught:
        read(data, name)
    assert "\n" not in str(caught.value)


def test_prose_about_feeds_and_other_xml_are_not_refused() -> None:
    assert feeds.feed_kind("The <rss> element starts a feed. " + ITEM) is None
    assert feeds.feed_kind('<?xml version="1.0"?><feed xmlns="urn:other"><x/></feed>') is None
    assert read("window.YTD is how archives start. " + ITEM, "n.txt").text.startswith("window.YTD")
    assert read(RSS, "feed.xml", fmt="text").format == "text"  # asked for: read as asked


def test_a_twitter_archive_is_a_post_per_document_in_batch(tmp_path: Path) -> None:
    path = tmp_path / "tweets.js"
    path.write_text(ARCHIVE, encoding="utf-8")
    docs = list(ingest.read([path]))
    assert [d.id for d in docs[:2]] == ["100", "101"]
    assert docs[0].content == ITEM and str(docs[0].published)[:10] == "2025-03-04"
    assert docs[1].published is None
    assert docs[2].error and "full_text" in docs[2].error  # recorded as failed, not dropped
    assert ingest.count([path]) == 3
    other = tmp_path / "app.js"
    other.write_text("window.x = 1", encoding="utf-8")
    with pytest.raises(InputError, match="unsupported input.*tweets.js"):
        ingest.count([other])
    assert twitter.json_part(ARCHIVE).startswith("[")
