"""Small helpers for browser scenarios: log in and out as a person would, and make small real files."""
import io
import struct
import zlib

from playwright.sync_api import Page, expect


def log_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="登录")).to_have_count(0)


def log_out(page: Page, display_name: str) -> None:
    """Open the user menu (name and role in the navbar) and choose 退出登录."""
    page.get_by_role("button", name=display_name + "（").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_text("已退出登录")).to_be_visible()


def nav(page: Page, label: str) -> None:
    """Click an entry of the main menu, opening its dropdown group (e.g. 系统管理) first when it is in one."""
    menu = page.locator("#mainnav")
    if menu.get_by_role("link", name=label, exact=True).count() == 0:  # inside a closed dropdown
        group = menu.locator("li.dropdown").filter(has=page.get_by_text(label, exact=True))
        group.get_by_role("button").first.click()
    menu.get_by_role("link", name=label, exact=True).click()


def png_bytes(width: int = 8, height: int = 8, rgb=(200, 30, 30)) -> bytes:
    """A small, valid PNG image (one solid colour)."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def pdf_bytes(text: str = "Rectification report (signed and sealed)") -> bytes:
    """A small, valid one-page PDF, as a scanned signed report would be."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.drawString(72, 760, text)
    c.showPage()
    c.save()
    return buf.getvalue()
