"""Every file ganzoo writes is whole or absent: a failure while writing leaves the old file."""
import os

import numpy as np
import pytest
from PIL import Image

from ganzoo import plotting
from ganzoo.atomic import temporary_path, write_atomic


def test_temporary_path_is_hidden_beside_the_file_with_its_extension(tmp_path):
    tmp = temporary_path(tmp_path / "grid.png")
    assert os.path.dirname(tmp) == str(tmp_path)
    assert os.path.basename(tmp).startswith(".grid.png.") and tmp.endswith(".png")


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("old")

    def torn(tmp):
        with open(tmp, "w") as f:
            f.write("half")
        raise KeyboardInterrupt  # the write is interrupted after part of the file

    with pytest.raises(KeyboardInterrupt):
        write_atomic(path, torn)
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["a.txt"]
    write_atomic(path, lambda tmp: open(tmp, "w").write("new"))
    assert path.read_text() == "new" and os.listdir(tmp_path) == ["a.txt"]


def test_sample_grid_and_scatter_are_written_through_a_temporary_file(tmp_path, monkeypatch):
    seen = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: (seen.append((src, dst)), real(src, dst)))
    grid = plotting.save_image_grid(np.zeros((4, 8, 8, 1)), tmp_path / "g" / "grid.png")
    scatter = plotting.save_scatter(np.zeros((10, 2)), tmp_path / "s.png")
    assert [dst for _, dst in seen] == [grid, scatter]
    assert all(os.path.basename(src).startswith(".") for src, _ in seen)
    assert Image.open(grid).format == "PNG" and Image.open(scatter).format == "PNG"
    assert sorted(os.listdir(tmp_path)) == ["g", "s.png"] and os.listdir(tmp_path / "g") == ["grid.png"]


def test_append_line_adds_one_whole_line_and_leaves_no_temporary(tmp_path):
    from ganzoo.atomic import append_line

    path = tmp_path / "sub" / "rows.jsonl"
    append_line(path, '{"step": 1}')
    (path).write_text(path.read_text() + '{"step": 2}')  # a file whose last line lacks its newline
    append_line(str(path), '{"step": 3}')
    assert path.read_text() == '{"step": 1}\n{"step": 2}\n{"step": 3}\n'
    assert sorted(p.name for p in path.parent.iterdir()) == ["rows.jsonl"]


def test_remove_stale_temporaries_keeps_final_files_and_own_temporaries(tmp_path):
    from ganzoo.atomic import remove_stale_temporaries, temporary_path

    (tmp_path / "grid.png").write_bytes(b"final")
    stale = tmp_path / ".samples_epoch0002.png.665.tmp.png"  # a killed writer's (another pid)
    stale.write_bytes(b"torn")
    (tmp_path / ".model.keras.665.tmp.keras").write_bytes(b"torn")
    own = temporary_path(tmp_path / "x.png")  # this process's: being written now
    open(own, "wb").close()
    (tmp_path / ".hidden.png").write_bytes(b"a user's file, not ours")
    assert remove_stale_temporaries(tmp_path) == [".model.keras.665.tmp.keras", ".samples_epoch0002.png.665.tmp.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([".hidden.png", "grid.png", os.path.basename(own)])
    assert remove_stale_temporaries(tmp_path / "missing") == []
