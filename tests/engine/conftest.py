"""One SparkSession for the whole test run: the JVM takes ~10 s to start, so every Spark test
shares it (``scope="session"``), on loopback, with the UI off and few shuffle partitions."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

#: Settings of the tests' session: small data, two local cores, nothing listening outside.
TEST_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # Adaptive execution re-plans every query after each stage: on test-sized data that costs more
    # than it saves (co_link on 20k posts: 12 s without, 20 s with).
    "spark.sql.adaptive.enabled": "false",
}
TEST_MASTER = "local[2]"


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    if shutil.which("java") is None and not os.environ.get("CI"):
        pytest.skip("Java is not installed (the Spark engine needs Java 17: apt-get install openjdk-17-jre-headless)")
    from lockstep.engine.spark import spark_session

    session = spark_session(TEST_MASTER, TEST_CONF)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
