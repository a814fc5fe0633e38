"""Average the weights of span-model runs that share a starting point (a uniform "model soup").

    python scripts/soup.py runs/en-cont runs/en-cont-s5 runs/en-sb05 runs/en-tt05 --out runs/soup4

Runs fine-tuned from the same weights (here all second stages from runs/en-v3/spannet.pt) tend
to stay in one basin of the loss, so their average behaves like an ensemble at the cost of one
model (Wortsman et al., ICML 2022). Runs from different starts do not average: the script refuses
members whose config names a different --init. Only parameters every member has are averaged;
training-only heads (token_tech) and the optional BIO layer mix are refused, because a member
with a layer mix reads different states with its BIO head.

The soup is exported and tuned on the validation split exactly like a train_spans.py run
(``unspin.training.spans.export``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_spans  # noqa: E402


def average(states: list[dict]) -> dict:
    """Uniform mean of the parameters all states share; refuses states whose shared keys differ in shape."""
    keys = set(states[0]).intersection(*states[1:])
    extra = sorted({k for s in states for k in s} - keys)
    if any(not k.startswith("token_tech.") for k in extra):
        raise ValueError(f"members differ in more than the training-only head: {extra}")
    soup = {}
    for k in sorted(keys):
        shapes = {tuple(s[k].shape) for s in states}
        if len(shapes) > 1:
            raise ValueError(f"{k} has different shapes across members: {shapes}")
        soup[k] = torch.stack([s[k].float() for s in states]).mean(0).to(states[0][k].dtype)
    return soup


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("members", nargs="+", help="run folders, each with spannet.pt and config.json")
    ap.add_argument("--out", required=True)
    ap.add_argument("--data", default=str(train_spans.ROOT.parent / "shared" / "data" / "ptc"))
    ap.add_argument("--infer-stride", type=int, default=224)
    ap.add_argument("--install", action="store_true", help="copy the result into src/unspin/models/en")
    args = ap.parse_args()

    members = [Path(m) for m in args.members]
    configs = [json.loads((m / "config.json").read_text())["trained"] for m in members]
    inits = {c.get("init") or c.get("start") for c in configs}
    if len(inits) != 1 or None in inits:
        sys.exit(f"members must continue from one shared --init; they name {sorted(map(str, inits))}")
    if any(c.get("bio_layers", 1) != 1 for c in configs):
        sys.exit("members with --bio-layers > 1 read other states with their BIO head; leave them out")
    windows = {c.get("window", train_spans.WINDOW) or c.get("recipe", {}).get("window") for c in configs}
    if len(windows) != 1:
        sys.exit(f"members were trained on different window lengths: {sorted(windows)}")
    args.window = windows.pop()
    states = [torch.load(next(p for p in (m / "training" / "spannet.pt", m / "spannet.pt") if p.is_file()), map_location="cpu") for m in members]
    try:
        soup = average(states)
    except ValueError as e:
        sys.exit(str(e))

    from unspin.training.bases import minilm_folder
    from unspin.training.folder import training_dir

    net = train_spans.trainer.SpanNet(minilm_folder(), len(train_spans.LABELS))
    net.load_state_dict(soup)
    out = Path(args.out)
    torch.save(net.state_dict(), training_dir(out) / "spannet.pt")
    # The exported config records the recipe; name the members and their shared start there.
    parsed = train_spans.parser().parse_args(["--out", str(out), "--data", args.data, "--window", str(args.window), "--infer-stride", str(args.infer_stride),
                               "--init", str(inits.pop()), "--name", "unspin-en-spans-soup"])
    result = train_spans.export_net(net, parsed)
    print(f"soup of {len(members)}: {result['model']}")
    if args.install:
        train_spans.install(parsed)


if __name__ == "__main__":
    main()
