"""Cases found on held-out research repos of set X (wanda), reduced to a small repo: a README in a
subfolder runs the script beside it."""
import json

from conftest import run, write_files

PARSER = "import argparse\np = argparse.ArgumentParser()\n{flags}a = p.parse_args()\nprint({reads})\n"


def test_a_documents_command_runs_the_script_beside_the_document(tmp_path):
    """wanda's image_classifiers/README.md says `python main.py --data_path ... --resume ...`: that is
    image_classifiers/main.py, which defines both, not the root's main.py; a document in a folder
    without the script (docs/) still names the root's."""
    write_files(tmp_path, {
        "main.py": PARSER.format(flags="p.add_argument('--sparsity_ratio', type=float)\n", reads="a.sparsity_ratio"),
        "image_classifiers/main.py": PARSER.format(
            flags="p.add_argument('--data_path')\np.add_argument('--resume')\n", reads="a.data_path, a.resume"),
        "image_classifiers/README.md": "```sh\npython main.py --data_path /imagenet --resume ckpt.pth\n```\n",
        "docs/usage.md": "```sh\npython main.py --sparsity_ratio 0.5\npython main.py --sparsity 0.5 --bogus 1\n```\n",
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    assert sorted((f["path"], f["name"]) for f in doc["findings"] if f["code"] == "STL103") == \
        [("docs/usage.md", "bogus")]  # (`--sparsity` abbreviates the root's `--sparsity_ratio`: argparse takes it)
