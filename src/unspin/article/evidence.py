"""Evidence: passages from documents the user trusts, attached to each check-worthy claim.

``unspin.analyze(text, evidence="law.txt")`` (or a list of paths and texts; every door has
its way to give them) reads .txt, .md and .html files (folders are searched recursively),
cuts them into passages with offsets, and for each claim returns the passages most worth
reading next to it. unspin shows where to look; it never says whether the claim is true. The
web API takes reference texts in the request (read like the article, never as paths).

Retrieval is two-stage. BM25 (``bm25s``) over word tokens finds candidate passages sharing the
claim's words - including numbers and single characters, so "Article 2" matches "Article 2" and
not Article 3 - alongside the nearest passages by embedding; the candidates are then re-ranked by
the mean of the sentence-embedding cosine and the IDF-weighted share of the claim's words that
the passage contains. Embeddings alone blur exact references (article numbers, names, figures);
words alone miss paraphrase. The word share is absolute (unlike BM25 scaled by the best hit), so
a passage that merely shares "the treaty" with the claim does not look like a strong match just
because nothing better exists.

Files are read through the one road (``unspin.inputs.read_path``), like the article itself:
offsets (``start``, ``end``) index the file's text as read (UTF-8, newlines kept; a file that is
not UTF-8 is read as Windows-1252 with a warning); for HTML they index the extracted text. A file
that cannot be read (binary, empty) or has another type is skipped and named in a warning that
every analysed document carries; when nothing readable is left, that is an ``InputError``. The passage embeddings - the slow part - are cached in the user cache
directory (``$UNSPIN_CACHE`` or ``$XDG_CACHE_HOME/unspin`` or ``~/.cache/unspin``) under a key
made of every file's absolute path, size and modification time, so changing, adding or removing
a file rebuilds the index.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from unspin.article.sentences import split_sentences
from unspin.errors import InputError
from unspin.inputs import SUFFIXES, Format
from unspin.view import PARAGRAPH_BREAKS, breaks_one_for_one

#: The files a reference folder is searched for: prose in the suffix table every door uses
#: (``unspin.inputs.SUFFIXES``: plain text, HTML, Markdown).
EXTENSIONS = tuple(s for s, f in SUFFIXES.items() if f in (Format.auto, Format.html, Format.markdown))
MAX_PASSAGE_WORDS = 120  # longer paragraphs are cut into sentence windows
MIN_PASSAGE_WORDS = 3  # shorter blocks (a heading alone, a page number) are no passage
WINDOW_SENTENCES, WINDOW_STRIDE = 3, 2
CANDIDATES = 30
TOP_K = 3
#: The lowest score (0.5 x embedding cosine + 0.5 x IDF-weighted word share, 0-1) a passage
#: needs to be shown; below it a claim has no passage ([]: "no matching passage" in every view).
#: Measured with the shipped embedder (``python bench/evidence_threshold.py``: 42 claims against
#: a budget report, a health survey, a court ruling and the fixtures of tests/article), the best
#: passage of claims on other subjects scores 0.06-0.25 (9 claims, the highest a shared "4,000"),
#: of claims that restate a passage 0.46-0.94 (16), that paraphrase or cite one 0.31-0.39 (5 of
#: 7 found: examples/column.txt citing the treaty's Article 2 is 0.31), and of claims on the
#: references' subjects that no passage supports 0.21-0.39 (10). 0.28 is the middle of the gap
#: between other subjects and right matches: every right match is shown, and 6 of the 19
#: unsupported claims still get a passage on their subject (15 with the old 0.20 and title lines
#: as passages); 0.40 would hide those and every paraphrase with them.
MIN_SCORE = 0.28
INDEX_VERSION = 6  # raised whenever passages are cut differently: an index cached by an older cut is rebuilt
_SENTENCE_END = frozenset(".!?;:")
_CLOSERS = "\"'\u201d\u2019\u00bb)]"  # closing quotes and brackets, looked through by _is_title

_TOKEN = re.compile(r"\w+")
_STOP = frozenset(
    """a an the and or but of to in on at by for with from as is are was were be been being it its this
    that these those he she they we you i his her their our my your not no do does did has have had
    will would shall should can could may might must so than then there here which who whom whose what
    when where why how all any some such into over about after before also very just only""".split()
)


@dataclass(frozen=True)
class Passage:
    """``text`` is ``source``'s characters ``start:end``. ``heading``: for a sentence window
    after the first of a long paragraph, the paragraph's heading ("Article 2. Freedom of
    navigation."), matched with the window (words and embedding) but never shown; "" otherwise."""

    source: str
    start: int
    end: int
    text: str
    heading: str = ""

    @property
    def matched(self) -> str:
        """The text a claim is matched against: the heading, then the passage."""
        return f"{self.heading}\n{self.text}" if self.heading else self.text


