# crpbot developer entry points. `make demo` and `make test` work from a fresh clone:
# they install what they need (uv, Python deps from uv.lock, system packages, and the
# local Kubernetes control-plane binaries for the k8s tests).
SHELL := /bin/bash
.DEFAULT_GOAL := help

export UV_PYTHON_DOWNLOADS := never
# Compile bytecode at install: with PYTHONDONTWRITEBYTECODE set, every run would otherwise
# recompile torch and scikit-learn (25-50 s of a demo run on 2 loaded cores).
export UV_COMPILE_BYTECODE := 1
PY312 = $(shell hack/python312.sh)
UV = $(shell hack/ensure-uv.sh)
VENV_STAMP := .venv/.synced-$(shell cat uv.lock pyproject.toml */pyproject.toml | sha1sum | cut -c1-12)

.PHONY: help setup system-deps k8s-bins node-bins images demo test test-fast bench lint clean

help:  ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(VENV_STAMP): uv.lock pyproject.toml libs/pyproject.toml workers/pyproject.toml model-server/pyproject.toml operator/pyproject.toml
	$(UV) sync --locked --all-packages --python $(PY312)
	rm -f .venv/.synced-* && touch $@

setup: $(VENV_STAMP)  ## Create .venv from uv.lock with the pyenv Python 3.12 (torch is cached by uv).

system-deps:  ## Install PostgreSQL, Java 17 and kubectl from Debian when missing.
	hack/install-system-deps.sh

k8s-bins:  ## Build (or reuse) kube-apiserver, etcd, controller-manager, scheduler and kwok.
	hack/build-control-plane.sh >/dev/null

node-bins:  ## Build (or reuse) the real test node's kubelet, kube-proxy, pause, CoreDNS and crictl.
	hack/build-node.sh >/dev/null

images:  ## Build the operator, workers and model-server images on locally made bases (Docker).
	hack/build-images.sh

demo: setup  ## Run the offline demo on the bundled real data.
	.venv/bin/crpbot demo

test: setup system-deps  ## Install what the tests need and run them all (k8s included).
	KUBEBUILDER_ASSETS="$${KUBEBUILDER_ASSETS:-$$(hack/build-control-plane.sh)}" CRPBOT_TOOLS_DIR="$${CRPBOT_TOOLS_DIR:-$$(hack/build-tools.sh | tail -n 1)}" CRPBOT_NODE_BIN="$${CRPBOT_NODE_BIN:-$$(hack/build-node.sh)}" hack/run-tests.sh

test-fast: setup  ## Unit tests only: no servers, no control plane.
	hack/run-tests.sh tests/unit -x -q

bench: setup system-deps  ## Benchmarks side by side with peers (slow; not in `make test`).
	KUBEBUILDER_ASSETS="$${KUBEBUILDER_ASSETS:-$$(hack/build-control-plane.sh)}" hack/run-bench.sh

lint: setup  ## ruff, mypy --strict on every workspace member, import layers.
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy libs/src workers/src operator/src model-server/src
	.venv/bin/lint-imports

clean:  ## Remove local state (var/), caches; keeps .venv and the uv cache.
	rm -rf var .pytest_cache .mypy_cache .ruff_cache .hypothesis
