# IAM Study Lab. `make help` lists the targets; README.md says which two matter.
#
# Every target that names a rule below with a `## description` shows up in `make help`
# (tests/test_packaging.py checks that it does).

PYTHON ?= python3
VENV ?= .venv

VENV_PYTHON := $(VENV)/bin/python
# Commands that start other tools (nbgrader runs `alembic`, tests run `jupyter`) must find the
# venv's copies first, without the caller activating the venv.
WITH_VENV_PATH := PATH="$(abspath $(VENV))/bin:$$PATH"
STAMP := $(VENV)/.installed
START_NOTEBOOK := notebooks/00.00-start-here.ipynb
LEARNER_CONFIG := $(VENV)/learner-jupyter
LEARNER_STAMP := $(LEARNER_CONFIG)/.written
# The folders `make lint` and `make format` look at (only those that exist yet).
LINT_PATHS := $(wildcard src tests scripts notebooks benchmarks deploy lite)

.DEFAULT_GOAL := help
.PHONY: help venv graphviz lab lab-instructor lint format test test-hub bench typecheck clean distclean notebooks
.PHONY: release autograde feedback examples report
.PHONY: fuzz lite

help: ## List the targets with what they do
	@echo "IAM Study Lab: make TARGET"
	@echo
	@awk 'BEGIN { FS = ":.*## " } /^[A-Za-z0-9_.-]+:.*## / { printf "  %-11s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@echo
	@echo "Variables: PYTHON=$(PYTHON) (needs 3.11 or newer), VENV=$(VENV)"

venv: $(STAMP) ## Create .venv with the package (editable) and its test and dev tools

# The interpreter: refuse an old Python before making anything.
$(VENV_PYTHON):
	@if ! $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then \
	  found=$$($(PYTHON) --version 2>/dev/null) || found="not a working Python"; \
	  echo "error: PYTHON=$(PYTHON) is $$found; IAM Study Lab needs Python 3.11 or newer." >&2; \
	  echo "       Install one, then for example: make venv PYTHON=python3.11" >&2; \
	  exit 1; \
	fi
	@$(PYTHON) -m venv $(VENV) || { \
	  rm -rf $(VENV); \
	  echo "error: '$(PYTHON) -m venv' failed. On Debian/Ubuntu: sudo apt-get install python3-venv" >&2; \
	  exit 1; }

# Reinstalls whenever pyproject.toml changes. pip >= 25.1 reads PEP 735 dependency groups
# (`--group`); the venv's pip is upgraded first, so the system pip's version does not matter.
$(STAMP): pyproject.toml | $(VENV_PYTHON)
	$(VENV_PYTHON) -m pip install --quiet --upgrade "pip>=25.1"
	$(VENV_PYTHON) -m pip install --quiet --editable . --group dev
	@touch $@

graphviz: ## Make sure Graphviz's `dot` is installed (installs it with apt-get when root)
	@bash scripts/ensure-graphviz.sh

lab: venv graphviz $(LEARNER_STAMP) ## Open the course in JupyterLab, as a learner (Validate only)
	$(call jupyter_lab,JUPYTER_CONFIG_DIR="$(abspath $(LEARNER_CONFIG))")

lab-instructor: venv graphviz ## Open the course in JupyterLab with nbgrader's instructor tools
	$(call jupyter_lab,)

# JupyterLab serves the repository root (labs/, release/ and the notebooks are all in its file
# browser) and opens the start notebook in it; $(1): the environment it runs with.
define jupyter_lab
	@if [ -f "$(START_NOTEBOOK)" ]; then target="$(START_NOTEBOOK)"; \
	elif [ -d notebooks ]; then target=notebooks/; else target=.; fi; \
	if [ "$$(id -u)" -eq 0 ]; then root_flag=--allow-root; else root_flag=; fi; \
	echo "$(VENV)/bin/jupyter lab $$root_flag --ServerApp.root_dir=. $$target"; \
	$(1) $(WITH_VENV_PATH) exec $(VENV)/bin/jupyter lab $$root_flag --ServerApp.root_dir=. "$$target"
endef

# A learner's Jupyter settings, as Binder's postBuild writes them (nbgrader's Validate only, no
# news pop-up), kept in the venv so that an instructor's own ~/.jupyter is left alone.
$(LEARNER_STAMP): postBuild | $(STAMP)
	rm -rf $(LEARNER_CONFIG)
	JUPYTER_CONFIG_DIR="$(abspath $(LEARNER_CONFIG))" $(WITH_VENV_PATH) bash postBuild --settings-only
	@touch $@

