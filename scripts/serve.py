"""Serves www/ on 127.0.0.1:PORT for scripts/serve.sh: one clear line when the port is taken,
a clean stop on Ctrl-C (or SIGTERM), and no caching (a rebuilt page is what the browser loads).

    python3 scripts/serve.py PORT DIR        serve DIR until stopped
    python3 scripts/serve.py --check PORT    exit 0 if PORT is free, else say so and exit 1
"""
import errno
import functools
import http.server
import signal
import sys


def taken(port):
    print(
        f"error: port {port} is already in use (another server?); "
        f"choose another with PORT, e.g. PORT={port + 1} ./scripts/serve.sh",
        file=sys.stderr,
    )
    return 1


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".js": "text/javascript", ".mjs": "text/javascript"}

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, fmt, *args):  # quiet: one line per request is noise here
        pass


def stop(*_):
    raise KeyboardInterrupt


def bind(port, directory=None):
    handler = functools.partial(Handler, directory=directory) if directory else Handler
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def main(argv):
    if len(argv) == 3 and argv[1] == "--check":
        port = int(argv[2])
        try:
            bind(port).server_close()
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                return taken(port)
            print(f"error: cannot listen on port {port}: {e.strerror}", file=sys.stderr)
            return 1
        return 0
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    port, directory = int(argv[1]), argv[2]
    try:
        server = bind(port, directory)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            return taken(port)
        print(f"error: cannot listen on port {port}: {e.strerror}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGINT, stop)  # also when started in the background (SIGINT ignored)
    signal.signal(signal.SIGTERM, stop)
    base = f"http://localhost:{port}/"
    print(f"\nThe explorer:        {base}", flush=True)
    print(f"The example article: {base}examples/", flush=True)
    print("Serving www/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    print("\nstopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
