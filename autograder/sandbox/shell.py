"""What ``get_ipython()`` returns in a graded notebook, and where its prints go.

The grader turns ``%magic`` and ``!cmd`` into calls on this object with
IPython's own transformers (see ``notebook.transform_ipython``). Magics that
only change the display are ignored, timing magics run their code once, and
shell commands are not run.
"""

from __future__ import annotations

from autograder.sandbox import wire


class NotebookShell:
    """The shell of one notebook namespace (see the module's docstring)."""

    _RUN_BODY = {"time", "timeit", "capture", "prun", "debug"}

    def __init__(self, namespace: dict):
        self._ns = namespace
        self.user_ns = namespace

    def run_line_magic(self, name, line, _stack_depth=1):
        if name in self._RUN_BODY and line.strip():
            body = line.split(None, 0)[0]
            if name == "timeit":
                body = _strip_timeit_options(body)
            exec(compile(body, "<magic>", "exec"), self._ns)
        return None

    def run_cell_magic(self, name, line, cell):
        if name in self._RUN_BODY:
            exec(compile(cell, "<magic>", "exec"), self._ns)
        return None

    def system(self, cmd):
        print(f"[grader] shell command not run: !{cmd}")

    def getoutput(self, cmd, split=True, depth=0):
        print(f"[grader] shell command not run: !{cmd}")
        return []

    def magic(self, line):
        return None

    def run_cell(self, *args, **kwargs):
        return None

    def __getattr__(self, name):
        # Anything else a notebook asks of the shell is a harmless no-op.
        return lambda *args, **kwargs: None


def _strip_timeit_options(line: str) -> str:
    words = line.split()
    while words and words[0].startswith("-"):
        flag = words.pop(0)
        if flag in ("-n", "-r", "-p") and words:
            words.pop(0)
    return " ".join(words)


class BoundedText:
    """What student code prints to in a node: the first :data:`wire.STDOUT_LIMIT` characters are kept."""

    def __init__(self):
        self._parts: list[str] = []
        self._size = 0
        self.truncated = False

    def writable(self):
        return True

    def flush(self):
        return None

    def isatty(self):
        return False

    def write(self, text):
        text = str(text)
        room = wire.STDOUT_LIMIT - self._size
        if room > 0:
            self._parts.append(text[:room])
            self._size += min(room, len(text))
        if len(text) > max(room, 0):
            self.truncated = True
        return len(text)

    def take(self) -> str:
        out = "".join(self._parts) + ("\n[output truncated]" if self.truncated else "")
        self._parts, self._size, self.truncated = [], 0, False
        return out
