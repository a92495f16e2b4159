"""Run every benchmark module in bench/ (or those named: `python -m bench search ocr`)."""

import importlib
import pkgutil
import sys

import bench


def main(names: list[str]) -> None:
    modules = [m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_")]
    for name in names or sorted(modules):
        print(f"\n=== bench/{name}.py ===", flush=True)
        importlib.import_module(f"bench.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
