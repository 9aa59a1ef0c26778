"""The scenario quiz: user, group, role or root? One scenario at a time, feedback at once.

The questions come from the scenario bank (:func:`iamlab.scenarios.load_bank`); an
instructor can pass their own bank: ``ScenarioQuiz(load_bank("private.yaml"))``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from html import escape

import ipywidgets as widgets

from iamlab import arguments as args
from iamlab.errors import IamlabError
from iamlab.safe_repr import safe_repr
from iamlab.scenarios import ANSWERS, Scenario, load_bank
from iamlab.widgets.badges import badge


def _text(scenario: object, name: str) -> str:
    value = getattr(scenario, name, None)
    return "" if value is None else str(value)


def section_link(section: str, base: str = "") -> str:
    """A link to the notebook section that teaches it (plain text when it is not a path).

    Sections are written from the course's root (``notebooks/05.01-....ipynb#Heading``); the
    link is relative to the notebook the quiz runs in, which ``base`` locates: ``""`` for a
    notebook in ``notebooks/`` (the course's own), ``"../../notebooks/"`` from two levels down.
    """
    if not section:
        return ""
    if section.startswith(("http://", "https://")):
        href = section
    elif ".ipynb" in section:
        href = base + section.removeprefix("notebooks/")
    else:
        return escape(section)
    return f'<a href="{escape(href, quote=True)}" target="_blank">{escape(section)}</a>'


class ScenarioQuiz(widgets.VBox):  # type: ignore[misc]
    """Answer user / group / role / root for each scenario; see why; get a score at the end.

    ``bank`` defaults to the course's scenario bank; ``notebooks`` is the relative path from
    the quiz's notebook to the course's ``notebooks/`` folder (for the "learn it in" links).

    Public parts: ``buttons`` (answer -> Button), ``next_button``, ``hint_button``,
    ``question``, ``feedback``, ``progress`` and ``score_view`` (views); ``score``,
    ``answered`` and ``index`` (state); :meth:`answer` and :meth:`next` do what the
    buttons do.
    """

    def __init__(
        self,
        bank: Sequence[Scenario] | None = None,
        *,
        shuffle: bool = False,
        seed: int | None = None,
        notebooks: str = "",
    ) -> None:
        args.check_quiz_arguments(bank, shuffle, seed, notebooks)
        if bank is None:
            bank = load_bank()
        self.notebooks = notebooks
        self.scenarios: list[Scenario] = list(bank)
        if not self.scenarios:
            raise IamlabError("the scenario bank is empty: the quiz needs at least one scenario")
        if shuffle:
            random.Random(seed).shuffle(self.scenarios)
        self.index = 0
        self.score = 0
        self.answered = False
        self.finished = False
        self.choices: list[str] = []  # what was answered, per question

        self.progress = widgets.HTML()
        self.question = widgets.HTML()
        self.buttons = {
            answer: widgets.Button(description=answer, tooltip=f"Answer: {answer}")
            for answer in ANSWERS
        }
        for answer, button in self.buttons.items():
            button.on_click(lambda _, a=answer: self.answer(a))
            button.add_class(f"iamlab-answer-{answer}")
        self.hint_button = widgets.Button(description="Hint", icon="lightbulb-o")
        self.hint_button.on_click(lambda _: self.show_hint())
        self.hint = widgets.HTML()
        self.feedback = widgets.HTML()
        self.next_button = widgets.Button(description="Next", button_style="info", disabled=True)
        self.next_button.on_click(lambda _: self.next())
        self.score_view = widgets.HTML()
        super().__init__(
            [
                self.progress,
                self.question,
                widgets.HBox([*self.buttons.values(), self.hint_button]),
                self.hint,
                self.feedback,
                self.next_button,
                self.score_view,
            ]
        )
        self.add_class("iamlab-quiz")
        self._show()

    @property
    def current(self) -> Scenario:
        return self.scenarios[self.index]

    def _show(self) -> None:
        scenario = self.current
        total = len(self.scenarios)
        self.progress.value = f"Question {self.index + 1} of {total} · score so far: {self.score}"
        self.question.value = (
            f"<h4>{escape(_text(scenario, 'title'))}</h4>"
            f"<p>{escape(_text(scenario, 'scenario'))}</p>"
            "<p><b>Who (or what) should it be: an IAM user, a group, a role or the root "
            "user?</b></p>"
        )
        self.hint.value = ""
        self.feedback.value = ""
        self.score_view.value = ""
        self.answered = False
        for button in self.buttons.values():
            button.disabled = False
            button.button_style = ""
        self.hint_button.disabled = not _text(scenario, "hint")
        self.next_button.disabled = True
        self.next_button.description = "Next" if self.index + 1 < total else "See my score"

    def show_hint(self) -> None:
        hint = _text(self.current, "hint")
        if hint:
            self.hint.value = f"<p><b>Hint:</b> {escape(hint)}</p>"

    def answer(self, choice: str) -> bool:
        """Answer the current question; return whether it was right. Once per question."""
        if choice not in ANSWERS:
            raise IamlabError(
                f"{safe_repr(choice)} is not an answer; choose one of {', '.join(ANSWERS)}"
            )
        if self.answered or self.finished:
            return False
        scenario = self.current
        right = _text(scenario, "answer")
        correct = choice == right
        self.answered = True
        self.choices.append(choice)
        if correct:
            self.score += 1
        for answer, button in self.buttons.items():
            button.disabled = True
            if answer == right:
                button.button_style = "success"
            elif answer == choice:
                button.button_style = "danger"
        verdict = (
            badge("✔ Correct", "#1a7f37")
            if correct
            else badge("✖ Not quite", "#b3261e", detail=f"the answer is: {right}")
        )
        parts = [verdict, f"<p>{escape(_text(scenario, 'why'))}</p>"]
        classic = _text(scenario, "classic_note")
        if classic:
            parts.append(f"<p><i>The classic analogy:</i> {escape(classic)}</p>")
        links = []
        doc = _text(scenario, "doc")
        if doc:
            links.append(
                f'<a href="{escape(doc, quote=True)}" target="_blank">AWS documentation</a>'
            )
        section = _text(scenario, "section")
        if section:
            links.append(f"learn it in {section_link(section, self.notebooks)}")
        if links:
            parts.append(f"<p>{' · '.join(links)}</p>")
        self.feedback.value = "".join(parts)
        self.progress.value = (
            f"Question {self.index + 1} of {len(self.scenarios)} · score so far: {self.score}"
        )
        self.next_button.disabled = False
        return correct

    def next(self) -> None:
        """Go to the next question, or show the score after the last one."""
        if not self.answered or self.finished:
            return
        if self.index + 1 < len(self.scenarios):
            self.index += 1
            self._show()
            return
        self.finished = True
        self.next_button.disabled = True
        total = len(self.scenarios)
        self.score_view.value = badge(
            f"Score: {self.score} / {total}", "#0b5cad", detail=_verdict(self.score, total)
        )

    def restart(self, *, shuffle: bool = False, seed: int | None = None) -> None:
        """Start again from the first question (optionally in a new order)."""
        if shuffle:
            random.Random(seed).shuffle(self.scenarios)
        self.index = 0
        self.score = 0
        self.finished = False
        self.choices = []
        self._show()


def _verdict(score: int, total: int) -> str:
    share = score / total
    if share == 1:
        return "every one right."
    if share >= 0.8:
        return "well done; read the explanations of the ones you missed."
    if share >= 0.5:
        return "a good start; the notebook sections linked above fill the gaps."
    return "worth another look at the notebooks, then try again."
