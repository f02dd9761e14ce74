"""Cases found on held-out research repos of set AC, reduced to small repos: a gate on a dict key
spelled like a yacs key in another case (TimeSformer), a table looked up by a computed key
(pytorch-cifar: in test_heldout_ab_cases.py)."""
import json

from conftest import run, write_files


def test_a_gate_on_a_key_spelled_in_another_case_is_not_the_yacs_knob(tmp_path):
    """TimeSformer's vendored timm `load_pretrained`: `if num_classes == 1000 and cfg['num_classes'] ==
    1001:` tests timm's `default_cfg` dict; yacs reads `MODEL.NUM_CLASSES` as spelled, so every run's
    400 says nothing of that branch. A gate on `cfg.MODEL.NUM_CLASSES` itself is still judged."""
    write_files(tmp_path, {
        "defaults.py": """\
            from yacs.config import CfgNode as CN
            _C = CN()
            _C.MODEL = CN()
            _C.MODEL.NUM_CLASSES = 400
            _C.MODEL.ARCH = "vit"
            """,
        "helpers.py": """\
            def load_pretrained(model, cfg=None, num_classes=1000):
                if cfg is None:
                    cfg = getattr(model, "default_cfg")
                if num_classes == 1000 and cfg['num_classes'] == 1001:
                    drop_background(model)
                return model
            """,
        "train.py": """\
            from defaults import _C
            from helpers import load_pretrained

            def main(cfg):
                if cfg.MODEL.NUM_CLASSES == 1000:
                    use_imagenet_head()
                print(cfg.MODEL.ARCH)
                load_pretrained(None)

            if __name__ == "__main__":
                cfg = _C.clone()
                cfg.merge_from_file("configs/k400.yaml")
                main(cfg)
            """,
        **{f"configs/k{i}.yaml": f"MODEL:\n  NUM_CLASSES: {400 + i}\n  ARCH: vit\n" for i in range(4)},
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0", "--grace", "0").output)
    tricks = sorted((f["path"], f["name"]) for f in doc["findings"] if f["code"] == "STL301")
    assert tricks == [("train.py", "model.num_classes")]
