"""The 14 persuasion techniques of the PTC / SemEval-2020 Task 11, with plain-language help.

The PTC names are canonical everywhere in unspin. Names from other corpora map onto them
many-to-one; a name with no PTC counterpart is kept as it was (``canonical`` is ``None``),
never silently dropped.

A model trained on a label set of your own (``unspin train spans --taxonomy``) names its techniques
in its folder's techniques.json; ``label_set`` reads them, and each Document that model reads
carries them (``Document.own_techniques``), authoritative for that document only: nothing here is
registered process-wide, so the built-in tables (``BY_NAME``) never change and a shipped model's
documents keep the built-in names. Views look a name up with ``lookup`` / ``display_name`` /
``colour`` and the document's label set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from dataclasses import dataclass


@dataclass(frozen=True)
class Technique:
    name: str  # the PTC label, e.g. "Name_Calling,Labeling"
    display: str
    explanation: str
    example: str
    colour: str  # a hex colour used by every renderer, so a technique looks the same everywhere


TECHNIQUES: tuple[Technique, ...] = (
    Technique(
        "Appeal_to_Authority",
        "Appeal to authority",
        "Treats a claim as true because an expert, official or famous person said it, "
        "instead of showing the evidence. Quoting an authority is not wrong in itself; it "
        "becomes a technique when the name stands in for the argument.",
        "Leading scientists agree the plan is the only sensible choice.",
        "#1f77b4",
    ),
    Technique(
        "Appeal_to_fear-prejudice",
        "Appeal to fear or prejudice",
        "Builds support by making readers afraid of what will happen otherwise, or by "
        "playing on existing suspicion of a group.",
        "If we let them in, our towns will never be safe again.",
        "#d62728",
    ),
    Technique(
        "Bandwagon,Reductio_ad_hitlerum",
        "Bandwagon / Reductio ad Hitlerum",
        "Urges readers to join in because everyone else already does, or rejects an idea "
        "because a hated person or group is said to hold it.",
        "Millions have already switched; only the stubborn still hold out.",
        "#9467bd",
    ),
    Technique(
        "Black-and-White_Fallacy",
        "Black-and-white fallacy",
        "Presents two options as the only ones possible when more exist, often so that one "
        "of them looks unavoidable.",
        "Either you support the new law or you support the criminals.",
        "#8c564b",
    ),
    Technique(
        "Causal_Oversimplification",
        "Causal oversimplification",
        "Pins a complex outcome on one cause, or one culprit, leaving out the others.",
        "Prices went up for one reason only: the new mayor.",
        "#e377c2",
    ),
    Technique(
        "Doubt",
        "Doubt",
        "Questions the credibility of a person or institution, often by insinuation rather "
        "than by evidence.",
        "Can we really trust a commission that never explains its own budget?",
        "#7f7f7f",
    ),
    Technique(
        "Exaggeration,Minimisation",
        "Exaggeration or minimisation",
        "Makes something look far bigger, better or worse than it is, or plays a serious "
        "matter down as trivial.",
        "The reform is the greatest disaster in the history of the country.",
        "#bcbd22",
    ),
    Technique(
        "Flag-Waving",
        "Flag-waving",
        "Leans on patriotism or group identity (nation, faith, party) to justify an idea.",
        "Every true patriot knows what must be done.",
        "#17becf",
    ),
    Technique(
        "Loaded_Language",
        "Loaded language",
        "Uses words chosen for their emotional charge, positive or negative, to colour how "
        "the reader feels about a subject.",
        "The regime's thugs unleashed a brutal crackdown.",
        "#ff7f0e",
    ),
    Technique(
        "Name_Calling,Labeling",
        "Name calling / labelling",
        "Attaches a label to a person or group that the reader is meant to fear, hate, "
        "mock or, sometimes, admire, instead of describing what they do.",
        "The self-proclaimed headquarters issued another decree.",
        "#2ca02c",
    ),
    Technique(
        "Repetition",
        "Repetition",
        "Repeats the same message or phrase so that it sticks and starts to feel true.",
        "They lied about the war. They lied about the money. They lied about everything.",
        "#aec7e8",
    ),
    Technique(
        "Slogans",
        "Slogan",
        "A short, punchy phrase that works as a rallying cry and replaces an argument.",
        "Take back control!",
        "#ffbb78",
    ),
    Technique(
        "Thought-terminating_Cliches",
        "Thought-terminating cliché",
        "A stock phrase that ends discussion and discourages further thinking.",
        "It is what it is.",
        "#98df8a",
    ),
    Technique(
        "Whataboutism,Straw_Men,Red_Herring",
        "Whataboutism / straw man / red herring",
        "Deflects criticism by pointing at someone else's faults, attacks a distorted "
        "version of the opponent's position, or changes the subject.",
        "How would Warsaw react if Moscow did the same on its border?",
        "#c5b0d5",
    ),
)

BY_NAME: dict[str, Technique] = {t.name: t for t in TECHNIQUES}
NAMES: tuple[str, ...] = tuple(t.name for t in TECHNIQUES)


#: Colour of a label that is not one of the 14 techniques (every renderer uses the same).
FALLBACK_COLOUR = "#888888"


def get(name: str) -> Technique:
    """Return the technique with the canonical PTC name ``name``."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown technique {name!r}; known: {', '.join(NAMES)}") from None


