"""An edge-list error names the file, the line number and what is wrong, and never quotes
the line: the file may be one the reader of the message must not see (issue 12)."""

from __future__ import annotations

import pytest

from swarm.errors import ConfigError
from swarm.topology import read_edge_list

SECRET = "s3cr3t-Zq7"


@pytest.mark.parametrize(
    "text, line, words",
    [
        (f"root:x:0:0:{SECRET}:/root:/bin/bash\n", 1, "(it has 1 field)"),
        (f"0 1\n{SECRET} 1\n", 2, "the first field is not an integer"),
        (f"0 1\n# {SECRET}\n1 {SECRET}\n", 3, "the second field is not an integer"),
        (f"0 1 {SECRET}\n", 1, "(it has 3 fields)"),
        ("0 1\n4 918273645\n", 2, "the second node id is out of range 0..4"),
        ("0 1\n\n3 3\n", 3, "self-loop"),
    ],
)
def test_a_bad_line_is_named_by_number_and_never_quoted(tmp_path, text, line, words):
    path = tmp_path / "edges.txt"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        read_edge_list(path, 5)
    message = str(info.value)
    assert f"{path}:{line}" in message and words in message, message
    bad_line = text.splitlines()[line - 1]
    for token in bad_line.split():
        if token not in ("0", "1", "3", "4"):  # ids that also appear in the message's range
            assert token not in message, message
    assert SECRET not in message and "918273645" not in message
    assert "\n" not in message
