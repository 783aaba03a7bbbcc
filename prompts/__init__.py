"""The words the LLM is given and the frames of extractive answers, as files beside this
one, so the wording is edited without touching Python. A package, so that an installed
wheel carries them too."""

from pathlib import Path

PROMPTS_DIR = Path(__file__).parent
