"""The scenario bank (src/iamlab/scenarios): the packaged data and the loader's checks."""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from pathlib import Path

import pytest

import iamlab
from iamlab.scenarios import (
    ANSWERS,
    GROUP,
    ROLE,
    ROOT,
    USER,
    Scenario,
    ScenarioBank,
    UnknownScenarioError,
    load_bank,
)

ROOT_DIR = Path(__file__).resolve().parents[2]
USER_GUIDE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
# The notebooks of the course (DESIGN.md: notebooks/CC.SS-kebab-title.ipynb).
NOTEBOOKS = {
    "00.00-start-here",
    "01.01-the-root-user",
    "02.01-iam-users-and-credentials",
    "02.02-groups",
    "03.01-policies",
    "03.02-how-aws-decides",
    "03.03-boundaries-and-conditions",
    "04.01-roles-and-temporary-credentials",
    "04.02-roles-for-services-and-other-accounts",
    "04.03-how-people-and-pipelines-sign-in",
    "05.01-choosing-user-group-or-role",
    "06.01-hands-on-with-boto3",
    "07.01-glossary",
}
SECTION = re.compile(
    r"\Anotebooks/(\d\d\.\d\d-[a-z0-9]+(?:-[a-z0-9]+)*)\.ipynb#([A-Z][A-Za-z0-9-]*)\Z"
)

GOOD = """\
- id: P01
  title: A private question
  scenario: The instructor's own scenario.
  answer: role
  why: Because the instructor says so, citing the guide.
  doc: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles.html
"""


@pytest.fixture(scope="module")
def bank() -> ScenarioBank:
    return load_bank()


def write(tmp_path: Path, text: str, name: str = "private.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# -- the packaged bank --------------------------------------------------------------------------


def test_the_bank_has_at_least_36_scenarios(bank):
    """Are there at least 36 scenarios in the packaged bank?"""
    assert len(bank) >= 36


def test_the_answer_labels_are_the_four_strings():
    """Are USER, GROUP, ROLE and ROOT the plain strings the graders compare?"""
    assert (USER, GROUP, ROLE, ROOT) == ("user", "group", "role", "root") == ANSWERS


def test_every_answer_label_is_used_several_times(bank):
    """Does the bank cover all four answers, each at least five times?"""
    counts = Counter(s.answer for s in bank)
    assert set(counts) == set(ANSWERS)
    assert min(counts.values()) >= 5
    assert bank.counts() == {a: counts[a] for a in ANSWERS}


def test_ids_are_unique_and_numbered(bank):
    """Is every id unique and of the form Q01, Q02, ... (the quiz's own prefix: ps01's bank
    numbers its different scenarios S01-S15)?"""
    ids = [s.id for s in bank]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"Q\d\d", i) for i in ids)


def test_every_scenario_is_complete(bank):
    """Does every scenario carry text, an answer, a why, a hint, tags and a section?"""
    for s in bank:
        assert isinstance(s, Scenario)
        for field in ("title", "scenario", "why", "hint", "section", "doc"):
            assert getattr(s, field).strip(), (s.id, field)
        assert len(s.why) >= 120, s.id  # an explanation, not a slogan
        assert s.tags, s.id
        assert s.answer in ANSWERS


def test_every_doc_link_is_an_iam_user_guide_page(bank):
    """Does every scenario cite a page of the IAM User Guide?"""
    for s in bank:
        assert s.doc.startswith(USER_GUIDE), s.id
        assert re.fullmatch(r"[a-z0-9_\-]+\.html(#[a-z0-9\-]+)?", s.doc[len(USER_GUIDE) :]), s.id


def test_sections_follow_the_notebook_naming_convention(bank):
    """Does every section name a course notebook (CC.SS-kebab-title) and a heading anchor?"""
    for s in bank:
        match = SECTION.match(s.section)
        assert match, (s.id, s.section)
        assert match.group(1) in NOTEBOOKS, (s.id, s.section)


def test_classic_answers_differ_and_are_explained(bank):
    """Where the classic analogy answers differently, is there a note saying why?"""
    classic = [s for s in bank if s.classic_answer is not None]
    assert len(classic) >= 8
    for s in classic:
        assert s.classic_differs and s.classic_answer != s.answer
        assert len(s.classic_note) >= 80, s.id


def test_coffee_shop_people_and_workloads_follow_current_guidance(bank):
    """Do the shop's key cases get today's answers (people and workloads -> role, etc.)?"""
    by_title = {s.title: s for s in bank}
    expected = {
        "maria signs in for her first shift": ROLE,
        "jordan, the two-week contractor": ROLE,
        "The deploy tool that cannot use roles": USER,
        "GitHub Actions deploys the backup function": ROLE,
        "The order app on EC2": ROLE,
        "The nightly recipe backup": ROLE,
        "The bean supplier's quarterly audit": ROLE,
        "When the identity provider is down": USER,
        "Every barista needs the same permissions": GROUP,
        "The shop closes its AWS account": ROOT,
        "The only administrator locked herself out": ROOT,
        "Customers of a mobile app": ROLE,
        "Git over HTTPS to CodeCommit": USER,
        "A server in the company's own data centre": ROLE,
    }
    for title, answer in expected.items():
        assert by_title[title].answer == answer, title


