"""scrapli-netconf (paramiko transport) side of benches/client.rs, printed as JSON.

Usage: scrapli_bench.py PORT USER PASSWORD_FILE SEQUENTIAL INFLIGHT SETUPS
scrapli-netconf has no pipelining API, so "in flight" is not measured for it.
"""
import json
import sys
import time

from scrapli_netconf.driver import NetconfDriver

port, user, password_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
sequential, _inflight, setups = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
password = open(password_file).read().strip()
FILTER = '<system xmlns="urn:ietf:params:xml:ns:yang:ietf-system"/>'


def connect():
    conn = NetconfDriver(host="127.0.0.1", port=port, auth_username=user, auth_password=password,
                         auth_strict_key=False, transport="paramiko", timeout_ops=60)
    conn.open()
    return conn


result = {"client": "scrapli-netconf"}

started = time.perf_counter()
for _ in range(setups):
    connect().close()
result["setup_ms"] = (time.perf_counter() - started) * 1000 / setups

conn = connect()
conn.get_config(source="running", filter_=FILTER)
started = time.perf_counter()
for _ in range(sequential):
    conn.get_config(source="running", filter_=FILTER)
result["sequential_rps"] = sequential / (time.perf_counter() - started)
result["inflight_rps"] = None

started = time.perf_counter()
reply = conn.get_config(source="running")
elapsed = time.perf_counter() - started
size = len(reply.raw_result)
result["bulk_bytes"] = size
result["bulk_mbps"] = size / elapsed / 1e6
conn.close()

print(json.dumps(result))
