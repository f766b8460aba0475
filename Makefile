# unyo: `make run` starts the server on embedded storage; `make test` runs every test.
GO      ?= go
BIN     := bin/unyo
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/unyo-ops/unyo/internal/cli.Version=$(VERSION)
# Every build and test runs with Prometheus's dedupelabels: a label set is
# numbers into a symbol table of names and values, about 160 bytes less per
# active series (docs/BENCHMARKS.md, "Memory per active series"). The one
# place the tags are written: exported, so every script and `go build` make
# runs takes them; run by hand, the scripts read them from here
# (scripts/goflags.sh), and the e2e and browser tests build the server with
# the tags they were built with, refusing to run without these (test/gobuild).
GO_TAGS := dedupelabels
export GOFLAGS += -tags=$(GO_TAGS)

# Debian packages `make run` needs: the report's Japanese font, and the C
# compiler and OpenSSL headers the server is built with (TLS-PSK to Zabbix
# agents is OpenSSL's, through cgo: internal/zabbix/psk).
RUN_PACKAGES := ca-certificates fonts-ipaexfont-gothic gcc libc6-dev libssl-dev
# Debian packages the tests need on top: the browser, PDF text extraction, the
# real Prometheus and Alertmanager the client tests run against, PostgreSQL, and
# the Zabbix agent 2 the Zabbix poller is tested against (and openssl, whose
# s_server is the TLS-PSK peer of internal/zabbix/psk's tests).
TEST_PACKAGES := $(RUN_PACKAGES) git openssl chromium fonts-noto-cjk poppler-utils prometheus prometheus-alertmanager postgresql zabbix-agent2 snmpd snmp victoria-metrics

.PHONY: build build-agent packages run test e2e-seconds test-postgres vet fmt deps deps-run cross-agent bench bench-ingest bench-ingest-remote bench-replay bench-cluster bench-agent bench-alert bench-msp bench-soak cross clean screenshots

# The server links OpenSSL through cgo for TLS-PSK to Zabbix agents; the
# agent's builds below stay without cgo (a no-cgo build refuses PSK, saying so).
build:
	CGO_ENABLED=1 $(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/unyo

# The slim agent: only the agent's packages (cmd/unyo-agent's test holds to that).
AGENT_LDFLAGS := -s -w -X main.version=$(VERSION)
build-agent:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(AGENT_LDFLAGS)" -o bin/unyo-agent ./cmd/unyo-agent

run: deps-run build
	$(BIN) server --listen 127.0.0.1:8080 --data ./data

# The packages whose tests take their database from internal/database/dbtest
# (every store, and the e2e suite): `make test` runs them a second time on a
# throwaway PostgreSQL 15 cluster (see docs/storage.md).
DB_TEST_PACKAGES = $(shell $(GO) list -f '{{.ImportPath}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./... | grep 'internal/database/dbtest' | cut -d' ' -f1)

# The end-to-end suite spends most of its time waiting on the real binary's
# schedules (an operation plan's step minutes ahead, a collector's 60 s server
# outage, backup polls), not on the CPU: after the other packages
# (scripts/test.sh; E2E_BESIDE=1 runs it beside them, on a machine with
# cores to spare), its SQLite and PostgreSQL runs go side by side, each in
# three shards balanced by the seconds each test last took (scripts/e2e.sh,
# scripts/e2e-seconds.txt; `make e2e-seconds` measures them again).
test: deps vet
	@test -z "$$(gofmt -l cmd internal bench test)" || { echo "gofmt needed:"; gofmt -l cmd internal bench test; exit 1; }
	GO=$(GO) scripts/test.sh

# Measures every e2e test once, one after another on SQLite, and writes the
# seconds each took to scripts/e2e-seconds.txt, which scripts/e2e.sh deals
# its shards by. Run it when tests are added or their waits change.
e2e-seconds:
	$(GO) test -count=1 -v -timeout 30m ./test/e2e/ | tee e2e-seconds.log | \
		sed -nE 's/^--- (PASS|FAIL): (Test[^ ]+) \(([0-9.]+)s\)$$/\2 \3/p' | \
		awk '{ printf "%s %d\n", $$1, $$2 + 0.999 }' | sort -k2,2nr >scripts/e2e-seconds.txt

# Only the store tests and the e2e suite, on PostgreSQL.
test-postgres:
	UNYO_TEST_DATABASE=postgres $(GO) test -count=1 -timeout 20m $(DB_TEST_PACKAGES)

# The unyo-agent .deb and .rpm (nfpm as a library, scripts/packages, its own
# module), then their checks: the files and modes (dpkg-deb -c; the rpm's
# header read with go-rpmutils, or rpm -qlp where rpm exists), the unit and
# the scripts, and an install and purge of the .deb in a throwaway root
# (dpkg --root, scripts chrootless, no systemd). That install needs root: the
# check runs under sudo when make does not run as root.
PKG_ARCH ?= $(shell $(GO) env GOARCH)
AS_ROOT := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
packages: build-agent
	rm -rf bin/packages
	cd scripts/packages && $(GO) test -count=1 . && $(GO) build -o ../../bin/unyo-packages .
	bin/unyo-packages build -config packaging/nfpm.yaml -binary bin/unyo-agent -version $(VERSION) -arch $(PKG_ARCH) -out bin/packages
	$(AS_ROOT) bin/unyo-packages check bin/packages

# The agent runs on Windows and on ARM hosts: the one binary must build there, without cgo
# (so these builds, and the collector of the slim agent, have no TLS-PSK).
# `cross` builds the whole binary for both; `cross-agent` (what CI runs) compiles
# only the agent's packages for them, a quarter of the cold build time.
AGENT_PKGS := ./cmd/unyo-agent ./internal/agent/... ./internal/agentcli/... ./internal/logwatch/...
cross-agent:
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) build $(AGENT_PKGS)
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(AGENT_PKGS)

cross:
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) build -ldflags "$(LDFLAGS)" -o bin/unyo-windows-amd64.exe ./cmd/unyo
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -ldflags "$(LDFLAGS)" -o bin/unyo-linux-arm64 ./cmd/unyo

