"""Control characters out of every piece of text the app takes in.

A typed or pasted text may carry characters nobody can see: C0 controls (\\x01, \\x0b vertical tab, \\x0c form
feed…), DEL and the C1 controls. They are invalid in XML, so a letter whose problem text holds one could not be
made into a .docx (a 500), and they show nowhere on a page. `strip_control` drops them, keeps tab and newline, and
turns CRLF and lone CR into newline. It is applied once, where input enters: every form field and query value of
every request (`CleanRequest`, installed by web.init_app) and every cell of an imported plan.
"""
import re

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Secrets are compared as typed: cleaning them could make a stored password unmatchable.
_KEEP_AS_SENT = ("password", "csrf_token")


def strip_control(s):
    """`s` without control characters (tab and newline kept; CRLF and CR become newline). None stays None."""
    if not s or not isinstance(s, str):
        return s
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", s)


def _clean_multidict(md):
    if not md:
        return md
    return ImmutableMultiDict(
        [(k, v if any(word in k for word in _KEEP_AS_SENT) else strip_control(v)) for k, v in md.items(multi=True)])


class CleanRequest(Request):
    """Flask's request whose `form` and `args` (and so `values` and every WTForms form) hold cleaned text."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = _clean_multidict(self.__dict__["form"])

    @cached_property
    def args(self):
        return _clean_multidict(super().args)
