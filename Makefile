# rrkit: static musl tools over one small library.
# `make check` and `make demo` install missing Debian packages first (as root).

PREFIX ?= /usr/local
CC := musl-gcc
HOSTCC ?= gcc
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -Ibuild/include -Ilib -Ipreload
LDFLAGS += -static
ZSTD_A ?= $(firstword $(wildcard /usr/lib/x86_64-linux-gnu/libzstd.a /usr/lib/libzstd.a))

TOOLS := rec play tracecat tracesum tracecut
BINS := $(addprefix bin/,$(TOOLS))
LIB_SRC := $(sort $(wildcard lib/*.c))
LIB_OBJ := $(patsubst lib/%.c,build/lib/%.o,$(LIB_SRC))
PROG_SRC := $(sort $(wildcard tests/progs/*.c))
PROGS := $(patsubst tests/progs/%.c,tests/progs/bin/%,$(PROG_SRC))
SHELL_FILES := $(wildcard .ci/run tests/*.sh tests/*.bash bench/*.sh)
BATS := $(sort $(wildcard tests/*.bats))

.PHONY: all deps check demo install clean progs lint
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

build/lib/%.o: lib/%.c lib/*.h preload/sysbuf.h build/include/.stamp
	@mkdir -p build/lib
	$(CC) $(CFLAGS) -c $< -o $@

build/librrkit.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

# The replay stub: a tiny program that play execs and then replaces with
# the recorded image. It is linked far from where programs usually live.
build/stub.elf: lib/stub.S
	@mkdir -p build
	$(HOSTCC) -nostdlib -static -no-pie -Wl,-Ttext-segment=0x200000000000 -Wl,--build-id=none $< -o $@

build/stub_embed.o: lib/stub_embed.S build/stub.elf
	$(CC) -c lib/stub_embed.S -Ibuild -o $@

# The syscall buffer library: freestanding (raw syscalls, no C library),
# preloaded into dynamically linked programs by rec, which carries it.
PRELOAD_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -fPIC -ffreestanding -fno-builtin \
	-fno-stack-protector -fno-plt -mgeneral-regs-only -mno-red-zone -fvisibility=hidden
build/rrk_preload.so: preload/preload.c preload/entry.S preload/sysbuf.h
	@mkdir -p build
	$(HOSTCC) $(PRELOAD_CFLAGS) -nostdlib -shared -Wl,-z,defs -Wl,--hash-style=both \
		preload/preload.c preload/entry.S -o $@

build/preload_embed.o: lib/preload_embed.S build/rrk_preload.so
	$(CC) -c lib/preload_embed.S -Ibuild -o $@

build/cmd/%.o: cmd/%.c lib/*.h preload/sysbuf.h build/include/.stamp
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

bin/play: build/cmd/play/main.o build/stub_embed.o build/librrkit.a
	@mkdir -p bin
	$(CC) $(LDFLAGS) $^ $(ZSTD_A) -o $@

# tracecut and rec --keyframe-interval replay to write keyframes: they
# carry the stub too.
bin/tracecut: build/cmd/tracecut/main.o build/stub_embed.o build/librrkit.a
	@mkdir -p bin
	$(CC) $(LDFLAGS) $^ $(ZSTD_A) -o $@

bin/rec: build/cmd/rec/main.o build/stub_embed.o build/preload_embed.o build/librrkit.a
	@mkdir -p bin
	$(CC) $(LDFLAGS) $^ $(ZSTD_A) -o $@

bin/%: build/cmd/%/main.o build/librrkit.a
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
check: deps
	$(MAKE) all progs
	$(MAKE) lint
	bats --formatter tap $(BATS)
	RRK_NO_SYSCALLBUF=1 bats --formatter tap $(BATS)

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

# Test tool: writes synthetic traces (tests/trace_io.bats).
tests/tools/bin/mktrace: tests/tools/mktrace.c build/librrkit.a lib/*.h build/include/.stamp
	@mkdir -p tests/tools/bin
	$(CC) $(CFLAGS) $(LDFLAGS) $< build/librrkit.a $(ZSTD_A) -o $@

progs: tests/tools/bin/mktrace

# Test tool: changes one event of a trace (tests/divergence.bats).
tests/tools/bin/tamper: tests/tools/tamper.c build/librrkit.a lib/*.h build/include/.stamp
	@mkdir -p tests/tools/bin
	$(CC) $(CFLAGS) $(LDFLAGS) $< build/librrkit.a $(ZSTD_A) -o $@

progs: tests/tools/bin/tamper

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
	$(MAKE) all bench-progs
	bash bench/run.sh
