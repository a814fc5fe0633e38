"""Where to set the evidence index's ``MIN_SCORE``: the scores that real matches and
non-matches get with the shipped sentence embedder.

    python bench/evidence_threshold.py

Indexes three reference texts written here (a city budget report, a health survey, a court
ruling) and the fixtures of ``tests/article/fixtures`` (the treaty, a ministry statement, a
fisheries report and four short articles about a bypass road), then searches 42 claims: 16
that restate one passage, 7 that paraphrase or cite one in other words, and 19 that no passage
supports (9 on other subjects, 10 on the reference texts' subjects). Prints each
claim's best passage and score, then, for a few thresholds, how many correct matches would
still be shown and how many unsupported claims would be shown a passage.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from unspin.article import evidence as ev

ROOT = Path(__file__).resolve().parents[1]
REFERENCES = {
    "budget.txt": "\n".join([
    'Annual Report of the Millbrook City Council on Public Spending and Local Services for 2024',
    "",
    'Summary. The council spent 412 million euros in 2024, four percent more than in 2023. Most of the '
    'increase went to school buildings and to the bus network.',
    "",
    'Schools. Spending on school buildings rose from 38 to 51 million euros. Six primary schools received '
    'new roofs and heating, and the Eastside secondary school was extended by twelve classrooms.',
    "",
    'Transport. The bus network carried 31 million passengers, up from 27 million. The council bought 40 '
    'electric buses and opened two new lines to the northern suburbs.',
    "",
    'Housing. The council completed 620 social homes, short of its target of 900. Building costs rose by '
    'a fifth, and two projects were delayed by a shortage of bricklayers.',
    "",
    "Debt. The council's debt stood at 190 million euros at the end of the year. Interest payments took "
    'three percent of the budget.',
    "",
]),
    "health.md": "\n".join([
    '# Results of the national survey on childhood asthma and air quality in urban areas',
    "",
    'The survey followed 8,400 children aged 5 to 12 in eleven cities between 2019 and 2023.',
    "",
    'Children living within 200 metres of a major road were 1.6 times as likely to be diagnosed with '
    'asthma as children living further away.',
    "",
    'After the low-emission zone was introduced in the capital, hospital admissions for asthma among '
    'children fell by 14 percent within two years.',
    "",
    'The authors caution that the survey cannot prove that traffic pollution causes asthma, because '
    'families near major roads also differ in income and housing.',
    "",
]),
    "ruling.html": """<html><head><title>Ruling</title></head><body>
