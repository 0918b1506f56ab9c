#!/usr/bin/env python3
"""A minimal MLLP client for the integration tests, independent of Folio's own C client.

usage: mllp_send.py [--suffix S] [--tls CA.pem [--tls-cert C.pem --tls-key K.pem]]
                    HOST:PORT FILE...
one file = one message (a UTF-8 BOM is dropped, LF and CRLF become CR). --suffix appends S and
the file's number to MSH-10 (the samples reuse control ids such as MSG00001, which Folio rightly
answers as repeats). --tls speaks MLLP over TLS (Python's ssl module, i.e. OpenSSL: a client
independent of GnuTLS), trusting CA.pem and checking the server's name or address; --tls-cert
and --tls-key present a client certificate. Prints one line per file: name<TAB>MSA-1<TAB>ERR-3.1
codes<TAB>ERR-8 texts. Exits 1 when a message got no answer, 2 when the connection or the TLS
handshake failed.
"""
import socket
import ssl
import sys

VT, FS, CR = b"\x0b", b"\x1c", b"\x0d"


def load(path, suffix=None):
    data = open(path, "rb").read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")
    lines = [l for l in data.split(b"\r") if l.strip()]
    if suffix is not None and lines and lines[0].startswith(b"MSH") and len(lines[0]) > 3:
        sep = lines[0][3:4]
        f = lines[0].split(sep)
        if len(f) > 9:
            f[9] = f[9] + suffix.encode()
            lines[0] = sep.join(f)
    return b"\r".join(lines) + b"\r"


def recv_frame(sock, buf):
    while True:
        s = buf.find(VT)
        if s >= 0:
            e = buf.find(FS, s)
            if e >= 0:
                frame = buf[s + 1:e]
                rest = buf[e + 1:]
                if rest.startswith(CR):
                    rest = rest[1:]
                return frame, rest
        chunk = sock.recv(65536)
        if not chunk:
            return None, buf
        buf += chunk


def fields(ack):
    msa, codes, texts = "", [], []
    for seg in ack.split(b"\r"):
        f = seg.decode("utf-8", "replace").split("|")
        if f[0] == "MSA" and len(f) > 1:
            msa = f[1]
        elif f[0] == "ERR":
            if len(f) > 3 and f[3]:
                codes.append(f[3].split("^")[0])
            elif len(f) > 1 and f[1]:
                # v2.4 and older: ERR-1 ELD seg^seq^field^code&text
                parts = f[1].split("^")
                if len(parts) > 3:
                    ce = parts[3].split("&")
                    codes.append(ce[0])
                    if len(ce) > 1 and ce[1]:
                        texts.append(ce[1])
            if len(f) > 8 and f[8]:
                texts.append(f[8])
    return msa, codes, texts


def main():
    args = sys.argv[1:]
    suffix = ca = cert = key = None
    while args and args[0].startswith("--"):
        opt, val, args = args[0], args[1], args[2:]
        if opt == "--suffix":
            suffix = val
        elif opt == "--tls":
            ca = val
        elif opt == "--tls-cert":
            cert = val
        elif opt == "--tls-key":
            key = val
        else:
            sys.exit(f"mllp_send.py: unknown option {opt}")
    host, port = args[0].rsplit(":", 1)
    host = host.strip("[]")

    def connect():
        s = socket.create_connection((host, int(port)), timeout=60)
        if ca is None:
            return s
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        if cert:
            ctx.load_cert_chain(cert, key)
        return ctx.wrap_socket(s, server_hostname=host)

    try:
        sock = connect()
    except (OSError, ssl.SSLError) as e:
        print(f"mllp_send.py: cannot connect: {e}", file=sys.stderr)
        return 2
    buf = b""
    missing = 0
    for n, path in enumerate(args[1:]):
        sock.sendall(VT + load(path, None if suffix is None else f"{suffix}{n}") + FS + CR)
        try:
            ack, buf = recv_frame(sock, buf)
        except (OSError, ssl.SSLError) as e:
            print(f"mllp_send.py: {e}", file=sys.stderr)
            ack = None
        name = path.rsplit("/", 1)[-1]
        if ack is None:
            print(f"{name}\tNONE\t\t")
            missing += 1
            try:
                sock = connect()
            except (OSError, ssl.SSLError) as e:
                print(f"mllp_send.py: cannot connect: {e}", file=sys.stderr)
                return 2
            buf = b""
            continue
        msa, codes, texts = fields(ack)
        print(f"{name}\t{msa}\t{','.join(codes)}\t{' | '.join(texts)}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
