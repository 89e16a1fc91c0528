"""Write a file named on the command line (`check -o FILE`) the way a careful Unix tool does.

A new file, or an ordinary file of the user's own, is written whole or not at all: a temporary file
beside it, then a rename over it, keeping its mode. Anything a rename would harm is written in place,
as the shell's `>` would: a device or named pipe, a file with other hard links, a file owned by
someone else or with another group. A symlink is followed, so its target changes and the link stays.
`/dev/stdout` and other names of open descriptors are appended to, as their other writers do.
What the user may not write (a read-only file) is refused, never replaced.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path


class OutputFileError(OSError):
    """The file cannot be written; `str()` says why in words for a person."""


_DESCRIPTOR_ALIASES = ("/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/")
"""Names of open descriptors (`-o /dev/stdout`): their links lead to no path that could be replaced."""


def write_file(path: Path, data: bytes) -> None:
    """Write `data` to `path`, through devices, pipes and symlinks; raise OSError when it cannot."""
    if str(path).startswith(_DESCRIPTOR_ALIASES):
        # Appended, like the descriptor's other writers: `{ echo title; massage-cli ... -o /dev/stdout; } >f`
        # keeps the title, and a pipe or terminal behind it is written as it is.
        fd = os.open(
            path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
        )
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        return
    real = Path(os.path.realpath(path))  # a symlink (or a chain of them) is written through
    try:
        socket = stat.S_ISSOCK(os.stat(real).st_mode)
    except OSError:
        socket = False  # missing, or not ours to look at: open() below says which
    if socket:
        raise OutputFileError(errno.EINVAL, "it is a socket, not a file")
    try:
        # No O_CREAT: an existing file is opened the way `>` opens it, so permissions decide, and a
        # read-only file is refused rather than replaced. A named pipe blocks here until it has a reader.
        fd = os.open(real, os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        if not real.parent.is_dir():
            raise OutputFileError(errno.ENOENT, "its folder does not exist") from None
        _replace(real, data, None)
        return
    try:
        info = os.fstat(fd)
        if _replaceable(info):
            try:
                _replace(real, data, info)
                return
            except _KeepsNothing:
                pass  # no temporary file could stand in for it (a read-only folder): write in place
        if stat.S_ISREG(info.st_mode):
            os.ftruncate(fd, 0)
        _write_all(fd, data)
    finally:
        os.close(fd)


def _replaceable(info: os.stat_result) -> bool:
    """Whether a rename over this file loses nothing: a regular file, of one link, of the user's own."""
    geteuid = getattr(os, "geteuid", None)  # Windows has no owners in st_uid
    owned = geteuid is None or info.st_uid == geteuid()
    return stat.S_ISREG(info.st_mode) and info.st_nlink == 1 and owned


class _KeepsNothing(Exception):
    """A temporary file cannot take the old file's place faithfully; nothing was changed."""


def _replace(target: Path, data: bytes, like: os.stat_result | None) -> None:
    """Write a temporary file beside `target` and rename it over it, with the old file's mode and group."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        # 0o666 less the umask for a new file, as `>` makes it; the old file's mode for an old one.
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError:
        if like is None:
            raise
        raise _KeepsNothing from None
    try:
        try:
            if like is not None:
                os.chmod(temporary, stat.S_IMODE(like.st_mode))
                if hasattr(os, "chown") and os.fstat(fd).st_gid != like.st_gid:
                    with contextlib.suppress(OSError):
                        os.chown(temporary, -1, like.st_gid)
                    if os.fstat(fd).st_gid != like.st_gid:
                        raise _KeepsNothing  # a new group would be a change the user did not ask for
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte (os.write may write fewer than asked, to a pipe or a device)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