vet:
	$(GO) vet ./...

fmt:
	gofmt -w cmd internal bench test

# Each installs only what is missing, with sudo when not root.
deps-run:
	@bash scripts/debian-deps.sh $(RUN_PACKAGES)

deps:
	@bash scripts/debian-deps.sh $(TEST_PACKAGES)
	$(GO) mod download

# Go micro-benchmarks of the hot paths.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./internal/remotewrite/

# Remote-write throughput of unyo against Prometheus and VictoriaMetrics.
bench-ingest:
	bash bench/remotewrite.sh

# Ingest through unyo (--metrics-store remote, 1 replica) into VictoriaMetrics, against VictoriaMetrics alone.
bench-ingest-remote:
	TARGETS="victoria-metrics unyo-remote" REF=unyo-remote bash bench/remotewrite.sh

# Startup after a crash with 1,000,000 series in the head (WAL replay), unyo against Prometheus.
bench-replay:
	bash bench/replay.sh

# Scale-out (issue 15), one session: ingest through 1 and through 3 replicas
# (these on one PostgreSQL) into VictoriaMetrics against VictoriaMetrics
# alone, then alert latency with 3 replicas against 1; RSS per replica in both.
bench-cluster:
	TARGETS="victoria-metrics unyo-remote unyo-remote-3" REF=unyo-remote-3 bash bench/remotewrite.sh
	TARGETS="unyo-remote unyo-remote-3" REF=unyo-remote-3 bash bench/alertlatency.sh

# The operations report: a 30-day month of 100 hosts at 15 s, gathered and rendered to HTML and PDF.
bench-report:
	$(GO) test -run '^$$' -bench BenchmarkReport -benchtime 3x -benchmem -timeout 30m ./internal/report/

# An MSP's day at SIZE hosts (a list: SIZE=100,500,1000): cost curves into bench/results/mspsim.
# STEADY and WARMUP shorten the windows for a quick run (e.g. STEADY=1m WARMUP=30s).
# PEERS=prometheus,victoriametrics,vmalert also runs the same metric load into
# those peers after unyo at each size (Debian's prometheus, prometheus-alertmanager,
# victoria-metrics; vmalert is VictoriaMetrics with the same rules as Prometheus).
SIZE ?= 100
STEADY ?= 5m
WARMUP ?= 2m
bench-msp: build
	$(GO) run ./bench/cmd/mspsim -bin $(BIN) -sizes $(SIZE) -steady $(STEADY) -warmup $(WARMUP) $(if $(PROFILE),-profile) $(if $(PEERS),-peer $(PEERS))

# A soak (issue 21; by hand, not in CI): SIZE hosts (1,000 here unless given)
# for HOURS hours (24 unless given; HOURS=0.5 is 30 minutes) after WARMUP,
# the server sampled every minute into bench/results/mspsim/soak-SIZE.json,
# .svg and .md as it goes, with the trends judged at the end. Every
# REPORTS_EVERY (1h unless given) ten tenants' month reports are generated,
# the next ten each time: the overnight report run, spread over the day.
HOURS ?= 24
REPORTS_EVERY ?= 1h
bench-soak: SIZE = 1000
bench-soak: build
	$(GO) run ./bench/cmd/mspsim -bin $(BIN) -sizes $(SIZE) -warmup $(WARMUP) -soak $(HOURS)h -soak-reports-every $(REPORTS_EVERY)

# CPU and memory of unyo agent against node_exporter at the same interval.
bench-agent:
	bash bench/agent.sh

# Alert latency, remote write to webhook, of unyo against Prometheus + Alertmanager.
bench-alert:
	bash bench/alertlatency.sh

clean:
	rm -rf bin

# PNG screenshots of the console's main pages, in Japanese and English, into
# ./screenshots (not committed), taken by headless Chromium (see test/browser).
screenshots:
	UNYO_SCREENSHOTS=$(CURDIR)/screenshots $(GO) test -count=1 -run '^TestScreenshots$$' -v ./test/browser/
