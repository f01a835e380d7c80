"""The `landcheck` group: declaring the commands loads no heavy library (lazy imports, issue 16), and
`landcheck --help` lists every registered command with its one-line help."""

import json
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from landcheck.cli import cli

ROOT = Path(__file__).resolve().parents[2]

#: Libraries a command imports when it runs, never when it is declared or asked for --help.
HEAVY = ("pandas", "geopandas", "shapely", "pyogrio", "pyproj", "numpy", "scipy", "pyarrow", "dask", "distributed",
         "folium", "branca", "xlsxwriter", "openpyxl", "PIL", "gpxpy", "rich")


def loaded_after(code: str) -> set[str]:
    """The top-level packages in sys.modules after `code` ran in a fresh interpreter (this checkout first on the path)."""
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    r = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(r.stdout.strip().splitlines()[-1]))


def command_paths(group: click.Group, prefix=()) -> list[list[str]]:
    """Every command and subcommand as the words typed after `landcheck`."""
    out = []
    for name, cmd in group.commands.items():
        out.append([*prefix, name])
        if isinstance(cmd, click.Group):
            out += command_paths(cmd, (*prefix, name))
    return out


def test_importing_the_cli_loads_no_heavy_library():
    loaded = loaded_after("import landcheck.cli")
    assert "landcheck" in loaded and "click" in loaded
    assert sorted(loaded & set(HEAVY)) == []


def test_help_of_every_command_and_the_version_load_no_heavy_library():
    paths = command_paths(cli)
    assert ["farmland"] in paths and ["ledger", "status"] in paths
    calls = "\n".join(f"cli.main({[*p, '--help']!r}, prog_name='landcheck', standalone_mode=False)" for p in [[], *paths])
    code = ("import contextlib, io\nfrom landcheck.cli import cli\nwith contextlib.redirect_stdout(io.StringIO()) as out:\n"
            + "\n".join("    " + line for line in [*calls.splitlines(),
                                                   "cli.main(['--version'], prog_name='landcheck', standalone_mode=False)"])
            + "\nassert out.getvalue().count('Usage: landcheck') == " + str(len(paths) + 1)
            + " and 'landcheck, version' in out.getvalue(), out.getvalue()[-400:]")
    assert sorted(loaded_after(code) & set(HEAVY)) == []


def listed_commands(output: str) -> dict[str, str]:
    """The `Commands:` section of a help text: name → the one-line help shown."""
    lines = output.split("Commands:\n", 1)[1].splitlines()
    return {name: rest.strip() for name, _, rest in (line.strip().partition(" ") for line in lines if line.strip())}


def test_help_lists_every_registered_command_with_its_one_line_help():
    for group, args in ((cli, []), (cli.commands["ledger"], ["ledger"]), (cli.commands["evidence"], ["evidence"])):
        r = CliRunner().invoke(cli, [*args, "--help"], terminal_width=100)
        assert r.exit_code == 0, r.output
        listed = listed_commands(r.output)
        assert sorted(listed) == sorted(group.commands)
        for name, shown in listed.items():
            short = group.commands[name].get_short_help_str(limit=200)
            assert shown and short.startswith(shown.removesuffix("...")), (name, shown, short)