def _key(name: str) -> str:
    # Corpora disagree on case, '-' vs '_' vs '/' vs ',' and curly quotes: compare on letters.
    return re.sub(r"[^a-z]+", "", name.lower())


# ru_zen_prop (ZenPropaganda, 36 names). Names with no PTC counterpart map to None.
RU_ZEN_PROP: dict[str, str | None] = {
    "Appeal_to_authority": "Appeal_to_Authority",
    "Hate_speech,slang,name_calling": "Name_Calling,Labeling",
    "Labelling": "Name_Calling,Labeling",
    "Casting_Doubt": "Doubt",
    "Loaded_language": "Loaded_Language",
    "Negative/Positive_concepts": "Loaded_Language",
    "Sensational_and/or_provocative_headings": "Loaded_Language",
    "Causal_Simplification": "Causal_Oversimplification",
    "Simplified_Interpretation": "Causal_Oversimplification",
    "Consequential_Simplification": "Causal_Oversimplification",
    "Distraction_by_scapegoat": "Causal_Oversimplification",
    "Appeal_to_Hypocrisy": "Whataboutism,Straw_Men,Red_Herring",
    "Substitution_of_an_idea": "Whataboutism,Straw_Men,Red_Herring",
    "Strawman": "Whataboutism,Straw_Men,Red_Herring",
    "Whataboutism": "Whataboutism,Straw_Men,Red_Herring",
    "Red_Herring": "Whataboutism,Straw_Men,Red_Herring",
    "Statistical_deception": "Exaggeration,Minimisation",
    "Exaggeration/Minimization": "Exaggeration,Minimisation",
    "Appeal_to_fear/prejudice": "Appeal_to_fear-prejudice",
    "Stereotypes": "Appeal_to_fear-prejudice",
    "Appeal_to_values": "Flag-Waving",
    "Flag_waving": "Flag-Waving",
    "False_Dilemma": "Black-and-White_Fallacy",
    "Repetition": "Repetition",
    "Slogan": "Slogans",
    "“you_should”": "Slogans",
    "Guilt_by_Association": "Bandwagon,Reductio_ad_hitlerum",
    "Appeal_to_popularity": "Bandwagon,Reductio_ad_hitlerum",
    "Conversation_Killer": "Thought-terminating_Cliches",
    "Rumours": None,
    "Obfuscation,vagueness,obscurantism": None,
    "“I_am_like_you”": None,
    "Appeal_to_Time": None,
    "Greenwashing": None,
    "Bluewashing": None,
    "(PT)_Call": None,
}

# SemEval-2023 Task 3 / CheckThat! 23-technique names.
SEMEVAL_2023: dict[str, str | None] = {
    "Appeal_to_Authority": "Appeal_to_Authority",
    "Appeal_to_Popularity": "Bandwagon,Reductio_ad_hitlerum",
    "Appeal_to_Values": "Flag-Waving",
    "Appeal_to_Fear-Prejudice": "Appeal_to_fear-prejudice",
    "Flag_Waving": "Flag-Waving",
    "Causal_Oversimplification": "Causal_Oversimplification",
    "False_Dilemma-No_Choice": "Black-and-White_Fallacy",
    "Consequential_Oversimplification": "Causal_Oversimplification",
    "Straw_Man": "Whataboutism,Straw_Men,Red_Herring",
    "Red_Herring": "Whataboutism,Straw_Men,Red_Herring",
    "Whataboutism": "Whataboutism,Straw_Men,Red_Herring",
    "Appeal_to_Hypocrisy": "Whataboutism,Straw_Men,Red_Herring",
    "Slogans": "Slogans",
    "Conversation_Killer": "Thought-terminating_Cliches",
    "Loaded_Language": "Loaded_Language",
    "Repetition": "Repetition",
    "Exaggeration-Minimisation": "Exaggeration,Minimisation",
    "Name_Calling-Labeling": "Name_Calling,Labeling",
    "Doubt": "Doubt",
    "Guilt_by_Association": "Bandwagon,Reductio_ad_hitlerum",
    "Questioning_the_Reputation": "Doubt",
    "Appeal_to_Time": None,
    "Obfuscation-Vagueness-Confusion": None,
}