# ---------------------------------------------------------------------------- reading
#: Evidence files may be long (a law, a report): a higher limit than for one article.
EVIDENCE_MAX_CHARS = 20_000_000


def read_text(path: Path) -> str:
    """The text of one evidence file through the one road (``unspin.inputs.read_path``).

    Returns a ``Source`` (a str; ``.warnings`` says, for example, that a file that is not
    UTF-8 was read as Windows-1252). Raises ``InputError`` for a binary, empty or unreadable
    file; ``build_index`` skips such a file and names it in a warning.
    """
    from unspin.errors import InputError
    from unspin.inputs import read_path

    try:
        return read_path(path, EVIDENCE_MAX_CHARS)
    except InputError as exc:
        if exc.context.get("setting") != "max_chars":
            raise
        # A reference file's limit is fixed: no door's setting raises it.
        raise exc.reworded(f"{exc.bare} or split the file", setting=None) from None


def collect(paths: Sequence[str | Path]) -> tuple[list[Path], list[str]]:
    """Evidence files under ``paths`` and the names of the files skipped for their type.

    A file named twice (a folder and a file in it, or two spellings of one path) is read once,
    under the first name it was reached by: indexed twice, each of its passages would be shown
    twice beside a claim. Files named one by one come before the files of folders, so the file a
    user named keeps its name when a folder holds it or a copy of it (``build_index`` indexes a
    text given twice under the first name)."""
    files: list[Path] = []
    skipped: list[str] = []
    seen: set[Path] = set()

    def add(f: Path, wanted: bool) -> None:
        key = f.resolve()
        if key in seen:
            return
        seen.add(key)
        (files if wanted else skipped).append(f if wanted else str(f))

    given = [Path(p).expanduser() for p in paths]
    for p in given:
        if not p.exists():
            raise InputError(f"evidence path not found: {p}", setting="evidence")
    for p in given:
        if p.is_file():
            add(p, True)
    for p in given:
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if not f.is_file() or any(part.startswith(".") for part in f.relative_to(p).parts):
                    continue
                add(f, f.suffix.lower() in EXTENSIONS)
    return files, skipped


def collect_files(paths: Sequence[str | Path]) -> list[Path]:
    return collect(paths)[0]


# ---------------------------------------------------------------------------- passages
def _paragraphs(text: str) -> list[tuple[int, int]]:
    """Paragraph offsets: blocks between newlines, re-joining hard-wrapped lines, and merging a
    short heading line ("Article 2", "## Findings") into the paragraph after it, with the numbered
    items that follow it line by line while they fit one passage; a heading right above another
    heading is left out (it heads no text of its own). Line breaks
    written otherwise (a lone carriage return, U+2028/U+2029, a form feed) count as breaks too,
    U+2029 and a form feed as paragraph breaks, as the models read them (``unspin.view``)."""
    original = text
    text = breaks_one_for_one(text)  # one character for one: offsets hold
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text) if text[m.start() : m.end()].strip()]
    paras: list[list] = []  # [start, end, lines (0: a heading left out), numbered items follow]
    prev_end = None
    for i, (a, b) in enumerate(lines):
        line = text[a:b].strip()
        gap = text[prev_end:a].replace("\r", "").replace(" ", "") if prev_end is not None else ""
        same_block = bool(paras) and prev_end is not None and "\n\n" not in gap and not PARAGRAPH_BREAKS.intersection(original[prev_end:a])
        if same_block:
            last = text[paras[-1][0] : paras[-1][1]].rstrip()
            wrapped = last[-1:] not in ".!?:;\"'\u201d)" and line[:1].islower()
            # The numbered items of a headed article ("Article 7 ... 1. ... 2. ...") stay together
            # while they fit one passage: a claim about the article then meets its exceptions too.
            item = paras[-1][3] and _ITEM.match(line) and len(text[paras[-1][0] : b].split()) <= MAX_PASSAGE_WORDS
            if wrapped or item:
                paras[-1][1] = b
                prev_end = b
                continue
        if paras:
            last = text[paras[-1][0] : paras[-1][1]].strip()
            heading = _heading_like(last) and paras[-1][2] == 1
            # A heading under a heading ("Title (excerpt)", then "Article 4. Cod quotas") heads
            # the text below it; the upper one stands alone, with nothing to say of its own.
            # (A short line that the next line continues in lower case is hard-wrapped text.)
            continued = i + 1 < len(lines) and text[lines[i + 1][0] : lines[i + 1][1]].strip()[:1].islower()
            under = heading and _heading_like(line) and not continued
            if heading and not line.startswith("#") and not under:
                paras[-1][1] = b
                paras[-1][2] += 1
                paras[-1][3] = bool(_ITEM.match(line))
                prev_end = b
                continue
            if under:
                paras[-1][2] = 0
        paras.append([a, b, 1, False])
        prev_end = b
    return [(a, b) for a, b, lines, _ in paras if lines]


