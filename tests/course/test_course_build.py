"""source/ is built from the answer banks, deterministically (iamlab.course.build)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from iamlab.course.build import ASSIGNMENTS, BankError, load_banks, write_course

ROOT = Path(__file__).resolve().parents[2]


def test_is_the_committed_source_what_the_banks_build(tmp_path: Path) -> None:
    """Are source/ and keys/ current? (Rebuild them with `make release`.)"""
    write_course(tmp_path)
    for name in ASSIGNMENTS:
        rel = Path("keys") / f"{name}.json"
        assert (tmp_path / rel).read_bytes() == (ROOT / rel).read_bytes(), f"{rel}: make release"
    built = sorted(
        p.relative_to(tmp_path / "source") for p in (tmp_path / "source").rglob("*") if p.is_file()
    )
    assert built == sorted(
        p.relative_to(ROOT / "source")
        for p in (ROOT / "source").rglob("*")
        if p.is_file() and ".ipynb_checkpoints" not in p.parts
    )
    for rel in built:
        assert (tmp_path / "source" / rel).read_bytes() == (ROOT / "source" / rel).read_bytes(), (
            f"source/{rel} is not what the banks build: run `make release`"
        )


def test_does_building_twice_give_identical_bytes(tmp_path: Path) -> None:
    write_course(tmp_path / "a")
    write_course(tmp_path / "b")
    for name in ASSIGNMENTS:
        rel = Path("source") / name / f"{name}.ipynb"
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


def test_does_ps01_have_at_least_twelve_scenarios_in_groups() -> None:
    scenarios = load_banks()["ps01"]["scenarios"]
    assert len(scenarios) >= 12
    assert len({s["section"] for s in scenarios}) >= 3


def test_does_a_private_bank_replace_the_public_one(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    bank.mkdir()
    private = {
        "assignment": "ps01",
        "title": "Who should this be? (private)",
        "scenarios": [
            {
                "id": "Q1",
                "section": "Secret",
                "title": "A kiosk",
                "scenario": "A kiosk uploads.",
                "answer": "role",
                "why": "Kiosks get roles.",
            },
        ],
    }
    (bank / "ps01.yaml").write_text(yaml.safe_dump(private), encoding="utf-8")
    write_course(tmp_path / "course", bank)
    text = (tmp_path / "course" / "source" / "ps01" / "ps01.ipynb").read_text(encoding="utf-8")
    assert "A kiosk uploads." in text and "S01" not in text
    assert "Kiosks get roles." not in text  # the key is not in the notebook: it is in keys/
    keys = (tmp_path / "course" / "keys" / "ps01.json").read_text(encoding="utf-8")
    assert "Kiosks get roles." in keys
    public = (tmp_path / "course" / "source" / "ps02" / "ps02.ipynb").read_text(encoding="utf-8")
    assert "barista_policy" in public
    assert (tmp_path / "course" / "nbgrader_config.py").exists()


def test_is_a_broken_bank_an_error_that_names_the_place(tmp_path: Path) -> None:
    bad = tmp_path / "bank.yaml"
    bad.write_text(
        yaml.safe_dump(
            {
                "ps01": {
                    "title": "x",
                    "scenarios": [
                        {
                            "id": "Q1",
                            "section": "s",
                            "title": "t",
                            "scenario": "s",
                            "answer": "admin",
                            "why": "w",
                        }
                    ],
                }
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(BankError, match=r"scenarios\[0\]: answer 'admin'"):
        write_course(tmp_path / "course", bad)


def test_ps01_bank_is_read_by_the_scenario_bank_loader() -> None:
    """Does ps01's answer bank follow the scenario bank's schema (one loader reads both)?"""
    from importlib import resources

    from iamlab.scenarios import load_bank

    path = resources.files("iamlab.course").joinpath("bank", "ps01.yaml")
    with resources.as_file(path) as file:
        bank = load_bank(file)
    graded = {sc["id"]: sc["answer"] for sc in load_banks()["ps01"]["scenarios"]}
    assert bank.answers() == graded
    assert len(bank) >= 12


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("ps01: " + "[" * 50_000 + "]" * 50_000, "nested too deeply|levels"),
        (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n"
                for i in range(8)
            ),
            "values|aliases|too many",
        ),
        ("ps01: {scenarios: []}\nps01: {scenarios: []}\n", "appears twice"),
    ],
    ids=["50000-deep", "billion-laughs", "duplicate-key"],
)
def test_a_hostile_private_bank_is_refused_with_a_reason(tmp_path, text, problem):
    """Does a private bank that is too deep, an alias bomb or has a key twice give a BankError
    (naming the file) in bounded time, while the public bank beside it still loads?"""
    bank = tmp_path / "bank.yaml"
    bank.write_text(text, encoding="utf-8")
    with pytest.raises(BankError, match=problem) as caught:
        load_banks(bank)
    assert str(bank) in str(caught.value)
    assert load_banks()["ps01"]["scenarios"]  # the honest control
