"""Cases found on held-out research repos of set N (edm, rl-baselines3-zoo), reduced to small repos:
click options a command hands on through `**kwargs`, and a dict config module loaded by its path."""
import json

from conftest import run, write_files


def test_click_options_that_land_in_kwargs_are_read_when_the_kwargs_are_used(tmp_path):
    """edm's generate.py: `def main(network_pkl, outdir, **sampler_kwargs)` and
    `sampler_fn(net, ..., **sampler_kwargs)`: `--rho` is read there. An option of a command
    that ignores its `**kwargs` is still unread."""
    write_files(tmp_path, {
        "generate.py": """\
            import click

            def edm_sampler(net, rho=7, steps=18):
                return net * rho * steps

            @click.command()
            @click.option("--network", "network_pkl", type=str, required=True)
            @click.option("--rho", type=float, default=7)
            @click.option("--steps", "steps", type=int, default=18)
            def main(network_pkl, **sampler_kwargs):
                sampler_kwargs = {k: v for k, v in sampler_kwargs.items() if v is not None}
                print(edm_sampler(network_pkl, **sampler_kwargs))

            @click.command()
            @click.option("--seed", type=int, default=0)
            @click.option("--dead", type=int, default=0)
            def other(seed, **rest):
                print(seed)

            if __name__ == "__main__":
                main()
            """,
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    assert sorted(f["name"] for f in doc["findings"] if f["code"] == "STL101") == ["dead"]


def test_a_dict_config_module_loaded_by_its_path_is_no_unread_flags(tmp_path):
    """rl-baselines3-zoo's hyperparams/python/ppo_config_example.py: `hyperparams = {"Env-v0":
    dict(n_steps=8, ...)}`, which the zoo runs by path (`--conf-file`) and hands whole to the
    algorithm. No module imports it and it uses its dict nowhere itself: not STL101. A module that
    code imports, whose dict keys nobody reads, still has unread flags."""
    write_files(tmp_path, {
        "hyperparams/python/ppo_example.py": 'hyperparams = {"Env-v0": dict(n_steps=8, learning_rate=1e-4)}\n',
        "defaults.py": 'config = {"lr": 0.1, "dead_key": 3}\n',
        "train.py": """\
            import importlib.util, sys
            from defaults import config
            spec = importlib.util.spec_from_file_location("conf", sys.argv[1])
            print(config["lr"], spec)
            """,
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    assert sorted(f["name"] for f in doc["findings"] if f["code"] == "STL101") == ["dead_key"]


def test_options_a_loop_spells_with_an_f_string_are_defined(tmp_path):
    """OpenRLHF's train_ppo_ray.py: `for prefix in ("actor", "critic"):
    parser.add_argument(f"--{prefix}.adam.lr", ...)`; scripts set `--actor.adam.lr 5e-7`."""
    write_files(tmp_path, {
        "train.py": """\
            import argparse
            parser = argparse.ArgumentParser()
            for prefix in ("actor", "critic"):
                parser.add_argument(f"--{prefix}.adam.lr", type=float, default=1e-6)
                parser.add_argument(f"--{prefix}.no_ema", dest=f"{prefix}.ema", action="store_false")
            args = parser.parse_args()
            print(vars(args))
            """,
        "run.sh": "python train.py --actor.adam.lr 5e-7 --critic.no_ema --actor.adam.lrr 1\n",
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    assert sorted(f["name"] for f in doc["findings"] if f["code"] == "STL103") == ["actor.adam.lrr"]


def test_a_dict_config_handed_whole_to_a_call_may_be_read_there(tmp_path):
    """pytorch-a2c-ppo-acktr-gail's generate_tmux_yaml.py: `config = {"session_name": "run-all",
    "windows": []}`, written by `yaml.dump(config, ...)` for tmuxp, which reads `session_name`:
    40, hidden. A dict whose keys the module reads one by one keeps its unread keys at 90."""
    write_files(tmp_path, {
        "gen.py": 'import yaml\nconfig = {"session_name": "run-all", "windows": []}\n'
                  'config["windows"].append(1)\nyaml.dump(config, open("run_all.yaml", "w"))\n',
        "train.py": 'config = {"lr": 0.1, "dead_key": 3}\nprint(config["lr"])\n',
    })
    doc = json.loads(run("check", tmp_path, "--output-format", "json", "--min-confidence", "0").output)
    got = {f["name"]: f["confidence"] for f in doc["findings"] if f["code"] == "STL101"}
    assert got == {"session_name": 40, "dead_key": 90}, got
