"""The words the LLM is given, as files beside this one, so the Chinese wording is edited
without touching Python. A package, so that an installed wheel carries them too."""

from pathlib import Path

PROMPTS_DIR = Path(__file__).parent
