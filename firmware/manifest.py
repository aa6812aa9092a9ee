# micropython-lib style manifest for the OpenABC gate controller firmware.
# Freeze into a board build with FROZEN_MANIFEST=<repo>/firmware/manifest.py
# (or `include("<repo>/firmware/manifest.py")` from the board manifest).
metadata(
    version="0.2.0",
    description="OpenABC gate controller: two-door state machine, anti-tailgating, lanelink serial protocol",
    license="Apache-2.0",
)

package("lanelink", base_path="lib")
package("gate", base_path="lib")
module("main.py")
# firmware/host/ (machine.py shim, beamsim.py simulator) is host-only and never frozen.