def test_root_answers_cite_the_root_user_task_list(bank):
    """Is every "root" answer grounded in the list of tasks that require the root user?"""
    for s in bank.filter(answer=ROOT):
        assert s.doc.endswith("id_root-user.html#root-user-tasks"), s.id


def test_user_answers_are_documented_exceptions(bank):
    """Does every "user" answer cite a page on when IAM users are still the right choice?"""
    pages = {
        "gs-identities-iam-users.html",
        "getting-started-emergency-iam-user.html",
        "id_credentials_service-specific-creds.html",
    }
    for s in bank.filter(answer=USER):
        assert s.doc.removeprefix(USER_GUIDE) in pages, s.id
        assert "exception" in s.tags or "emergency" in s.tags, s.id


def test_the_bank_is_a_sequence_with_queries(bank):
    """Can the bank be indexed, sliced, looked up by id, filtered by tags and keyed?"""
    assert bank[0].id == "Q01"
    assert isinstance(bank[:3], ScenarioBank) and len(bank[:3]) == 3
    assert bank.by_id("Q11").answer == ROLE
    shop = bank.filter(tags="coffee-shop")
    assert len(shop) >= 15 and all("coffee-shop" in s.tags for s in shop)
    both = bank.filter(tags=["coffee-shop", "team"])
    assert both and all({"coffee-shop", "team"} <= set(s.tags) for s in both)
    assert bank.answers()["Q16"] == ROOT
    assert len(bank.answers()) == len(bank)
    assert "40 scenarios" in repr(bank) or f"{len(bank)} scenarios" in repr(bank)


def test_an_unknown_id_is_an_iamlab_error(bank):
    """Does by_id on a missing id raise an iamlab error (a LookupError) naming it?"""
    with pytest.raises(UnknownScenarioError, match="S99") as error:
        bank.by_id("S99")
    assert isinstance(error.value, iamlab.IamlabError)
    assert isinstance(error.value, LookupError)


def test_filter_rejects_an_unknown_answer(bank):
    """Is filter(answer="admin") refused rather than silently empty?"""
    with pytest.raises(iamlab.PolicyError, match="admin"):
        bank.filter(answer="admin")


def test_the_package_ships_the_data_files():
    """Are the YAML files inside the package, so an installed iamlab has its bank?"""
    data = ROOT_DIR / "src" / "iamlab" / "scenarios" / "data"
    assert sorted(p.name for p in data.glob("*.yaml")) == [
        "coffee-shop.yaml",
        "common-practice.yaml",
    ]
    pyproject = (ROOT_DIR / "pyproject.toml").read_text(encoding="utf-8")
    assert '"**/*.yaml"' in pyproject


# -- a private bank -----------------------------------------------------------------------------


def test_a_private_bank_file_loads(tmp_path):
    """Can an instructor load their own file, with optional fields left out?"""
    bank = load_bank(write(tmp_path, GOOD))
    assert len(bank) == 1
    only = bank.by_id("P01")
    assert only.answer == ROLE and only.section == "" and only.tags == ()
    assert only.source.endswith("private.yaml")


def test_a_private_bank_folder_loads_every_file_in_name_order(tmp_path):
    """Does a folder of YAML files load as one bank, files in name order?"""
    write(tmp_path, GOOD.replace("P01", "P02"), "b.yaml")
    write(tmp_path, GOOD, "a.yml")
    (tmp_path / "notes.txt").write_text("not a bank", encoding="utf-8")
    assert [s.id for s in load_bank(tmp_path)] == ["P01", "P02"]


def test_a_mapping_with_a_scenarios_list_loads(tmp_path):
    """Does a file shaped like an assignment (title + scenarios:) load too?"""
    text = "assignment: ps01\ntitle: Who should this be?\nscenarios:\n" + textwrap.indent(
        GOOD, "  "
    )
    assert load_bank(write(tmp_path, text)).by_id("P01").title == "A private question"


def test_the_course_assignment_bank_loads():
    """Does the graded ps01 bank (same schema) load with this loader?"""
    ps01 = ROOT_DIR / "src" / "iamlab" / "course" / "bank" / "ps01.yaml"
    if not ps01.exists():
        pytest.skip("the course's ps01 bank is not in this checkout")
    assert len(load_bank(ps01)) > 0


