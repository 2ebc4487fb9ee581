# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup browser demo test release notebooks bench bench-cluster mutants parity bundles clean

setup: $(STAMP)

# The grader itself goes in as an editable install: nbgrader's kernels (the hidden
# regions) and Dask's scheduler and workers import it from wherever they run.
$(STAMP): requirements.txt requirements-grader.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

release: setup
	$(PY) -m autograder release

# The source notebooks are written by tools/notebooks/<a>.py (text you can review).
notebooks: setup
	@for a in $$($(PY) -c "from autograder import assignments; print(*assignments.NAMES)"); do \
	  $(PY) tools/notebooks/$$a.py source/$$a/$$a.ipynb || exit 1; done
	$(PY) -m autograder release

demo: setup
	$(PY) -m autograder release
	@for a in $$(ls examples); do \
	  echo; echo "== grading examples/$$a"; \
	  $(PY) -m autograder grade $$a examples/$$a --out demo-out/$$a --jobs 2 || exit 1; \
	  echo "grades: demo-out/$$a/grades.csv"; \
	done

# The class-report test renders the report in headless Chromium (Debian's package).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: install Debian's chromium for the report test (or set AUTOGRADER_NO_BROWSER=1)"; fi; }

test: setup browser
	$(PY) -m pytest

# Throughput against nbgrader autograde on the same submissions, then what each
# layer of isolation costs on this machine (prints numbers).
bench: setup
	$(PY) -m bench.run --n 1000 --nbgrader-n 10 --jobs 2
	$(PY) -m bench.floor --n 40
	$(PY) -m bench.cluster --n 200

# The same mix through a local Dask scheduler with 1 and 2 workers (and the scheduler's own rate).
bench-cluster: setup
	$(PY) -m bench.cluster --n 200

# The mutation suite: mistakes generated from every reference answer cell, judged
# by the oracle on SPEC's domain, graded through the command line (prints the scores).
mutants: setup
	$(PY) -m tests.mutation

# nbgrader autograde on every catalogue notebook of every assignment (make test compares
# a fixed sixth of them): each cell's score must be the one the command line gives.
parity: setup
	AUTOGRADER_PARITY=all $(PY) -m pytest tests -k "nbgrader_autograde_and_our_grader_agree"

# The platform bundles as the platforms build them: the pins resolved by pip on Python 3.10,
# 3.11 and 3.12, then setup.sh run at the real /autograder paths (as root; it installs torch
# into a fresh venv, 60 to 85 s) and a right and a wrong upload graded there. `make test` runs
# all of it but setup.sh, grading at those paths with .venv instead.
bundles: setup
	AUTOGRADER_BUNDLES=1 $(PY) -m pytest -n 0 tests/test_bundles.py

clean:
	rm -rf demo-out .pytest_cache
