# micropython-lib style manifest for the OpenABC gate controller firmware.
# Freeze into a board build with FROZEN_MANIFEST=<repo>/firmware/manifest.py
# (or `include("<repo>/firmware/manifest.py")` from the board manifest).
metadata(
    version="0.1.0",
    description="OpenABC gate controller: exit-door state machine + lanelink serial protocol",
    license="Apache-2.0",
)

package("lanelink", base_path="lib")
package("gate", base_path="lib")
module("main.py")
# firmware/host/machine.py is the host emulation shim and is never frozen.
