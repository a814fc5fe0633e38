"""The 14 persuasion techniques of the PTC / SemEval-2020 Task 11, with plain-language help.

The PTC names are canonical everywhere in unspin. Names from other corpora map onto them
many-to-one; a name with no PTC counterpart is kept as it was (``canonical`` is ``None``),
never silently dropped.
"""

from __future__ import annotations

import re
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


def display_name(name: str) -> str:
    """A technique's name for people ("Loaded language"); any other label as it is."""
    t = BY_NAME.get(name)
    return t.display if t else name


def colour(name: str) -> str:
    """A technique's hex colour, the same in every view; ``FALLBACK_COLOUR`` for other labels."""
    t = BY_NAME.get(name)
    return t.colour if t else FALLBACK_COLOUR


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
