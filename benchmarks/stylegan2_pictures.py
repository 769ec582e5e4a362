"""The sample, truncation and style-mixing pictures of a trained `stylegan2` `.keras` file.

Writes three PNG grids into `--out` (each whole or absent, `ganzoo.plotting.save_image_grid`):

- `<prefix>_samples.png`: `generate(64, seed=0)`, 8 per row (the generator average, no truncation);
- `<prefix>_truncation.png`: one row per ψ in `--psi` (default 1, 0.7, 0.5, 0) for the same
  eight z (`generate(8, seed=1, truncation_psi=ψ)`); the ψ = 0 row is the image of `w_avg`;
- `<prefix>_mixing.png`: `mix_styles(--rows, --cols)`: the first row shows the column seeds'
  own images, the first column the row seeds'; every other cell takes the coarse half of the
  styles (`range(num_ws // 2)`, 4×4 and 8×8 at 32×32) from its column and the rest from its row.

Prints one JSON line naming the files and the model. Any backend (the figures of
docs/models/stylegan2.md were drawn on torch):

    KERAS_BACKEND=torch python benchmarks/stylegan2_pictures.py runs/stylegan2-mnist/model.keras --out docs/images
"""
import argparse
import json
import os


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model", help="A stylegan2 .keras file.")
    p.add_argument("--out", default=".", help="Folder of the PNG files.")
    p.add_argument("--prefix", default="stylegan2")
    p.add_argument("--psi", type=float, nargs="+", default=[1.0, 0.7, 0.5, 0.0])
    p.add_argument("--rows", type=int, nargs="+", default=[1, 2, 3, 4], help="Row seeds of the mixing grid.")
    p.add_argument("--cols", type=int, nargs="+", default=[10, 11, 12, 13, 14, 15], help="Its column seeds.")
    args = p.parse_args()

    import keras
    import numpy as np

    import ganzoo
    from ganzoo import plotting

    model = ganzoo.load_model(args.model)
    if not hasattr(model, "mix_styles"):
        raise ValueError(f"`model` must be a stylegan2 file. Received: model={args.model!r} ({type(model).__name__})")
    paths = {k: os.path.join(args.out, f"{args.prefix}_{k}.png") for k in ("samples", "truncation", "mixing")}
    plotting.save_image_grid(model.generate(64, seed=0), paths["samples"], ncols=8)
    rows = [model.generate(8, seed=1, truncation_psi=psi) for psi in args.psi]
    plotting.save_image_grid(np.concatenate(rows), paths["truncation"], ncols=8)
    cells = model.mix_styles(args.rows, args.cols)
    plotting.save_image_grid(cells, paths["mixing"], ncols=len(args.cols) + 1)
    print(json.dumps({"model": args.model, "backend": keras.config.backend(), "psi": args.psi,
                      "row_seeds": args.rows, "col_seeds": args.cols,
                      "ema": model.ema_decay is not None, **paths}))


if __name__ == "__main__":
    main()
