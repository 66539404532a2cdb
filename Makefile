# chatbi — two commands on a fresh machine: `make run` and `make test`.
GO        ?= go
BIN       := bin/chatbi
DB        ?= data/warehouse.db
ADDR      ?= 127.0.0.1:8080
BENCH_CUSTOMERS ?= 1000000

.PHONY: build run test bench bench-peer load eval fuzz clean

build:
	CGO_ENABLED=1 $(GO) build -o $(BIN) ./cmd/chatbi

# The service on the embedded demo warehouse (built on first run), no configuration.
run: build
	$(BIN) serve --db $(DB) --addr $(ADDR)

test:
	bash scripts/test-deps.sh
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	CGO_ENABLED=1 $(GO) vet ./...
	bash scripts/install-chdb.sh >/dev/null
	CGO_ENABLED=1 $(GO) test -count=1 ./...

# Figures: import, refresh, file size, parse+compile, the seed question, a
# 20-question mix and the textbook-SQL comparison on a 1M-customer warehouse,
# the same mix on that warehouse copied into ClickHouse (chDB), then the go
# test benchmarks.
bench: build
	$(BIN) bench --customers $(BENCH_CUSTOMERS)
	bash scripts/install-chdb.sh >/dev/null
	cd bench && CGO_ENABLED=1 $(GO) run ./peer --customers $(BENCH_CUSTOMERS) --duckdb=false --clickhouse --rounds 5
	CGO_ENABLED=1 $(GO) test -run '^$$' -bench . -benchtime 2s ./nlq ./server

# chatbi beside DuckDB on the same 1M demo: each question of the bench mix,
# hand-written SQL for DuckDB, p50/p99 for both and whether the answers are
# the same. Its own module (bench/), so chatbi never links DuckDB; it reuses
# the warehouse `make bench` built (or builds it).
bench-peer:
	cd bench && CGO_ENABLED=1 $(GO) run ./peer --customers $(BENCH_CUSTOMERS)

# HTTP load on loopback against the 200k demo: 8 and 50 closed-loop clients,
# requests/s, p50/p99 and status codes (503 = shed by admission control).
load: build
	$(BIN) load --customers 200000 --clients 8,50 --duration 20s

# The public evaluation through the real HTTP API, scored by the shared runner.
eval: build
	$(BIN) import --db /tmp/chatbi-pub.db testdata/eval/public/data
	$(BIN) eval --db /tmp/chatbi-pub.db --questions testdata/eval/public/questions.jsonl

fuzz:
	$(GO) test ./nlq -run '^$$' -fuzz FuzzNormalize -fuzztime 20s
	$(GO) test ./nlq -run '^$$' -fuzz FuzzParse -fuzztime 60s
	$(GO) test ./executor -run '^$$' -fuzz FuzzGuard -fuzztime 60s
	$(GO) test ./executor -run '^$$' -fuzz FuzzCheckClickHouse -fuzztime 30s
	$(GO) test ./schema/custset -run '^$$' -fuzz FuzzDecode -fuzztime 20s

clean:
	rm -rf bin data
