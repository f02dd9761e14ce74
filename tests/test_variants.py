from conftest import ALL, by_code, check_json


def test_registries_dispatch_and_choices(build):
    doc = check_json(build("variants"), *ALL)
    v = by_code(doc, "STL201")
    # ResNet: the --backbone default; vit-b: set by a config (its registered name, not its class
    # name); Swin: used directly by code; goodbye: atexit's registry is not the repo's
    assert set(v) == {"ConvNeXt", "attn", "wide_cnn"}
    conv = v["ConvNeXt"]
    assert (conv["path"], conv["line"], conv["removable_lines"]) == ("nets/backbones.py", 16, 4)
    assert conv["evidence"]["last_set"]["source"] == "configs/convnext.yaml"
    # a dict registry entry that no experiment selects; choices list it too, reported once, at the entry
    assert v["attn"]["path"] == "nets/backbones.py"
    assert sum(1 for f in doc["findings"] if f["name"] == "attn") == 1
    # `match args.norm`: "bn" is the default (the vit config leaves it), "ln" is set; `case _:`
    # took "gn" once, long ago: it is a trick, not a named variant
    trick = by_code(doc, "STL301")["norm"]
    assert trick["line"] == 18 and "last taken by configs/convnext.yaml on 2025-03-01" in trick["message"]

    # getattr(archs, args.arch): the module's public functions are variants of --arch
    assert v["wide_cnn"]["path"] == "nets/archs.py" and v["wide_cnn"]["removable_lines"] == 2


def test_every_string_of_code_but_the_registration_counts_as_a_use():
    import textwrap

    from stalelint.index import index_file

    f = index_file("m.py", textwrap.dedent('''
        import pytest
        from absl import flags
        __all__ = ["in_all"]
        MODELS = {"reg_a": A, "reg_b": B}
        SIZES = {"as_key": 1}
        NAMES = ["in_list"]

        @register_model(name="by_decorator")
        def f():
            pass

        @pytest.mark.parametrize("arch", ["in_parametrize"])
        def test_x(arch):
            assert build(arch).name == "in_compare"
            self.assertEqual(arch, "in_assert")

        parser.add_argument("--opt_name", choices=["a_choice"], default="as_default")
        flags.DEFINE_enum("flag_name", "enum_default", ["enum_value"], "help")
    '''))
    strings = set(f.code_strings)
    assert {"as_key", "in_list", "in_parametrize", "in_compare", "in_assert", "as_default", "enum_default"} <= strings
    assert not {"in_all", "reg_a", "reg_b", "by_decorator", "--opt_name", "a_choice", "flag_name",
                "enum_value"} & strings
