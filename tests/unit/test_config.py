"""Scenario and params: construction, validation, flat-dict and TOML round trips."""

from __future__ import annotations

import pytest

from swarm import ConfigError, PushParams, Scenario


def test_defaults_and_keywords():
    s = Scenario(nodes=50, protocol=PushParams(fanout=3), seed=9)
    assert s.protocol.name == "push" and s.protocol.fanout == 3
    assert s.topology.name == "complete"
    assert s.seed == 9 and s.nodes == 50


def test_from_dict_with_dotted_keys():
    s = Scenario.from_dict({"nodes": 1000, "protocol": "push", "protocol.fanout": 2, "seed": 7})
    assert (s.nodes, s.protocol.name, s.protocol.fanout, s.seed) == (1000, "push", 2, 7)


@pytest.mark.parametrize(
    "data",
    [
        {"nodes": 10, "protocol": "pull", "protocol.origin": 3},
        {"nodes": 100, "protocol": "push-pull", "protocol.fanout": 4, "topology": "k-out",
         "topology.k": 5, "seed": 123, "max_rounds": 40},
        {"nodes": 64, "topology": "torus", "topology.rows": 8},
    ],
)
def test_dict_and_toml_round_trip(data, tmp_path):
    s = Scenario.from_dict(data)
    assert Scenario.from_dict(s.to_dict()) == s
    path = tmp_path / "s.toml"
    path.write_text(s.to_toml())
    assert Scenario.from_toml(path) == s


def test_toml_tables(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('nodes = 200\nseed = 4\n[protocol]\nname = "push-pull"\nfanout = 2\n'
                    '[topology]\nname = "regular"\nd = 6\n')
    s = Scenario.from_toml(path)
    assert s.protocol.name == "push-pull" and s.protocol.fanout == 2
    assert s.topology.name == "regular" and s.topology.d == 6


def test_replace_resets_params_of_a_new_protocol():
    s = Scenario(nodes=20, protocol=PushParams(fanout=3))
    t = s.replace({"protocol": "pull"})
    assert t.protocol.name == "pull" and t.protocol.fanout == 1
    u = s.replace({"protocol.fanout": 5})
    assert u.protocol.name == "push" and u.protocol.fanout == 5


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({"nodes": 0}, "nodes", "1..2147483647"),
        ({"nodes": 2.5}, "nodes", "integer"),
        ({"nodes": True}, "nodes", "integer"),
        ({"nodes": 10, "protocol.fanout": 10}, "protocol.fanout", "1..9"),
        ({"nodes": 10, "protocol.fanout": 0}, "protocol.fanout", "1.."),
        ({"protocol": "telepathy"}, "protocol", "push"),
        ({"topology": "hypercube"}, "topology", "complete"),
        ({"colour": "red"}, "colour", "unknown key"),
        ({"protocol.speed": 3}, "protocol.speed", "unknown key"),
        ({"topology": "erdos-renyi", "topology.p": 1.5}, "topology.p", "0"),
        ({"topology": "erdos-renyi", "topology.p": -0.1}, "topology.p", "0"),
        ({"seed": -1}, "seed", "in 0.."),
        ({"nodes": 5, "protocol.origin": 5}, "protocol.origin", "0..4"),
    ],
)
def test_bad_input_names_field_value_and_range(data, field, fragment):
    with pytest.raises(ConfigError) as info:
        Scenario.from_dict(data)
    message = str(info.value)
    assert info.value.field == field
    assert message.startswith(f"{field} = ")
    assert fragment in message
    assert "\n" not in message


def test_params_validate_on_their_own():
    with pytest.raises(ConfigError, match=r"protocol.fanout = 0"):
        PushParams(fanout=0)


def test_bad_toml_is_one_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("nodes = = 3\n")
    with pytest.raises(ConfigError, match="is not valid TOML") as info:
        Scenario.from_toml(path)
    assert "\n" not in str(info.value)
    with pytest.raises(ConfigError, match="cannot be read"):
        Scenario.from_toml(tmp_path / "missing.toml")


def test_fanout_one_allowed_for_a_single_node():
    assert Scenario(nodes=1).protocol.fanout == 1
