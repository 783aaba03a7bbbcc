"""The scope decision's false-refusal and false-accept rates on every labelled set, and how
they move with the floor and the margin (app/core/scope.py). Prints, never asserts.

    .venv/bin/python bench/calibrate_gate.py [MORE.jsonl ...]

A question is in scope when the best support among the measures reaches the floor and
leads the nearest counter-example of its document by the margin; one declined with an open
aspect or a claim in it is looked at again on its topic alone. Sets: tests/golden/
{calibration,calibration_2,calibration_3,calibration_4,calibration_6,calibration_7,
calibration_8,calibration_9,calibration_10,gate_calibration,own,public}.jsonl and
../shared/golden/traps.jsonl when present; the held-out sets are not read here.
"""

import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.chat import Chat  # noqa: E402
from app.core.question import Question, understand  # noqa: E402
from app.core.retrieve import Retrieval, Retriever  # noqa: E402
from app.core.scope import Decision, Gate, decide, topic_alone  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.web.deps import gate_for  # noqa: E402
from ingest.source import Corpus, corpus_at  # noqa: E402
from vectorstore.embeddings import load_embedder  # noqa: E402
from vectorstore.store import open_store  # noqa: E402

SETS = [
    ROOT / "tests" / "golden" / f"{name}.jsonl"
    for name in (
        "calibration",
        "calibration_2",
        "calibration_3",
        "calibration_4",
        "calibration_6",
        "calibration_7",
        "calibration_8",
        "calibration_9",
        "calibration_10",
        "gate_calibration",
        "own",
        "public",
    )
]
SETS.append(ROOT.parent / "shared" / "golden" / "traps.jsonl")


def labelled(path: Path) -> list[tuple[str, bool]]:
    found = []
    for line in path.read_text("utf-8").splitlines():
        item = json.loads(line)
        if "turns" in item or item.get("kind") in ("meta", "summary") or "pattern" in item:
            continue
        if "in_scope" in item:
            found.append((item["question"], bool(item["in_scope"])))
        else:
            covered = item.get("kind") != "out_of_scope" and bool(item.get("expect"))
            found.append((item["question"], covered))
    return found


def asked(text: str, gate: Gate) -> Question:
    question = understand(text)
    places = gate.places
    return replace(
        question, elsewhere=places.elsewhere(question.text), venue=places.venue(question.text)
    )


def retrieved(chat: Chat, question: Question) -> tuple[Retrieval, Retrieval | None]:
    retrieval = chat.retriever.retrieve(question)
    # the topic alone as a declined question would have it (at any floor and margin)
    declined = replace(decide(question, retrieval, chat.corpus, chat.gate), in_scope=False)
    alone = topic_alone(replace(declined, reason="outside"))
    if alone is None:
        return retrieval, None
    again = chat.retriever.retrieve(replace(question, text=alone))
    return retrieval, replace(again, question=question)


def decided(found: tuple[Retrieval, Retrieval | None], corpus: Corpus, gate: Gate) -> Decision:
    retrieval, core = found
    decision = decide(retrieval.question, retrieval, corpus, gate)
    if core is None or topic_alone(decision) is None:
        return decision
    again = decide(retrieval.question, core, corpus, gate)
    return again if again.in_scope else decision


def main() -> None:
    settings = Settings(_env_file=None)
    corpus = corpus_at(settings.corpus_dir)
    store = open_store(settings.store_dir, settings.chroma_url, load_embedder(settings.embedder))
    gate = gate_for(settings, corpus)
    chat = Chat(Retriever(store, corpus), corpus, gate)
    paths = [path for path in SETS if path.exists()] + [Path(a) for a in sys.argv[1:]]
    sets = {path.stem: labelled(path) for path in paths}
    # one retrieval per question; the decision is cheap to remake for every floor and margin
    # with each, the retrieval of its topic alone (without its open aspects) for the
    # second look a declined question gets (scope.second_look)
    retrievals = {
        name: [(retrieved(chat, asked(q, gate)), covered) for q, covered in questions]
        for name, questions in sets.items()
    }
    floors = [gate.floor + step for step in (-0.01, 0.0, 0.01)]
    margins = [gate.margin + step for step in (-0.012, -0.008, -0.004, 0.0, 0.004, 0.008)]
    for floor in floors:
        for margin in margins:
            trial = replace(gate, floor=floor, margin=margin)
            row: dict[str, object] = {"floor": round(floor, 3), "margin": round(margin, 3)}
            row["default"] = (floor, margin) == (gate.floor, gate.margin)
            pooled = [0, 0, 0, 0]
            for name, items in retrievals.items():
                refused = accepted = inside = outside = 0
                for found, covered in items:
                    decision = decided(found, corpus, trial)
                    if covered:
                        inside += 1
                        refused += not decision.in_scope
                    else:
                        outside += 1
                        accepted += decision.in_scope
                row[name] = {
                    "false_refusal": round(refused / max(inside, 1), 4),
                    "false_accept": round(accepted / max(outside, 1), 4),
                    "in": inside,
                    "out": outside,
                }
                pooled = [
                    pooled[0] + refused,
                    pooled[1] + inside,
                    pooled[2] + accepted,
                    pooled[3] + outside,
                ]
            row["pooled"] = {
                "false_refusal": round(pooled[0] / max(pooled[1], 1), 4),
                "false_accept": round(pooled[2] / max(pooled[3], 1), 4),
            }
            print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
