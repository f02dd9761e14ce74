"""Cases found on held-out research repos of set AD, reduced to small repos: a parsed config's view
kept in a name and unpacked into a call (mesh-transformer-jax), a document's choice among values
(glow)."""
import json

from conftest import run, write_files


def _findings(tmp_path, code, *more):
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0", *more).output)
    return {f["name"]: f for f in doc["findings"] if f["code"] == code}


def test_a_view_kept_in_a_name_and_unpacked_into_a_call_reads_the_flags(tmp_path):
    """mesh-transformer-jax's to_hf_weights.py: `args = vars(parser.parse_args())` then
    `process_args(**args)`, whose parameters are `input_ckpt` and `cpu`: both read. A flag no
    parameter names stays unread (its `**kwargs` goes unused); where the callee uses its `**kwargs`,
    any flag may be read by name (70)."""
    write_files(tmp_path, {"conv.py": """\
        import argparse
        parser = argparse.ArgumentParser()
        parser.add_argument("--input-ckpt", type=str)
        parser.add_argument("--cpu", action="store_true")
        parser.add_argument("--debug", action="store_true")
        parser.add_argument("--legacy", action="store_true")

        def process_args(input_ckpt, cpu=False, **kwargs):
            return input_ckpt, cpu

        if __name__ == "__main__":
            args = vars(parser.parse_args())
            DEBUG = args["debug"]
            print(process_args(**args))
        """})
    got = {name: f["confidence"] for name, f in _findings(tmp_path, "STL101").items()}
    assert got == {"legacy": 90}
    text = (tmp_path / "conv.py").read_text().replace("return input_ckpt, cpu", "return input_ckpt, cpu, kwargs")
    (tmp_path / "conv.py").write_text(text)
    got = {name: f["confidence"] for name, f in _findings(tmp_path, "STL101").items()}
    assert got == {"legacy": 70}


def test_a_key_named_beside_a_view_kept_in_a_name_is_read(tmp_path):
    """pytorch_GAN_zoo's visualization.py: `kwargs = vars(parser.parse_args())`, then
    `getVal(kwargs, 'interpolationPath', None)` reads `--interpolate` (dest `interpolationPath`)."""
    write_files(tmp_path, {"vis.py": """\
        import argparse

        def getVal(kwargs, key, default):
            out = kwargs.get(key, default)
            return default if out is None else out

        parser = argparse.ArgumentParser()
        parser.add_argument("--interpolate", type=str, dest="interpolationPath")
        parser.add_argument("--random_interpolate", action="store_true")
        kwargs = vars(parser.parse_args())
        print(getVal(kwargs, "interpolationPath", None))
        """})
    assert set(_findings(tmp_path, "STL101")) == {"random_interpolate"}


def test_a_document_choice_among_values_sets_no_one_value(tmp_path):
    """glow's README: `--flow_permutation [0/1/2]` stands for a run of each; read as one literal,
    every branch on 0, 1 or 2 looked never taken."""
    from stalelint.evidence import launch
    from stalelint.model import UNKNOWN
    settings, _ = launch.parse_args(("--flow_permutation", "[0/1/2]", "--seed=[0|1]", "--lr", "[0.1, 0.2]"),
                                    lambda o: None)
    got = {s.key: s.value for s in settings}
    assert got["--flow_permutation"] is UNKNOWN and got["--seed"] is UNKNOWN
    assert got["--lr"] == "[0.1, 0.2]"  # a list is one value, not a choice among values
