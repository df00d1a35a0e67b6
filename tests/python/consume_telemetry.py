"""Reads telemetry records back from a Kafka topic with confluent-kafka (librdkafka), a
different Kafka client from the pipeline's own (rskafka), and checks each one the way a
consumer that never talked to the harness would: the schema reference in the record headers,
the telemetry message's mandatory metadata, and the notification envelope in its payload.

Usage: consume_telemetry.py BOOTSTRAP TOPIC COUNT [REGISTRY_URL]
With a registry URL, each schema id seen is fetched with confluent-kafka's own Schema Registry
client, as a consumer would to validate the records.
Prints one JSON object: records read, how many were valid, the schema ids seen (and, with a
registry, each schema's type and module), the first problems found. Exits non-zero when fewer than COUNT records arrive within 20 seconds.
"""

import json
import re
import sys
import time
import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

MANDATORY_METADATA = ("collection-timestamp", "notification-event", "session-protocol", "export-address")


def schema_id(value):
    """The schema-id header, as decimal text or four big-endian octets."""
    if value is None:
        return None
    if value.isdigit():
        return value.decode()
    if len(value) == 4:
        return str(int.from_bytes(value, "big"))
    return None


def problems_of(record):
    headers = dict(record.headers() or [])
    problems = []
    if schema_id(headers.get("schema-id")) is None:
        problems.append("no readable schema-id header")
    if headers.get("content-type") != b"application/yang-data+json":
        problems.append(f"content-type is {headers.get('content-type')!r}")
    try:
        message = json.loads(record.value())["ietf-telemetry-message:message"]
    except (ValueError, KeyError, TypeError) as error:
        return problems + [f"not a telemetry message: {error!r}"]
    metadata = message.get("telemetry-message-metadata", {})
    for leaf in MANDATORY_METADATA:
        if leaf not in metadata:
            problems.append(f"telemetry-message-metadata lacks {leaf}")
    if metadata.get("notification-event") not in ("log", "update", "delete"):
        problems.append(f"notification-event is {metadata.get('notification-event')!r}")
    envelope = (message.get("payload") or {}).get("ietf-yp-notification:envelope")
    if not isinstance(envelope, dict) or "event-time" not in envelope:
        problems.append("the payload is not a notification envelope with an event-time")
    return problems


def key_of(key):
    """A record key as draft-ietf-nmop-yang-message-broker-message-key section 3.1.3 reads it:
    node, subscription id and XPaths on three lines, as "node|id|path;path"; any other key
    as it is."""
    text = (key or b"").decode("utf-8", "replace")
    lines = text.split("\n")
    if len(lines) == 3 and lines[1].isdigit():
        return f"{lines[0]}|{int(lines[1])}|{';'.join(lines[2].split(' | '))}"
    return text


def main():
    bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    registry = sys.argv[4] if len(sys.argv) > 4 else None
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": f"rfc3535-{uuid.uuid4()}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    # Partition 0 from its start, assigned rather than subscribed: no consumer group to form.
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    records, valid, ids, keys, problems = 0, 0, set(), set(), []
    deadline = time.monotonic() + 20
    while records < count and time.monotonic() < deadline:
        record = consumer.poll(0.5)
        if record is None:
            continue
        if record.error():
            problems.append(str(record.error()))
            continue
        records += 1
        found = problems_of(record)
        ids.add(schema_id(dict(record.headers() or []).get("schema-id")))
        keys.add(key_of(record.key()))
        if found:
            problems.append({"offset": record.offset(), "problems": found})
        else:
            valid += 1
    consumer.close()
    schema_ids = sorted(i for i in ids if i is not None)
    schemas = {}
    if registry:
        from confluent_kafka.schema_registry import SchemaRegistryClient
        client = SchemaRegistryClient({"url": registry})
        for known in schema_ids:
            schema = client.get_schema(int(known))
            module = re.search(r"\bmodule\s+([\w.-]+)", schema.schema_str)
            schemas[known] = {"type": schema.schema_type,
                                  "module": module.group(1) if module else None,
                                  "references": len(schema.references or [])}
    print(json.dumps({"records": records, "valid": valid, "schema_ids": schema_ids,
                      "schemas": schemas, "keys": sorted(keys), "problems": problems[:10]}))
    return 0 if records >= count else 1


if __name__ == "__main__":
    sys.exit(main())