#: The start of a numbered or lettered item: "1. ", "2) ", "(3) ", "(a) ", "b) ".
_ITEM = re.compile(r"^\(?(?:\d{1,3}|[a-z])[.)]\s")


def _heading_like(line: str) -> bool:
    """A short line that does not end like a sentence: "Article 2", "Cod quotas", a title."""
    line = line.strip()
    return len(line.split()) <= 8 and line[-1:] not in ".!?;:,\"'"


def _is_title(block: str) -> bool:
    """Whether a file's first block is its title line: one line that does not end like a
    sentence (a short one is merged into the paragraph after it by ``_paragraphs``). Closing
    brackets and quotes are looked through: "... Grey Sea (consolidated version)" and
    'Speech: "We will not give in"' end like titles, '... (see below.)' like a sentence."""
    return "\n" not in breaks_one_for_one(block) and block.rstrip().rstrip(_CLOSERS)[-1:] not in _SENTENCE_END


def passages_of(text: str, source: str) -> list[Passage]:
    """The passages of one reference text: paragraphs (short headings merged into the paragraph
    they head), long ones cut into windows of ``WINDOW_SENTENCES`` sentences; offsets index
    ``text``. A file's title line of more than a short heading's words is no passage: it says
    what the whole file is about, so on-topic claims it does not support matched it as well as
    real matches (0.52-0.59 on the reference texts of ``MIN_SCORE``), and merged into the first
    paragraph it lifted that paragraph for them instead."""
    out = []
    paragraphs = _paragraphs(text)
    for n, (a, b) in enumerate(paragraphs):
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b <= a or len(text[a:b].split()) < MIN_PASSAGE_WORDS:
            continue
        if n == 0 and len(paragraphs) > 1 and _is_title(text[a:b]):
            continue
        if len(text[a:b].split()) <= MAX_PASSAGE_WORDS:
            out.append(Passage(source, a, b, text[a:b]))
            continue
        sents = [(a + s, a + e) for s, e in split_sentences(text[a:b])]
        heading_end = _heading_end(text, a, sents)
        for i in range(0, max(1, len(sents) - WINDOW_SENTENCES + WINDOW_STRIDE), WINDOW_STRIDE):
            window = sents[i : i + WINDOW_SENTENCES]
            if window:
                s, e = window[0][0], window[-1][1]
                # A later window of "Article 2 ..." still answers to "Article 2": without its
                # heading, a claim citing Article 2 met Article 12 first (trial 15).
                heading = " ".join(text[a:heading_end].split()) if s >= heading_end > a else ""
                out.append(Passage(source, s, e, text[s:e], heading))
    return out


#: A paragraph's heading is its first line when that line is heading-like, else its opening
#: sentences of at most this many words each ("Article 2." "Freedom of navigation."), two at most.
HEADING_SENTENCE_WORDS = 5


