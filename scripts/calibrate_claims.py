"""Calibrate a claims model's scores and choose its threshold on sentences it never trained on.

    python scripts/calibrate_claims.py src/unspin/models/en-claims           # report only
    python scripts/calibrate_claims.py runs/claims-mpnet --write             # write into the folder's config.json

Data: CheckThat! 2024 English (../shared/data/checkworthiness_en), split as scripts/_data.py
``checkworthy_splits`` does: "own" (10% of CT24 train, held out by sentence id, never trained on)
fits the calibration and the threshold; dev (which only chose the training epoch) is measured.

- Calibration: Platt scaling of the logit margin (``unspin.calibration.fit_platt``). The expected
  calibration error (10 bins) before and after is measured 2-fold on own (fitted on one half by
  sentence id, measured on the other), then the calibration is fitted on all of own.
- Threshold: the calibrated score from which the share of own sentences flagged equals the share
  that are check-worthy (``share_threshold``): about as many claims as there are. P, R and F1 at
  it are reported 2-fold on own (threshold from the other half) and on dev.
- Articles (``--articles``, default bench/data/claims_articles.jsonl: whole texts with the
  sentences a reader marked check-worthy): precision of the 3 best-scored sentences per article,
  and the share of each article's sentences flagged.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from _data import checkworthy_splits  # noqa: E402

from unspin.calibration import Platt, expected_calibration_error, fit_platt, prf_at, share_threshold  # noqa: E402

ARTICLES = ROOT / "bench" / "data" / "claims_articles.jsonl"


def margins(folder: Path, texts: list[str]) -> np.ndarray:
    """Logit margin (Yes - No) of the claims model in ``folder`` for each text: (n,) float64."""
    from unspin.article.embed import OnnxTextModel

    model = OnnxTextModel(folder)
    out = [model(texts[i : i + 512]) for i in range(0, len(texts), 512)]
    logits = np.concatenate(out).astype(np.float64)
    return logits[:, 1] - logits[:, 0]


def article_figures(folder: Path, platt: Platt, threshold: float, path: Path, top: int = 3) -> dict:
    """Top-``top`` precision and flagged share on annotated articles (JSON lines: ``id``, ``text``,
    ``check_worthy``: the start offsets of the sentences a reader marked). Sentences are the
    claims component's candidates (``unspin.components.claims.candidate_sentences``)."""
    from unspin.components.claims import candidate_sentences
    from unspin.view import ModelView

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    per = {}
    for r in rows:
        text = ModelView.of(r["text"]).text
        sents = candidate_sentences(text)
        if not sents:
            continue
        p = platt(margins(folder, [text[a:b] for a, b in sents]))
        marked = {int(s) for s in r["check_worthy"]}
        gold = np.array([a in marked for a, _ in sents])
        order = np.argsort(-p, kind="stable")[:top]
        per[r["id"]] = {"sentences": len(sents), "check_worthy": int(gold.sum()), "flagged": int((p >= threshold).sum()),
                        f"top{top}_precision": round(float(gold[order].mean()), 4),
                        "top": [[round(float(p[i]), 3), bool(gold[i]), text[sents[i][0]:sents[i][1]][:80]] for i in order]}
    mean = float(np.mean([v[f"top{top}_precision"] for v in per.values()])) if per else 0.0
    return {f"mean_top{top}_precision": round(mean, 4), "articles": per}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", help="a claims model folder (config.json naming its ONNX file)")
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "checkworthiness_en"))
    ap.add_argument("--articles", default=str(ARTICLES))
    ap.add_argument("--write", action="store_true", help="write calibration, threshold and figures into the folder's config.json")
    args = ap.parse_args()
    folder = Path(args.folder)
    splits = checkworthy_splits(args.data)
    z = {k: margins(folder, [s.text for s in splits[k]]) for k in ("own", "dev")}
    y = {k: np.array([s.label for s in splits[k]]) for k in ("own", "dev")}
    halves = [np.arange(len(y["own"])) % 2 == h for h in (0, 1)]
    res: dict = {"ece_before": {}, "ece_after": {}, "own_2fold": []}
    for fit_on, test_on in ((halves[0], halves[1]), (halves[1], halves[0])):
        platt = fit_platt(z["own"][fit_on], y["own"][fit_on])
        t = share_threshold(platt(z["own"][fit_on]), float(y["own"][fit_on].mean()))
        res["own_2fold"].append(prf_at(platt(z["own"][test_on]), y["own"][test_on], t))
    # ECE pooled over both held halves, before (plain softmax) and after (each half's own fit).
    p_after = np.zeros(len(y["own"]))
    for fit_on, test_on in ((halves[0], halves[1]), (halves[1], halves[0])):
        p_after[test_on] = fit_platt(z["own"][fit_on], y["own"][fit_on])(z["own"][test_on])
    res["ece_before"]["own"] = round(expected_calibration_error(Platt()(z["own"]), y["own"]), 4)
    res["ece_after"]["own"] = round(expected_calibration_error(p_after, y["own"]), 4)
    platt = fit_platt(z["own"], y["own"])
    threshold = round(share_threshold(platt(z["own"]), float(y["own"].mean())), 4)
    res["ece_before"]["dev"] = round(expected_calibration_error(Platt()(z["dev"]), y["dev"]), 4)
    res["ece_after"]["dev"] = round(expected_calibration_error(platt(z["dev"]), y["dev"]), 4)
    res["calibration"] = platt.as_dict()
    res["threshold"] = threshold
    res["own"] = prf_at(platt(z["own"]), y["own"], threshold)
    res["dev"] = prf_at(platt(z["dev"]), y["dev"], threshold)
    if Path(args.articles).is_file():
        res["articles"] = article_figures(folder, platt, threshold, Path(args.articles))
    print(json.dumps(res, indent=1))
    if args.write:
        from unspin.config import TextModelConfig, write_config

        cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        cfg["calibration"] = {**platt.as_dict(), "fitted_on": "own: 10% of CT24 train held out by sentence id (never trained on)",
                              "method": "Platt scaling of the logit margin Yes - No (unspin.calibration)"}
        cfg["threshold"] = threshold
        cfg["threshold_from"] = "calibrated score at which the share of own sentences flagged equals the share check-worthy"
        cfg.setdefault("metrics", {})["calibrated"] = {k: v for k, v in res.items() if k != "articles"} | (
            {"articles_mean_top3_precision": res["articles"]["mean_top3_precision"]} if "articles" in res else {})
        cfg["calibrate_command"] = f"python scripts/calibrate_claims.py {args.folder} --write"
        write_config(folder, cfg, TextModelConfig)
        print(f"wrote {folder / 'config.json'}")


if __name__ == "__main__":
    main()