# -- malformed banks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "place", "problem"),
    [
        (GOOD.replace("  answer: role\n", ""), "private.yaml: P01.answer", "missing"),
        (GOOD.replace("answer: role", "answer: admin"), "private.yaml: P01.answer", "'admin'"),
        (GOOD.replace("answer: role", "answer: Role"), "P01.answer", "not one of"),
        (GOOD + GOOD, "private.yaml: P01.id", "duplicate id 'P01'"),
        (GOOD.replace("doc: https://", "doc: http://"), "P01.doc", "https://"),
        (GOOD.replace("id: P01", "id: 1st"), "scenarios[0].id", "starts with a letter"),
        (GOOD + "  anwser: role\n", "P01.anwser", "unknown field"),
        (GOOD + "  tags: coffee-shop\n", "P01.tags", "list"),
        (GOOD + "  classic_answer: user\n", "P01.classic_note", "missing"),
        (GOOD + "  classic_answer: role\n  classic_note: same\n", "P01.classic_answer", "same"),
        (GOOD + "  classic_note: why\n", "P01.classic_answer", "missing"),
        (GOOD.replace("title: A private question", "title: ''"), "P01.title", "empty"),
        (GOOD.replace("title: A private question", "title: 42"), "P01.title", "text"),
        ("id: P01\nanswer: role\n", "private.yaml", "expected a list of scenarios"),
        ("- just a string\n", "private.yaml: scenarios[0]", "mapping"),
        ("scenarios: nope\n", "private.yaml: scenarios", "expected a list"),
        ("- id: P01\n  title: [unclosed\n", "private.yaml", "invalid YAML at line"),
        ("", "private.yaml", "expected a list of scenarios"),
        ("[]\n", "", "no scenarios"),
    ],
)
def test_a_malformed_bank_names_the_place_and_the_problem(tmp_path, text, place, problem):
    """Is each malformed bank refused with a PolicyError naming the file, scenario and field?"""
    with pytest.raises(iamlab.PolicyError) as error:
        load_bank(write(tmp_path, text))
    assert place in error.value.place
    assert problem in error.value.problem
    assert isinstance(error.value, ValueError)


def test_a_duplicate_id_across_files_names_both_files(tmp_path):
    """When two files of a folder reuse an id, does the error say where it was first used?"""
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(iamlab.PolicyError) as error:
        load_bank(tmp_path)
    assert "b.yaml" in error.value.place and "a.yaml" in error.value.problem


def test_a_missing_path_or_empty_folder_is_a_policy_error(tmp_path):
    """Is a path that does not exist, or a folder without YAML files, refused clearly?"""
    with pytest.raises(iamlab.PolicyError, match="no such file"):
        load_bank(tmp_path / "missing.yaml")
    with pytest.raises(iamlab.PolicyError, match=r"no \.yaml"):
        load_bank(tmp_path)


def test_the_quiz_and_ps01_number_their_scenarios_apart(bank):
    """Does no id of the quiz's bank also name a (different) scenario of ps01's bank?"""
    ps01 = load_bank(Path(iamlab.__file__).parent / "course" / "bank" / "ps01.yaml")
    assert ps01 and not {s.id for s in bank} & {s.id for s in ps01}


def _laughs(levels: int) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\nscenarios: []\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[" * 50_000 + "]" * 50_000, "nested"),
        (_laughs(9), "more than"),
        ("- id: P01\n  id: P02\n", "appears twice"),
        ("- !!python/object/apply:os.system ['true']\n", "invalid YAML"),
    ],
    ids=["50000-deep", "billion-laughs", "duplicate-key", "python-tag"],
)
def test_a_hostile_bank_is_refused_by_the_bounded_reader(tmp_path, text, problem):
    """Is a 50,000-deep, billion-laughs, duplicate-key or object-building bank refused with a
    PolicyError naming the file (not a RecursionError, a crash or a huge expansion)?"""
    with pytest.raises(iamlab.PolicyError) as error:
        load_bank(write(tmp_path, text))
    assert "private.yaml" in error.value.place
    assert problem in error.value.problem
    assert len(str(error.value)) < 1_000


def test_a_small_alias_in_a_bank_still_loads(tmp_path):
    """The control: an ordinary YAML alias (shared text) is not mistaken for an attack."""
    second = GOOD.replace("P01", "P02").replace("why: Because the instructor says so", "why: *why")
    body = GOOD.replace("why: ", "why: &why ", 1) + second.split("why: *why")[0] + "why: *why\n"
    body += second.split("citing the guide.\n", 1)[1]
    loaded = load_bank(write(tmp_path, body))
    assert [s.id for s in loaded] == ["P01", "P02"]
    assert loaded[1].why == loaded[0].why


def test_a_bank_path_of_the_wrong_type_is_refused(tmp_path):
    """Is a path that is None-like, bytes or holds a NUL refused with a documented error?"""
    for bad in (b"bank.yaml", str(tmp_path / "a\x00b.yaml"), 7):
        with pytest.raises(iamlab.IamlabError):
            load_bank(bad)