def _heading_end(text: str, a: int, sents: list[tuple[int, int]]) -> int:
    """Where the heading of the paragraph starting at ``a`` ends (``a``: it has none)."""
    line_end = text.find("\n", a, sents[-1][1] if sents else a)
    if line_end > a and _heading_like(text[a:line_end]):
        return line_end
    end = a
    for s, e in sents[:2]:
        if len(text[s:e].split()) > HEADING_SENTENCE_WORDS:
            break
        end = e
    return end


def tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.lower()) if t not in _STOP]


# A numbered provision: "Article 2", "Art. 2", "Section 4a", "§ 3", "Статья 2", "ст. 2" (kind,
# number). Bounded runs: linear.
_PROVISION = re.compile(r"\b(article|art\.|section|sec\.|clause|статья|статьи|статье|статью|ст\.)\s{0,3}(\d{1,4}[a-z]?)\b|(§)\s{0,3}(\d{1,4}[a-z]?)\b",
                        re.IGNORECASE)
_KIND = {"art.": "article", "sec.": "section", "статья": "article", "статьи": "article", "статье": "article",
         "статью": "article", "ст.": "article", "§": "section"}


# "Article II", "Section IV": Roman numerals, only after a capitalised kind (case-sensitive), and a
# lone "I" only before punctuation, a line end, "of" or "and" ("Article I of the Charter"; in "the
# Article I wrote" it is a pronoun).
_ROMAN_PROVISION = re.compile(r"\b(Article|ARTICLE|Art\.|Section|SECTION|Sec\.)\s{1,3}"
                              r"([IVXLC]{2,7}\b|I\b(?=[ \t]*(?:[.,:;)]|$|of\b|and\b)))", re.MULTILINE)
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def _arabic(roman: str) -> str:
    """"XIV" -> "14" (subtractive pairs read as such)."""
    values = [_ROMAN[ch] for ch in roman]
    return str(sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values)))


def _provision(m: re.Match) -> tuple[str, str]:
    if m.re is _ROMAN_PROVISION:
        kind, number = m.group(1).lower(), _arabic(m.group(2))
    else:
        kind, number = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        kind, number = kind.lower(), number.lower()
    return _KIND.get(kind, kind), number


def provisions(text: str) -> set[tuple[str, str]]:
    """The numbered provisions ``text`` cites: {("article", "2"), ("section", "4a")}; "Article
    II" is ("article", "2")."""
    return {_provision(m) for pattern in (_PROVISION, _ROMAN_PROVISION) for m in pattern.finditer(text)}


def provision_of(passage: Passage) -> tuple[str, str] | None:
    """The provision a passage is (its heading's, else its own first words' "Article N" or
    "Article II"), or None."""
    head = (passage.heading or passage.text)[:40].lstrip(" \t#*>")
    m = _PROVISION.match(head) or _ROMAN_PROVISION.match(head)
    return _provision(m) if m else None


