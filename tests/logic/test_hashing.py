"""Hashes and generated names look exactly like the ones a real cluster prints."""

import random

from simk8s.logic.hashing import (
    ALPHANUMS,
    controller_revision_hash,
    fnv32,
    fnv32a,
    go_json,
    pod_template_hash,
    random_suffix,
    safe_encode_string,
)


def test_fnv_reference_vectors():
    # Published FNV test vectors (Go's hash/fnv tests use the same ones).
    assert fnv32(b"") == 0x811C9DC5
    assert fnv32(b"a") == 0x050C5D7E
    assert fnv32a(b"a") == 0xE40C292C
    assert fnv32a(b"foobar") == 0xBF9CF968
    assert fnv32(b"foobar") == 0x31F0B262


def test_safe_encode_maps_each_byte_into_the_alphabet():
    # '0' is byte 48, 48 % 27 = 21 -> '4'; '9' is 57 % 27 = 3 -> 'f'.
    assert safe_encode_string("09") == "4f"
    assert set(safe_encode_string("1234567890")) <= set(ALPHANUMS)
    assert len(ALPHANUMS) == 27 and not set("aeiou013") & set(ALPHANUMS)


def test_go_json_sorts_keys_and_escapes_html():
    assert go_json({"b": 1, "a": "<x&y>"}) == b'{"a":"\\u003cx\\u0026y\\u003e","b":1}'


def test_revision_hash_depends_on_collision_count_and_is_at_most_10_chars():
    data = {"spec": {"template": {"$patch": "replace", "spec": {"containers": [{"name": "nginx"}]}}}}
    h0 = controller_revision_hash(data, 0)
    h1 = controller_revision_hash(data, 1)
    assert h0 != h1
    assert 1 <= len(h0) <= 10 and set(h0) <= set(ALPHANUMS)
    assert controller_revision_hash(go_json(data), 0) == h0


def test_pod_template_hash_is_stable_and_collision_sensitive():
    t = {"metadata": {"labels": {"app": "nginx"}}, "spec": {"containers": [{"name": "nginx"}]}}
    assert pod_template_hash(t, None) == pod_template_hash(dict(t), None)
    assert pod_template_hash(t, None) != pod_template_hash(t, 1)


def test_random_suffix_is_five_safe_chars_and_seeded():
    a = random_suffix(random.Random(7))
    assert len(a) == 5 and set(a) <= set(ALPHANUMS)
    assert a == random_suffix(random.Random(7))