<h1>Judgment of the Supreme Court in the case of the Harbour Workers Union against the Port Authority</h1>
<p>The court ruled on 3 March that the Port Authority had broken the law when it dismissed 45 dock workers during the strike of 2022.</p>
<p>The Authority must reinstate the workers and pay them the wages they lost, about 2.1 million euros in total.</p>
<p>Two of the seven judges dissented, arguing that the strike had not been announced in time and was therefore unlawful.</p>
<p>The Port Authority said it would comply with the judgment but would ask parliament to change the rules on strike notice.</p>
</body></html>
""",
}
# (claim, how the passage it restates begins)
RESTATED = [
    ("The council spent 412 million euros last year, 4 percent more than the year before.", "Summary."),
    ("Millbrook built only 620 social homes in 2024, far below the promised 900.", "Housing."),
    ("The city's buses carried 31 million people in 2024.", "Transport."),
    ("Children who live near busy roads are 60 percent more likely to have asthma.", "Children living within"),
    ("Asthma hospital admissions of children dropped by 14 percent after the low-emission zone was introduced.", "After the low-emission"),
    ("The Supreme Court found that the dismissal of 45 dock workers during the 2022 strike was illegal.", "The court ruled"),
    ("The dismissed workers will get 2.1 million euros in lost wages.", "The Authority must"),
    ("Two judges disagreed with the majority.", "Two of the seven"),
    ("The council's debt reached 190 million euros.", "Debt."),
    ("Spending on school buildings rose to 51 million euros.", "Schools."),
    ("Under Article 2 of the treaty, every country has to halve industrial waste in the rivers by 2030.", "Article 2."),
    ("Fish stocks in the Birch have grown by a third.", "Fish stocks"),
    ("Industry will pay about 300 million a year because of the new waste limits, officials estimate.", "Ministry statement"),
    ("Disputes about the treaty go to the joint commission first, then to arbitration.", "Article 3."),
    ("The recovery of the fish began when two paper mills closed, anglers say.", "Anglers"),
    ("The study cannot show that pollution from traffic causes asthma.", "The authors caution"),
]
PARAPHRASED = [
    ("Fewer kids ended up in hospital with breathing problems once dirty cars were kept out of the capital.", "After the low-emission"),
    ("Half of the pollution from factories must be gone from the rivers by the end of the decade.", "Article 2."),
    ("The port has to take back the men it fired and compensate them.", "The Authority must"),
    ("More people than ever are using public transport in Millbrook.", "Transport."),
    ("Housing projects were held up because there were not enough builders.", "Housing."),
    ("The harbour bosses want lawmakers to rewrite strike rules.", "The Port Authority said"),
    # examples/column.txt cites the treaty's Article 2 for what it does not say: the passage to read.
    ("According to a leading expert in international law, Article 2 of the treaty provides clear grounds for the "
     "government to restore order by any means.", "Article 2."),
]
OTHER_SUBJECTS = [
    "The minister said the new budget would protect hospitals.",
    "The Supreme Court has been accused of bias by the government.",
    "The mayor of Millbrook announced she will not seek re-election.",
    "The talks went on late into the night.",
    "The football team won its third championship in a row.",
    "Inflation rose to 5 percent in March.",
    "The actor's new film opens in cinemas on Friday.",
    # examples/news.txt: "4,000" and a minister's meeting matched a bypass report and the ministry statement.
    "Police said about 4,000 people took part; organisers put the figure at 7,000.",
    "The prime minister's office said it was ready to meet representatives of the protesters next week but did not give a date.",
]
SAME_SUBJECTS = [
    "The city council raised parking fees by 30 percent in 2024.",
    "Air pollution in the capital is the worst in Europe.",
    "Asthma rates among adults have doubled over the past decade.",
    "The Port Authority plans to privatise the harbour next year.",
    "Local services in the city are getting worse every year, residents say.",
    "Public spending by the council on local services is out of control.",
    "The national survey found that children in urban areas are less healthy.",
    "The ministry said on Tuesday that the treaty was a historic achievement.",
    "The union called a new strike at the port for next month.",
    "Fishing on the Alder river is banned until 2027.",
]
THRESHOLDS = (0.2, 0.25, 0.28, 0.3, 0.35, 0.4, 0.45)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in REFERENCES.items():
            (Path(tmp) / name).write_text(text, encoding="utf-8")
        index = ev.build_index([Path(tmp), ROOT / "tests" / "article" / "fixtures"], use_cache=False)
        texts = [p.text for p in index.passages]

        def best(claims: list[str]) -> list[dict]:
            return [hits[0] for hits in index.search_many(claims, k=1, min_score=-1.0)]

        correct: list[float] = []
        for group, pairs in (("restated", RESTATED), ("paraphrased", PARAPHRASED)):
            for (claim, start), hit in zip(pairs, best([c for c, _ in pairs])):
                wanted = next(t for t in texts if t.startswith(start) or t.split("\n\n", 1)[-1].startswith(start))
                ok = hit["text"] == wanted
                if ok:
                    correct.append(hit["score"])
                print(f"{group:12} {hit['score']:.3f} {'right' if ok else 'WRONG'} passage | {claim[:70]}")
        unsupported: list[float] = []
        for group, claims in (("other subj.", OTHER_SUBJECTS), ("same subj.", SAME_SUBJECTS)):
            for claim, hit in zip(claims, best(claims)):
                unsupported.append(hit["score"])
                print(f"{group:12} {hit['score']:.3f} {hit['text'][:40]!r} | {claim[:60]}")
        print()
        for t in THRESHOLDS:
            shown = sum(s >= t for s in correct)
            wrong = sum(s >= t for s in unsupported)
            print(f"min score {t:.2f}: correct matches shown {shown}/{len(correct)}; "
                  f"unsupported claims shown a passage {wrong}/{len(unsupported)}")


if __name__ == "__main__":
    main()
