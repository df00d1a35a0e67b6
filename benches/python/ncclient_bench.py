"""ncclient side of benches/client.rs: the same measurements as our client, printed as JSON.

Usage: ncclient_bench.py PORT USER PASSWORD_FILE SEQUENTIAL INFLIGHT SETUPS
"""
import json
import sys
import time

from ncclient import manager

port, user, password_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
sequential, inflight, setups = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
password = open(password_file).read().strip()


def connect():
    return manager.connect(host="127.0.0.1", port=port, username=user, password=password,
                           hostkey_verify=False, allow_agent=False, look_for_keys=False,
                           timeout=60)


result = {"client": "ncclient"}

started = time.perf_counter()
for _ in range(setups):
    connect().close_session()
result["setup_ms"] = (time.perf_counter() - started) * 1000 / setups

with connect() as m:
    m.get_config("running", filter=("subtree", '<system xmlns="urn:ietf:params:xml:ns:yang:ietf-system"/>'))
    started = time.perf_counter()
    for _ in range(sequential):
        m.get_config("running", filter=("subtree", '<system xmlns="urn:ietf:params:xml:ns:yang:ietf-system"/>'))
    result["sequential_rps"] = sequential / (time.perf_counter() - started)

    # 16 in flight: ncclient's async mode returns at once; wait on each RPC's event.
    m.async_mode = True
    window = 16
    started = time.perf_counter()
    pending = []
    for _ in range(inflight):
        pending.append(m.get_config("running", filter=("subtree", '<system xmlns="urn:ietf:params:xml:ns:yang:ietf-system"/>')))
        if len(pending) >= window:
            pending.pop(0).event.wait(60)
    for rpc in pending:
        rpc.event.wait(60)
    result["inflight_rps"] = inflight / (time.perf_counter() - started)
    m.async_mode = False

    started = time.perf_counter()
    reply = m.get_config("running")
    elapsed = time.perf_counter() - started
    size = len(reply.xml.encode())
    result["bulk_bytes"] = size
    result["bulk_mbps"] = size / elapsed / 1e6

print(json.dumps(result))
