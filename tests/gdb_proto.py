# For tests/gdb.bats: speaks gdb's remote protocol to `play --gdb=- TRACE`
# directly, without gdb, and prints what play answers.
#   python3 gdb_proto.py interrupt PLAY TRACE   run, send ^C, print the stop
#   python3 gdb_proto.py packets PLAY TRACE     check individual packets
import os
import select
import subprocess
import sys
import time


def packet(data):
    raw = data if isinstance(data, bytes) else data.encode()
    return b"$" + raw + b"#" + ("%02x" % (sum(raw) & 255)).encode()


class Play:
    def __init__(self, play, trace):
        self.proc = subprocess.Popen([play, "--gdb=-", trace], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.buf = b""

    def send(self, raw):
        self.proc.stdin.write(raw)
        self.proc.stdin.flush()

    def reply(self, wait=10):
        """The next packet's data (binary escapes undone), or None."""
        end = time.time() + wait
        while True:
            start = self.buf.find(b"$")
            hash_at = self.buf.find(b"#", start) if start >= 0 else -1
            if start >= 0 and hash_at >= 0 and len(self.buf) >= hash_at + 3:
                data = self.buf[start + 1:hash_at]
                self.buf = self.buf[hash_at + 3:]
                out, i = bytearray(), 0
                while i < len(data):
                    if data[i] == 0x7D:
                        out.append(data[i + 1] ^ 0x20)
                        i += 2
                    else:
                        out.append(data[i])
                        i += 1
                return bytes(out)
            left = end - time.time()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                return None
            self.buf += chunk

    def ask(self, data, wait=10):
        self.send(packet(data))
        return self.reply(wait)

    def start(self):
        self.send(b"+" + packet("QStartNoAckMode"))
        ok = self.reply()
        self.send(b"+")  # gdb acks the reply that turned acks off
        return ok

    def end(self):
        self.send(packet("k"))
        self.proc.wait(timeout=30)
        return self.proc.returncode


def monitor(p, command):
    """Runs a monitor command; returns its console output."""
    out = p.ask("qRcmd," + command.encode().hex(), 60)
    text = bytes.fromhex(out[1:].decode()).decode().strip() if out and out[:1] == b"O" else str(out)
    p.reply(60)  # OK
    return text


def interrupt(p, trace):
    print("noack:", p.start())
    p.send(packet("vCont;c"))
    time.sleep(0.3)
    p.send(b"\x03")
    print("stop:", p.reply())
    first = monitor(p, "when")
    print("when:", first)
    print("checkpoint:", monitor(p, "checkpoint"))
    p.send(packet("vCont;c"))
    time.sleep(0.2)
    p.send(b"\x03")
    print("stop again:", p.reply())
    print("restart:", monitor(p, "restart 1"))
    print("when after restart:", monitor(p, "when"))
    print("to the end:", p.ask("vCont;c", 60))
    print("status:", p.end())


def check(name, ok):
    print(("ok   " if ok else "FAIL ") + name)


def packets(p, trace):
    check("QStartNoAckMode", p.start() == b"OK")
    sup = p.ask("qSupported:multiprocess+;swbreak+;hwbreak+")
    for feature in (b"ReverseContinue+", b"ReverseStep+", b"QStartNoAckMode+", b"qXfer:features:read+",
                    b"qXfer:auxv:read+", b"qXfer:exec-file:read+", b"qXfer:libraries-svr4:read+",
                    b"swbreak+", b"hwbreak+", b"vContSupported+"):
        check("qSupported has " + feature.decode(), feature in sup)
    xml = p.ask("qXfer:features:read:target.xml:0,3fff")
    for reg in (b"ymm15h", b"xmm0", b"fs_base", b"gs_base", b"orig_rax", b"st7", b"mxcsr"):
        check("target.xml has " + reg.decode(), b'name="' + reg + b'"' in xml)
    stop = p.ask("?")
    check("initial stop is SIGTRAP with a thread", stop.startswith(b"T05thread:"))
    regs = p.ask("g")
    check("g: 816 bytes of registers", len(regs) == 2 * 816)
    rsp = int.from_bytes(bytes.fromhex(regs[14 * 8:16 * 8].decode()), "little")
    rip = int.from_bytes(bytes.fromhex(regs[32 * 8:34 * 8].decode()), "little")
    one = p.ask("p10")
    check("p10 (rip) matches g", int.from_bytes(bytes.fromhex(one.decode()), "little") == rip)
    hexmem = p.ask("m%x,40" % rsp)
    binmem = p.ask("x%x,40" % rsp)
    check("m and x read the same stack bytes", binmem == b"b" + bytes.fromhex(hexmem.decode()))
    check("m on unmapped memory is an error", p.ask("m10,8").startswith(b"E"))
    exe = p.ask("qXfer:exec-file:read::0,fff")
    check("exec-file names the program", exe[:1] == b"l" and exe[1:].startswith(b"/"))
    fd = p.ask("vFile:open:" + exe[1:].hex() + ",0,0")
    check("vFile:open of the program", fd.startswith(b"F") and not fd.startswith(b"F-"))
    head = p.ask("vFile:pread:%s,4,0" % fd[1:].decode())
    check("vFile:pread reads an ELF header", head == b"F4;\x7fELF")
    check("vFile:open for writing is refused", p.ask("vFile:open:" + b"/tmp/x".hex() + ",1,0").startswith(b"F-1"))
    check("vFile:close", p.ask("vFile:close:%s" % fd[1:].decode()) == b"F0")
    auxv = p.ask("qXfer:auxv:read::0,fff")
    check("auxv ends with AT_NULL", auxv[:1] == b"l" and len(auxv) > 17 and auxv[-16:] == bytes(16))
    threads = p.ask("qfThreadInfo")
    check("one thread at the start", threads.startswith(b"m") and b"," not in threads)
    check("an unknown packet gets an empty reply", p.ask("qNoSuchThing") == b"")
    check("a bad breakpoint packet is an error", p.ask("Z0,zz").startswith(b"E"))
    check("watchpoints: three fit", all(p.ask("Z2,%x,8" % (rsp + 8 * i)) == b"OK" for i in range(3)))
    # beyond the debug registers, page protection takes them
    check("a fourth fits too", p.ask("Z2,%x,8" % (rsp + 64)) == b"OK")
    check("kernel memory cannot be watched", p.ask("Z2,ffffffffff600000,8").startswith(b"E"))
    print("status:", p.end())


mode, play, trace = sys.argv[1:4]
{"interrupt": interrupt, "packets": packets}[mode](Play(play, trace), trace)
