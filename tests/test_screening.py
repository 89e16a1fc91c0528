"""The screening walk-through understands the everyday ways people say yes and no."""

from __future__ import annotations

import pytest

from massage_cli.screening import NO_WORDS, YES_WORDS, parse_answer


class TestParseAnswer:
    """parse_answer: yes and no words in any case, with any punctuation; anything else is neither."""

    @pytest.mark.parametrize("text", [*YES_WORDS, "Yes!", "YEP.", " sure ", "OK", "o.k.", "Yeah!!", "'yup'"])
    def test_yes(self, text: str) -> None:
        """Each yes word, however written, is yes."""
        assert True is parse_answer(text)

    @pytest.mark.parametrize("text", [*NO_WORDS, "nah", "Nope!", "n.", "NAY", " no ", "No...", "False"])
    def test_no(self, text: str) -> None:
        """Each no word, however written, is no."""
        assert False is parse_answer(text)

    @pytest.mark.parametrize("text", ["", "   ", "maybe", "yes no", "not sure", "2", "?"])
    def test_neither(self, text: str) -> None:
        """Blank text, other words and both at once are neither yes nor no."""
        assert None is parse_answer(text)

    def test_every_documented_word(self) -> None:
        """The words the README promises are all understood."""
        yes = ["yes", "y", "yeah", "yep", "yup", "sure", "ok", "true", "1"]
        no = ["no", "n", "nah", "nope", "nay", "false", "0"]
        assert ([True] * len(yes), [False] * len(no)) == (
            [parse_answer(w) for w in yes],
            [parse_answer(w) for w in no],
        )
