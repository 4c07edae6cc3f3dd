"""Rebuild mediation/geography/cog.json.gz from Etalab's @etalab/decoupage-administratif package.

    cd /tmp && npm pack @etalab/decoupage-administratif@6.0.0 && tar xzf etalab-decoupage-administratif-6.0.0.tgz
    python scripts/build_geography.py /tmp/package

Only what the application uses is kept: regions, departments, current communes (INSEE code, name,
department, region, population, postal codes) and the former codes of merged communes
(commune-deleguee / commune-associee) with the current commune they belong to.
"""

import gzip
import json
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "mediation" / "geography" / "cog.json.gz"


def build(package_dir: Path) -> dict:
    data = package_dir / "data"
    version = json.loads((package_dir / "package.json").read_text())["version"]
    regions = json.loads((data / "regions.json").read_text())
    departments = json.loads((data / "departements.json").read_text())
    communes = json.loads((data / "communes.json").read_text())
    current = {c["code"]: c for c in communes if c["type"] == "commune-actuelle"}
    former = {}
    for c in communes:
        if c["type"] in ("commune-deleguee", "commune-associee") and c.get("chefLieu") in current:
            if c["code"] != c["chefLieu"]:
                former[c["code"]] = [c["chefLieu"], c["nom"]]
    return {
        "source": f"@etalab/decoupage-administratif {version} (npm), données sous Licence Ouverte (Etalab)",
        "rebuild": "python scripts/build_geography.py <dossier du paquet npm décompressé>",
        "regions": sorted([r["code"], r["nom"]] for r in regions),
        "departments": sorted([d["code"], d["nom"], d["region"]] for d in departments),
        "communes": sorted(
            [
                c["code"],
                c["nom"],
                c["departement"],
                c["region"],
                c.get("population", 0),
                " ".join(c.get("codesPostaux", [])),
            ]
            for c in current.values()
        ),
        "former_codes": sorted([code, *target] for code, target in former.items()),
    }


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: python scripts/build_geography.py <unpacked package directory>")
    package_dir = Path(sys.argv[1])
    payload = json.dumps(build(package_dir), ensure_ascii=False, separators=(",", ":"))
    with gzip.GzipFile(OUTPUT, "wb", mtime=0) as fh:
        fh.write(payload.encode())
    print(f"{OUTPUT}: {OUTPUT.stat().st_size} octets")


if __name__ == "__main__":
    main()
