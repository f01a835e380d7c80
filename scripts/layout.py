"""The package layout as a tree, from the modules themselves: one line per module with its line count and
the first sentence of its docstring.

    python scripts/layout.py [landcheck]
"""
import ast, sys
from pathlib import Path
root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "landcheck"
def first(p):
    doc = ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) or ""
    line = " ".join(doc.split("\n\n")[0].split())
    cut = line.find(". ")
    line = line[:cut + 1] if 0 < cut < 150 else line
    return line[:150] + ("…" if len(line) > 150 else "")
def walk(d, indent=""):
    items = sorted([p for p in d.iterdir() if p.suffix == ".py"], key=lambda p: (p.name != "__init__.py", p.name)) 
    subs = sorted([p for p in d.iterdir() if p.is_dir() and (p / "__init__.py").exists()])
    for p in items:
        n = len(p.read_text(encoding="utf-8").splitlines())
        print(f"{indent}{p.name:<18} {n:>4}  {first(p)}")
    for s in subs:
        print(f"{indent}{s.name}/")
        walk(s, indent + "  ")
print(f"{root.name}/")
walk(root, "  ")
