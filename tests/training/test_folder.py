"""The techniques.json a training run writes (unspin.training.folder), as the views read it."""

from __future__ import annotations

from unspin import taxonomy
from unspin.training import folder


def test_techniques_json_rows_keep_builtin_names_for_their_language_only():
    rows = {r["name"]: r for r in folder.techniques_of(
        ["Greenwashing", "Whataboutism", "Name_Calling,Labeling", "Doubt"],
        {"Name_Calling,Labeling": "Labels people (ours).", "Greenwashing": ""})}
    # An English label set's Greenwashing and Whataboutism are its own, not ZenPropaganda's Russian ones.
    assert (rows["Greenwashing"]["display"], rows["Greenwashing"]["explanation"]) == ("Greenwashing", "")
    assert (rows["Whataboutism"]["display"], rows["Whataboutism"]["explanation"]) == ("Whataboutism", "")
    assert rows["Greenwashing"]["colour"] in folder.NEW_COLOURS
    # A PTC name keeps the display every view shows and its colour, with the explanation given for it...
    ptc = taxonomy.BY_NAME["Name_Calling,Labeling"]
    assert (rows["Name_Calling,Labeling"]["display"], rows["Name_Calling,Labeling"]["colour"]) == (ptc.display, ptc.colour)
    assert rows["Name_Calling,Labeling"]["explanation"] == "Labels people (ours)."
    # ...and PTC's help where none was given.
    assert rows["Doubt"]["explanation"] == taxonomy.BY_NAME["Doubt"].explanation
    # A Russian model's ZenPropaganda names are the Russian ones.
    ru = {r["name"]: r for r in folder.techniques_of(["Greenwashing"], {}, "ru")}
    assert ru["Greenwashing"]["display"] == taxonomy.RU_BY_NAME["Greenwashing"].display