# ---------------------------------------------------------------------------- index
class EvidenceIndex:
    def __init__(self, passages: list[Passage], vectors: np.ndarray, embedder=None) -> None:
        import bm25s

        self.passages = passages
        self.warnings: list[str] = []  # files skipped or read with a fallback (build_index)
        self.vectors = vectors.astype(np.float32)
        self._embedder = embedder
        self.bm25 = bm25s.BM25()
        # bm25s needs at least one token per document; a placeholder keeps positions aligned.
        toks = [tokens(p.matched) for p in passages]
        if passages:  # bm25s cannot index nothing (max() of an empty sequence)
            self.bm25.index([t or ["\u2205"] for t in toks], show_progress=False)
        self.vocab = set(self.bm25.vocab_dict) if passages else set()
        self.token_sets = [set(t) for t in toks]
        self.provision = [provision_of(p) for p in passages]
        n = len(passages)
        df: dict[str, int] = {}
        # Document frequency counts the shown text only: a heading repeated on every window of
        # its paragraph would make "2" of "Article 2" common, and so worth little, in a short treaty.
        for p in passages:
            for t in set(tokens(p.text)):
                df[t] = df.get(t, 0) + 1
        self.idf = {t: float(np.log(1 + (n - d + 0.5) / (d + 0.5))) for t, d in df.items()}
        self.idf_unseen = float(np.log(1 + (n + 0.5) / 0.5))

    def coverage(self, query_tokens: set[str], i: int) -> float:
        """IDF-weighted share of the query's words that passage ``i`` contains."""
        total = sum(self.idf.get(t, self.idf_unseen) for t in query_tokens)
        if not total:
            return 0.0
        return sum(self.idf.get(t, self.idf_unseen) for t in query_tokens & self.token_sets[i]) / total

    @property
    def embedder(self):
        if self._embedder is None:
            from unspin.article.embed import load_embedder

            self._embedder = load_embedder()
        return self._embedder

    def __len__(self) -> int:
        return len(self.passages)

    def search_many(self, queries: Sequence[str], k: int = TOP_K, min_score: float = MIN_SCORE) -> list[list[dict]]:
        if not self.passages or not queries:
            return [[] for _ in queries]
        qv = self.embedder(list(queries))
        results = []
        for q, v in zip(queries, qv):
            qset = set(tokens(q))
            qt = [t for t in qset if t in self.vocab]
            bm = np.asarray(self.bm25.get_scores(qt), dtype=np.float32) if qt else np.zeros(len(self.passages), np.float32)
            cos = self.vectors @ v
            cand = set(np.argsort(-bm)[:CANDIDATES][bm[np.argsort(-bm)[:CANDIDATES]] > 0].tolist()) | set(np.argsort(-cos)[:CANDIDATES].tolist())
            # A passage that *is* a provision the claim cites by number (its heading or first words
            # "Article 2"; the claim "Article 2 of the treaty provides ...") ranks before the rest,
            # its score unchanged and still held to ``min_score``: word share and embedding put a
            # long Article 12 on the claim's subject (0.443) above the right window of a long
            # Article 2 (0.380), and a citation by number is the surest sign of the passage meant.
            cited = provisions(q)
            if cited:
                cand |= {i for i, p in enumerate(self.provision) if p in cited}
            scored = sorted(((bool(cited) and self.provision[i] in cited, 0.5 * float(cos[i]) + 0.5 * self.coverage(qset, i), i)
                             for i in cand), reverse=True)
            scored = [(s, i) for _, s, i in scored]
            scored = [x for x in scored if x[0] >= min_score] + [x for x in scored if x[0] < min_score]
            hits = []
            for s, i in scored[:k]:
                if s < min_score:
                    break
                p = self.passages[i]
                hits.append({"source": p.source, "start": p.start, "end": p.end, "text": p.text, "score": round(min(max(s, 0.0), 1.0), 4)})
            results.append(hits)
        return results


