"""Where the output goes: `-o FILE` of every kind, stdout that is full, closed or gone, completion scripts."""

from __future__ import annotations

import errno
import os
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import massage_cli
from massage_cli.cli import ExitCode
from massage_cli.cli.base import SHELLS

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
"""Root may write read-only files and folders, so the tests of refusals cannot run as root."""

ANSWER = "MAY HELP, WITH CARE: "
"""How the plain answer for sciatica begins."""


def write(run, target: Path, *args: str):
    """`check sciatica -o TARGET`, as plain text."""
    return run("check", "sciatica", "-o", str(target), *args)


class TestOutputFileKinds:
    """`-o FILE` writes through what is at FILE instead of replacing it, and keeps what it cannot see."""

    def test_new_file_has_the_umask_mode(self, run, tmp_path) -> None:
        """A new file gets 0666 less the umask, as the shell's `>` gives it, and no temporary file is left."""
        umask = os.umask(0o022)
        os.umask(umask)
        target = tmp_path / "new.txt"
        result = write(run, target)
        assert result.exit_code == 0, result.output
        assert 0o666 & ~umask == stat.S_IMODE(target.stat().st_mode)
        assert [target] == list(tmp_path.iterdir())

    def test_mode_is_kept(self, run, tmp_path) -> None:
        """A private file (0600) stays private after it is replaced."""
        target = tmp_path / "private.txt"
        target.write_text("old\n")
        target.chmod(0o600)
        result = write(run, target)
        assert result.exit_code == 0, result.output
        assert 0o600 == stat.S_IMODE(target.stat().st_mode)
        assert target.read_text(encoding="utf-8").startswith(ANSWER)
        assert [target] == list(tmp_path.iterdir())

    def test_symlink_is_written_through(self, run, tmp_path) -> None:
        """A symlink stays a link, and the file it points to gets the answer."""
        real = tmp_path / "real.txt"
        real.write_text("old\n")
        link = tmp_path / "link.txt"
        link.symlink_to(real.name)
        result = write(run, link)
        assert result.exit_code == 0, result.output
        assert link.is_symlink()
        assert real.read_text(encoding="utf-8").startswith(ANSWER)

    def test_dangling_symlink_creates_its_target(self, run, tmp_path) -> None:
        """A symlink to a file not yet there creates that file, as `>` does, and stays a link."""
        link = tmp_path / "link.txt"
        link.symlink_to("later.txt")
        result = write(run, link)
        assert result.exit_code == 0, result.output
        assert link.is_symlink()
        assert (tmp_path / "later.txt").read_text(encoding="utf-8").startswith(ANSWER)

    def test_hard_links_keep_sharing(self, run, tmp_path) -> None:
        """A file with another hard link is written in place, so both names show the answer."""
        target = tmp_path / "one.txt"
        target.write_text("old\n")
        other = tmp_path / "two.txt"
        os.link(target, other)
        result = write(run, target)
        assert result.exit_code == 0, result.output
        assert other.read_text(encoding="utf-8").startswith(ANSWER)
        assert target.stat().st_ino == other.stat().st_ino

    def test_file_of_another_owner_is_written_in_place(self, run, tmp_path, monkeypatch) -> None:
        """A file someone else owns is written in place (same inode), so its owner does not change."""
        target = tmp_path / "theirs.txt"
        target.write_text("old\n")
        before = target.stat()
        monkeypatch.setattr(os, "geteuid", lambda: before.st_uid + 1, raising=False)
        result = write(run, target)
        assert result.exit_code == 0, result.output
        assert before.st_ino == target.stat().st_ino
        assert target.read_text(encoding="utf-8").startswith(ANSWER)

    @pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
    def test_named_pipe_is_written_through(self, run, tmp_path) -> None:
        """A named pipe stays a pipe, and its reader gets the answer."""
        fifo = tmp_path / "pipe"
        os.mkfifo(fifo)
        got: list[bytes] = []
        reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
        reader.start()
        result = write(run, fifo)
        reader.join(timeout=30)
        if reader.is_alive():  # the pipe was replaced: free the reader before failing
            with open(fifo, "wb"):
                pass
        assert result.exit_code == 0, result.output
        assert stat.S_ISFIFO(fifo.lstat().st_mode)
        assert got and got[0].decode("utf-8").startswith(ANSWER)

    def test_device_is_written_through(self, run, tmp_path) -> None:
        """A device (a null device made here) stays a device: `-o /dev/null` as root must not replace it."""
        device = tmp_path / "null"
        try:
            os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        except (AttributeError, OSError) as exc:
            pytest.skip(f"cannot make a device here: {exc}")
        result = write(run, device)
        assert result.exit_code == 0, result.output
        assert stat.S_ISCHR(device.lstat().st_mode)

    @pytest.mark.skipif(ROOT, reason="root may write a read-only file")
    def test_read_only_file_is_refused(self, run, tmp_path) -> None:
        """A read-only file is not replaced: exit 74, one line, the file as it was."""
        target = tmp_path / "locked.txt"
        target.write_text("old\n")
        target.chmod(0o444)
        result = write(run, target)
        assert ExitCode.OUTPUT == result.exit_code
        assert f"massage-cli: cannot write '{target}': Permission denied\n" == result.stderr
        assert "old\n" == target.read_text()

    @pytest.mark.skipif(ROOT, reason="root may write in a read-only folder")
    def test_read_only_folder_writes_in_place(self, run, tmp_path) -> None:
        """A writable file in a folder that takes no new files is written in place."""
        target = tmp_path / "answer.txt"
        target.write_text("old\n")
        tmp_path.chmod(0o555)
        try:
            result = write(run, target)
        finally:
            tmp_path.chmod(0o755)
        assert result.exit_code == 0, result.output
        assert target.read_text(encoding="utf-8").startswith(ANSWER)

    def test_failed_write_keeps_the_old_file(self, run, tmp_path, monkeypatch) -> None:
        """A file of one's own is replaced whole or not at all: a full disk leaves the old one."""
        target = tmp_path / "answer.txt"
        target.write_text("old\n")

        def full(fd: int) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(os, "fsync", full)
        result = write(run, target)
        assert ExitCode.OUTPUT == result.exit_code
        assert f"massage-cli: cannot write '{target}': {os.strerror(errno.ENOSPC)}\n" == result.stderr
        assert "old\n" == target.read_text()
        assert [target] == list(tmp_path.iterdir())

    def test_directory_is_refused(self, run, tmp_path) -> None:
        """A folder is an output error in one line."""
        result = write(run, tmp_path)
        assert ExitCode.OUTPUT == result.exit_code
        assert f"massage-cli: cannot write '{tmp_path}': {os.strerror(errno.EISDIR)}\n" == result.stderr

    @pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="Unix sockets")
    def test_socket_is_refused(self, run, tmp_path, monkeypatch) -> None:
        """A Unix socket is refused in words, and stays a socket."""
        monkeypatch.chdir(tmp_path)  # a short relative name: socket paths have a small length limit
        with socket.socket(socket.AF_UNIX) as server:
            server.bind("sock")
            result = write(run, Path("sock"))
        assert ExitCode.OUTPUT == result.exit_code
        assert "massage-cli: cannot write 'sock': it is a socket, not a file\n" == result.stderr
        assert stat.S_ISSOCK(Path("sock").lstat().st_mode)


