"""Gate MCU maintenance: signed firmware images, raw-REPL flashing, device info."""