_ALIASES: dict[str, str | None] = {}
for _table in (SEMEVAL_2023, RU_ZEN_PROP):
    for _name, _target in _table.items():
        _ALIASES.setdefault(_key(_name), _target)
for _t in TECHNIQUES:  # canonical names win over any alias with the same letters
    _ALIASES[_key(_t.name)] = _t.name
# PTC v1 and the PTC README spell two names differently from techniques.txt.
_ALIASES[_key("Exaggeration,Minimization")] = "Exaggeration,Minimisation"
_ALIASES[_key("Name_Calling,Labelling")] = "Name_Calling,Labeling"


@dataclass(frozen=True)
class MappedLabel:
    original: str
    canonical: str | None  # None: no PTC counterpart; the original name is kept

    @property
    def label(self) -> str:
        """The canonical name where there is one, else the original name unchanged."""
        return self.canonical or self.original


def map_label(name: str) -> MappedLabel:
    """Map a technique name from PTC, ZenPropaganda or SemEval-2023 onto the PTC set."""
    return MappedLabel(original=name, canonical=_ALIASES.get(_key(name)))


# ---------------------------------------------------------------------------- Russian (ZenPropaganda)
#: The 6 meta-classes of ZenPropaganda, with Russian display names.
RU_META_CLASSES: dict[str, str] = {
    "Attack on Reputation": "Удар по репутации",
    "Justification": "Обоснование",
    "Manipulation": "Манипуляция",
    "Distraction": "Отвлечение",
    "Simplification": "Упрощение",
    "Call": "Призыв",
}

