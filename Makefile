# Thin wrapper over CMake. `make check` and `make demo` work on a fresh Debian 12 as root.
# Only `make deps`, `make check`, `make demo` and `make bench-deps` run the package installer
# (scripts/deps.sh); `make` alone just builds.
BUILD       ?= build
ASAN_BUILD  ?= build-asan
CLANG_BUILD ?= build-clang
FUZZ_BUILD  ?= build-fuzz
PREFIX      ?= /usr/local
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60
CMAKE_FLAGS ?=

.PHONY: all deps build check test test-asan test-clang demo install fuzz bench bench-deps clean

all: build

deps:
	@sh scripts/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMDB_SANITIZE=ON -DCMDB_WERROR=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS) -- --no-print-directory
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

# clang with -Werror: the library, CLI, tests and benchmarks build cleanly, and the unit
# tests pass (the integration tests ran in the gcc and ASan builds).
test-clang:
	cmake -S . -B $(CLANG_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DCMDB_WERROR=ON -DCMDB_BENCH=ON $(CMAKE_FLAGS)
	cmake --build $(CLANG_BUILD) -j $(JOBS) -- --no-print-directory
	cd $(CLANG_BUILD) && ctest --output-on-failure -j $(JOBS) -R '^unit/'

# Every test, the same tests again under ASan+UBSan, then the clang build.
check: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMDB_WERROR=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory test-clang

demo: deps build
	@bash scripts/demo.sh $(BUILD)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

fuzz:
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMDB_FUZZ=ON -DCMDB_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@sh scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

bench-deps: deps
	@CMDB_EXTRA_PACKAGES="ansible" sh scripts/deps.sh

# The benchmarks are built only here (CMDB_BENCH), then run; each prints its figures.
bench:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMDB_BENCH=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory
	@sh scripts/bench.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(CLANG_BUILD) $(FUZZ_BUILD)
