"""Tokens as the OpenAI-compatible routes count them, without a tokenizer (none is
downloaded): one per CJK character, per Latin word, per number and per other visible
symbol. Close enough to real tokenizers for `usage` and for honouring `max_tokens`, which
`Budget` does by cutting the text at the last sentence end that fits."""

import re

TOKEN = re.compile(r"[A-Za-z\u00c0-\u024f]+(?:'[A-Za-z]+)?|[0-9]+(?:[.,][0-9]+)*|\S")
# a sentence ends at Chinese end punctuation or a line end, or at . ! ? ; before a space,
# so that a number such as "3.5" stays whole
SENTENCE = re.compile(r".*?(?:[。！？；\n]|[.!?;](?=\s))", re.DOTALL)


def count_tokens(text: str) -> int:
    return len(TOKEN.findall(text))


def first_tokens(text: str, count: int) -> str:
    ends = [m.end() for m in TOKEN.finditer(text)]
    return text[: ends[count - 1]] if len(ends) >= count else text


class Budget:
    """The text sent so far, and at most `limit` tokens of it when a limit is given, cut at
    the last sentence end that fits. Text arrives in pieces (a stream's deltas), so a
    sentence is let through once it is complete."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.sent = ""
        self.used = 0  # tokens of `sent`, counted a sentence at a time
        self.pending = ""
        self.exhausted = False

    def take(self, text: str) -> str:
        if self.limit is None:
            self.sent += text
            return text
        if self.exhausted:
            return ""
        self.pending += text
        released = ""
        while (sentence := SENTENCE.match(self.pending)) and not self.exhausted:
            released += self._fit(sentence.group())
            self.pending = self.pending[sentence.end() :]
        return released

    def finish(self) -> str:
        """What is left of an unfinished last sentence, if it fits."""
        rest, self.pending = self.pending, ""
        return self._fit(rest) if rest and not self.exhausted else ""

    def _fit(self, sentence: str) -> str:
        assert self.limit is not None
        cost = count_tokens(sentence)
        if self.used + cost <= self.limit:
            self.sent, self.used = self.sent + sentence, self.used + cost
            return sentence
        self.exhausted = True
        # not even one sentence fits: the first words of it rather than nothing at all
        part = first_tokens(sentence, self.limit) if not self.sent else ""
        self.sent, self.used = self.sent + part, self.used + count_tokens(part)
        return part

    @property
    def finish_reason(self) -> str:
        return "length" if self.exhausted else "stop"
