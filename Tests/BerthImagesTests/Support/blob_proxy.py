#!/usr/bin/env python3
"""A one-request-per-connection HTTP proxy in front of a registry, for BerthImagesTests.

  blob_proxy.py UPSTREAM_PORT LOG_FILE CUT_DIGEST

Listens on a free loopback port and prints it on stdout. Each request is forwarded to
127.0.0.1:UPSTREAM_PORT with `Connection: close`, and the answer is relayed unchanged, except
for the first GET of the blob CUT_DIGEST: its headers and about half its body are relayed, then
the client's connection is closed (a connection dropped mid-blob). Every request is logged as
`METHOD PATH range=<Range header or ->`, and a cut as `cut PATH at N of M`.
"""
import socket
import sys
import threading

upstream_port, log_path, cut_digest = int(sys.argv[1]), sys.argv[2], sys.argv[3]
lock = threading.Lock()
state = {"cut": False}


def log(line):
    with lock, open(log_path, "a") as f:
        f.write(line + "\n")


def read_head(sock):
    """Reads up to the blank line ending an HTTP head; returns (head, bytes read past it)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    return head.decode("latin-1"), rest


def header(head, name):
    for line in head.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name:
            return value.strip()
    return None


def serve(client):
    upstream = None
    try:
        head, body = read_head(client)
        if head is None:
            return
        method, path, _ = head.split("\r\n")[0].split(" ", 2)
        log(f"{method} {path} range={header(head, 'range') or '-'}")
        length = int(header(head, "content-length") or 0)
        while len(body) < length:
            body += client.recv(65536)
        lines = [line for line in head.split("\r\n") if line.split(":")[0].strip().lower() != "connection"]
        upstream = socket.create_connection(("127.0.0.1", upstream_port))
        upstream.sendall(("\r\n".join(lines) + "\r\nConnection: close\r\n\r\n").encode("latin-1") + body)
        cut = False
        with lock:
            if method == "GET" and path.endswith("/blobs/" + cut_digest) and not state["cut"]:
                state["cut"] = cut = True
        if not cut:
            while chunk := upstream.recv(65536):
                client.sendall(chunk)
            return
        answer, rest = read_head(upstream)
        total = int(header(answer, "content-length"))
        half = total // 2
        while len(rest) < half:
            chunk = upstream.recv(65536)
            if not chunk:
                break
            rest += chunk
        client.sendall((answer + "\r\n\r\n").encode("latin-1") + rest[:half])
        log(f"cut {path} at {half} of {total}")
        client.shutdown(socket.SHUT_RDWR)
    except OSError as error:
        log(f"error {error}")
    finally:
        client.close()
        if upstream:
            upstream.close()


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    print(server.getsockname()[1], flush=True)
    while True:
        client, _ = server.accept()
        threading.Thread(target=serve, args=(client,), daemon=True).start()


if __name__ == "__main__":
    main()