def cache_root() -> Path:
    if os.environ.get("UNSPIN_CACHE"):
        return Path(os.environ["UNSPIN_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "unspin"


def _is_path(item) -> bool:
    from unspin.inputs import Source

    if isinstance(item, Source):
        return False  # already read (an upload to a server, say): a text, never a path
    if isinstance(item, (Path, os.PathLike)):
        return True
    if not isinstance(item, str) or "\n" in item or len(item) > 1024:
        return False
    if not item.strip():
        # An empty string is an empty text, not a path: Path("") is the current folder, which
        # was then indexed recursively (a home folder, say) for an evidence text left blank.
        return False
    if Path(item).expanduser().exists():
        return True
    # A one-line string that looks like a file name is a mistyped path, not evidence text:
    # treating it as text would silently index the path itself.
    looks = (os.sep in item or item.lower().endswith(EXTENSIONS)) and len(item.split()) <= 3
    return looks


def build_index(items: str | os.PathLike | Sequence[str | os.PathLike], embedder=None, use_cache: bool = True) -> EvidenceIndex:
    """Index files, folders and texts. ``items``: one item or a sequence of them; each is a path
    (a ``Path``, or a string naming an existing file or folder: folders are searched
    recursively), a ``unspin.inputs.Source`` (a text already read, never taken for a path; its
    ``name`` labels its passages and its warnings are kept) or any other string (a raw text,
    labelled ``text[i]``).

    Raises ``InputError`` for a path that does not exist, for no evidence documents at all, and
    when nothing readable is left to search (every file empty, binary or unreadable: the
    message names the first and why). A file that cannot be read beside others that can is
    skipped and named in ``index.warnings``; so is a text identical to one read before it
    (indexed once, under the first name). ``use_cache=False``: nothing is written to the
    cache directory (texts a server received are not its to keep).
    """
    if isinstance(items, (str, os.PathLike)):
        items = [items]  # one path (or text), not a sequence of one-character paths
    items = list(items)
    paths = [Path(i) for i in items if _is_path(i)]
    texts = [i for i in items if not _is_path(i)]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise InputError(f"evidence path not found: {missing[0]}", setting="evidence")
    files, skipped = collect(paths)
    if not files and not texts:
        raise InputError("no evidence documents (.txt, .md, .html) found in " + ", ".join(map(str, items)))
    h = hashlib.sha1(f"v{INDEX_VERSION}".encode())
    for f in files:
        st = f.stat()
        h.update(f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    for t in texts:
        h.update(f"{getattr(t, 'name', '')}|".encode("utf-8", "surrogatepass"))
        h.update(hashlib.sha1(str.__str__(t).encode("utf-8", "surrogatepass")).digest())
    folder = cache_root() / "evidence" / h.hexdigest()[:24]
    if use_cache and (folder / "passages.json").is_file() and (folder / "vectors.npy").is_file():
        try:
            passages = [Passage(**p) for p in json.loads((folder / "passages.json").read_text(encoding="utf-8"))]
            vectors = np.load(folder / "vectors.npy")
            warnings_file = folder / "warnings.json"
            cached_warnings = json.loads(warnings_file.read_text(encoding="utf-8")) if warnings_file.is_file() else []
            if len(vectors) == len(passages):
                index = EvidenceIndex(passages, vectors, embedder)
                index.warnings = [str(w) for w in cached_warnings]
                return index
        except (OSError, ValueError, TypeError):
            pass  # a damaged cache is rebuilt below
    passages: list[Passage] = []
    warnings: list[str] = []
    if skipped:
        warnings.append(
            f"{len(skipped)} evidence file{'s' if len(skipped) != 1 else ''} of other types skipped "
            f"(evidence is read from {', '.join(EXTENSIONS)}): " + ", ".join(skipped[:5]) + (" ..." if len(skipped) > 5 else "")
        )
    unreadable: list[str] = []
    # A text given twice (two uploads of one file, a file and its copy) is indexed once: twice,
    # each passage it holds would be shown twice beside a claim, in two of its slots.
    first_name: dict[bytes, str] = {}

    def add(text: str, name: str) -> None:
        digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).digest()
        if digest in first_name:
            warnings.append(f"evidence file {name} skipped: the same text as {first_name[digest]}")
            return
        first_name[digest] = name
        passages.extend(passages_of(text, name))

    for f in files:
        try:
            src = read_text(f)
        except InputError as exc:  # one unreadable file must not hide the others
            warnings.append(f"evidence file skipped: {exc.bare}")
            unreadable.append(exc.bare)
            continue
        warnings += [f"evidence file {f}: {w}" for w in src.warnings]
        add(src.text, str(f))
    for i, t in enumerate(texts):
        name = getattr(t, "name", None) or f"text[{i}]"
        warnings += [f"evidence file {name}: {w}" for w in getattr(t, "warnings", ())]
        add(str.__str__(t), name)
    if not passages:
        # Nothing to search: say why instead of linking every claim to nothing.
        why = unreadable[0] if unreadable else f"no passage of {MIN_PASSAGE_WORDS} or more words"
        raise InputError(f"the evidence has no text to search ({why})", setting="evidence")
    index = EvidenceIndex(passages, np.zeros((len(passages), 384), np.float32), embedder)
    index.warnings = warnings
    index.vectors = index.embedder([p.matched for p in passages]) if passages else np.zeros((0, 384), np.float32)
    if use_cache:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f"passages.json.{os.getpid()}"
            tmp.write_text(json.dumps([asdict(p) for p in passages], ensure_ascii=False), encoding="utf-8")
            np.save(folder / "vectors.npy", index.vectors)
            (folder / "warnings.json").write_text(json.dumps(warnings, ensure_ascii=False), encoding="utf-8")
            tmp.replace(folder / "passages.json")
        except OSError:
            pass  # a read-only cache only costs speed
    index.cache_dir = folder
    return index
