"""Run a command in a private network namespace with only loopback, up.

    unshare --net python tests/browser/in_netns.py CMD ARGS...

``unshare --net`` gives the process a network namespace of its own (root only); this
brings its loopback up, routes multicast to it (Home Assistant's zeroconf joins a
multicast group at start and fails without a route), and replaces itself with CMD.
Nothing in there reaches the machine's network or ports, and nothing outside reaches
in: Home Assistant, the simulated devices and the browser get 8123 and UDP
6666/6667/7000 to themselves, and every name lookup fails at once (no route to any
resolver), so Home Assistant's brand-icon proxy gives up at once too.
"""

from __future__ import annotations

import os
import subprocess
import sys


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit("usage: unshare --net python in_netns.py CMD ARGS...")
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    subprocess.run(["ip", "route", "add", "224.0.0.0/4", "dev", "lo"], check=True)
    os.execvp(sys.argv[1], sys.argv[1:])


if __name__ == "__main__":
    main()
