"""Enums whose members carry their Chinese label and badge colour: states and kinds shown to people."""
import enum


class LabelledEnum(str, enum.Enum):
    """A str enum whose members carry a Chinese label (and a Bootstrap colour for badges).

    Members are written `name = ("value", "中文", "css")`; the member equals its value as a string.
    """

    def __new__(cls, value, label, css="secondary"):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        obj.css = css
        return obj

    @classmethod
    def choices(cls):
        return [(m.value, m.label) for m in cls]

    @classmethod
    def label_of(cls, value) -> str:
        try:
            return cls(value).label
        except ValueError:
            return value or ""


def quoted(text) -> str:
    """“text” — once: a name that is itself a quotation (“三项制度”) is not quoted again, and quotation marks
    inside a longer text become the inner marks ‘’ (“‘三项制度’中法制审核…”), as Chinese writing nests them."""
    text = "" if text is None else str(text)
    if len(text) >= 2 and text[0] == "“" and text[-1] == "”" and "“" not in text[1:-1] and "”" not in text[1:-1]:
        return text
    return "“" + text.replace("“", "‘").replace("”", "’") + "”"
