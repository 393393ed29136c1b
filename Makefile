# The two commands of the README:  `make tour`  and  `make test`.
# Both create ./.venv and install everything on first use (scripts/setup-env.sh).
VENV := .venv
BIN  := $(VENV)/bin

.PHONY: setup tour demo notebook test bench clean

setup:
	@bash scripts/setup-env.sh

tour: setup
	$(BIN)/convviz tour $(ARGS)

demo: setup
	$(BIN)/convviz demo

# The article's path in one notebook, in JupyterLab (it prints the address to open).
notebook: setup
	$(BIN)/jupyter lab examples/convolution_by_hand.ipynb

test:
	@bash scripts/setup-env.sh --with-browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup
	$(BIN)/python benchmarks/bench_conv.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis convviz-out
