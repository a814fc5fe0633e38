"""The pipeline: text -> Document -> components in order -> an annotated Document.

``unspin.analyze(text)`` is the one obvious call. Components are small objects with ``name``,
``predict(docs)`` (pure) and ``set_annotations(docs, scores)``; a pipeline runs them in order.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any, Iterable, Iterator, Protocol, Sequence

from unspin import __version__
from unspin import language as langid
from unspin.document import Document
from unspin.errors import ModelError, UnsupportedLanguageError
from unspin.inputs import MAX_CHARS, check_text
from unspin.runtime import model_dir

SUPPORTED = ("en", "ru")

#: Shown in the output of a Russian analysis (``doc.results["notes"]``): what was not run, and why.
RU_ENGLISH_ONLY = (
    "Check-worthy claims and genre are English-only for now and were not run on this Russian text; "
    "the technique spans and the summary figures come from the Russian model."
)


class Component(Protocol):
    name: str

    def predict(self, docs: Sequence[Document]) -> Sequence[Any]: ...

    def set_annotations(self, docs: Sequence[Document], scores: Sequence[Any]) -> None: ...


class Pipeline:
    def __init__(self, components: Sequence[Component], language: str = "en") -> None:
        self.components = list(components)
        self.language = language

    @property
    def component_names(self) -> list[str]:
        return [c.name for c in self.components]

    def get(self, name: str) -> Component:
        for c in self.components:
            if c.name == name:
                return c
        raise KeyError(f"no component {name!r}; have {self.component_names}")

    def make_doc(self, text: str, language: str = "auto", max_chars: int = MAX_CHARS, **meta: Any) -> Document:
        check_text(text, max_chars)
        lang = langid.detect(text) if language == "auto" else language
        if lang != self.language:
            what = {"ru": "Russian", "und": "not recognisably English"}.get(lang, lang)
            raise UnsupportedLanguageError(
                f"this text looks {what} ({lang}); unspin {', '.join(SUPPORTED)} models only so far "
                f"- pass language='{self.language}' (--language {self.language}) to analyse it anyway"
            )
        return Document(text=text, language=lang, meta=dict(meta))

    def run(self, docs: Sequence[Document]) -> list[Document]:
        docs = list(docs)
        for component in self.components:
            component.set_annotations(docs, component.predict(docs))
        return docs

    def __call__(self, text: str, language: str = "auto", max_chars: int = MAX_CHARS, **meta: Any) -> Document:
        return self.run([self.make_doc(text, language, max_chars, **meta)])[0]

    def pipe(self, texts: Iterable[str], language: str = "auto") -> Iterator[Document]:
        for text in texts:
            yield self(text, language)


class EnglishOnlyNote:
    """Records in ``doc.results["notes"]`` which English-only components a pipeline left out."""

    name = "notes"

    def __init__(self, note: str) -> None:
        self.note = note

    def predict(self, docs: Sequence[Document]) -> list[str]:
        return [self.note for _ in docs]

    def set_annotations(self, docs: Sequence[Document], scores: Sequence[str]) -> None:
        for doc, note in zip(docs, scores):
            doc.results.setdefault("notes", []).append(note)


@lru_cache(maxsize=2)
def load(language: str = "en") -> Pipeline:
    """The default pipeline for ``language``, loaded once per process."""
    from unspin.components.claims import ClaimDetector
    from unspin.components.genre import GenreClassifier
    from unspin.components.summary import ArticleSummary
    from unspin.components.techniques import TechniqueTagger

    if language not in SUPPORTED:
        raise UnsupportedLanguageError(f"no unspin model for language {language!r}; available: {', '.join(SUPPORTED)}")
    if language == "ru":
        # The claim and genre models were trained on English only: never their predictions on
        # Russian text. The summary's counts and shares read the Russian spans.
        return Pipeline([TechniqueTagger.from_model("ru"), EnglishOnlyNote(RU_ENGLISH_ONLY), ArticleSummary()], language="ru")
    # The summary reads what the others wrote, so it runs last.
    return Pipeline(
        [
            TechniqueTagger.from_model(language),
            ClaimDetector.from_model(f"{language}-claims"),
            GenreClassifier.from_model(f"{language}-genre"),
            ArticleSummary(),
        ],
        language=language,
    )


def analyze(
    text: str, language: str = "auto", *, max_chars: int = MAX_CHARS, evidence: Sequence[Any] | None = None, **meta: Any
) -> Document:
    """Analyse one text and return a Document with its spans and article-level readings.

    ``language="auto"`` detects it and routes English to the English models and Russian to the
    Russian one (technique spans with the ZenPropaganda names, Russian explanations, summary; claims
    and genre are English-only and a note in ``results["notes"]`` says so). A text in a language
    without a model raises ``UnsupportedLanguageError`` (pass ``language="en"`` or ``"ru"`` to force one).
    ``evidence``: files, folders (.txt, .md, .html) or raw texts the user trusts; each
    check-worthy claim then carries the passages most worth reading beside it.
    """
    if language == "auto":  # route by the detected language; others get make_doc's clear refusal
        detected = langid.detect(text) if isinstance(text, str) else SUPPORTED[0]
        pipeline = load(detected if detected in SUPPORTED else SUPPORTED[0])
    else:
        pipeline = load(language)
    if evidence:
        from unspin.article.evidence import with_evidence

        pipeline = with_evidence(pipeline, list(evidence))
    return pipeline(text, language=language, max_chars=max_chars, **meta)


def model_version(language: str = "en") -> str:
    """``unspin`` version plus the shipped models' config hashes, so a new model re-analyses.

    The span model's folder is ``<language>``; the article-level components ship beside it as
    ``<language>-<part>`` folders, and a change to any of them changes what gets stored.
    """
    try:
        main = model_dir(language)
        configs = [main / "config.json"] + sorted(main.parent.glob(f"{language}-*/config.json"))
        h = hashlib.sha256()
        for config in configs:
            h.update(config.parent.name.encode() + b"\0" + config.read_bytes())
        name = json.loads(configs[0].read_text(encoding="utf-8")).get("name", language)
    except (ModelError, OSError, ValueError):
        return __version__
    return f"{__version__}+{name}.{h.hexdigest()[:12]}"
