# seed_functions_driver.py — ours, not the article's. The article prints send_heartbeat_with_retry and
# verify_backup as bare functions that lean on a module-level HEARTBEAT_URL, `requests`, `time` and a
# calculate_sha256 it never defines. This driver supplies exactly those, loads the two functions from
# their files as printed, and calls one:
#   python3 seed_functions_driver.py retry STATUS [NAME=VALUE ...]   prints the function's True/False
#   python3 seed_functions_driver.py verify PATH [EXPECTED_HASH]
import hashlib
import os
import sys
import time

import requests

# The article's Python URL literal; the test replaces only its scheme and host.
HEARTBEAT_URL = "https://your-domain.com/heartbeat/db_backup_abc123"


def calculate_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(65536), b""):
            digest.update(chunk)
    return digest.hexdigest()


here = os.path.dirname(os.path.abspath(__file__))
for name in ("send_heartbeat_with_retry.py", "verify_backup.py"):
    with open(os.path.join(here, name)) as source:
        exec(compile(source.read(), name, "exec"), globals())

command = sys.argv[1]
if command == "retry":
    fields = dict(argument.split("=", 1) for argument in sys.argv[3:])
    print(send_heartbeat_with_retry(sys.argv[2], **fields))
elif command == "verify":
    verify_backup(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
else:
    sys.exit(f"unknown command {command!r}: use retry or verify")
