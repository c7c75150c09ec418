"""Every corpus case, dropped into the deployed pipeline, ends in its expected outcome.

All cases are dropped at once and their outcomes collected in one pass; each case is then its
own test. Cases with their own size limit run with the function's MAX_INPUT_BYTES set to it
through the Lambda API for their batch, and set back afterwards.
"""

from __future__ import annotations

import itertools
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest

from harness.pipeline import Outcome, Pipeline
from harness.reliability import record
from harness.stack import StackOutputs
from providers import Connection
from tests.support.corpus import DEFAULT_MAX_BYTES, CorpusCase, load_corpus

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

CASES = load_corpus()
WAIT_SECONDS = 90.0


def set_input_limit(lambda_client: LambdaClient, function_name: str, limit: int) -> None:
    config = lambda_client.get_function_configuration(FunctionName=function_name)
    variables = config.get("Environment", {}).get("Variables", {})
    if variables.get("MAX_INPUT_BYTES") == str(limit):
        return
    lambda_client.update_function_configuration(
        FunctionName=function_name,
        Environment={"Variables": variables | {"MAX_INPUT_BYTES": str(limit)}},
    )
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName=function_name)


def run_batch(pipeline: Pipeline, cases: list[CorpusCase], prefix: str) -> dict[str, Outcome]:
    def drop_and_wait(case: CorpusCase) -> tuple[str, Outcome]:
        key = f"{prefix}/{case.name}.txt"
        dropped_at = time.time()
        pipeline.drop(key, case.input_bytes)
        return case.name, pipeline.wait_for_outcome(key, timeout=WAIT_SECONDS, since=dropped_at)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(pool.map(drop_and_wait, cases))


@pytest.fixture(scope="module")
def corpus_outcomes(
    pipeline: Pipeline, outputs: StackOutputs, connection: Connection
) -> dict[str, Outcome]:
    lambda_client: LambdaClient = connection.session().client(
        "lambda", endpoint_url=connection.endpoint_url
    )
    prefix = f"corpus-{uuid.uuid4().hex[:8]}"
    outcomes: dict[str, Outcome] = {}
    by_limit = itertools.groupby(
        sorted(CASES, key=lambda c: c.max_bytes), key=lambda c: c.max_bytes
    )
    try:
        for limit, batch in by_limit:
            set_input_limit(lambda_client, outputs.function_name, limit)
            outcomes |= run_batch(pipeline, list(batch), prefix)
    finally:
        set_input_limit(lambda_client, outputs.function_name, DEFAULT_MAX_BYTES)
    return outcomes


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_corpus_case_ends_in_its_expected_outcome_end_to_end(
    case: CorpusCase, corpus_outcomes: dict[str, Outcome]
) -> None:
    outcome = corpus_outcomes[case.name]
    if not case.rejected:
        assert outcome.kind == "output"
        assert outcome.body == case.expected_output
    else:
        assert outcome.kind == "rejected"
        report = outcome.report()
        assert (report["error_code"], report["line"], report["field"]) == (
            case.error_code,
            case.error_line,
            case.error_field,
        )


def test_the_corpus_is_recorded_for_the_reliability_report(
    corpus_outcomes: dict[str, Outcome],
) -> None:
    """Every case ends as expected; the counts are recorded for docs/reliability.md."""
    assert sorted(corpus_outcomes) == sorted(case.name for case in CASES)
    wrong = [case.name for case in CASES if not as_expected(case, corpus_outcomes[case.name])]
    assert wrong == []
    rejected = sum(case.rejected for case in CASES)
    record(
        "corpus-end-to-end",
        scenario="The input contract's corpus, end to end",
        done=f"dropped all {len(CASES)} corpus cases (tests/corpus/) into the deployed pipeline",
        observed="every output byte for byte, every report with its code, line and field",
        figures={
            "inputs tried": str(len(CASES)),
            "expected outputs": str(len(CASES) - rejected),
            "expected rejections": str(rejected),
        },
        lost=len(CASES) - len(corpus_outcomes),
    )


def as_expected(case: CorpusCase, outcome: Outcome) -> bool:
    if not case.rejected:
        return (outcome.kind, outcome.body) == ("output", case.expected_output)
    if outcome.kind != "rejected":
        return False
    report = outcome.report()
    return (report["error_code"], report["line"], report["field"]) == (
        case.error_code,
        case.error_line,
        case.error_field,
    )
