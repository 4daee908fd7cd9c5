# The commands a newcomer needs; README.md explains them.
GO ?= go
DATA ?= ./data

.PHONY: run test bench fmt demo

run: ## run the service on the embedded store
	$(GO) run ./cmd/ledger serve --data $(DATA)

test: ## vet and run every test with the race detector
	$(GO) vet ./...
	$(GO) test -race ./...

# -p 1: one package's benchmarks at a time, so that none competes with
# another for the CPUs and the disk it measures.
bench: ## run the benchmarks (figures go into docs/benchmarks.md)
	$(GO) test -p 1 -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

demo: ## fill $(DATA) with the sample school (refuses a directory that holds events)
	$(GO) run ./cmd/ledger demo --data $(DATA)

fmt:
	gofmt -w $$(git ls-files '*.go')

.PHONY: up
up: ## run the ledger on EventStoreDB in Docker (docker-compose.yml; add --profile cluster for three nodes)
	docker compose up -d

.PHONY: xapi-conformance
xapi-conformance: ## run ADL's LRS conformance suite (SUITE=its checkout, npm installed) against a fresh ledger
	scripts/xapi-conformance.sh $(SUITE)