# name: (meta-class, Russian display name, Russian explanation). Meta-classes are the corpus's own
# (train-task2-TC.labels_meta gives each name exactly one; tests check this table against it).
_RU: dict[str, tuple[str, str, str]] = {
    "Casting_Doubt": ("Attack on Reputation", "Посев сомнений",
                      "Ставит под сомнение честность или компетентность человека или организации намёками, без доказательств."),
    "Guilt_by_Association": ("Attack on Reputation", "Вина по ассоциации",
                             "Очерняет идею или человека, связывая их с теми, кого читатель уже не любит."),
    "Hate_speech,slang,name_calling": ("Attack on Reputation", "Оскорбления и ярлыки",
                                       "Грубые, жаргонные или оскорбительные слова вместо описания того, что человек делает."),
    "Labelling": ("Attack on Reputation", "Навешивание ярлыков",
                  "Прикрепляет к человеку или группе ярлык, который должен вызвать страх, насмешку или неприязнь."),
    "Negative/Positive_concepts": ("Attack on Reputation", "Оценочные понятия",
                                   "Окрашивает предмет словами с заранее заданной хорошей или плохой оценкой."),
    "(PT)_Call": ("Call", "Призыв к действию",
                  "Прямо зовёт читателя что-то сделать, не объясняя, почему это нужно."),
    "Appeal_to_Time": ("Call", "Апелляция ко времени",
                       "Торопит: «сейчас или никогда», «время пришло», чтобы не оставить времени на раздумья."),
    "Conversation_Killer": ("Call", "Прекращение разговора",
                            "Дежурная фраза, которая закрывает обсуждение и отбивает охоту думать дальше."),
    "Slogan": ("Call", "Лозунг",
               "Короткая броская фраза-клич, которая заменяет аргумент."),
    "“you_should”": ("Call", "«Вы должны»",
                     "Говорит читателю, что он обязан думать или поступать так, как хочет автор."),
    "Appeal_to_Hypocrisy": ("Distraction", "Обвинение в лицемерии",
                            "Отвечает на критику указанием, что критикующий сам поступает не лучше, вместо разбора по существу."),
    "Distraction_by_scapegoat": ("Distraction", "Поиск козла отпущения",
                                 "Сваливает сложную проблему на одного виновника, отвлекая от настоящих причин."),
    "Red_Herring": ("Distraction", "Отвлекающий манёвр",
                    "Уводит разговор на другую, не относящуюся к делу тему."),
    "Strawman": ("Distraction", "Соломенное чучело",
                 "Спорит с искажённой, упрощённой версией чужой позиции, а не с ней самой."),
    "Substitution_of_an_idea": ("Distraction", "Подмена понятий",
                                "Незаметно заменяет обсуждаемую мысль другой, удобной автору."),
    "Whataboutism": ("Distraction", "А у вас…",
                     "Отводит критику, указывая на чужие проступки: «а у них ещё хуже»."),
    "Appeal_to_authority": ("Justification", "Ссылка на авторитет",
                            "Считает утверждение верным потому, что его произнёс эксперт, чиновник или знаменитость, а не потому, что есть доказательства."),
    "Appeal_to_fear/prejudice": ("Justification", "Игра на страхе и предрассудках",
                                 "Добивается согласия, пугая последствиями или разжигая недоверие к какой-то группе."),
    "Appeal_to_popularity": ("Justification", "Апелляция к большинству",
                             "Призывает согласиться, потому что «все так думают» или «все уже так делают»."),
    "Appeal_to_values": ("Justification", "Апелляция к ценностям",
                         "Оправдывает мысль ссылкой на дорогие читателю ценности (семья, традиции, свобода) вместо доводов."),
    "Bluewashing": ("Justification", "Блювошинг",
                    "Прикрывает сомнительное дело видимостью социальной ответственности или заботы о людях."),
    "Flag_waving": ("Justification", "Размахивание флагом",
                    "Опирается на патриотизм или чувство принадлежности к группе, чтобы оправдать идею."),
    "Greenwashing": ("Justification", "Гринвошинг",
                     "Выдаёт что-то за полезное для природы без подтверждений."),
    "Rumours": ("Justification", "Слухи",
                "Подаёт непроверенные слухи и пересказы «из источников» как установленный факт."),
    "Exaggeration/Minimization": ("Manipulation", "Преувеличение или преуменьшение",
                                  "Раздувает значение события или, наоборот, выдаёт серьёзное за пустяк."),
    "Loaded_language": ("Manipulation", "Эмоционально нагруженная лексика",
                        "Слова, подобранные ради эмоций, чтобы окрасить отношение читателя к предмету."),
    "Obfuscation,vagueness,obscurantism": ("Manipulation", "Туманность и неясность",
                                           "Намеренно расплывчатые формулировки, которые можно понять как угодно."),
    "Repetition": ("Manipulation", "Повторение",
                   "Повторяет одну и ту же мысль или фразу, чтобы она запомнилась и начала казаться правдой."),
    "Sensational_and/or_provocative_headings": ("Manipulation", "Кликбейт",
                                                "Сенсационный или провокационный заголовок, обещающий больше, чем есть в тексте."),
    "Statistical_deception": ("Manipulation", "Обман цифрами",
                              "Подаёт числа вырванными из контекста или неверно сравнивает их, чтобы создать ложное впечатление."),
    "Causal_Simplification": ("Simplification", "Упрощение причин",
                              "Объясняет сложное явление одной причиной, опуская остальные."),
    "Consequential_Simplification": ("Simplification", "Упрощение последствий",
                                     "Утверждает, что один шаг неизбежно приведёт к цепочке всё более страшных последствий."),
    "False_Dilemma": ("Simplification", "Ложная дилемма",
                      "Представляет два варианта как единственно возможные, хотя есть и другие."),
    "Simplified_Interpretation": ("Simplification", "Упрощённое толкование",
                                  "Сводит сложный вопрос к простой схеме, удобной для вывода автора."),
    "Stereotypes": ("Simplification", "Стереотипы",
                    "Приписывает всем членам группы одни и те же черты."),
    "“I_am_like_you”": ("Simplification", "«Я такой же, как вы»",
                        "Автор изображает себя «простым человеком», чтобы ему доверяли без доводов."),
}

# Colours: a mapped name shares its PTC technique's colour (same meaning, same look in every view);
# unmapped names take one colour per meta-class.
_META_COLOUR = {
    "Attack on Reputation": "#2ca02c", "Justification": "#1f77b4", "Manipulation": "#ff7f0e",
    "Distraction": "#c5b0d5", "Simplification": "#e377c2", "Call": "#ffbb78",
}


