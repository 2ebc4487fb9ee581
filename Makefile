# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup demo test release bench clean

setup: $(STAMP)

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

release: setup
	$(PY) -m autograder release

demo: setup
	$(PY) -m autograder release
	@for a in $$(ls examples); do \
	  echo; echo "== grading examples/$$a"; \
	  $(PY) -m autograder grade $$a examples/$$a --out demo-out/$$a --jobs 2 || exit 1; \
	  echo "grades: demo-out/$$a/grades.csv"; \
	done

test: setup
	$(PY) -m pytest

clean:
	rm -rf demo-out .pytest_cache
