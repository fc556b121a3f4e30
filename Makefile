# wuzha — the two commands a newcomer needs are `make run` and `make test`.

GO      ?= go
# go.mod names the toolchain (toolchain go1.26.10, with the security fixes);
# "auto" lets an older local Go fetch it from the module proxy and use it.
export GOTOOLCHAIN ?= auto
BIN     ?= bin/wuzha
NPM     ?= npm
FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) frontend/index.html frontend/vite.config.js frontend/package.json

.PHONY: run demo build frontend test test-go test-frontend test-e2e lint vulncheck fuzz bench-city docker chromium clean proof-haproxy proof-galera

## run: build the frontend if needed, fill this quarter's demo activity into the demo
## areas once (wuzha seed --demo; skipped with DEMO=0 or WUZHA_ENV=production), then
## serve on :8080 with SQLite in ./data/
DEMO ?= 1
run: build
	@if [ "$(DEMO)" != 0 ] && [ "$$WUZHA_ENV" != production ]; then ./$(BIN) seed --demo; fi
	./$(BIN) serve

## demo: a fresh, throwaway demo in ./data-demo/ (wiped first): one simulated quarter, then serve
DEMO_DIR ?= data-demo
demo: build
	rm -rf ./$(DEMO_DIR)
	WUZHA_DATA_DIR=./$(DEMO_DIR) WUZHA_DB_DSN= ./$(BIN) seed --demo
	WUZHA_DATA_DIR=./$(DEMO_DIR) WUZHA_DB_DSN= ./$(BIN) serve

## build: the single static binary, with the built frontend embedded
build: frontend
	@$(GO) version
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) .

## frontend: install npm packages (npm ci) and build frontend/dist when sources changed
frontend: frontend/dist/index.html

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	@command -v $(NPM) >/dev/null || { echo "Node.js 20+ and npm are needed to build the frontend: apt-get install nodejs npm"; exit 1; }
	cd frontend && $(NPM) ci --no-audit --no-fund

frontend/dist/index.html: frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	cd frontend && $(NPM) run build

## test: every test — Go (with -race), frontend unit tests, browser tests
test: test-go test-frontend test-e2e

## test-go: Go tests on SQLite; set WUZHA_TEST_MYSQL_DSN (and WUZHA_TEST_REDIS_URL) to run them on MariaDB/MySQL
test-go:
	$(GO) test -race -count=1 -timeout 30m ./...

test-frontend: frontend/node_modules/.package-lock.json
	cd frontend && $(NPM) test

## test-e2e: browser tests in Debian's Chromium through playwright-core
test-e2e: build chromium
	cd frontend && WUZHA_BIN=$(CURDIR)/$(BIN) $(NPM) run e2e

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else \
	    echo "The browser tests need Debian's Chromium at /usr/bin/chromium: sudo apt-get install chromium fonts-noto-cjk"; exit 1; \
	  fi; \
	fi

## lint: gofmt and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## vulncheck: govulncheck against the golang.org/x/vulndb snapshot; fails on any reachable vulnerability
vulncheck:
	GO=$(GO) bash .ci/govulncheck.sh

## fuzz: run every native fuzz target for FUZZTIME each (seed corpora via f.Add)
FUZZTIME ?= 12s
FUZZ_TARGETS := ./api:FuzzDecodeJSON ./api:FuzzCursor ./internal/awareness:FuzzParsePeriod \
	./internal/sheet:FuzzReadCSV ./internal/sheet:FuzzCSVRoundTrip ./internal/sheet:FuzzReadXLSX \
	./internal/area:FuzzParseFile ./internal/phone:FuzzNormalize \
	./internal/content:FuzzMarkdownHTML ./internal/content:FuzzPlainText
fuzz:
	@$(GO) version
	@set -e; for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; name=$${t##*:}; \
	  echo "== fuzz $$name in $$pkg for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -parallel 2 $$pkg; \
	done

## proof-haproxy: three instances behind HAProxy on one MariaDB (PROOF_MYSQL) and Redis, one killed under load; checks exactly-once, stock, shared limits, awareness
proof-haproxy:
	bash .ci/cluster/haproxy-proof.sh

## proof-galera: the same on a three-node MariaDB Galera cluster (one node killed under load), then the submit benchmark on it; needs root for apt-get and the mysql user
proof-galera:
	bash .ci/cluster/galera-proof.sh

## bench-city: the city benchmark (issue 15) at 衢州's size on a fresh database, dropped afterwards:
## STORE=mysql (default; BENCH_MYSQL_DSN, default root@127.0.0.1:3306) or STORE=sqlite; BENCH_GRIDS,
## BENCH_ATTEMPTS, BENCH_RESIDENTS … shrink it, BENCH_KEEP=1 keeps the database, BENCH_LIVE=0 skips the
## rebuild during live submissions (WUZHA_BIN: the binary it runs, else go build) (README: Measuring performance)
STORE ?= mysql
bench-city:
	@$(GO) version
	WUZHA_BENCH_CITY=1 BENCH_STORE=$(STORE) $(GO) test -count=1 -timeout 3h -run '^TestCityBench$$' -v ./internal/citybench/

## docker: build the container image (needs a Docker engine)
docker:
	docker build -t wuzha:latest .

clean:
	rm -rf bin frontend/node_modules
	find frontend/dist -mindepth 1 ! -name .gitkeep -delete
