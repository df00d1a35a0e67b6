"""ncclient side of benches/push.rs: establishes the same periodic subscriptions on one session
and counts the push-updates it takes in the window, printed as JSON.

Usage: ncclient_push_bench.py PORT PASSWORD_FILE SUBSCRIPTIONS SECONDS PERIOD_CS
"""
import json
import sys
import time

from ncclient import manager
from ncclient.xml_ import to_ele

port, password_file = int(sys.argv[1]), sys.argv[2]
subscriptions, seconds, period = int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
password = open(password_file).read().strip()
REQUEST = (
    '<establish-subscription xmlns="urn:ietf:params:xml:ns:yang:ietf-subscribed-notifications">'
    '<datastore xmlns="urn:ietf:params:xml:ns:yang:ietf-yang-push" '
    'xmlns:ds="urn:ietf:params:xml:ns:yang:ietf-datastores">ds:running</datastore>'
    '<datastore-subtree-filter xmlns="urn:ietf:params:xml:ns:yang:ietf-yang-push">'
    '<system xmlns="urn:ietf:params:xml:ns:yang:ietf-system"/></datastore-subtree-filter>'
    '<periodic xmlns="urn:ietf:params:xml:ns:yang:ietf-yang-push"><period>%d</period></periodic>'
    '</establish-subscription>' % period
)

with manager.connect(host="127.0.0.1", port=port, username="admin", password=password,
                     hostkey_verify=False, allow_agent=False, look_for_keys=False,
                     timeout=60) as m:
    for _ in range(subscriptions):
        m.dispatch(to_ele(REQUEST))
    # What queued up while the subscriptions were being made is not the window's.
    while m.take_notification(block=False) is not None:
        pass
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            break
        n = m.take_notification(block=True, timeout=left)
        if n is None:
            break
        # ncclient hands the notification over parsed by lxml; reading the root is the
        # least a receiver does.
        if n.notification_ele is not None:
            count += 1
    elapsed = time.perf_counter() - started
print(json.dumps({"client": "ncclient", "rate": count / elapsed}))
