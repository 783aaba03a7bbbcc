"""The relevance gate's false-refusal and false-accept rates, and how they move with the
score floor, on the calibration set and the golden sets. Prints, never asserts.

    .venv/bin/python bench/calibrate_gate.py
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.chat import Chat  # noqa: E402
from app.core.question import understand  # noqa: E402
from app.core.retrieve import Retriever  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.web.deps import gate_for  # noqa: E402
from ingest.source import Corpus, bundled_policy  # noqa: E402
from vectorstore.embeddings import load_embedder  # noqa: E402
from vectorstore.store import open_store  # noqa: E402

GOLDEN = ROOT / "tests" / "golden"


def labelled(name: str) -> list[tuple[str, bool]]:
    items = [json.loads(line) for line in (GOLDEN / name).read_text("utf-8").splitlines()]
    found = []
    for item in items:
        if "in_scope" in item:
            found.append((item["question"], item["in_scope"]))
        elif "question" in item and item.get("kind") != "meta":
            found.append((item["question"], bool(item.get("expect"))))
    return found


def rates(chat: Chat, questions: list[tuple[str, bool]], floor: float) -> dict:
    chat.relevance_floor = floor
    in_scope = [q for q, covered in questions if covered]
    out_scope = [q for q, covered in questions if not covered]
    refused = sum(not chat.scope(understand(q)).in_scope for q in in_scope)
    accepted = sum(chat.scope(understand(q)).in_scope for q in out_scope)
    return {
        "in_scope": len(in_scope),
        "out_of_scope": len(out_scope),
        "false_refusal": round(refused / max(len(in_scope), 1), 4),
        "false_accept": round(accepted / max(len(out_scope), 1), 4),
    }


def main() -> None:
    settings = Settings(_env_file=None)
    store = open_store(settings.store_dir, settings.chroma_url, load_embedder(settings.embedder))
    policy = bundled_policy()
    corpus = Corpus((policy,))
    chat = Chat(Retriever(store, corpus), corpus, gate_for(settings, corpus))
    sets = {
        name: labelled(name) for name in ("gate_calibration.jsonl", "own.jsonl", "public.jsonl")
    }
    default = settings.relevance_floor
    for floor in (default - 0.01, default - 0.005, default, default + 0.005, default + 0.01):
        row = {name: rates(chat, questions, floor) for name, questions in sets.items()}
        print(json.dumps({"floor": round(floor, 3), "default": floor == default, **row}))


if __name__ == "__main__":
    main()
