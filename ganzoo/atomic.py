"""Whole-or-absent file writes: write beside the final name, flush to disk, then rename.

A process killed while writing leaves the previous file (or none) and at most a hidden
temporary file, never a torn PNG, JSON or `.keras` archive at the final name.
"""
import os
import re

#: `temporary_path`'s names: hidden, then the pid, then ".tmp" and the extension.
_TEMPORARY = re.compile(r"^\..+\.(\d+)\.tmp(\.[^.]+)?$")


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


def remove_stale_temporaries(folder):
    """Delete the hidden temporaries that killed writers left in `folder`; returns their names.

    `write_atomic` names its temporary `.<name>.<pid>.tmp<ext>`: a process SIGKILLed while
    writing leaves one behind (the final file is untouched). A run that resumes in `folder`
    calls this first, so a killed run leaves no litter once it has finished. Temporaries of
    this process are kept; a missing folder is fine.

    Args:
        folder: str or path-like. The folder to clean (not recursive).

    Example:
    ```python
    remove_stale_temporaries("runs/dcgan/samples")  # ['.samples_epoch0002.png.665.tmp.png']
    ```
    """
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        return []
    removed = []
    for name in sorted(os.listdir(folder)):
        match = _TEMPORARY.match(name)
        if match and int(match.group(1)) != os.getpid() and os.path.isfile(os.path.join(folder, name)):
            try:
                os.remove(os.path.join(folder, name))
                removed.append(name)
            except FileNotFoundError:
                pass
    return removed


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
