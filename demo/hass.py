"""Home Assistant for the demo: ``python demo/hass.py -c CONFIG ...`` (as ``-m homeassistant``).

The demo only: when ``TUYA_LAN_DEMO_SMART_LIFE`` names the simulator's fake Smart Life
cloud (``host:port``), Tuya's Smart Life SDK builds its QR login URLs from that host
instead of Tuya's, before Home Assistant starts; the rest of the login follows the
endpoint the fake hands out, and ``REQUESTS_CA_BUNDLE`` (set by ``demo/run.py``) makes
the SDK trust the fake's throwaway CA. Tuya LAN itself is unchanged: nothing of this
is in its code, and outside the demo it talks to Tuya's real cloud.
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    """Point the SDK at the fake cloud (when the demo runs one), then run Home Assistant."""
    if host := os.environ.get("TUYA_LAN_DEMO_SMART_LIFE"):
        import tuya_sharing.user  # noqa: PLC0415 - only when the demo asks for it

        tuya_sharing.user.URL_PATH = host
    from homeassistant.__main__ import main as hass_main  # noqa: PLC0415

    return hass_main()


if __name__ == "__main__":
    sys.exit(main())