lint: venv ## Check style: ruff check and ruff format --check (notebooks included)
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)

format: venv ## Reformat the code and apply ruff's safe fixes
	$(VENV)/bin/ruff format $(LINT_PATHS)
	$(VENV)/bin/ruff check --fix $(LINT_PATHS)

test: venv graphviz ## Run lint, then the whole test suite but the real hub's (make test-hub)
	@$(MAKE) --no-print-directory lint
	$(WITH_VENV_PATH) IAMLAB_REAL_AWS= $(VENV_PYTHON) -m pytest -m "not hub"

# The course's real JupyterHub with a class of 30, faults and a browser (tests/deploy/test_hub*.py):
# about ten minutes, as root (Unix accounts, PAM). CI (.ci/run) runs it after `make test`.
test-hub: venv graphviz ## Run the real JupyterHub tests: browser term, 30-student burst, faults (root)
	$(WITH_VENV_PATH) IAMLAB_REAL_AWS= $(VENV_PYTHON) -m pytest -m hub

# IAMLAB_REAL_AWS= : tests and stored outputs always use the embedded AWS, never a real account.
notebooks: venv graphviz ## Re-run the self-study notebooks, store their outputs, rebuild their contents
	$(WITH_VENV_PATH) $(VENV_PYTHON) scripts/make_contents.py
	$(WITH_VENV_PATH) IAMLAB_REAL_AWS= $(VENV_PYTHON) scripts/run_notebooks.py

bench: venv ## Run the benchmarks (benchmarks/bench_*.py) and print the machine they ran on
	$(WITH_VENV_PATH) $(VENV_PYTHON) -m benchmarks

fuzz: venv ## A longer fuzz campaign (tests/fuzz, random seeds): inputs, escapes, slow calls, memory
	$(WITH_VENV_PATH) IAMLAB_FUZZ_PROFILE=fuzz-campaign $(VENV_PYTHON) -m pytest tests/fuzz -p no:cacheprovider -q

# The graded course (docs/instructors.md). COURSE is the course directory (default: this
# repository); BANK an instructor's private answer bank, which needs a COURSE outside the repo.
COURSE ?= .
BANK ?=
ASSIGNMENT ?=
COURSE_CMD := $(WITH_VENV_PATH) $(abspath $(VENV_PYTHON)) -m iamlab.course

release: venv ## Build source/ from the answer banks and release/ with nbgrader (BANK=, COURSE=)
	$(COURSE_CMD) release --course "$(COURSE)" $(if $(BANK),--bank "$(BANK)") $(ASSIGNMENT)

# JOBS: nbgrader processes at once, each grading its own batch of students (course/parallel.py).
JOBS ?= 1

autograde: venv ## Autograde submitted/ with each kernel in the bubblewrap sandbox (ASSIGNMENT=, JOBS=)
	$(COURSE_CMD) autograde --course "$(COURSE)" --jobs "$(JOBS)" $(ASSIGNMENT)

feedback: venv ## Generate HTML feedback for the autograded submissions (ASSIGNMENT=)
	$(COURSE_CMD) feedback --course "$(COURSE)" $(ASSIGNMENT)

examples: venv ## Regenerate autograded/: example submissions graded, with their feedback
	$(COURSE_CMD) examples --course .

report: venv ## What the class gets wrong: per test and scenario, as CSV, markdown and a plot
	$(COURSE_CMD) report --course "$(COURSE)"

# The course as a static JupyterLite site (lite/build.py; needs npm for lite/package.json).
lite: venv ## Build the self-study course as a JupyterLite site in build/lite/ (runs in the browser)
	$(WITH_VENV_PATH) $(VENV_PYTHON) lite/build.py --output build/lite

typecheck: venv ## Type-check the package with mypy (strict)
	$(VENV_PYTHON) -m mypy src

clean: ## Remove caches and build output (keeps .venv)
	find . -path ./$(VENV) -prune -o -type d \( -name __pycache__ -o -name .ipynb_checkpoints \) -prune -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache .mypy_cache .hypothesis build dist src/*.egg-info test-output test-results

distclean: clean ## Remove everything `make` made, including .venv
	rm -rf $(VENV) lite/node_modules
