"""Answer a fetched notebook, as a student would in JupyterLab: run by the student's account.

    python student_answers.py ANSWERS.json NOTEBOOK.ipynb

ANSWERS.json maps nbgrader grade ids to the text of the cell; the other cells stay as released.
"""

import json
import sys


def main(answers_path: str, notebook_path: str) -> None:
    with open(answers_path, encoding="utf-8") as f:
        answers = json.load(f)
    with open(notebook_path, encoding="utf-8") as f:
        notebook = json.load(f)
    missing = set(answers)
    for cell in notebook["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
            missing.discard(grade_id)
    if missing:
        sys.exit(f"no cells with grade ids {sorted(missing)} in {notebook_path}")
    with open(notebook_path, "w", encoding="utf-8") as f:
        json.dump(notebook, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