def child_env() -> dict[str, str]:
    """The environment for a child process that runs the massage_cli these tests import."""
    here = str(Path(massage_cli.__file__).resolve().parents[1])
    path = os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "NO_COLOR": "1"}


def run_process(args: list[str], tmp_path: Path, **streams) -> subprocess.CompletedProcess[bytes]:
    """Run `python -m massage_cli ARGS` as its own process, with the streams given."""
    return subprocess.run(
        [sys.executable, "-m", "massage_cli", *args],
        cwd=tmp_path,
        env=child_env(),
        timeout=120,
        check=False,
        **{"stderr": subprocess.PIPE, **streams},
    )


def with_stdout_closed(args: str, tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    """Run `python -m massage_cli ARGS >&-` through sh: standard output closed, not redirected."""
    return subprocess.run(
        ["sh", "-c", f'exec "$0" -m massage_cli {args} >&-', sys.executable],
        cwd=tmp_path,
        env=child_env(),
        stderr=subprocess.PIPE,
        timeout=120,
        check=False,
    )


BATCH = "\n".join(["sciatica", "fibromyalgia"] * 50) + "\n"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX streams")
class TestWriteErrors:
    """An output that cannot be written is said in one line with exit 74; a reader that left, exit 0."""

    @pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
    @pytest.mark.parametrize("args", [["list"], ["list", "--format", "rich"], ["--help"], ["--version"]])
    def test_full_stdout(self, tmp_path, args: list[str]) -> None:
        """`massage-cli list >/dev/full`: one line on stderr and exit 74, not an internal error."""
        with open("/dev/full", "wb") as full:
            proc = run_process(args, tmp_path, stdout=full)
        message = f"massage-cli: cannot write the output: {os.strerror(errno.ENOSPC)}\n"
        assert (ExitCode.OUTPUT, message) == (proc.returncode, proc.stderr.decode())

    def test_closed_stdout(self, tmp_path) -> None:
        """`massage-cli list >&-`: one line on stderr and exit 74."""
        proc = with_stdout_closed("list", tmp_path)
        message = "massage-cli: cannot write the output: standard output is closed\n"
        assert (ExitCode.OUTPUT, message) == (proc.returncode, proc.stderr.decode())

    def test_closed_stdout_is_no_matter_with_a_file(self, tmp_path) -> None:
        """`check -o FILE` writes nothing on stdout, so a closed stdout does not stop it."""
        proc = with_stdout_closed("check sciatica -o a.txt", tmp_path)
        assert 0 == proc.returncode, proc.stderr
        assert (tmp_path / "a.txt").read_text(encoding="utf-8").startswith(ANSWER)

    @pytest.mark.parametrize(
        "args",
        [["list"], ["sources", "--json"], ["check", "--batch", "-"], ["check", "--batch", "-", "--json"]],
    )
    def test_reader_gone_exits_0_quietly(self, tmp_path, args: list[str]) -> None:
        """A pipe whose reader has left (`| head -1`) ends every command the same way: exit 0, nothing on stderr.

        The reader is gone before the first write, so the pipe breaks whatever its buffer holds."""
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            proc = run_process(args, tmp_path, stdout=write_end, input=BATCH.encode())
        finally:
            os.close(write_end)
        assert (0, "") == (proc.returncode, proc.stderr.decode())


MARKS = {
    "bash": "COMPREPLY",
    "zsh": "#compdef",
    "fish": "complete --command",
    "powershell": "Register-ArgumentCompleter",
    "pwsh": "Register-ArgumentCompleter",
}
"""A line only each shell's completion script has."""


@pytest.mark.skipif(not Path("/dev/stdout").exists(), reason="needs /dev/stdout")
class TestDescriptorNames:
    """`-o /dev/stdout` writes to what stdout is, and replaces nothing."""

    def test_pipe(self, tmp_path) -> None:
        """Behind a pipe, the answer goes down the pipe."""
        proc = run_process(["check", "sciatica", "-o", "/dev/stdout"], tmp_path, stdout=subprocess.PIPE)
        assert 0 == proc.returncode, proc.stderr
        assert proc.stdout.decode("utf-8").startswith(ANSWER)

    def test_file_keeps_what_came_before(self, tmp_path) -> None:
        """Behind a file the shell opened, the answer follows what the shell wrote first."""
        script = '{ echo Title; "$0" -m massage_cli check sciatica -o /dev/stdout; } > notes.txt'
        proc = subprocess.run(
            ["sh", "-c", script, sys.executable],
            cwd=tmp_path,
            env=child_env(),
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
        )
        assert 0 == proc.returncode, proc.stderr
        assert (tmp_path / "notes.txt").read_text(encoding="utf-8").startswith("Title\n" + ANSWER)


class TestCompletionScripts:
    """`--show-completion SHELL` prints that shell's script, not the current shell's."""

    def test_every_shell_has_a_mark(self) -> None:
        """MARKS covers every shell the option takes."""
        assert set(SHELLS) == set(MARKS)

    @pytest.mark.parametrize("shell", SHELLS)
    @pytest.mark.parametrize("form", ["separate", "equals"])
    def test_named_shell(self, run, shell: str, form: str) -> None:
        """`--show-completion zsh` and `--show-completion=zsh` print the zsh script, and only it."""
        args = ["--show-completion", shell] if form == "separate" else [f"--show-completion={shell}"]
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert MARKS[shell] in result.stdout
        others = {mark for name, mark in MARKS.items() if mark != MARKS[shell]}
        assert not any(mark in result.stdout for mark in others)

    def test_after_a_global_option(self, run) -> None:
        """`--kb FILE --show-completion fish` still prints the fish script."""
        result = run("--kb", "x.yaml", "--show-completion", "fish")
        assert result.exit_code == 0, result.output
        assert MARKS["fish"] in result.stdout

    def test_unknown_shell(self, run) -> None:
        """A shell massage-cli cannot complete for is a usage error naming the ones it can."""
        result = run("--show-completion", "tcsh")
        assert ExitCode.USAGE == result.exit_code
        assert "--show-completion takes one of bash, zsh, fish, powershell, pwsh, not 'tcsh'" in result.stderr
        assert "" == result.stdout

    def test_install_for_a_named_shell(self, run, tmp_path, monkeypatch) -> None:
        """`--install-completion fish` installs the fish script, whatever shell runs it."""
        monkeypatch.setenv("HOME", str(tmp_path))
        result = run("--install-completion", "fish")
        assert result.exit_code == 0, result.output
        [script] = (tmp_path / ".config" / "fish" / "completions").iterdir()
        assert "complete --command" in script.read_text()
        assert "fish completion installed in" in result.stderr


class TestExitCodesDocumented:
    """Every exit code massage-cli uses is in the README's table."""

    @pytest.mark.parametrize("code", list(ExitCode), ids=lambda code: code.name)
    def test_in_the_readme(self, code: ExitCode) -> None:
        """The README's "Exit codes" table has a row for the code."""
        readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
        table = readme.split("## Exit codes", 1)[1].split("\n\n", 2)[1]
        assert f"| {int(code)} | " in table
