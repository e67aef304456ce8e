"""Sends OpenLineage events to aimsgraph with the real openlineage-python client.

Run by ingest/client_test.go: `python emit_events.py URL API_KEY`. Uses the client's HTTP
transport with api_key auth and gzip compression, as a pipeline would. Prints one JSON object:
the HTTP status of each event, in order.
"""

import json
import sys
import uuid
from datetime import datetime, timedelta, timezone

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import documentation_job, schema_dataset
from openlineage.client.transport.http import ApiKeyTokenProvider, HttpCompression, HttpConfig, HttpTransport

PRODUCER = "https://github.com/aimsgraph/aimsgraph/ingest/testdata/emit_events.py"


def main(url: str, api_key: str) -> None:
    transport = HttpTransport(
        HttpConfig(
            url=url,
            endpoint="api/v1/lineage",
            timeout=30.0,
            auth=ApiKeyTokenProvider({"apiKey": api_key}),
            compression=HttpCompression.GZIP,
            retry={"total": 0},
        )
    )
    client = OpenLineageClient(transport=transport)

    run = Run(runId=str(uuid.uuid4()))
    job = Job(
        namespace="airflow-risk",
        name="credit_features.build",
        facets={"documentation": documentation_job.DocumentationJobFacet(description="Builds the credit feature store")},
    )
    inputs = [
        InputDataset(
            namespace="s3://bank-landing",
            name="bureau/monthly",
            facets={"schema": schema_dataset.SchemaDatasetFacet(fields=[schema_dataset.SchemaDatasetFacetFields(name="applicant_id", type="STRING")])},
        )
    ]
    outputs = [OutputDataset(namespace="s3://bank-features", name="credit/features")]
    start = datetime.now(timezone.utc)

    def event(state: RunState, at: datetime) -> RunEvent:
        return RunEvent(eventType=state, eventTime=at.isoformat(), run=run, job=job, producer=PRODUCER, inputs=inputs, outputs=outputs)

    # START through OpenLineageClient.emit, as integrations do (it raises unless the answer is
    # 2xx); COMPLETE straight through the same transport, to read the status it got.
    client.emit(event(RunState.START, start))
    statuses = ["emitted"]
    statuses.append(transport.emit(event(RunState.COMPLETE, start + timedelta(minutes=3))).status_code)
    # A job without a name: the server must refuse it (400) and store nothing.
    bad = RunEvent(eventType=RunState.COMPLETE, eventTime=start.isoformat(), run=Run(runId=str(uuid.uuid4())),
                   job=Job(namespace="airflow-risk", name=""), producer=PRODUCER)
    try:
        statuses.append(transport.emit(bad).status_code)
    except Exception as e:  # the transport raises on a 4xx answer
        response = getattr(e, "response", None)
        statuses.append(response.status_code if response is not None else str(e))
    print(json.dumps({"statuses": statuses, "runId": run.runId, "producer": PRODUCER}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
