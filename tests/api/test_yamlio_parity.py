"""YAML input is composed on libyaml when available: the values must equal the pure-Python parser's."""

import pytest
import yaml

from simk8s.api import yamlinput

DOCS = [
    "a: 0x1F\nb: 1e3\nc: yes\nd: '80'\ne: ~\nf: 2024-01-01\ng: .inf\nh: 010\ni: \"x\"\nj: |\n  x\n",
    "<<: {a: 1}\nb: 2\n'<<': quoted\n",
    "- 1\n- [a, 'b', \"c\"]\n- {x: y}\n- 8080:80\n- -0\n- 1_000\n",
    "ports:\n- port: 80\n  targetPort: '8080'\n  name: web\nlabels: {app: nginx, tier: \"1\"}\n",
    "empty:\nnull_word: null\nbools: [true, false, True, off]\nfolded: >\n  a\n  b\n",
]


@pytest.mark.parametrize("doc", DOCS)
def test_fast_and_pure_loaders_agree(doc: str) -> None:
    def convert(loader: type) -> object:
        return yamlinput._Decoder(doc).convert(yaml.compose(doc, Loader=loader), 0)

    assert repr(convert(yamlinput._FastLoader)) == repr(convert(yamlinput._Loader))


def test_syntax_errors_are_worded_by_the_pure_parser() -> None:
    with pytest.raises(yaml.YAMLError) as fast:
        yamlinput.yaml_to_json("a: b: c")
    with pytest.raises(yaml.YAMLError) as pure:
        yaml.compose("a: b: c", Loader=yamlinput._Loader)
    assert str(fast.value) == str(pure.value)
