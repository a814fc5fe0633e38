"""The pipeline: text -> Document -> components in order -> an annotated Document.

``unspin.analyze(text)`` is the one obvious call. Components are small objects with ``name``,
``predict(docs)`` (pure) and ``set_annotations(docs, scores)``; a pipeline runs them in order.

Input reaches ``make_doc`` through the one road (``unspin.inputs.read``): a str or bytes is read
there, a ``Source`` that a door already read is taken as it is. The components read the
normalised view of the text (``unspin.view``: styled letters in their plain forms, format
characters removed); ``run`` maps every reading they set (technique spans, claims, genre,
summary) back to the text as given (``Document.with_readings_of``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, Union
from warnings import warn

from unspin import __version__
from unspin import language as langid
from unspin.config import CONFIG, ModelConfig, SpanModelConfig
from unspin.document import Document
from unspin.errors import InputError, ModelError, UnspinError, UnsupportedLanguageError
from unspin.inputs import MAX_CHARS, Source, read, read_path
from unspin.components import build, check_order, position, register, registered
from unspin.runtime import MODELS_DIR, model_config, model_dir, model_kind, model_techniques
from unspin.view import ModelView, lookalike_warning

SUPPORTED = ("en", "ru")
#: What is said of Russian in Latin letters, refused or (``language="ru"``) analysed.
TRANSLIT = ("this text looks like Russian written in Latin letters (transliterated Russian); the Russian model reads "
            "Cyrillic script: give the text in Cyrillic letters")

#: Documents per batch of ``Pipeline.pipe`` / ``analyze_many``: enough to tokenise and split
#: sentences in bulk; each holds its token states (tokens x hidden floats) until the batch ends.
BATCH_SIZE = 16

#: Characters a batch of ``Pipeline.pipe`` / ``analyze_many`` holds at most, whatever its count:
#: a text that would take a batch past it starts a batch of its own (a longer one is a batch of
#: one). Sixteen ordinary articles fit (PTC's test articles average 4,500 characters), so their
#: batches are those of ``BATCH_SIZE``; a book-length text neither holds the short texts beside
#: it back until it is done nor keeps sixteen such texts' token states at once.
BATCH_CHARS = 100_000

#: A warning of every Russian analysis: what was not run, and why.
RU_ENGLISH_ONLY = (
    "Check-worthy claims and genre are English-only for now and were not run, as the Russian model read this text; "
    "the technique spans and the summary figures come from the Russian model."
)

#: A declared pipeline: registered component names (``unspin.components.REGISTRY``) with the
#: settings their factories take, in order (``Pipeline`` checks the order from what each
#: requires, reads and assigns). ``model`` names a shipped folder under ``models/``, whose
#: config.json (``unspin.config``) holds the rest of a component's settings.
Declared = tuple[tuple[str, dict[str, Any]], ...]

#: English article-level readings. Claims come in the two sizes too: the default reads sentences
#: with an all-mpnet-base-v2 fine-tune (``en-claims-base``), ``fast`` keeps the MiniLM one
#: (``en-claims``; bench/RESULTS.md, "Claims on the base-size encoder").
_EN_ARTICLE: Declared = (("genre", {"model": "en-genre"}), ("summary", {}))
#: A warning of every Russian analysis, in Russian and English: how far its spans can be trusted.
#: Measured independently on the kept-aside ZenPropaganda dev set (25 articles), the model's span
#: F1 at IoU >= 0.5 was 0.275 where one span per line scored 0.280 (README, "Russian").
RU_EXPERIMENTAL = (
    "Experimental: on Russian articles kept out of training, the Russian model's passages match annotators' no better than "
    "marking every line would, so read them as places to look, not as findings. / Экспериментальный режим: на отложенных "
    "русских статьях фрагменты модели совпадают с разметкой аннотаторов не лучше, чем разметка каждой строки; считайте их "
    "подсказками, куда посмотреть, а не выводами."
)
_RU: Declared = (("techniques", {"model": "ru"}), ("notes", {"notes": (RU_EXPERIMENTAL, RU_ENGLISH_ONLY)}), ("summary", {}))

#: The shipped pipeline of each language and size (``fast``). English comes in two sizes, like
#: spaCy's small and transformer pipelines: the default ("accurate") tags spans with
#: all-mpnet-base-v2 (12 x 768), ``fast=True`` with MiniLM-L6 (6 x 384), about 4 times as
#: quick and some points of SI F1 lower (README, "Quality and speed"). The summary reads what
#: the others wrote, so it runs last. Russian has one size: the claim and genre models were
#: trained on English only, so never their predictions on Russian text.
PIPELINES: dict[tuple[str, bool], Declared] = {
    ("en", False): (("techniques", {"model": "en"}), ("claims", {"model": "en-claims-base"}), *_EN_ARTICLE),
    ("en", True): (("techniques", {"model": "en-fast"}), ("claims", {"model": "en-claims"}), *_EN_ARTICLE),
    ("ru", False): _RU,
    ("ru", True): _RU,
}

#: Each pipeline's size, as ``Document.model["size"]`` says it: Russian has one size,
#: "standard", whatever ``fast`` asked (calling it "accurate" would promise a choice that does
#: not exist).
SIZES = {("en", False): "accurate", ("en", True): "fast", ("ru", False): "standard", ("ru", True): "standard"}

#: Model folders a language's components read besides their own: evidence (and a genre model
#: with a "minilm" feature block) reads the sentence embedder's vectors, so it counts in
#: ``model_version``.
SHARED_MODELS: dict[str, dict[str, str]] = {"en": {"embedder": "en-embed"}, "ru": {}}

#: The shipped model folder of each component, per language and size (derived from
#: ``PIPELINES`` and ``SHARED_MODELS``).
MODELS: dict[tuple[str, bool], dict[str, str]] = {
    key: {**{name: settings["model"] for name, settings in declared if "model" in settings}, **SHARED_MODELS[key[0]]}
    for key, declared in PIPELINES.items()
}


#: The shipped span model of each language and size (``sized``).
SPAN_MODELS: dict[tuple[str, bool], str] = {key: folders["techniques"] for key, folders in MODELS.items()}


class Component(Protocol):
    name: str

    def predict(self, docs: Sequence[Document]) -> Sequence[Any]: ...

    def set_annotations(self, docs: Sequence[Document], scores: Sequence[Any]) -> None: ...


class Pipeline:
    """Components run in order over Documents (``unspin.load(language)`` builds the default one).

    Raises ``ValueError`` when built in an order that breaks a component's declared ``requires``
    or ``reads`` (``unspin.components.check_order``).
    """

    def __init__(self, components: Sequence[Component], language: str = "en", model: dict[str, str] | None = None) -> None:
        check_order(components)
        self.components = list(components)
        self.language = language
        #: Copied onto every Document it runs (``Document.model``): which models read the text.
        self.model = dict(model or {})

    @property
    def component_names(self) -> list[str]:
        return [c.name for c in self.components]

    def __repr__(self) -> str:
        model = ", ".join(f"{k}={v!r}" for k, v in self.model.items())
        return f"Pipeline(language={self.language!r}, components={self.component_names}{', ' + model if model else ''})"

    def get(self, name: str) -> Component:
        for c in self.components:
            if c.name == name:
                return c
        raise KeyError(f"no component {name!r}; have {self.component_names}")

    @classmethod
    def from_declared(cls, declared: Sequence[tuple[str, dict[str, Any]]], language: str = "en", model: dict[str, str] | None = None) -> Pipeline:
        """The pipeline of ``declared``: ``(name, settings)`` pairs, each component built by its
        registered factory (``unspin.components.build``). Raises ``ValueError`` for an unknown
        name or a wrong order (the message names the component and the missing reading)."""
        _register_shipped()
        # The order is checked on the declarations first: no model is loaded for a wrong pipeline.
        check_order([registered(name) for name, _ in declared])
        return cls([build(name, **settings) for name, settings in declared], language=language, model=model)

    def with_component(self, component: Component, after: str | None = None) -> Pipeline:
        """A copy of this pipeline with ``component`` added: right after the one named ``after``
        (at the end when there is none), or, when ``after`` is None, where its declarations
        place it (right after what it requires, ``unspin.components.position``). This pipeline,
        often the cached default, is left untouched. Raises ``ValueError`` for a wrong order."""
        names = self.component_names
        if after is None:
            at = position(self.components, component)
        elif after in names:
            at = names.index(after) + 1
        else:
            at = len(names)
        return Pipeline(self.components[:at] + [component] + self.components[at:], language=self.language, model=self.model)

    def add(self, name: str, **settings: Any) -> Pipeline:
        """``with_component`` of the registered component ``name`` built from ``settings``,
        placed by its declarations: ``load("en").add("evidence", sources=["refs/"])``."""
        _register_shipped()
        return self.with_component(build(name, **settings))

    def make_doc(
        self,
        text: str | bytes | os.PathLike | Source,
        language: str = "auto",
        max_chars: int = MAX_CHARS,
        *,
        input_format: str = "auto",
        identification: langid.Identification | None = None,
        **meta: Any,
    ) -> Document:
        """Read ``text`` through the road and identify its language; an unannotated Document.

        Raises ``InputError`` (see ``unspin.inputs``) and ``UnsupportedLanguageError`` when the
        text is confidently in a language this pipeline has no model for (the message names it).
        Short or undetermined text is read by its script (``langid.by_script``: Latin as English,
        Cyrillic as Russian), with a warning, when that is this pipeline's language.
        ``identification``: the language already identified on this text's normalised view
        (``_route`` did it to choose this pipeline), so it is not identified twice.
        """
        src = _source(text, max_chars, input_format, str(meta.get("source") or "input"))
        warnings = list(src.warnings)
        view = ModelView.of(src.text)
        ident = identification or langid.identify(view.text)
        translit = False
        if language == "auto":
            lang = self._identify(ident, warnings)
        else:
            lang = language
            # Forced: analysed as asked, but a confident other language is said beside the result.
            if lang == "ru" and ident.code != lang and langid.transliterated_russian(view.text):
                # Said as auto-detection says it (not "looks Czech"): the advice is the same.
                warnings.append(f"{TRANSLIT}; it was analysed with the Russian model as asked, which reads Latin letters poorly")
                translit = True
            elif ident.confident and ident.code != lang:
                warnings.append(f"this text looks {langid.name(ident.code)} ({ident.code}); it was analysed with the "
                                f"{langid.name(lang)} model as asked")
        # Letters of the other script: one note, where its passages are (language.script_note);
        # none beside the transliteration warning, which says the same.
        mixed = (langid.script_note(view.text, ident, lang, view.span, SUPPORTED)
                 if lang == self.language and not translit else None)
        if mixed:
            warnings.append(mixed)
        lookalike = lookalike_warning(view)
        if lookalike:
            warnings.append(lookalike)
        if lang != self.language and langid.transliterated_russian(view.text):
            raise UnsupportedLanguageError(TRANSLIT)
        # What the user may ask for is context (force): each door words it (errors.WORDS).
        if lang == "und":
            raise UnsupportedLanguageError(
                f"could not tell which language this text is in; unspin has models for {', '.join(SUPPORTED)} only so far",
                force=self.language,
            )
        if lang != self.language and lang in SUPPORTED:
            # A pipeline loaded for one language (unspin.load("en")) given a text in another that
            # unspin reads: the advice (errors.WORDS) names that language's pipeline and analyze,
            # which picks it, before forcing this one.
            raise UnsupportedLanguageError(
                f"this text looks {langid.name(lang)} ({lang}) and this pipeline reads {langid.name(self.language)} ({self.language})",
                force=self.language, other=lang, setting="pipeline_language",
            )
        if lang != self.language:
            raise UnsupportedLanguageError(
                f"this text looks {langid.name(lang)} ({lang}); unspin has models for {', '.join(SUPPORTED)} only so far",
                force=self.language,
            )
        # What the format said (an e-mail's subject and date) comes first; the caller's meta wins.
        return Document(text=src.text, language=lang, meta={**src.meta, **meta}, warnings=warnings)

    def _identify(self, ident: langid.Identification, warnings: list[str]) -> str:
        if ident.confident:
            return ident.code
        if not ident.latin and ident.letters and ident.probability >= 0.5:
            return ident.code  # another script is evidence enough even in a short text
        if langid.by_script(ident) == self.language:
            # Undetermined, but the script says which of our models to read it with (a warning says so).
            why = ("the language is not clear" if ident.letters >= langid.MIN_LETTERS
                   else "the text repeats too few words to tell its language" if ident.repeated
                   else "the text is too short to tell its language")
            warnings.append(f"{why}; it was analysed as {langid.name(self.language)}")
            return self.language
        return "und"

    def run(self, docs: Sequence[Document]) -> list[Document]:
        docs = list(docs)
        for doc in docs:
            if self.model:
                doc.model = dict(self.model)
        views = [ModelView.of(doc.text) for doc in docs]
        # Components read the normalised view; documents whose view is their text run as they are.
        work = [
            doc if view.identity else Document(text=view.text, language=doc.language, meta=doc.meta, warnings=doc.warnings)
            for doc, view in zip(docs, views)
        ]
        for component in self.components:
            component.set_annotations(work, component.predict(work))
        for doc, view, done in zip(docs, views, work):
            if done is not doc:
                doc.with_readings_of(done, view.span)
        return docs

    def __call__(self, text: str | bytes | Source, language: str = "auto", max_chars: int = MAX_CHARS, **meta: Any) -> Document:
        return self.run([self.make_doc(text, language, max_chars, **meta)])[0]

    def pipe(
        self,
        texts: Iterable[str | bytes | os.PathLike | Source],
        language: str = "auto",
        *,
        batch_size: int = BATCH_SIZE,
        max_chars: int = MAX_CHARS,
        input_format: str = "auto",
        batch_chars: int = BATCH_CHARS,
    ) -> Iterator[Document]:
        """Analyse many texts, ``batch_size`` at a time; yields one Document per text, in order.

        Each batch is read (``make_doc``) and then run through every component at once
        (``run``): tokenisation, sentence splitting and the model calls' Python work are done
        per batch, so at most ``batch_size`` documents (their token states included) are held
        at a time. A batch also ends before a text that would take it past ``batch_chars``
        characters (``text_size``), so a long text is a batch of its own and the short texts
        before it are yielded without waiting for it. On a CPU the result is the same as ``self(text)`` text by text, to the bit:
        no ONNX call holds windows or sentences of two documents, because the int8 models
        quantise activations with one scale per call (``bench/RESULTS.md``, "Batched
        inference"). Where the models run on a GPU (``unspin.runtime.providers``), the span
        encoder and the sentence models stack the batch's documents into each call instead,
        which a GPU needs to be busy: the figures then move slightly with the batch.
        Raises what ``make_doc`` raises for the first bad text (``InputError``,
        ``UnsupportedLanguageError``); ``analyze_many`` routes languages and can return errors
        in place instead.
        """
        _check_batch(batch_size, batch_chars)
        for chunk in chunked(texts, batch_size, batch_chars, text_size):
            yield from self.run([self.make_doc(t, language, max_chars, input_format=input_format) for t in chunk])


def model_label_set(folder: str | os.PathLike[str], shown: str | None = None) -> tuple[Any, ...]:
    """The techniques of the span model folder ``folder`` (one ``unspin train spans`` wrote), in
    its label order, as ``unspin.taxonomy.Technique`` (name, display, explanation, example,
    colour; a blank explanation is ``taxonomy.UNEXPLAINED``): what ``unspin techniques --model``
    lists. ``shown``: the folder as the user named it, for messages. Raises ``ModelError`` for a
    folder that is missing or holds another kind of model."""
    from unspin import taxonomy

    path = Path(folder)
    config = model_config(path)
    if model_kind(config) != "spans":
        raise ModelError(f"{shown or path}: not a span model folder (it holds a {model_kind(config)} model); "
                         "its techniques are a span model's")
    return tuple(taxonomy.label_set(model_techniques(path, config), str(config.get("language") or "en")).values())


@register("notes", assigns=("warnings",))
class Notes:
    """Puts fixed sentences first in ``doc.warnings`` (each once, in order): how far a pipeline's
    readings hold (the Russian model is experimental) and what it left out (claims and genre
    are English-only). First, as the README promises: a reader who stops after the first
    warning must not miss that the readings are experimental (a script warning came first)."""

    def __init__(self, notes: Sequence[str]) -> None:
        self.notes = tuple(notes)

    def predict(self, docs: Sequence[Document]) -> list[tuple[str, ...]]:
        return [self.notes for _ in docs]

    def set_annotations(self, docs: Sequence[Document], scores: Sequence[tuple[str, ...]]) -> None:
        for doc, notes in zip(docs, scores):
            doc.warnings[:0] = [note for note in dict.fromkeys(notes) if note not in doc.warnings]


def _source(text: Any, max_chars: int, input_format: str, name: str) -> Source:
    """What the Python API was given, through the road: a ``Source`` as it is, a path read as
    the CLI reads a file, a str or bytes read by ``inputs.read``; anything else an ``InputError``."""
    if isinstance(text, Source):
        return text
    if isinstance(text, os.PathLike):
        return read_path(text, max_chars)
    if not isinstance(text, (str, bytes)):
        raise InputError(f"cannot analyse a value of type {type(text).__name__}: give a str, bytes or a pathlib.Path")
    src = read(text, name, fmt=input_format, max_chars=max_chars)
    if isinstance(text, str) and _names_a_file(text):
        # A str is always the text itself; one that names a file was most likely meant as the file.
        note = f"the text {text.strip()!r} is the name of a file and was analysed as text; pass pathlib.Path({text.strip()!r}) to analyse the file"
        src = Source(src.name, src.text, src.from_html, src.warnings + (note,), format=src.format, meta=src.meta)
        # Said at once in Python too: a result's warnings are easy to overlook in a notebook.
        warn(note, UserWarning, stacklevel=3)
    return src


def _names_a_file(text: str) -> bool:
    """Whether a str given as a text is a single token that names an existing file."""
    token = text.strip()
    if not token or len(token) > 4096 or any(c.isspace() for c in token):
        return False
    try:
        return Path(token).expanduser().is_file()
    except (OSError, ValueError):
        return False


def _register_shipped() -> None:
    """Import the shipped component modules, each of which registers its component."""
    from unspin.components import claims, evidence, genre, summary, techniques  # noqa: F401


#: The operating points of the span decoders (``unspin.config.SENSITIVITIES``): "precise" marks only
#: what the model is surest of (higher precision, lower recall on held-out articles; shorter or fewer
#: marks, so one text can get more, shorter passages; a teacher's choice), "default" the F1-best
#: setting, "sensitive" more passages, the weaker ones faint (a researcher screening a corpus).
SENSITIVITIES = ("precise", "default", "sensitive")


def check_sensitivity(sensitivity: str) -> str:
    """``sensitivity`` when it names an operating point, else ``InputError`` listing them."""
    if sensitivity not in SENSITIVITIES:
        raise InputError(f"unknown sensitivity {sensitivity!r}; choose one of {', '.join(SENSITIVITIES)}", setting="sensitivity", value=sensitivity)
    return sensitivity


def point_of(language: str, sensitivity: str) -> str:
    """The operating point a ``language``'s span model reads with: Russian decodes whole clauses
    (``unspin.ru_decoding``) and has one point, whatever was asked (``_note_size`` says so)."""
    return sensitivity if language == "en" else "default"


#: A model folder or several, as ``load`` takes them (your own, from ``unspin train``).
Models = Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]], None]

#: Which component of a declared pipeline a model folder given as ``model`` replaces, by its
#: kind (``unspin.runtime.model_kind``).
REPLACES = {"spans": "techniques", "claims": "claims"}


def model_folders(model: Models) -> tuple[str, ...]:
    """``model`` (a folder or several) as resolved paths, in order; a folder that is a shipped
    model (its folder under the models root, or a byte-identical copy anywhere: ``shipped_name``)
    as that model's name ("en-fast"), so it is read and versioned (``model_version``) as the
    shipped model is, wherever it lies. Raises ``ModelError`` for a folder that is not a model,
    or one whose kind replaces no component (``REPLACES``)."""
    if model is None:
        return ()
    items = [model] if isinstance(model, (str, os.PathLike)) else list(model)
    out = []
    for item in items:
        path = model_dir(item)
        kind = model_kind(model_config(path))
        if kind not in REPLACES:
            raise ModelError(f"{item}: a {kind} model, not a span (technique) or claims model folder", setting="model")
        out.append(shipped_name(path) or str(path))
    return tuple(out)


def shipped_name(folder: str | os.PathLike[str]) -> str | None:
    """The name of the shipped model (``MODELS``, under the models root: ``UNSPIN_MODELS`` or the
    package's) that ``folder`` is or is a byte-identical copy of (the same files, by relative
    path, with the same bytes); None for any other folder. A copy under another name or path is
    the same model: it must give the same ``model_version``, or a corpus analysed once through
    the copy and once through the shipped name would count as read by two models."""
    folder = Path(folder).resolve()
    root = Path(os.environ.get("UNSPIN_MODELS", MODELS_DIR))
    for name in sorted({n for folders in MODELS.values() for n in folders.values()}):
        if (root / name).is_dir() and _same_files(str(folder), str((root / name).resolve()),
                                                  _listing(folder), _listing(root / name)):
            return name
    return None


def _listing(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """(relative path, size, modification time) of every file under ``folder``: what makes a
    cached comparison stale."""
    out = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            st = path.stat()
            out.append((path.relative_to(folder).as_posix(), st.st_size, st.st_mtime_ns))
    return tuple(out)


@lru_cache(maxsize=64)
def _same_files(a: str, b: str, listing_a: tuple, listing_b: tuple) -> bool:
    """Whether folders ``a`` and ``b`` hold the same files with the same bytes (their listings
    are part of the cache key, so a changed file is compared again). The bytes are read only
    when the names and sizes all match: for a copy, never for a different model."""
    import filecmp

    if a == b:
        return True
    if [(n, size) for n, size, _ in listing_a] != [(n, size) for n, size, _ in listing_b]:
        return False
    return all(filecmp.cmp(Path(a) / n, Path(b) / n, shallow=False) for n, _, _ in listing_a)


def sized(fast: bool, models: tuple[str, ...]) -> tuple[bool, tuple[str, ...]]:
    """``fast`` and ``models`` (``model_folders``) with each shipped span model among ``models``
    taken as the size it belongs to (``SPAN_MODELS``): ``model="models/en-fast"`` (or a copy of
    it) is ``fast=True`` and reads with the fast size's claims model too, so it gives the very
    analysis, size and ``model_version`` of ``fast=True``; the accurate size's span model is
    ``fast=False``. Raises ``InputError`` when ``fast=True`` comes with the accurate size's span
    model (the two choose different span models)."""
    rest = []
    for m in models:
        sizes = {size for (_, size), name in SPAN_MODELS.items() if name == m}
        if not sizes:
            rest.append(m)
        elif fast not in sizes:
            if fast:
                raise InputError("the fast size and a span model folder both choose the span model: give one of them", setting="fast_model")
            fast = True
    return fast, tuple(rest)


def declared_for(language: str, fast: bool, models: tuple[str, ...] = ()) -> Declared:
    """The declared pipeline of ``language`` and size, with each folder of ``models`` in place
    of the shipped model of the component it replaces (for the language it was trained for).
    Raises ``InputError`` for ``fast`` with a span model: both choose the span model."""
    declared = PIPELINES[(language, bool(fast))]
    for path in models:
        config = model_config(path)
        kind = model_kind(config)
        if kind == "spans" and fast:
            raise InputError("the fast size and a span model folder both choose the span model: give one of them", setting="fast_model")
        if (config.get("language") or "en") == language:
            declared = tuple((name, {**settings, "model": path}) if name == REPLACES[kind] else (name, settings) for name, settings in declared)
    return declared


def folders_for(language: str, fast: bool, models: tuple[str, ...] = ()) -> dict[str, str]:
    """The model folder of each component (and of what they share, ``SHARED_MODELS``)."""
    return {**{name: settings["model"] for name, settings in declared_for(language, fast, models) if "model" in settings},
            **SHARED_MODELS[language]}


def own_techniques(model: Models) -> list[dict[str, str]]:
    """The techniques of your own span model(s) in ``model``: rows of name, display,
    explanation, example, colour and the model's ``language``, as the documents they read show
    them (``unspin.taxonomy.label_set``: a blank explanation is the built-in one of that language,
    else ``taxonomy.UNEXPLAINED``). Nothing is registered process-wide. Raises ``ModelError`` as
    ``load`` does."""
    from unspin import taxonomy

    out = []
    for path in model_folders(model):
        config = model_config(path)
        if model_kind(config) == "spans" and path not in SPAN_MODELS.values():  # a shipped one's are known
            language = str(config.get("language") or "en")
            own = taxonomy.label_set(model_techniques(model_dir(path), config), language)
            out += [{**t.__dict__, "language": language} for t in own.values()]
    return out


def load(language: str = "en", fast: bool = False, sensitivity: str = "default", model: Models = None) -> Pipeline:
    """The default pipeline for ``language``, loaded once per process: ``PIPELINES`` built.

    ``fast=True`` takes the small English span model; Russian has one size. ``sensitivity``:
    the span decoder's operating point (``SENSITIVITIES``; English only, Russian has one), which
    ``Document.model`` records (``"sensitivity"``) and ``model_version`` distinguishes.
    ``model``: a model folder that ``unspin train`` wrote, or several (README, "Teach it your
    domain"): a span model replaces the technique tagger, a claims model the claim detector, for
    the language it was trained for; ``Document.model`` then says ``"size": "custom"`` and the
    span model's ``name``. A shipped span model given as ``model`` (or a copy of it) is its
    size (``sized``): ``model="src/unspin/models/en-fast"`` is ``fast=True``.
    Raises ``UnsupportedLanguageError`` for a language without models, ``InputError`` for an
    unknown sensitivity, a point the span model does not offer, or ``fast`` with another span
    ``model``, and ``ModelError`` when a model folder is missing or is not a model.
    """
    fast, models = sized(bool(fast), model_folders(model))
    return _load(language, fast, sensitivity, models)


def size_for(language: str = "en", fast: bool = False, model: Models = None) -> str:
    """What ``Document.model["size"]`` says for the pipeline ``load(language, fast, model=model)``
    builds: "custom" when your own span model reads the techniques, else ``SIZES`` (a shipped
    span model given as ``model`` is its size: ``sized``). Raises as ``load`` does."""
    fast, models = sized(bool(fast), model_folders(model))
    techniques = dict(declared_for(language, fast, models)).get("techniques", {}).get("model")
    return "custom" if techniques in models else SIZES[(language, fast)]


def check_point(language: str = "auto", fast: bool = False, sensitivity: str = "default", model: Models = None) -> None:
    """Raise now the ``InputError`` that loading would raise for an operating point the span
    model does not offer (``SpanModelConfig.decoding``: the same message, naming the folder),
    reading only config files: ``language`` "auto" checks each language's span model that reads
    at the point (Russian has one point, ``point_of``). ``unspin serve`` and ``unspin batch``
    load their models in workers, where the refusal would come back with every request or
    document instead of stopping the start. Raises ``InputError`` for an unknown sensitivity
    too, and what ``model_folders`` raises for a wrong ``model``."""
    check_sensitivity(sensitivity)
    fast, models = sized(bool(fast), model_folders(model))
    for lang in SUPPORTED if language == "auto" else (language,):
        if lang not in SUPPORTED or point_of(lang, sensitivity) == "default":
            continue
        folder = model_dir(folders_for(lang, fast, models)["techniques"])
        SpanModelConfig.read(folder).decoding(sensitivity, folder)


@lru_cache(maxsize=8)
def _load(language: str, fast: bool, sensitivity: str, models: tuple[str, ...]) -> Pipeline:
    if language not in SUPPORTED:
        raise UnsupportedLanguageError(f"no unspin model for this language; available: {', '.join(SUPPORTED)}", setting="language_code",
                                       value=language)
    point = point_of(language, check_sensitivity(sensitivity))
    langid.identify("warm up")  # load the identifier's model with the others, not on the first text
    key = (language, bool(fast))
    declared = tuple((name, {**settings, "sensitivity": point}) if name == "techniques" and point != "default" else (name, settings)
                     for name, settings in declared_for(language, fast, models))
    model = {"size": SIZES[key], "sensitivity": point, "version": model_version(language, fast, point, models)}
    techniques = dict(declared).get("techniques", {}).get("model")
    if techniques in models:  # your own span model: "custom" for the size, and its name
        model = {**model, "size": "custom", "name": str(model_config(techniques).get("name") or Path(techniques).name)}
    return Pipeline.from_declared(declared, language, model)


#: ``analyze``'s own keywords, which a ``**meta`` key must not be a near-miss of.
_ANALYZE_KEYWORDS = ("language", "max_chars", "evidence", "input_format", "fast", "sensitivity", "model")


def _check_arguments(meta: dict[str, Any], fast: Any, max_chars: Any, evidence: Any = None) -> None:
    """Raise ``TypeError`` for a misspelt keyword (close to one of ``_ANALYZE_KEYWORDS``, by
    ``difflib``'s ratio of at least 0.75), a non-bool ``fast``, a ``max_chars`` that is not a
    positive int or an ``evidence`` that is neither a path, a text, an ``EvidenceIndex`` nor a
    list of paths and texts: programming mistakes a caller must see, not run with defaults."""
    import difflib

    for key in meta:
        near = difflib.get_close_matches(key, _ANALYZE_KEYWORDS, n=1, cutoff=0.75)
        if near:
            raise TypeError(f"analyze() got an unexpected keyword argument {key!r}; did you mean {near[0]!r}?")
    if not isinstance(fast, bool):
        raise TypeError(f"analyze(): fast must be True or False, not {fast!r}")
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 1:
        raise TypeError(f"analyze(): max_chars must be a positive int, not {max_chars!r}")
    if evidence is not None and not _evidence_like(evidence):
        shown = repr(evidence)
        raise TypeError("analyze(): evidence must be a path, a text, or a list of paths and texts (or an EvidenceIndex), "
                        f"not {shown if len(shown) <= 60 else shown[:60] + '...'}")


def _evidence_like(evidence: Any) -> bool:
    """Whether ``evidence`` is what ``analyze`` takes: a path or text, an ``EvidenceIndex``, or
    a collection (list, tuple, set) of paths, texts and ``Source`` s (``unspin.article.evidence.build_index``)."""
    from unspin.article.evidence import EvidenceIndex

    item = (str, os.PathLike, Source)
    if isinstance(evidence, (*item, EvidenceIndex)):
        return True
    return isinstance(evidence, Collection) and not isinstance(evidence, Mapping) and all(isinstance(x, item) for x in evidence)


def analyze(
    text: str | bytes | os.PathLike | Source,
    language: str = "auto",
    *,
    max_chars: int = MAX_CHARS,
    evidence: str | os.PathLike | Sequence[Any] | Any | None = None,
    input_format: str = "auto",
    fast: bool = False,
    sensitivity: str = "default",
    model: Models = None,
    **meta: Any,
) -> Document:
    """Analyse one text and return a Document with its spans and article-level readings.

    ``text``: a str (the text itself, never a file name), bytes (decoded as
    ``unspin.inputs.read`` says), a ``pathlib.Path`` (any ``os.PathLike``: the file is read as
    ``unspin analyze FILE`` reads it, ``unspin.inputs.read_path``; a missing file, a folder or
    an unreadable file raise ``InputError``) or a ``Source`` already read. Anything else raises
    ``InputError``. ``input_format``: "auto" extracts the article when the input looks like an
    HTML page, "text" / "html" decide. Offsets index ``doc.text``: the input as given, or the
    extracted article for HTML. ``doc.warnings`` lists what is doubtful (repaired characters, an
    undetermined language, boilerplate left out).
    ``language="auto"`` identifies the language and routes English to the English models and
    Russian to the Russian one (technique spans with the ZenPropaganda names, Russian
    explanations, the summary; claims and genre are English-only, which a warning says). A text
    in a language without a model raises ``UnsupportedLanguageError`` naming it (pass
    ``language="en"`` or ``"ru"`` to force a model).
    ``evidence``: one path, or a list of files, folders (.txt, .md, .html) and raw texts the
    user trusts (``unspin.article.evidence.build_index``), or an ``EvidenceIndex`` built
    before; each check-worthy claim then carries the passages most worth reading beside it.
    Evidence with nothing readable to search raises ``InputError``.
    ``fast=True``: the small English span model (MiniLM-L6), about 3.5 times as quick and less
    accurate (README, "Quality and speed"); the default is the accurate all-mpnet-base-v2 model.
    ``sensitivity``: "precise" (higher precision, lower recall: shorter or fewer marks), "default" or "sensitive" (more passages,
    the weaker ones faint): README, "Operating points"; ``doc.model["sensitivity"]`` records it.
    ``model``: your own model folder(s), as ``load`` takes them (README, "Teach it your domain").
    ``**meta``: details of the text kept in ``doc.meta`` (``source="..."``, ``title="..."``); a
    keyword that looks like a misspelt parameter (``languag=``) raises ``TypeError`` naming it,
    as does a ``fast`` that is not a bool or a ``max_chars`` that is not a positive int.
    """
    _check_arguments(meta, fast, max_chars, evidence)
    meta = {**_path_meta(text), **meta}
    check_sensitivity(sensitivity)
    fast, models = sized(bool(fast), model_folders(model))
    if language == "auto":
        # Read once through the road, then route by the language identified on what the models
        # read; any other language gets the English pipeline's one-line refusal naming it.
        text = _source(text, max_chars, input_format, str(meta.get("source") or "input"))
        pipeline, ident = _route(text, language, fast, sensitivity, models)
    else:
        pipeline, ident = _load(language, bool(fast), sensitivity, models), None
    if isinstance(evidence, (str, os.PathLike)):
        evidence = [evidence]  # one path (or text): never a string read as one-character paths
    unlinked = evidence is not None and len(evidence) > 0 and "claims" not in pipeline.component_names
    if evidence is not None and len(evidence) > 0 and not unlinked:
        from unspin.article.evidence import EvidenceIndex

        if isinstance(evidence, EvidenceIndex):  # built before (the web server builds its own)
            from unspin.components.evidence import EvidenceLinker

            pipeline = pipeline.with_component(EvidenceLinker(evidence))
        else:
            pipeline = pipeline.add("evidence", sources=list(evidence))
    doc = pipeline.run([pipeline.make_doc(text, language, max_chars, input_format=input_format, identification=ident, **meta)])[0]
    if unlinked:  # evidence is searched for claims, and this language has no claims model yet
        doc.warnings.append(f"the reference texts were not searched: check-worthy claims are not looked for in {langid.name(doc.language)} text yet")
    _note_size(doc, fast, sensitivity)
    return doc


#: Said when the fast size was asked for a language that has one size.
ONE_SIZE = "the fast size is English-only: this {language} text was read by the {language} model, which has one size"


#: Said when an operating point was asked for a language whose model has one.
ONE_POINT = "the {sensitivity} setting is English-only: this {language} text was read at the {language} model's one setting"


def _note_size(doc: Document, fast: bool, sensitivity: str = "default") -> None:
    """Asking for ``fast`` on a language with one model size, or for an operating point on a
    language with one, is not an error, but is said."""
    if fast and (doc.language, True) in MODELS and MODELS[(doc.language, True)] == MODELS[(doc.language, False)]:
        doc.warnings.append(ONE_SIZE.format(language=langid.name(doc.language)))
    if point_of(doc.language, sensitivity) != sensitivity:
        doc.warnings.append(ONE_POINT.format(sensitivity=sensitivity, language=langid.name(doc.language)))


def analyze_many(
    texts: Iterable[str | bytes | os.PathLike | Source],
    language: str = "auto",
    *,
    batch_size: int = BATCH_SIZE,
    max_chars: int = MAX_CHARS,
    input_format: str = "auto",
    fast: bool = False,
    sensitivity: str = "default",
    errors: str = "raise",
    model: Models = None,
    batch_chars: int = BATCH_CHARS,
) -> Iterator[Document | UnspinError]:
    """``analyze`` of each text, in order, in batches of ``batch_size`` texts and at most
    ``batch_chars`` characters, a longer text alone (``Pipeline.pipe``): the same Documents, to
    the bit on a CPU, with less Python work per text (on a GPU the batch's documents share
    model calls: ``Pipeline.pipe``).

    Each text is routed to its language's pipeline as ``analyze`` routes it; a batch runs each
    pipeline once over its documents. ``errors="raise"`` raises the first bad text's
    ``UnspinError`` as its batch is read, before that batch's documents are yielded;
    ``errors="return"`` yields that error in the text's place and goes on (``unspin batch``
    stores it). ``ModelError`` (a missing or broken model) always raises. A single str, bytes or
    path (not a collection of texts) raises ``TypeError``. ``model``: as for ``load``.
    """
    if isinstance(texts, (str, bytes, os.PathLike, Source)):
        raise TypeError("analyze_many takes a list (or any iterable) of texts; for one text call unspin.analyze")
    if errors not in ("raise", "return"):
        raise ValueError(f"errors must be 'raise' or 'return', got {errors!r}")
    _check_batch(batch_size, batch_chars)
    check_sensitivity(sensitivity)
    fast, models = sized(bool(fast), model_folders(model))
    for chunk in chunked(texts, batch_size, batch_chars, text_size):
        out: list[Any] = [None] * len(chunk)
        groups: dict[int, tuple[Pipeline, list[int], list[Document]]] = {}
        for i, text in enumerate(chunk):
            try:
                src = _source(text, max_chars, input_format, "input")
                pipeline, ident = _route(src, language, fast, sensitivity, models)
                doc = pipeline.make_doc(src, language, max_chars, input_format=input_format, identification=ident, **_path_meta(text))
            except ModelError:
                raise
            except UnspinError as exc:
                if errors == "raise":
                    raise
                out[i] = exc
                continue
            _, where, docs = groups.setdefault(id(pipeline), (pipeline, [], []))
            where.append(i)
            docs.append(doc)
        for pipeline, where, docs in groups.values():
            for i, doc in zip(where, pipeline.run(docs)):
                _note_size(doc, fast, sensitivity)
                out[i] = doc
        yield from out


def _route(src: Source, language: str, fast: bool, sensitivity: str = "default",
           models: tuple[str, ...] = ()) -> tuple[Pipeline, langid.Identification | None]:
    """The pipeline ``analyze`` uses for ``src``, and the identification it was chosen by (None
    when ``language`` was forced): the identified language's; for an undetermined text or one
    in a language without a model, that of its script (``langid.by_script``), else English.
    ``make_doc`` then reads it with a warning, or refuses it with a one-line reason."""
    if language != "auto":
        return _load(language, bool(fast), sensitivity, models), None
    ident = langid.identify(ModelView.of(src.text).text)
    detected = langid.decide(ident)
    if detected not in SUPPORTED:
        # Undetermined: read by its script (make_doc adds the warning). Another language: the
        # pipeline of its script refuses it, so the advice names the model of that script
        # (Ukrainian: Russian's), English for any other script.
        detected = langid.by_script(ident) or SUPPORTED[0]
    return _load(detected, bool(fast), sensitivity, models), ident


def _path_meta(text: Any) -> dict[str, str]:
    """A file given by path records it as its source, as `unspin analyze FILE` does."""
    return {"source": os.fspath(text)} if isinstance(text, os.PathLike) else {}


def _check_batch(batch_size: int, batch_chars: int) -> None:
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if batch_chars < 1:
        raise ValueError(f"batch_chars must be at least 1, got {batch_chars}")


def text_size(text: Any) -> int:
    """About how many characters ``text`` (as ``pipe`` takes it) holds, before it is read: a
    str's length, a bytes' or a file's size in bytes (markup and multi-byte letters count
    more than the text they hold), a ``Source``'s text; 0 for anything else (refused later)."""
    if isinstance(text, Source):
        return len(text.text)
    if isinstance(text, (str, bytes)):
        return len(text)
    if isinstance(text, os.PathLike):
        try:
            return os.stat(text).st_size
        except (OSError, ValueError):  # read_path says what is wrong with it
            return 0
    return 0


def chunked(items: Iterable[Any], n: int, chars: int | None = None, size: Callable[[Any], int] = len) -> Iterator[list[Any]]:
    """``items`` in lists of at most ``n``, in order, read lazily: a corpus is never held whole.

    With ``chars``, a list also ends before an item that would take the ``size`` of its items
    past ``chars``; an item as large alone is a list of one. The last list may be shorter."""
    chunk: list[Any] = []
    total = 0
    for item in items:
        weight = size(item) if chars is not None else 0
        if chunk and chars is not None and total + weight > chars:
            yield chunk
            chunk, total = [], 0
        chunk.append(item)
        total += weight
        if len(chunk) >= n:
            yield chunk
            chunk, total = [], 0
    if chunk:
        yield chunk


def _companions(folder: Path) -> list[str]:
    """The span-marker model the span model in ``folder`` names, if any. A config that is no
    valid span model's names none here: it is still hashed, and loading it says what is wrong."""
    try:
        named = SpanModelConfig.read(folder).context_classifier
    except ModelError:
        return []
    return [named] if named else []


def model_version(language: str = "en", fast: bool = False, sensitivity: str = "default", model: Models = None) -> str:
    """``unspin`` version plus the config hashes of the models a pipeline uses, so a new model
    (or the other size, ``fast``, or your own ``model``) re-analyses what is stored; an operating
    point other than the default adds ``@<sensitivity>``, so a corpus re-analysed at another
    point is told apart. Raises what ``model_folders`` raises for a wrong ``model``.

    The folders are those of ``MODELS`` for the language and size, and the technique
    classifier a span model names (``context_classifier``); ``"auto"`` (a corpus of several
    languages, each routed to its model) covers every language and names each language's span
    model ("0.4.6+unspin-en-spans+unspin-ru-spans.<hash>"): a batch stores it for documents no
    model read (failed ones).
    """
    fast, models = sized(bool(fast), model_folders(model))
    try:
        folders: list[str] = []
        companions: list[str] = []
        for lang in SUPPORTED if language == "auto" else (language,):
            own = folders_for(lang, fast, models)
            folders += own.values()
            # A model the span model reads spans with (its config's context_classifier) counts too.
            companions += _companions(model_dir(own["techniques"]))
        # Companions last, each once: the order of the hash is that of every stored corpus.
        configs = [model_dir(folder) / CONFIG for folder in [*folders, *dict.fromkeys(companions)]]
        h = hashlib.sha256()
        for config in configs:
            h.update(config.parent.name.encode() + b"\0" + config.read_bytes())
        # One name for one language; for "auto" every language's span model, so the version a
        # batch stores for a failed document (whose language no model read) does not pass for
        # the English models' own version with another hash ("en-fast-spans.83718e..." beside
        # "en-fast-spans.e4266c...").
        names = [ModelConfig.read(model_dir(folders_for(lang, fast, models)["techniques"])).name or lang
                 for lang in (SUPPORTED if language == "auto" else (language,))]
        name = "+".join(dict.fromkeys(names))
    except (ModelError, OSError, KeyError):
        return __version__
    point = sensitivity if language == "auto" else point_of(language, sensitivity)
    return f"{__version__}+{name}.{h.hexdigest()[:12]}" + (f"@{point}" if point != "default" else "")
