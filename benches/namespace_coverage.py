"""How much of Keras 3's public namespace the installed pykeras has, as a markdown table.

Run: python3 benches/namespace_coverage.py [--missing] [--signatures] [--module keras.layers]

The Keras side is tests/reference/keras_namespace.json (recorded from real Keras by
tests/reference/make_keras_namespace.py); ``keras.X`` is looked up as ``pykeras.X``.
A name is present only if it exists in pykeras and is not an obvious stub (its body
only raises NotImplementedError); stubs are counted as missing and also listed.
Run it as a script (not from the repository root with ``python -m``) so that the
installed pykeras is imported, not the source folder without its compiled core.
"""

from __future__ import annotations

import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "python"))

import keras_namespace as kn  # noqa: E402


def table(results) -> str:
    lines = [
        "| module | Keras names | present in pykeras | missing | stubs | coverage % "
        "| submodules present |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        module = f"`{r.keras_module}`" + ("" if r.module_exists else " (no module)")
        subs = f"{len(r.submodules_present)}/{len(r.submodules)}" if r.submodules else ""
        lines.append(
            f"| {module} | {len(r.keras_names)} | {len(r.present)} | {len(r.missing)} "
            f"| {len(r.stubs)} | {r.coverage:.1f} | {subs} |"
        )
    total = sum(len(r.keras_names) for r in results)
    present = sum(len(r.present) for r in results)
    missing = sum(len(r.missing) for r in results)
    stubs = sum(len(r.stubs) for r in results)
    pct = 100.0 * present / total if total else 100.0
    modules = sum(r.module_exists for r in results)
    lines.append(
        f"| **total** ({modules}/{len(results)} modules exist) | {total} | {present} "
        f"| {missing} | {stubs} | {pct:.1f} | |"
    )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", help="only these Keras modules")
    parser.add_argument("--missing", action="store_true", help="list missing names")
    parser.add_argument(
        "--signatures", action="store_true", help="list Keras parameters pykeras lacks"
    )
    args = parser.parse_args(argv)

    import pykeras

    data = kn.load()
    modules = args.module or kn.keras_modules(data)
    unknown = sorted(set(modules) - set(data["modules"]))
    if unknown:
        parser.error(f"not recorded Keras modules: {unknown}")
    results = [kn.module_coverage(name, data) for name in modules]

    versions = data["versions"]
    print(
        f"Keras {versions['keras']} public namespace (recorded with JAX {versions['jax']}) "
        f"vs pykeras {pykeras.__version__} ({pathlib.Path(pykeras.__file__).parent})\n"
    )
    print(table(results))
    stubs = [(r.keras_module, name) for r in results for name in r.stubs]
    if stubs:
        print("\nStubs (counted as missing): " + ", ".join(f"`{m}.{n}`" for m, n in stubs))
    if args.missing:
        print("\n### Missing names\n")
        for r in results:
            if r.missing:
                print(f"- `{r.keras_module}` ({len(r.missing)}): {', '.join(r.missing)}")
    if args.signatures:
        print("\n### Keras parameters that pykeras's signature lacks\n")
        for r in results:
            for name, params in sorted(r.signature_gaps.items()):
                print(f"- `{r.keras_module}.{name}`: {', '.join(params)}")


if __name__ == "__main__":
    main()
