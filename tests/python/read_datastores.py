"""An independent reader of a device's configuration datastores, for tests/run.rs: ncclient
(not our client) reads each datastore named and prints them as JSON, the <data> element as
ncclient serialises it, so two reads can be compared byte for byte.

Usage: read_datastores.py PORT USER PASSWORD_FILE HOST_KEY_B64 DATASTORE...

The host key is pinned (ncclient's hostkey_b64): the device must present exactly that key.
The password is read from a file and never printed.
"""
import json
import sys

from ncclient import manager

port, user, password_file, host_key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
datastores = sys.argv[5:]
with open(password_file) as f:
    password = f.read().strip()

with manager.connect(host="127.0.0.1", port=port, username=user, password=password,
                     hostkey_b64=host_key, allow_agent=False, look_for_keys=False,
                     timeout=60) as m:
    print(json.dumps({name: m.get_config(name).data_xml for name in datastores}))
