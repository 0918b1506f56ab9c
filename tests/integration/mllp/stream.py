#!/usr/bin/env python3
"""Streams generated ADT^A01 / ORU^R01 messages over MLLP for the crash-safety test.

usage: stream.py HOST:PORT N OUT [--window W] [--tag T]
Message i (0..N-1): even = ADT^A01 admitting patient MRN T-P<i/2> (visit V-T-P<i/2>), odd =
ORU^R01 with one glucose result for that patient; MSH-10 = T-<i>. Up to W messages are in
flight. Each ACK is appended to OUT as "MSH-10<TAB>MSA-1" and flushed at once, so the file
holds exactly the answers received before the server died. Exits 0 when all N were answered,
2 when the connection broke first.
"""
import socket
import sys

VT, FS, CR = b"\x0b", b"\x1c", b"\x0d"


def message(tag, i):
    p = i // 2
    pid = f"{tag}-P{p}"
    if i % 2 == 0:
        segs = [
            f"MSH|^~\\&|CRASH|FAC|FOLIO|HOSP|20240305120000||ADT^A01^ADT_A01|{tag}-{i}|P|2.5.1",
            "EVN|A01|20240305120000",
            f"PID|1||{pid}^^^FAC^MR||Crash^Patient{p}||19610412|F",
            "PV1|1|I|W1^101^A" + "|" * 16 + f"V{pid}^^^FAC^VN" + "|" * 25 + "20240305110000",
        ]
    else:
        segs = [
            f"MSH|^~\\&|CRASHLAB|FAC|FOLIO|HOSP|20240305120000||ORU^R01^ORU_R01|{tag}-{i}|P|2.5.1",
            f"PID|1||{pid}^^^FAC^MR||Crash^Patient{p}||19610412|F",
            "PV1|1|I|W1^101^A" + "|" * 16 + f"V{pid}^^^FAC^VN",
            f"OBR|1|PL{pid}|FL{pid}|2345-7^Glucose^LN|||20240305113000",
            f"OBX|1|NM|2345-7^Glucose^LN||{70 + p % 60}|mg/dL|70-99|N|||F|||20240305113000",
        ]
    return ("\r".join(segs) + "\r").encode()


def main():
    args = sys.argv[1:]
    window, tag = 16, "K"
    if "--window" in args:
        k = args.index("--window"); window = int(args[k + 1]); del args[k:k + 2]
    if "--tag" in args:
        k = args.index("--tag"); tag = args[k + 1]; del args[k:k + 2]
    host, port = args[0].rsplit(":", 1)
    n = int(args[1])
    out = open(args[2], "a", buffering=1)
    sock = socket.create_connection((host, int(port)), timeout=120)
    sent = done = 0
    buf = b""
    try:
        while done < n:
            while sent < n and sent - done < window:
                sock.sendall(VT + message(tag, sent) + FS + CR)
                sent += 1
            while True:
                s = buf.find(VT)
                e = buf.find(FS, s + 1) if s >= 0 else -1
                if e >= 0:
                    break
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed")
                buf += chunk
            ack = buf[s + 1:e]
            buf = buf[e + 1:]
            msa = [seg.split(b"|") for seg in ack.split(b"\r") if seg.startswith(b"MSA")][0]
            out.write(f"{msa[2].decode()}\t{msa[1].decode()}\n")
            done += 1
    except (ConnectionError, OSError, IndexError):
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
