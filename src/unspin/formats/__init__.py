"""Formats people have, read into the text of their message.

Each module turns one format into the plain text that unspin analyses (offsets of the analysis
index that text, which the JSON carries as ``"text"``) and the warnings about it, or refuses it
with an ``InputError`` that names the format:

* ``charset``: bytes in a legacy encoding (Windows-1251 and KOI8-R Cyrillic, Windows-1252),
  recognised with charset-normalizer where UTF-8 fails;
* ``mail``: an e-mail message (.eml, MIME): the body of the text or the HTML alternative, read
  once, the subject as the title and the date as the published date;
* ``subtitles``: SRT and WebVTT: the words of the cues, without cue numbers, timecodes or tags,
  sentences running on across cues;
* ``markdown``: Markdown: its prose, without link targets, images (inline ``data:`` images
  included) or code blocks;
* ``telegram``: Telegram Desktop's JSON export of a chat or channel (for ``unspin batch``): each
  post's text parts joined, its date, service messages skipped;
* ``jsondata``: JSON parsed with a bound on nesting depth, and JSON values split off a stream
  (pretty-printed JSON Lines);
* ``tables``: a table of many texts (columns id and text) handed over as one text, refused.

``unspin.inputs`` decides which format an input is (one table of suffixes and content types,
``inputs.SUFFIXES``) and calls these modules; nothing here imports ``unspin.inputs``.
"""
