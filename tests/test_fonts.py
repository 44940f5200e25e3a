"""Font lookup order and the coverage check (ReportLab silently drops missing glyphs)."""
import os

import pytest
import reportlab

from supervision import fonts

UMING = "/usr/share/fonts/truetype/arphic/uming.ttc"
VERA = os.path.join(os.path.dirname(reportlab.__file__), "fonts", "Vera.ttf")  # Latin only, ships with ReportLab
needs_uming = pytest.mark.skipif(not os.path.exists(UMING), reason="apt-get install fonts-arphic-uming")


@needs_uming
def test_system_fallback_is_debian_uming(tmp_path):
    f = fonts.resolve("body", [], str(tmp_path))
    assert f.source == "system"
    assert f.path == UMING
    assert "UMing" in f.family
    assert f.missing("鲁山县瀼河乡人民政府〔2021〕×磙孜，。") == ""


@needs_uming
def test_config_paths_come_first(tmp_path):
    link = tmp_path / "office.ttc"
    link.symlink_to(UMING)
    f = fonts.resolve("body", [str(link) + "#0"], str(tmp_path))
    assert f.source == "config"
    assert f.path == str(link)


@needs_uming
def test_instance_fonts_come_before_system_and_preferred_names_first(tmp_path):
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "aaa-other.ttc").symlink_to(UMING)
    (tmp_path / "fonts" / "simfang.ttf").symlink_to(UMING)
    f = fonts.resolve("body", [], str(tmp_path))
    assert f.source == "instance"
    assert os.path.basename(f.path) == "simfang.ttf"


def test_unusable_files_are_skipped_and_reported(tmp_path, monkeypatch):
    monkeypatch.setitem(fonts.SYSTEM_FONTS, "body", ())
    bad = tmp_path / "broken.ttf"
    bad.write_bytes(b"not a font")
    with pytest.raises(fonts.FontError) as exc:
        fonts.resolve("body", [str(bad), str(tmp_path / "absent.ttf")], str(tmp_path))
    msg = str(exc.value)
    assert "broken.ttf" in msg and "absent.ttf" in msg
    assert "fonts-arphic-uming" in msg and "instance/fonts" in msg


def test_missing_characters_are_named_with_the_font(tmp_path):
    f = fonts.resolve("body", [VERA], str(tmp_path))
    assert f.missing("Abc") == ""
    with pytest.raises(fonts.MissingGlyphs) as exc:
        fonts.check_coverage(f, "鲁山县瀼河乡 ok")
    assert set(exc.value.chars) == set("鲁山县瀼河乡")
    assert "瀼" in str(exc.value)
    assert "Vera" in str(exc.value) or "Bitstream" in str(exc.value)


def test_font_paths_may_name_files_per_role(tmp_path):
    f = fonts.resolve("title", {"title": [VERA], "body": []}, str(tmp_path))
    assert f.source == "config" and f.path == VERA