@dataclass(frozen=True)
class RuTechnique(Technique):
    """A ZenPropaganda technique: Russian display name and explanation, its meta-class and the PTC
    technique it corresponds to (``ptc`` is None where none does)."""

    meta_class: str = ""
    ptc: str | None = None


def _ru_technique(name: str, meta: str, display: str, explanation: str) -> RuTechnique:
    ptc = RU_ZEN_PROP.get(name)
    colour = BY_NAME[ptc].colour if ptc else _META_COLOUR[meta]
    return RuTechnique(name, display, explanation, "", colour, meta, ptc)


RU_TECHNIQUES: tuple[RuTechnique, ...] = tuple(_ru_technique(n, *v) for n, v in sorted(_RU.items()))
RU_BY_NAME: dict[str, RuTechnique] = {t.name: t for t in RU_TECHNIQUES}
# Renderers look labels up in BY_NAME; the Russian names join it (without replacing the PTC
# "Repetition", which both corpora spell the same), so Russian spans show Russian names and help.
for _t in RU_TECHNIQUES:
    BY_NAME.setdefault(_t.name, _t)


def meta_class(name: str) -> str | None:
    """The ZenPropaganda meta-class of a technique name, None for names outside that corpus."""
    t = RU_BY_NAME.get(name)
    return t.meta_class if t else None


#: What a technique of a model's own label set shows where its labels came without an explanation.
UNEXPLAINED = "No explanation came with this technique: it is one of the model's own labels (see the model folder's techniques.json)."

#: The PTC techniques by name (``BY_NAME`` also holds the ZenPropaganda names).
PTC_BY_NAME: dict[str, Technique] = {t.name: t for t in TECHNIQUES}

#: A model's own label set: technique name -> ``Technique`` (``label_set``).
LabelSet = Mapping[str, Technique]


def builtin(name: str, language: str = "en") -> Technique | None:
    """The shipped technique ``name`` for a model of ``language``: for Russian a ZenPropaganda
    name (Russian display and help), else a PTC one; for any other language PTC's 14 only, so an
    English label set's ``Greenwashing`` is never taken for the Russian one. None otherwise."""
    if language == "ru" and name in RU_BY_NAME:
        return RU_BY_NAME[name]
    return PTC_BY_NAME.get(name)


def lookup(name: str, own: LabelSet | None = None) -> Technique | None:
    """The technique ``name`` as a document shows it: from ``own`` (the label set of the model
    that read it, ``Document.own_techniques``) first, then the built-in names (``BY_NAME``);
    None for a name neither knows."""
    return (own or {}).get(name) or BY_NAME.get(name)


def display_name(name: str, own: LabelSet | None = None) -> str:
    """A technique's name for people ("Loaded language"); any other label as it is. ``own``:
    the reading model's own label set, which wins over the built-in names (``lookup``)."""
    t = lookup(name, own)
    return t.display if t else name


def colour(name: str, own: LabelSet | None = None) -> str:
    """A technique's hex colour, the same in every view (``own`` first, as ``display_name``);
    ``FALLBACK_COLOUR`` for other labels."""
    t = lookup(name, own)
    return t.colour if t else FALLBACK_COLOUR


def label_set(rows: Iterable[Mapping[str, Any]], language: str = "en") -> dict[str, Technique]:
    """A model's own label set from rows of name, display, explanation, example, colour
    (``unspin.runtime.model_techniques``: the folder's techniques.json), in row order.

    The label set is authoritative for the documents its model reads (``Document.own_techniques``;
    unspin keeps no process-wide registry, so a shipped model's documents read in the same
    process keep the built-in names). A blank field is filled from the built-in technique of that
    name for the model's ``language`` (``builtin``: a PTC name keeps PTC's help), else the name
    (display), ``UNEXPLAINED`` (explanation) or ``FALLBACK_COLOUR``. Rows without a name are skipped."""
    out: dict[str, Technique] = {}
    for row in rows:
        name = str(row.get("name") or "")
        if not name:
            continue
        known = builtin(name, language)
        fallback = known.__dict__ if known is not None else {"display": name, "explanation": UNEXPLAINED, "example": "", "colour": FALLBACK_COLOUR}
        given = {k: str(row.get(k) or "").strip() or str(fallback[k]) for k in ("display", "explanation", "example", "colour")}
        out[name] = Technique(name, **given)
    return out


