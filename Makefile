# aimsgraph developer tasks. `make help` lists them.
GO ?= go
SHELL := /bin/bash
export NEO4J_URI ?= bolt://127.0.0.1:7687

.PHONY: help build test test-unit neo4j-start neo4j-stop fmt vet lint generate check-generated ui check-ui bench load demo demo-neo4j

help: ## list the tasks
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

build: ## build bin/aimsgraph
	$(GO) build -o bin/aimsgraph ./cmd/aimsgraph

# The log lists every top-level test with PASS/FAIL/SKIP, so it shows that the Neo4j tests ran,
# and the reason of each skip (the line go test prints before it); the full output is printed
# when something failed.
test: ## run every test, Neo4j included: starts and stops a throwaway Neo4j
	./neo4j-launcher/neo4j.sh start
	NEO4J_REQUIRED=1 $(GO) test -race -count=1 -v ./... > test.log 2>&1; rc=$$?; \
	  ./neo4j-launcher/neo4j.sh stop; \
	  awk '/--- SKIP/ { print prev } /^(--- |ok|FAIL|panic)/ { print } { prev = $$0 }' test.log; \
	  if [ $$rc != 0 ]; then cat test.log; fi; exit $$rc

test-unit: ## run the tests that need no Neo4j
	$(GO) test -race -count=1 ./...

neo4j-start: ## start a fresh, empty Neo4j on 127.0.0.1:7687 (no auth); returns once Bolt is up
	./neo4j-launcher/neo4j.sh start

neo4j-stop: ## stop the test Neo4j and delete its data
	./neo4j-launcher/neo4j.sh stop

fmt: ## format the code
	gofmt -w $$(git ls-files '*.go')

vet: ## gofmt check and go vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt needed'; exit 1; }
	$(GO) vet ./...

lint: ## staticcheck (a Go tool dependency) and go mod tidy's check
	$(GO) tool staticcheck ./...
	$(GO) mod tidy -diff

generate: ## regenerate the GraphQL code from schema/*.graphqls (gqlgen)
	$(GO) generate ./...

check-generated: generate ## fail when the committed generated code is not what the schema gives
	@git diff --exit-code -- resolvers || { echo 'generated code is stale: run `make generate` and commit'; exit 1; }
	@test -z "$$(git status --porcelain --untracked-files=all -- resolvers)" || { git status --short -- resolvers; echo 'generate left new files: commit them'; exit 1; }

ui: ## rebuild the web UI into web/dist (npm ci + vite build; commit the result)
	cd web && npm ci --no-audit --no-fund && npm run build

check-ui: ui ## fail when the committed web/dist is not what web/src builds
	@git diff --exit-code -- web/dist || { echo 'web/dist is stale: run `make ui` and commit'; exit 1; }
	@test -z "$$(git status --porcelain --untracked-files=all -- web/dist)" || { git status --short -- web/dist; echo 'make ui left new files in web/dist: commit them'; exit 1; }

# NEO4J_URI from the environment only: without one the Neo4j rows are skipped, not failed.
bench: NEO4J_URI := $(if $(filter environment command line,$(origin NEO4J_URI)),$(NEO4J_URI),)
bench: ## one table of ratios against the baselines (docs/performance.md); Neo4j rows with NEO4J_URI set, 1M rows with BENCH_LARGE=1
	set -o pipefail; $(GO) test -run '^$$' -bench '$(or $(BENCH),.)' -benchtime 1x -timeout 0 ./graph/embedded ./graph/neo4jstore | $(GO) run ./internal/benchtable

load: build ## load test (docs/operations.md): 32 clients x 30 s alone, then beside 2 abusive clients; embedded store, then Neo4j at NEO4J_URI (takes the test lock, wipes it)
	$(GO) run ./internal/loadtest/load -bin bin/aimsgraph
	$(GO) run ./internal/loadtest/load -bin bin/aimsgraph -neo4j-uri $(NEO4J_URI)

demo: build ## serve the sample estate on the embedded store: the web UI at http://localhost:8080/
	NEO4J_URI= bin/aimsgraph serve --demo

demo-neo4j: build neo4j-start ## the same on the local Neo4j (make neo4j-stop afterwards)
	NEO4J_URI=$(NEO4J_URI) bin/aimsgraph serve --demo
