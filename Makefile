# SPDX-License-Identifier: MIT
# Thin wrapper around meson/ninja. See README.md.
BUILD ?= build
NINJA ?= ninja
MESON ?= meson

.PHONY: all deps check check-quick check-slow check-ref check-kvm demo bench fuzz fuzz-smoke \
        install clean distclean singlestep diff

all: $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

$(BUILD)/build.ninja:
	./configure --builddir=$(BUILD)

deps:
	scripts/install-deps

# The default test run: unit, guest, functional and differential tests.
check: deps
	$(MAKE) all
	scripts/run-tests $(BUILD) default

# The quick subset for iteration (skips suites marked slow).
check-quick: all
	scripts/run-tests $(BUILD) quick

check-slow: deps
	$(MAKE) all
	scripts/run-tests $(BUILD) slow

# The guest tests under QEMU's TCG: proves the tests themselves.
check-ref: deps
	$(MAKE) all
	scripts/run-tests $(BUILD) ref

# The KVM tests (suite kvm): on the host where /dev/kvm works, else under
# kvm-amd in a Linux guest of QEMU's TCG (kvm-nested, also in make check).
check-kvm: deps
	$(MAKE) all
	scripts/run-tests $(BUILD) kvm

demo: deps
	$(MAKE) all
	scripts/demo $(BUILD)

bench: deps
	$(MAKE) all
	scripts/bench $(BUILD)

# Every 80286 vector (../shared/singlestep-286) under both engines; updates
# the table of docs/compatibility.md.
singlestep: all
	$(BUILD)/tests/diff/singlestep --markdown docs/compatibility.md

# Random instruction sequences on the host CPU, the JIT and the interpreter
# (tests/diff/diff-run.c): make diff N=1e8 SEED=42
N ?= 1e6
SEED ?= 1
diff: all
	$(BUILD)/tests/diff/diff-run --count $(N) --seed $(SEED) -v

# libFuzzer targets with ASan+UBSan (clang) in $(BUILD)-fuzz; fuzz-smoke
# also runs each for 60 s.
fuzz: deps
	scripts/build-fuzz $(BUILD)-fuzz

fuzz-smoke: deps
	scripts/build-fuzz $(BUILD)-fuzz --smoke 60

install: all
	$(MESON) install -C $(BUILD)

clean:
	-$(NINJA) -C $(BUILD) clean

distclean:
	rm -rf $(BUILD) $(BUILD)-fuzz
