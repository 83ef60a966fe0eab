# rrkit: static musl tools over one small library.
# `make check` and `make demo` install missing Debian packages first (as root).

PREFIX ?= /usr/local
CC := musl-gcc
HOSTCC ?= gcc
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -Ibuild/include -Ilib
LDFLAGS += -static
ZSTD_A ?= $(firstword $(wildcard /usr/lib/x86_64-linux-gnu/libzstd.a /usr/lib/libzstd.a))

TOOLS := rec play tracecat tracesum tracecut
BINS := $(addprefix bin/,$(TOOLS))
# lib/ by layer, lowest first: each folder uses only the folders its
# USES_ line names (make layers checks it; doc/design.md has the map).
LAYERS := abi base format sys ptrace record replay debug keyframe
USES_abi :=
USES_base := abi
USES_format := abi base
USES_sys := abi base format
USES_ptrace := abi base format sys
USES_record := abi base format sys ptrace
USES_replay := abi base format sys ptrace
USES_debug := abi base format sys ptrace replay
USES_keyframe := abi base format sys ptrace replay
LIB_SRC := $(sort $(wildcard $(LAYERS:%=lib/%/*.c)))
LIB_HDR := $(wildcard $(LAYERS:%=lib/%/*.h))
LIB_OBJ := $(patsubst lib/%.c,build/lib/%.o,$(LIB_SRC))
PROG_SRC := $(sort $(wildcard tests/progs/*.c))
PROGS := $(patsubst tests/progs/%.c,tests/progs/bin/%,$(PROG_SRC))
SHELL_FILES := $(wildcard .ci/run tests/*.sh tests/*.bash bench/*.sh)
BATS := $(sort $(wildcard tests/*.bats))

.PHONY: all deps check demo install clean progs lint statics layers
all: $(BINS)

deps:
	@sh tests/deps.sh

# Kernel UAPI headers are libc-neutral: make them (and zstd's) visible to musl-gcc.
build/include/.stamp:
	@mkdir -p build/include
	ln -sfn /usr/include/linux build/include/linux
	ln -sfn /usr/include/asm-generic build/include/asm-generic
	ln -sfn /usr/include/x86_64-linux-gnu/asm build/include/asm
	cp /usr/include/zstd.h /usr/include/zstd_errors.h build/include/
	@touch $@

build/lib/%.o: lib/%.c $(LIB_HDR) build/include/.stamp
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

build/librrkit.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

# Zydis, the x86 decoder of lib/sites.c: its decoder alone, in minimal
# mode, built for musl from Debian's source package, which tests/zydis.sh
# fetches (as root) when build/zydis is missing. Zycore's headers come from
# libzycore-dev (tests/deps.sh). Not ZYAN_NO_LIBC: its byte-at-a-time
# memset, over 330 bytes for every instruction, made decoding 3 times slower.
ZYDIS_SRC := build/zydis
ZYDIS_FLAGS := -DZYDIS_STATIC_BUILD -DZYCORE_STATIC_BUILD -DZYDIS_MINIMAL_MODE
ZYDIS_OBJ := $(patsubst %,build/zydis-obj/%.o,Decoder DecoderData SharedData)

$(ZYDIS_SRC)/src/Decoder.c:
	sh tests/zydis.sh $(ZYDIS_SRC)

build/include/Zycore:
	@mkdir -p build/include
	ln -sfn /usr/include/Zycore $@

$(ZYDIS_OBJ): build/zydis-obj/%.o: | $(ZYDIS_SRC)/src/Decoder.c build/include/Zycore
	@mkdir -p build/zydis-obj
	$(CC) -O2 -g $(ZYDIS_FLAGS) -Ibuild/include -I$(ZYDIS_SRC)/include -I$(ZYDIS_SRC)/src \
		-c $(ZYDIS_SRC)/src/$*.c -o $@

build/libzydis.a: $(ZYDIS_OBJ)
	rm -f $@
	ar rcs $@ $^

build/lib/ptrace/sites.o: CFLAGS += $(ZYDIS_FLAGS) -I$(ZYDIS_SRC)/include
build/lib/ptrace/sites.o: | $(ZYDIS_SRC)/src/Decoder.c build/include/Zycore

# The replay stub: a tiny program that play execs and then replaces with
# the recorded image. It is linked far from where programs usually live.
build/stub.elf: lib/replay/stub.S
	@mkdir -p build
	$(HOSTCC) -nostdlib -static -no-pie -Wl,-Ttext-segment=0x200000000000 -Wl,--build-id=none $< -o $@

build/stub_embed.o: lib/replay/stub_embed.S build/stub.elf
	$(CC) -c lib/replay/stub_embed.S -Ibuild -o $@

# The syscall buffer library: freestanding (raw syscalls, no C library),
# preloaded into dynamically linked programs by rec, which carries it.
PRELOAD_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -fPIC -ffreestanding -fno-builtin \
	-fno-stack-protector -fno-plt -mgeneral-regs-only -mno-red-zone -fvisibility=hidden
build/rrk_preload.so: preload/preload.c preload/entry.S lib/abi/sysbuf.h lib/abi/sysnr.h
	@mkdir -p build
	$(HOSTCC) $(PRELOAD_CFLAGS) -Ilib -nostdlib -shared -Wl,-z,defs -Wl,--hash-style=both \
		preload/preload.c preload/entry.S -o $@

build/preload_embed.o: lib/record/preload_embed.S build/rrk_preload.so
	$(CC) -c lib/record/preload_embed.S -Ibuild -o $@

build/cmd/%.o: cmd/%.c $(LIB_HDR) build/include/.stamp
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

bin/play: build/cmd/play/main.o build/stub_embed.o build/librrkit.a build/libzydis.a
	@mkdir -p bin
	$(CC) $(LDFLAGS) $^ $(ZSTD_A) -o $@

# tracecut and rec --keyframe-interval replay to write keyframes: they
# carry the stub too.
bin/tracecut: build/cmd/tracecut/main.o build/stub_embed.o build/librrkit.a build/libzydis.a
	@mkdir -p bin
	$(CC) $(LDFLAGS) $^ $(ZSTD_A) -o $@

bin/rec: build/cmd/rec/main.o build/stub_embed.o build/preload_embed.o build/librrkit.a build/libzydis.a
	@mkdir -p bin
	$(CC) $(LDFLAGS) $^ $(ZSTD_A) -o $@

bin/%: build/cmd/%/main.o build/librrkit.a build/libzydis.a
	@mkdir -p bin
	$(CC) $(LDFLAGS) $^ $(ZSTD_A) -o $@

# Test programs are ordinary dynamically linked glibc programs.
tests/progs/bin/%: tests/progs/%.c
	@mkdir -p tests/progs/bin
	$(HOSTCC) -O1 -g -Wall -Wextra -Werror -pthread -o $@ $<

progs: $(PROGS)

lint:
	shellcheck $(SHELL_FILES)
	shellcheck -s bash $(BATS)

# Every test runs twice: with the syscall buffer (the default) and without.
# The suites that record and replay programs run a third time as on a
# machine with none of the accelerators: rdtsc, rdtscp and cpuid rewritten
# to trap even where the CPU faults them (RRK_FORCE_PATCH=1), and int3
# breakpoints and single steps instead of debug registers even where they
# trigger (RRK_NO_DEBUGREGS=1), so that both ways are tested on any machine.
FORCED_BATS := $(addprefix tests/,record_replay.bats trees.bats patch.bats gdb.bats \
	syscallbuf.bats rec_keyframes.bats tracecut.bats divergence.bats stream.bats runtimes.bats)
check: deps
	$(MAKE) all progs
	$(MAKE) lint statics layers
	bats --formatter tap $(BATS)
	RRK_NO_SYSCALLBUF=1 bats --formatter tap $(BATS)
	RRK_FORCE_PATCH=1 RRK_NO_DEBUGREGS=1 RRK_PRED_ALWAYS=1 bats --formatter tap $(FORCED_BATS)

demo: deps
	$(MAKE) all progs
	sh tests/demo.sh

install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	for f in man/*.5; do [ ! -e "$$f" ] || install -m 644 "$$f" $(DESTDIR)$(PREFIX)/share/man/man5/; done

clean:
	rm -rf build bin tests/progs/bin tests/tools/bin

# Test tool: writes synthetic traces (tests/trace_io.bats, tests/golden.bats).
tests/tools/bin/mktrace: tests/tools/mktrace.c build/librrkit.a build/libzydis.a $(LIB_HDR) build/include/.stamp
	@mkdir -p tests/tools/bin
	$(CC) $(CFLAGS) $(LDFLAGS) $< build/librrkit.a build/libzydis.a $(ZSTD_A) -o $@

progs: tests/tools/bin/mktrace

# Test tool: changes one event of a trace (tests/divergence.bats).
tests/tools/bin/tamper: tests/tools/tamper.c build/librrkit.a build/libzydis.a $(LIB_HDR) build/include/.stamp
	@mkdir -p tests/tools/bin
	$(CC) $(CFLAGS) $(LDFLAGS) $< build/librrkit.a build/libzydis.a $(ZSTD_A) -o $@

progs: tests/tools/bin/tamper

# Test tool: lists the rdtsc/rdtscp/cpuid sites rec would patch
# (tests/decoder.bats).
tests/tools/bin/sites: tests/tools/sites.c build/librrkit.a build/libzydis.a $(LIB_HDR) build/include/.stamp
	@mkdir -p tests/tools/bin
	$(CC) $(CFLAGS) $(LDFLAGS) $< build/librrkit.a build/libzydis.a $(ZSTD_A) -o $@

progs: tests/tools/bin/sites

# The rdtsc/cpuid program linked statically: no loader, no libc to patch.
tests/progs/bin/rdtsc_static: tests/progs/rdtsc_cpuid.c
	@mkdir -p tests/progs/bin
	$(HOSTCC) -O1 -g -static -Wall -Wextra -Werror -o $@ $<

progs: tests/progs/bin/rdtsc_static

# The decoder oracle alone: the sites against objdump -d over the system's
# programs and libraries (make check runs it in tests/decoder.bats).
.PHONY: oracle
oracle: tests/tools/bin/sites
	sh tests/oracle.sh /usr/bin /usr/lib/x86_64-linux-gnu

# Test programs for play --gdb: no optimisation, so every local is there.
tests/progs/bin/gdb_%: tests/progs/gdb_%.c
	@mkdir -p tests/progs/bin
	$(HOSTCC) -O0 -g -Wall -Wextra -Werror -pthread -o $@ $<

# Benchmarks: `make bench` (not part of `make check`) installs what it needs
# (as root), builds the tools and bench/progs, and runs bench/run.sh, which
# prints the results and rewrites doc/performance.md.
.PHONY: bench bench-progs
BENCH_PROGS := $(patsubst bench/progs/%.c,bench/bin/%,$(wildcard bench/progs/*.c))

bench/bin/%: bench/progs/%.c
	@mkdir -p bench/bin
	$(HOSTCC) -std=c11 -O2 -Wall -Wextra -Werror -o $@ $<

# The gdb comparison's loop: -O1, with symbols for gdb's breakpoint.
bench/bin/loop: bench/progs/loop.c
	@mkdir -p bench/bin
	$(HOSTCC) -std=c11 -O1 -g -Wall -Wextra -Werror -o $@ $<

bench-progs: $(BENCH_PROGS)

bench:
	@sh bench/deps.sh
	$(MAKE) all bench-progs tests/progs/bin/rdtsc_loop
	bash bench/run.sh

# No mutable static data but what tests/statics.allow lists (objdump: the
# objects' .bss and .data symbols; a function's static loses its number).
CMD_OBJ := $(patsubst %,build/cmd/%/main.o,$(TOOLS))
statics: $(LIB_OBJ) $(CMD_OBJ)
	@for f in $^; do objdump -t $$f | awk -v f=$${f#build/} \
	  '$$3 == "O" && ($$4 == ".bss" || $$4 == ".data" || $$4 == ".data.rel.local") \
	   { sub(/\.[0-9]+$$/, "", $$NF); print f, $$NF }'; done | sort >build/statics.found
	@grep -v '^#' tests/statics.allow | awk 'NF { print $$1, $$2 }' | sort >build/statics.allowed
	@if comm -23 build/statics.found build/statics.allowed | grep .; then \
	  echo "statics: mutable static data not in tests/statics.allow (move it into a struct, or say there why it is the process's)"; exit 1; fi
	@echo "statics: only the process-wide ones of tests/statics.allow"

# The layers of lib/: a folder's #include "x/y.h" names only folders its
# USES_ line lists (a bare "y.h" must be in the same folder), and its
# objects take no symbol that a higher layer's objects define (nm).
# Prints each offence.
LAYER_TMP := build/layers
define layer_check
	@for f in $(wildcard lib/$(1)/*.[ch]); do \
	  sed -n 's/^#include "\([^"]*\)".*/\1/p' $$f | while read -r h; do \
	    case $$h in */*) d=$${h%%/*};; *) d=$(1); [ -e lib/$(1)/$$h ] || d="?";; esac; \
	    case " $(1) $(USES_$(1)) " in *" $$d "*) ;; *) echo "$$f: #include \"$$h\": not below $(1)/"; exit 1;; esac; \
	  done || exit 1; \
	done
	@nm -g --defined-only $(LIB_OBJ) | awk 'NF==3{print $$3}' | sort -u >$(LAYER_TMP)/all
	@nm -g --defined-only /dev/null $(filter $(foreach u,$(1) $(USES_$(1)),build/lib/$(u)/%),$(LIB_OBJ)) 2>/dev/null | awk 'NF==3{print $$3}' | sort -u >$(LAYER_TMP)/ok
	@nm -u /dev/null $(filter build/lib/$(1)/%,$(LIB_OBJ)) 2>/dev/null | awk 'NF==2{print $$2}' | sort -u | comm -12 - $(LAYER_TMP)/all | comm -23 - $(LAYER_TMP)/ok >$(LAYER_TMP)/bad
	@if [ -s $(LAYER_TMP)/bad ]; then echo "lib/$(1)/ uses symbols of a higher layer:"; \
	  nm -A -u $(filter build/lib/$(1)/%,$(LIB_OBJ)) | awk 'NR==FNR{bad[$$1]=1; next} bad[$$3]{sub(/:.*/, "", $$1); print "  " $$1 " -> " $$3}' $(LAYER_TMP)/bad -; exit 1; fi

endef
layers: $(LIB_OBJ)
	@mkdir -p $(LAYER_TMP)
	$(foreach L,$(LAYERS),$(call layer_check,$(L)))
	@echo "layers: each folder of lib/ uses only those below it"
