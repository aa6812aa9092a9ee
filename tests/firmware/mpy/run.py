"""Minimal test runner for the MicroPython unix port: micropython run.py MODULE...

Prints one ``PASS name`` / ``FAIL name: error`` line per test_* function and a
final ``DONE passed=N failed=M`` line.
"""

import sys

passed = 0
failed = 0
for modname in sys.argv[1:]:
    mod = __import__(modname)
    for name in sorted(dir(mod)):
        if not name.startswith("test_"):
            continue
        try:
            getattr(mod, name)()
            passed += 1
            print("PASS", modname + "." + name)
        except Exception as e:  # noqa: BLE001
            failed += 1
            print("FAIL", modname + "." + name + ":", repr(e))
            sys.print_exception(e)
print(f"DONE passed={passed} failed={failed}")
