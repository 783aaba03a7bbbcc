"""The words of extractive answers, in Chinese and English, read once from
prompts/answer.zh.toml and prompts/answer.en.toml: wording is edited without touching
Python, and both files must carry the same keys with the same placeholders."""

import string
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from prompts import PROMPTS_DIR

LANGUAGES = ("zh", "en")


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def flatten(table: dict[str, object], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


@dataclass(frozen=True)
class Wording:
    texts: dict[str, dict[str, str]]  # language → "section.key" → template

    @classmethod
    def load(cls, directory: Path = PROMPTS_DIR) -> "Wording":
        texts = {
            language: flatten(
                tomllib.loads((directory / f"answer.{language}.toml").read_text("utf-8"))
            )
            for language in LANGUAGES
        }
        zh, en = texts["zh"], texts["en"]
        if set(zh) != set(en):
            raise ValueError(
                f"answer wording keys differ between zh and en: {sorted(set(zh) ^ set(en))}"
            )
        for key in zh:
            if placeholders(zh[key]) != placeholders(en[key]):
                raise ValueError(f"answer wording {key!r} has other placeholders in zh and en")
        return cls(texts)

    def say(self, english: bool, key: str, **values: object) -> str:
        return self.texts["en" if english else "zh"][key].format(**values)


@cache
def wording() -> Wording:
    return Wording.load()