def own_of(*analyses: Any) -> dict[str, Technique]:
    """The own label sets that analyses carry (``Document.own_techniques``, or the analysis
    JSON's ``"own_techniques"`` rows), merged in order (a later analysis's entry for a name wins):
    what views of several analyses (a comparison, a corpus report) name techniques by."""
    out: dict[str, Technique] = {}
    for a in analyses:
        own = getattr(a, "own_techniques", None)
        if own is None and isinstance(a, Mapping):
            rows = a.get("own_techniques")
            own = label_set(r for r in rows if isinstance(r, Mapping)) if isinstance(rows, list) else {}
        out.update(own or {})
    return out


def label_set_rows(own: LabelSet) -> list[dict[str, str]]:
    """``own`` as JSON rows (name, display, explanation, colour), in its order."""
    return [{"name": t.name, "display": t.display, "explanation": t.explanation, "colour": t.colour} for t in own.values()]


def catalogue(language: str = "en") -> tuple[Technique, ...]:
    """The techniques a model for ``language`` predicts (with explanations in that language)."""
    return RU_TECHNIQUES if language == "ru" else TECHNIQUES


def span_details(name: str, language: str) -> dict[str, str | None]:
    """Extra JSON fields for a span of a Russian document labelled with a ZenPropaganda name:
    Russian display name and explanation, meta-class and the corresponding PTC technique (None
    where none corresponds). Empty for other languages and unknown names, so the English output
    keeps its shape."""
    t = RU_BY_NAME.get(name) if language == "ru" else None
    if t is None:
        return {}
    return {"display": t.display, "explanation": t.explanation, "meta_class": t.meta_class,
            "meta_class_display": RU_META_CLASSES[t.meta_class], "ptc_technique": t.ptc}


