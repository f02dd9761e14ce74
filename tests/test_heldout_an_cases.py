"""Cases found on held-out research repos of set AN, reduced to small repos: how STL103 suggests the
option a command meant (pix2pixHD, instruct-pix2pix)."""
import json

from conftest import run, write_files


def _messages(tmp_path):
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    return {f["name"]: f["message"] for f in doc["findings"] if f["code"] == "STL103"}


def test_a_suggestion_is_spelled_as_the_command_would_spell_it(tmp_path):
    """pix2pixHD's scripts/test_1024p_feat.sh passes `---netG local`: the suggestion is `--netG`,
    the option as written, not the normalised `netg`."""
    write_files(tmp_path, {"test.py": """\
        import argparse
        parser = argparse.ArgumentParser()
        parser.add_argument("--netG", type=str, default="global")
        parser.add_argument("--name", type=str)
        opt = parser.parse_args()
        print(opt.netG, opt.name)
        """, "scripts/test_1024p.sh": "python test.py --name label2city_1024p ---netG local\n"})
    assert "did you mean `--netG`?" in _messages(tmp_path)["netG"]


def test_a_suggestion_is_no_option_the_command_sets_already(tmp_path):
    """instruct-pix2pix's README: `--partitions=10 --partition=0` for a script with
    `--num-partitions` and `--partition`: `--partition` is set beside it, so not what was meant;
    the next close match is."""
    write_files(tmp_path, {"generate_txt_dataset.py": """\
        import argparse
        parser = argparse.ArgumentParser()
        parser.add_argument("--num-partitions", type=int, default=1)
        parser.add_argument("--partition", type=int, default=0)
        args = parser.parse_args()
        print(args.num_partitions, args.partition)
        """, "README.md": """\
        ```bash
        python generate_txt_dataset.py --partitions=10 --partition=0
        ```
        """})
    msg = _messages(tmp_path)["partitions"]
    assert "did you mean `--num-partitions`?" in msg
