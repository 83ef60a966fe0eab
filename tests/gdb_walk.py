# gdb script for tests/gdb.bats: steps forward N instructions from where
# the replay stands, remembering every register state, then steps back the
# same way with reverse-stepi and checks each state against the one
# remembered. Prints "walk: N steps, M mismatches, events A..B".
import gdb

REGS = ("rip", "rsp", "rbp", "rax", "rbx", "rcx", "rdx", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "eflags")


def state():
    frame = gdb.selected_frame()
    return tuple(int(frame.read_register(r)) for r in REGS)


def when():
    return gdb.execute("monitor when", to_string=True).split()[-1]


steps = int(gdb.convenience_variable("walk_steps") or 300)
first = when()
seen = [state()]
for _ in range(steps):
    gdb.execute("stepi", to_string=True)
    seen.append(state())
last = when()
bad = 0
for i in range(steps, 0, -1):
    gdb.execute("reverse-stepi", to_string=True)
    if state() != seen[i - 1]:
        bad += 1
        if bad <= 3:
            print("walk: step %d differs: rip %#x, expected %#x" % (i - 1, state()[0], seen[i - 1][0]))
print("walk: %d steps, %d mismatches, events %s..%s" % (steps, bad, first, last))