# -- why this phrase: what a technique's cue words do, in one line ------------------------------
#: For each PTC technique, what the words that carry it do (shown beside the cue words of a span,
#: ``cue_details``): specific to the phrase's role, unlike the technique's general explanation.
CUE_LINES: dict[str, str] = {
    "Loaded_Language": "these words carry strong feeling in place of a neutral description",
    "Name_Calling,Labeling": "these words label a person or group to discredit or praise them",
    "Repetition": "these words repeat wording used elsewhere in the text, to drive it home",
    "Exaggeration,Minimisation": "these words overstate or play down how big or bad something is",
    "Doubt": "these words question someone's credibility instead of answering their point",
    "Appeal_to_fear-prejudice": "these words stir fear of what will happen unless the reader agrees",
    "Flag-Waving": "these words appeal to national or group pride to justify a view",
    "Causal_Oversimplification": "these words give one cause for an outcome that has many",
    "Appeal_to_Authority": "these words lean on who said it rather than on evidence",
    "Slogans": "a short, catchy phrase that stands in for an argument",
    "Black-and-White_Fallacy": "these words offer two choices as if there were no others",
    "Thought-terminating_Cliches": "a stock phrase that cuts the discussion short",
    "Whataboutism,Straw_Men,Red_Herring": "these words turn to someone else's faults or a distorted claim instead of the point",
    "Bandwagon,Reductio_ad_hitlerum": "these words say everyone agrees, or tie the other side to a hated group",
}
#: The same for each ZenPropaganda technique, in Russian. A line per meta-class gave Casting_Doubt
#: and Labelling the same "label or cast a shadow" line, which named neither.
RU_TECHNIQUE_CUE_LINES: dict[str, str] = {
    "(PT)_Call": "эти слова прямо призывают читателя к действию",
    "Appeal_to_Time": "эти слова торопят («сейчас или никогда»), не оставляя времени подумать",
    "Conversation_Killer": "шаблонная фраза, которая обрывает обсуждение",
    "Slogan": "короткая броская фраза вместо довода",
    "“you_should”": "эти слова указывают читателю, что ему думать или делать",
    "Appeal_to_Hypocrisy": "эти слова обвиняют оппонента в лицемерии вместо ответа по существу",
    "Distraction_by_scapegoat": "эти слова перекладывают вину на удобного виновника",
    "Red_Herring": "эти слова уводят разговор к постороннему",
    "Strawman": "эти слова искажают позицию оппонента, чтобы её было легче опровергнуть",
    "Substitution_of_an_idea": "эти слова незаметно подменяют обсуждаемую мысль другой",
    "Whataboutism": "эти слова отвечают на критику чужими грехами («а у вас...»)",
    "Appeal_to_authority": "эти слова опираются на то, кто это сказал, а не на доказательства",
    "Appeal_to_fear/prejudice": "эти слова пугают последствиями или играют на предубеждениях",
    "Appeal_to_popularity": "эти слова утверждают, что так думают или делают все",
    "Appeal_to_values": "эти слова взывают к ценностям (семье, традициям, вере) вместо довода",
    "Bluewashing": "эти слова прикрывают дело видимостью заботы о людях",
    "Flag_waving": "эти слова взывают к патриотизму или гордости за свою группу",
    "Greenwashing": "эти слова выдают что-то за полезное для природы без подтверждений",
    "Rumours": "эти слова подают слухи и пересказы «из источников» как факт",
    "Casting_Doubt": "эти слова ставят под сомнение честность или компетентность человека, а не его довод",
    "Guilt_by_Association": "эти слова связывают человека с осуждаемыми, чтобы очернить его",
    "Hate_speech,slang,name_calling": "эти слова оскорбляют или унижают человека или группу",
    "Labelling": "эти слова наклеивают на человека или группу ярлык",
    "Negative/Positive_concepts": "эти слова заранее окрашивают предмет хорошей или плохой оценкой",
    "Causal_Simplification": "эти слова сводят событие к одной причине",
    "Consequential_Simplification": "эти слова пророчат из одного шага цепочку всё более страшных последствий",
    "False_Dilemma": "эти слова оставляют два варианта, как будто других нет",
    "Simplified_Interpretation": "эти слова сводят сложный вопрос к простой схеме",
    "Stereotypes": "эти слова приписывают всей группе одну черту",
    "“I_am_like_you”": "эти слова изображают автора «своим», простым человеком",
    "Exaggeration/Minimization": "эти слова преувеличивают или преуменьшают масштаб",
    "Loaded_language": "эти слова несут сильную эмоцию вместо нейтрального описания",
    "Obfuscation,vagueness,obscurantism": "эти слова нарочно расплывчаты: их можно понять как угодно",
    "Repetition": "эти слова повторяют сказанное, чтобы закрепить его",
    "Sensational_and/or_provocative_headings": "эти слова делают заголовок кричащим, чтобы зацепить",
    "Statistical_deception": "эти слова подают числа так, что они вводят в заблуждение",
}
#: By ZenPropaganda meta-class, in Russian: the line for a Russian name without its own line.
RU_CUE_LINES: dict[str, str] = {
    "Attack on Reputation": "эти слова наклеивают ярлык или бросают тень на человека или группу",
    "Justification": "эти слова оправдывают позицию ссылкой на авторитет, страх или общее мнение",
    "Manipulation": "эти слова нагнетают эмоции или искажают масштаб происходящего",
    "Distraction": "эти слова уводят от сути к чужим недостаткам или искажённому тезису",
    "Simplification": "эти слова сводят сложное к одной причине или к двум вариантам",
    "Call": "эти слова призывают к действию или подменяют довод лозунгом",
}


def cue_fields(cues: Iterable[tuple[int, int]], name: str, language: str) -> dict[str, Any]:
    """A span's cue fields as the analysis JSON and the store's export give them: ``cues``
    (``[[start, end], ...]``) and, where there are cue words, ``cue_details``' line on what they
    do (a line about "these words" needs words to point at)."""
    out: dict[str, Any] = {"cues": [[int(a), int(b)] for a, b in cues]}
    if out["cues"]:
        out.update(cue_details(name, language))
    return out


def cue_details(name: str, language: str) -> dict[str, str]:
    """``{"cue_why": line}``: what the cue words of a span labelled ``name`` do, in one line, in
    the text's language (``CUE_LINES``; Russian ``RU_TECHNIQUE_CUE_LINES``, else by meta-class,
    ``RU_CUE_LINES``). Empty for an unknown name, so a user's own technique names keep their
    spans' shape (their cues show without a line)."""
    if language == "ru":
        t = RU_BY_NAME.get(name)
        line = RU_TECHNIQUE_CUE_LINES.get(name) or (RU_CUE_LINES.get(t.meta_class) if t is not None else None)
    else:
        line = CUE_LINES.get(name)
    return {"cue_why": line} if line else {}
