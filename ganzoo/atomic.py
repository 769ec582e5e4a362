"""Whole-or-absent file writes: write beside the final name, flush to disk, then rename.

A process killed while writing leaves the previous file (or none) and at most a hidden
temporary file, never a torn PNG, JSON or `.keras` archive at the final name.
"""
import os


def temporary_path(path):
    """A hidden name in `path`'s folder, with `path`'s extension (writers infer the format).

    Args:
        path: str or path-like. The final file name.

    Example:
    ```python
    temporary_path("runs/a/grid.png")  # 'runs/a/.grid.png.1234.tmp.png'
    ```
    """
    path = os.fspath(path)
    folder, name = os.path.split(path)
    ext = os.path.splitext(name)[1]
    return os.path.join(folder, f".{name}.{os.getpid()}.tmp{ext}")


def write_atomic(path, write):
    """Call `write(tmp)` to write a temporary file, then move it to `path` in one step.

    Args:
        path: str or path-like. The final file; its folder must exist.
        write: callable. Writes the file it is given (a path with `path`'s extension).

    Returns:
        str: `path`.

    Example:
    ```python
    from PIL import Image
    write_atomic("out/a.png", lambda tmp: Image.new("L", (8, 8)).save(tmp))
    ```
    """
    path = os.fspath(path)
    tmp = temporary_path(path)
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def append_line(path, line):
    """Append one line of text to `path` whole-or-absent: the old lines and the new one are
    written to a temporary file that then replaces `path` (a JSON-lines results file, say).

    A kill leaves either the old file or the old file plus the whole new line, never a torn
    last line. Rewrites the file each time: for results files of hundreds of lines, not logs.

    Args:
        path: str or path-like. The file; created (with its folder) if missing.
        line: str. The text to add, without its newline.

    Returns:
        str: `path`.

    Example:
    ```python
    append_line("benchmarks/results/run.jsonl", json.dumps({"step": 1, "loss": 0.7}))
    ```
    """
    path = os.fspath(path)
    old = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            old = f.read()
        if old and not old.endswith("\n"):
            old += "\n"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)

    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(old + line + "\n")

    return write_atomic(path, write)
