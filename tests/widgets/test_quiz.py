"""The scenario quiz, driven headless: answer, read the feedback, reach the score."""

from __future__ import annotations

import pytest
from widget_text import text

from iamlab import IamlabError
from iamlab.scenarios import Scenario, load_bank
from iamlab.widgets import ScenarioQuiz

DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles.html"
SECTION = "notebooks/01.02-users-groups-roles.ipynb#Roles"


def scenario(**fields: str) -> Scenario:
    return Scenario(**{"doc": DOC, "section": SECTION, **fields})  # type: ignore[arg-type]


BANK = [
    scenario(
        id="app-on-ec2",
        title="The order app on EC2",
        scenario="The order app on an EC2 instance writes orders to DynamoDB.",
        answer="role",
        why="Workloads on AWS get temporary credentials from a role.",
        hint="Who should not hold long-term keys?",
    ),
    scenario(
        id="new-barista",
        title="A new barista",
        scenario="Three new baristas need the same permissions as the others.",
        answer="group",
        why="Attach the policy to a group once; add each user to it.",
        classic_answer="user",
        classic_note="The classic answer gives each barista their own policies.",
    ),
    scenario(
        id="close-account",
        title="Closing the account",
        scenario="The owner wants to close the AWS account.",
        answer="root",
        why="Closing the account is one of the tasks only the root user can do.",
        section="",
    ),
]


@pytest.fixture
def quiz() -> ScenarioQuiz:
    return ScenarioQuiz(BANK)


def test_shows_the_first_scenario(quiz: ScenarioQuiz) -> None:
    """Does the quiz open on the first scenario with four answers and Next disabled?"""
    assert "The order app on EC2" in text(quiz.question.value)
    assert "Question 1 of 3" in text(quiz.progress.value)
    assert list(quiz.buttons) == ["user", "group", "role", "root"]
    assert quiz.next_button.disabled
    assert quiz.feedback.value == ""


def test_right_answer_says_correct_and_why(quiz: ScenarioQuiz) -> None:
    """Does clicking the right answer say Correct, explain why and link the docs and notebook?"""
    quiz.buttons["role"].click()
    feedback = text(quiz.feedback.value)
    assert "✔ Correct" in feedback
    assert "temporary credentials from a role" in feedback
    assert "docs.aws.amazon.com" in quiz.feedback.value
    assert 'href="01.02-users-groups-roles.ipynb#Roles"' in quiz.feedback.value
    assert quiz.score == 1
    assert not quiz.next_button.disabled
    assert all(b.disabled for b in quiz.buttons.values())
    assert quiz.buttons["role"].button_style == "success"


def test_wrong_answer_says_not_quite_and_the_answer(quiz: ScenarioQuiz) -> None:
    """Does a wrong answer say Not quite, give the right one and not score?"""
    assert quiz.answer("user") is False
    feedback = text(quiz.feedback.value)
    assert "✖ Not quite" in feedback
    assert "the answer is: role" in feedback
    assert "Correct" not in feedback
    assert quiz.score == 0
    assert quiz.buttons["user"].button_style == "danger"


def test_section_links_are_relative_to_the_quiz_notebook() -> None:
    """From a notebook elsewhere, does the "learn it in" link find the course's notebooks?"""
    quiz = ScenarioQuiz(BANK, notebooks="../../notebooks/")
    quiz.answer("role")
    assert 'href="../../notebooks/01.02-users-groups-roles.ipynb#Roles"' in quiz.feedback.value


def test_only_one_answer_counts(quiz: ScenarioQuiz) -> None:
    """Can a learner answer twice to collect the point? (They cannot.)"""
    quiz.answer("user")
    assert quiz.answer("role") is False
    assert quiz.score == 0


def test_classic_note_is_shown(quiz: ScenarioQuiz) -> None:
    """Where the classic analogy differs, does the feedback say so?"""
    quiz.answer("role")
    quiz.next()
    quiz.answer("group")
    assert "classic analogy" in text(quiz.feedback.value)
    assert "each barista their own policies" in text(quiz.feedback.value)


def test_hint(quiz: ScenarioQuiz) -> None:
    """Does the hint button show the hint, and is it disabled when there is none?"""
    quiz.hint_button.click()
    assert "long-term keys" in text(quiz.hint.value)
    quiz.answer("role")
    quiz.next()
    assert quiz.hint.value == ""
    assert quiz.hint_button.disabled


def test_score_at_the_end(quiz: ScenarioQuiz) -> None:
    """After the last question, does the quiz show the score out of the total?"""
    quiz.answer("role")
    quiz.next_button.click()
    quiz.answer("user")
    quiz.next_button.click()
    assert "Question 3 of 3" in text(quiz.progress.value)
    assert quiz.next_button.description == "See my score"
    quiz.answer("root")
    assert quiz.score_view.value == ""
    quiz.next_button.click()
    assert quiz.finished
    assert "Score: 2 / 3" in text(quiz.score_view.value)
    assert quiz.choices == ["role", "user", "root"]


def test_next_needs_an_answer(quiz: ScenarioQuiz) -> None:
    """Does Next do nothing before the question is answered?"""
    quiz.next()
    assert quiz.index == 0


def test_shuffle_with_a_seed_is_repeatable() -> None:
    """Does the same seed give the same order, and the bank stay as passed?"""
    order = [s.id for s in ScenarioQuiz(BANK * 3, shuffle=True, seed=4).scenarios]
    again = [s.id for s in ScenarioQuiz(BANK * 3, shuffle=True, seed=4).scenarios]
    assert order == again
    assert order != [s.id for s in BANK * 3]
    assert [s.id for s in BANK] == ["app-on-ec2", "new-barista", "close-account"]


def test_restart(quiz: ScenarioQuiz) -> None:
    """Does restart go back to question 1 with a score of zero?"""
    quiz.answer("role")
    quiz.next()
    quiz.restart()
    assert quiz.index == 0 and quiz.score == 0
    assert "Question 1 of 3" in text(quiz.progress.value)


def test_bad_answer_and_empty_bank() -> None:
    """Are an answer outside the four and an empty bank reported as IamlabError?"""
    with pytest.raises(IamlabError, match="not an answer"):
        ScenarioQuiz(BANK).answer("admin")
    with pytest.raises(IamlabError, match="empty"):
        ScenarioQuiz([])


def test_the_real_bank() -> None:
    """With no bank given, does the quiz use the course's scenario bank (30 or more)?"""
    quiz = ScenarioQuiz()
    assert len(quiz.scenarios) >= 30
    assert [s.id for s in quiz.scenarios] == [s.id for s in load_bank()]
    first = quiz.scenarios[0]
    assert quiz.answer(first.answer) is True
    assert "✔ Correct" in text(quiz.feedback.value)
