# For tests/gdb.bats: talks gdb's protocol to `play --gdb=- TRACE` directly,
# lets the replay run, sends ^C, and prints the stop reply and the event
# it stopped at. Usage: python3 gdb_interrupt.py PLAY TRACE
import os
import select
import subprocess
import sys
import time


def packet(data):
    raw = data.encode()
    return b"$" + raw + b"#" + ("%02x" % (sum(raw) & 255)).encode()


def replies(proc, wait):
    """Reads what play sends until `wait` seconds pass without a packet end."""
    out = b""
    end = time.time() + wait
    while time.time() < end:
        ready, _, _ = select.select([proc.stdout], [], [], 0.05)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            out += chunk
            if len(out) >= 3 and out[-3:-2] == b"#":
                break
    return out.decode(errors="replace")


play, trace = sys.argv[1], sys.argv[2]
proc = subprocess.Popen([play, "--gdb=-", trace], stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
proc.stdin.write(b"+" + packet("QStartNoAckMode"))
proc.stdin.flush()
print("noack:", replies(proc, 5))
proc.stdin.write(b"+" + packet("vCont;c"))  # "+": gdb acks that last reply
proc.stdin.flush()
time.sleep(0.3)
proc.stdin.write(b"\x03")
proc.stdin.flush()
print("stop:", replies(proc, 10))
proc.stdin.write(packet("qRcmd," + b"when".hex()))
proc.stdin.flush()
out = replies(proc, 5)
hexed = out.split("$O")[1].split("#")[0] if "$O" in out else ""
print("when:", bytes.fromhex(hexed).decode().strip())
proc.stdin.write(packet("k"))
proc.stdin.flush()
proc.wait(timeout=30)
print("status:", proc.returncode)
