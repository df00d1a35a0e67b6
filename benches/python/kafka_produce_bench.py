"""Kafka anchor of benches/telemetry.rs: confluent-kafka (librdkafka) produces the same telemetry
records the pipeline publishes, built ahead, and reports records per second (flush included).

Usage: kafka_produce_bench.py BOOTSTRAP TOPIC RECORDS_JSONL
Each line of RECORDS_JSONL is {"key": str, "value": str, "headers": {name: str}}.
"""
import json
import sys
import time

from confluent_kafka import Producer

bootstrap, topic, path = sys.argv[1], sys.argv[2], sys.argv[3]
records = [json.loads(line) for line in open(path) if line.strip()]
prepared = [(r["key"].encode(), r["value"].encode(), [(k, v.encode()) for k, v in r["headers"].items()])
            for r in records]
producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5})
failed = []


def delivered(error, _message):
    if error is not None:
        failed.append(str(error))


# The topic exists before the clock starts, as the pipeline's does.
producer.produce(topic, value=b"warm-up", on_delivery=delivered)
producer.flush(30)
started = time.perf_counter()
for key, value, headers in prepared:
    while True:
        try:
            producer.produce(topic, key=key, value=value, headers=headers, on_delivery=delivered)
            break
        except BufferError:
            producer.poll(0.01)
    producer.poll(0)
producer.flush(60)
elapsed = time.perf_counter() - started
print(json.dumps({"records": len(prepared), "failed": len(failed),
                  "records_per_second": len(prepared) / elapsed}))
sys.exit(1 if failed else 0)
