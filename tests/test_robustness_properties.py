"""Whatever `attrib validate` passes, every later command accepts and writes as valid output; whatever it
does not, every command refuses in one line (tests/robustness.py has the property and the mutations).

2,000 examples a property here, each file in the same folder (each example overwrites the last);
`benchmarks/bench_properties.py` runs 30,000 with every command on each.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attrib.lsjson.convert import CHOOSE
from robustness import check_export_file, check_records_file, export_files, record_files, scratch

EXAMPLES = settings(max_examples=2000, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


@pytest.fixture
def folder():
    with scratch() as path:
        yield path


@EXAMPLES
@given(data=record_files)
def test_what_validate_passes_in_records_every_command_accepts(folder, data):
    check_records_file(data, folder)


@EXAMPLES
@given(data=export_files, choose=st.sampled_from(CHOOSE))
def test_what_validate_passes_in_an_export_every_command_accepts(folder, data, choose):
    check_export_file(data, folder, (choose,))
