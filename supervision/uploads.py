"""Attachments: evidence photos, scans, PDF, Word and Excel files, shared by visits, letters and rectification.

A file's type is decided from its content, never from its name: the first bytes (and, for .docx/.xlsx,
the parts inside the zip) must match a kind on the allow-list. Executables are refused even when renamed.
Files are stored under app.config['UPLOAD_DIR'] with generated names; the original name is kept, sanitised,
for display and download only. Serving is done by `send_attachment` after the caller has checked access.
"""
import hashlib
import io
import os
import re
import shutil
import unicodedata
import uuid
import warnings
import zipfile
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, send_file
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, event, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .extensions import db
from .timeutil import utcnow


class UploadError(ValueError):
    """The file was refused; the message says why, in words for the user."""


@dataclass(frozen=True)
class Kind:
    mime: str
    ext: str
    label: str
    inline: bool  # shown in the browser (images, PDF) rather than downloaded


JPEG = Kind("image/jpeg", "jpg", "JPEG 图片", True)
PNG = Kind("image/png", "png", "PNG 图片", True)
GIF = Kind("image/gif", "gif", "GIF 图片", True)
WEBP = Kind("image/webp", "webp", "WebP 图片", True)
TIFF = Kind("image/tiff", "tif", "TIFF 扫描件", False)
PDF = Kind("application/pdf", "pdf", "PDF 文档", True)
DOCX = Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "Word 文档", False)
XLSX = Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "Excel 表格", False)
DOC = Kind("application/msword", "doc", "Word 97-2003 文档", False)
XLS = Kind("application/vnd.ms-excel", "xls", "Excel 97-2003 表格", False)
WPS = Kind("application/vnd.ms-works", "wps", "WPS 文字文档", False)
ET = Kind("application/vnd.ms-excel", "et", "WPS 表格", False)

IMAGE_KINDS = (JPEG, PNG, GIF, WEBP, TIFF)
ALLOWED_DESCRIPTION = "图片（JPG、PNG、GIF、WebP、TIFF）、PDF、Word（doc/docx）、Excel（xls/xlsx）"
ACCEPT_ATTR = ".jpg,.jpeg,.png,.gif,.webp,.tif,.tiff,.pdf,.doc,.docx,.xls,.xlsx,.wps,.et"

# Signatures of programs and scripts: refused whatever the file is called.
_EXECUTABLE_MAGIC = (
    (b"MZ", "Windows 可执行程序（exe/dll）"),
    (b"\x7fELF", "Linux 可执行程序"),
    (b"\xfe\xed\xfa\xce", "macOS 可执行程序"),
    (b"\xfe\xed\xfa\xcf", "macOS 可执行程序"),
    (b"\xce\xfa\xed\xfe", "macOS 可执行程序"),
    (b"\xcf\xfa\xed\xfe", "macOS 可执行程序"),
    (b"\xca\xfe\xba\xbe", "Java 类文件或 macOS 程序"),
    (b"#!", "脚本文件"),
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_BY_EXT = {"doc": DOC, "xls": XLS, "wps": WPS, "et": ET}


class Attachment(db.Model):
    """One stored file, attached to any record by (owner_type, owner_id), e.g. ("problem", 12)."""

    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_owner", "owner_type", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int] = mapped_column(Integer)
    original_name: Mapped[str] = mapped_column(String(255))  # sanitised, for display and download
    stored_name: Mapped[str] = mapped_column(String(255), unique=True)  # path relative to UPLOAD_DIR
    mime: Mapped[str] = mapped_column(String(100))
    extension: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(200), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    uploaded_by = relationship("User")

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/") and self.mime != "image/tiff"

    @property
    def inline(self) -> bool:
        return self.mime in {k.mime for k in (JPEG, PNG, GIF, WEBP, PDF)}

    @property
    def download_name(self) -> str:
        """The original name with the extension the content really has."""
        stem, _ = os.path.splitext(self.original_name)
        return f"{stem or '附件'}.{self.extension}"

    @property
    def size_label(self) -> str:
        return human_size(self.size)

    def path(self) -> str:
        return _safe_path(self.stored_name)


def human_size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def sanitize_filename(name: str | None) -> str:
    """Keep the readable part of a user's file name (Chinese included); drop paths and control characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*]', "_", name).strip().strip(".")
    if len(name) > 120:
        stem, ext = os.path.splitext(name)
        name = stem[: 120 - len(ext)] + ext
    return name or "附件"


# Zip bombs: a few hundred KB that expand to gigabytes. The sizes a zip declares bound what Python's zipfile
# will ever inflate (it stops at the declared size), so checking them refuses a bomb before anything is read.
ZIP_MAX_ENTRIES = 5000
ZIP_MAX_RATIO = 100  # real Office XML compresses 5-30x; a bomb 1000x
ZIP_RATIO_FLOOR = 10 * 1024 * 1024  # a member under this size may compress as well as it likes
ZIP_MAX_EXPANDED = 200 * 1024 * 1024


def zip_bomb_reason(zf: zipfile.ZipFile, max_expanded: int = ZIP_MAX_EXPANDED) -> str | None:
    """Why this zip (an Office file) looks like a decompression bomb, in words for the user; None if it does not."""
    infos = zf.infolist()
    if len(infos) > ZIP_MAX_ENTRIES:
        return f"压缩包内文件过多（{len(infos)} 个），疑似恶意构造的压缩炸弹，已拒绝。"
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > ZIP_RATIO_FLOOR and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
            return (f"文件解压后异常膨胀（{human_size(info.compress_size)} 解压为 {human_size(info.file_size)}），"
                    "疑似压缩炸弹，已拒绝。")
    if total > max_expanded:
        return f"文件解压后过大（{human_size(total)}，上限 {human_size(max_expanded)}），疑似压缩炸弹，已拒绝。"
    return None


def _zip_kind(data: bytes) -> Kind:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            bomb = zip_bomb_reason(zf)
            names = set(zf.namelist())
            content_types = zf.read("[Content_Types].xml").decode("utf-8", "replace") \
                if "[Content_Types].xml" in names and not bomb else ""
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError):
        raise UploadError("文件已损坏或不是有效的 Office 文档。") from None
    if bomb:
        raise UploadError(bomb)
    if any(n.lower().endswith("vbaproject.bin") for n in names) or "macroEnabled" in content_types:
        raise UploadError("不接受含宏的 Office 文档（docm/xlsm），请另存为普通 docx/xlsx 后上传。")
    if not content_types:
        raise UploadError(f"压缩包不能作为附件上传。可上传：{ALLOWED_DESCRIPTION}。")
    if "word/document.xml" in names and "wordprocessingml.document.main" in content_types:
        return DOCX
    if "xl/workbook.xml" in names and "spreadsheetml.sheet.main" in content_types:
        return XLSX
    raise UploadError(f"不支持这种 Office 文件。可上传：{ALLOWED_DESCRIPTION}。")


def _check_image(data: bytes, kind: Kind) -> None:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as img:
                img.verify()
    except Exception:  # Pillow raises many kinds for a broken file
        raise UploadError(f"文件看起来是{kind.label}，但内容已损坏，无法打开。") from None


def sniff(data: bytes, filename: str = "") -> Kind:
    """Decide the kind of a file from its content. Raises UploadError for anything not on the allow-list."""
    if not data:
        raise UploadError("文件是空的。")
    for magic, what in _EXECUTABLE_MAGIC:
        if data.startswith(magic):
            raise UploadError(f"文件内容是{what}，不能上传（无论文件名是什么）。")
    kind = None
    if data.startswith(b"\xff\xd8\xff"):
        kind = JPEG
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = PNG
    elif data.startswith((b"GIF87a", b"GIF89a")):
        kind = GIF
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        kind = WEBP
    elif data.startswith((b"II*\x00", b"MM\x00*")):
        kind = TIFF
    elif data.startswith(b"%PDF-"):
        kind = PDF
    elif data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    elif data.startswith(_OLE_MAGIC):
        # The legacy binary format is shared by Word, Excel and WPS: the content proves the family, the
        # name picks the member.
        ext = os.path.splitext(filename or "")[1].lower().lstrip(".")
        if ext in _OLE_BY_EXT:
            return _OLE_BY_EXT[ext]
        raise UploadError("这是旧版 Office 文件，但文件名不是 .doc/.xls，请确认文件或另存为 docx/xlsx。")
    if kind is None:
        raise UploadError(f"无法识别文件类型或不允许上传此类文件。可上传：{ALLOWED_DESCRIPTION}。")
    if kind in IMAGE_KINDS:
        _check_image(data, kind)
    return kind


@dataclass
class CheckedFile:
    """An upload that passed the checks but is not stored yet."""

    data: bytes
    kind: Kind
    original_name: str

    @property
    def size(self) -> int:
        return len(self.data)


def max_bytes() -> int:
    return int(current_app.config.get("UPLOAD_MAX_BYTES", 20 * 1024 * 1024))


def check_upload(file_storage) -> CheckedFile:
    """Read and check one uploaded file (werkzeug FileStorage or any object with .read() and .filename)."""
    limit = max_bytes()
    name = sanitize_filename(getattr(file_storage, "filename", "") or "")
    data = file_storage.read(limit + 1)
    if len(data) > limit:
        raise UploadError(f"“{name}”超过大小上限 {human_size(limit)}，未上传。")
    try:
        kind = sniff(data, name)
    except UploadError as exc:
        raise UploadError(f"“{name}”：{exc}") from None
    return CheckedFile(data=data, kind=kind, original_name=name)


def upload_dir() -> str:
    return current_app.config["UPLOAD_DIR"]


def _safe_path(stored_name: str) -> str:
    base = os.path.realpath(upload_dir())
    path = os.path.realpath(os.path.join(base, stored_name))
    if not path.startswith(base + os.sep):
        raise UploadError("附件路径无效。")
    return path


# --- quotas and free space ------------------------------------------------------------------------
# A liaison once added 114 MB in two seconds: every upload is bounded per owner (a reply, a letter), per unit per
# day, and by the free space left on the upload folder's disk. The limits are settings (config.Defaults).

def _cfg(key: str, default: int) -> int:
    return int(current_app.config.get(key, default))


def free_disk_bytes() -> int:
    """Free space on the disk of the upload folder (UPLOAD_FREE_BYTES_OVERRIDE stands in for it in tests)."""
    override = current_app.config.get("UPLOAD_FREE_BYTES_OVERRIDE")
    if override is not None:
        return int(override)
    folder = upload_dir()
    os.makedirs(folder, exist_ok=True)
    return shutil.disk_usage(folder).free


def check_disk_space(new_bytes: int) -> None:
    """Refuse (UploadError) when storing new_bytes would leave less than UPLOAD_MIN_FREE_BYTES free."""
    floor = _cfg("UPLOAD_MIN_FREE_BYTES", 500 * 1024 * 1024)
    free = free_disk_bytes()
    if free - new_bytes < floor:
        raise UploadError(f"服务器磁盘剩余空间不足（剩余 {human_size(max(free, 0))}，本次上传 {human_size(new_bytes)}，"
                          f"须至少保留 {human_size(floor)}），暂不能上传附件。请联系监督室管理员清理磁盘。")


@dataclass(frozen=True)
class Usage:
    files: int
    size: int


def usage(*conditions) -> Usage:
    """Count and total size of the stored attachments matching the conditions (on Attachment's columns)."""
    files, size = db.session.execute(
        select(func.count(Attachment.id), func.coalesce(func.sum(Attachment.size), 0)).where(*conditions)).one()
    return Usage(int(files), int(size))


def check_quota(what: str, used: Usage, new: list, max_files: int | None, max_size: int | None) -> None:
    """Refuse (UploadError) when `new` files added to `used` pass a limit; the message names the limit and the use.

    what: the scope in words (“本条答复”, “本意见书的整改材料”, “本单位今天上传的附件”); a limit of None is not
    checked."""
    if not new:
        return
    add_files, add_size = len(new), sum(f.size for f in new)
    if max_files is not None and used.files + add_files > max_files:
        raise UploadError(f"{what}最多 {max_files} 个附件，已有 {used.files} 个，本次又选了 {add_files} 个，"
                          "超出上限，未上传。请删去不必要的文件后再试。")
    if max_size is not None and used.size + add_size > max_size:
        raise UploadError(f"{what}的附件合计不能超过 {human_size(max_size)}，已用 {human_size(used.size)}，"
                          f"本次 {human_size(add_size)}，超出上限，未上传。请压缩或精简文件后再试。")


def unit_day_bounds(day=None) -> tuple[datetime, datetime]:
    """The stored (naive UTC) bounds of one Beijing day, for the per-unit daily quota."""
    from datetime import time, timedelta, timezone

    from .timeutil import TZ, today

    day = day or today()
    start = datetime.combine(day, time(0), TZ).astimezone(timezone.utc).replace(tzinfo=None)
    return start, start + timedelta(days=1)


def check_unit_daily_quota(unit_user_ids, new: list) -> None:
    """A supervised unit's users together may upload UPLOAD_UNIT_DAILY_BYTES a (Beijing) day; `unit_user_ids`
    is a select of their ids (the accounts part knows who they are)."""
    if not new:
        return
    start, end = unit_day_bounds()
    used_users = unit_user_ids.scalar_subquery()
    used = usage(Attachment.uploaded_by_id.in_(used_users), Attachment.uploaded_at >= start,
                 Attachment.uploaded_at < end)
    check_quota("本单位今天上传的附件", used, new, None, _cfg("UPLOAD_UNIT_DAILY_BYTES", 200 * 1024 * 1024))


# --- files written before the commit ---------------------------------------------------------------
# store() writes the file before the row is committed; delete_attachment() removes a row whose file must stay
# until that removal is committed. The session remembers both: a rollback (or a session closed without
# commit) removes the files written in it, a commit removes the files of the rows deleted in it.

_WRITTEN = "uploads_written"
_DOOMED = "uploads_doomed"


def _remove(paths) -> None:
    for path in paths:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


@event.listens_for(Session, "after_commit")
def _files_after_commit(session) -> None:
    session.info.pop(_WRITTEN, None)
    _remove(session.info.pop(_DOOMED, []))


@event.listens_for(Session, "after_transaction_end")
def _files_after_transaction_end(session, transaction) -> None:
    if transaction.parent is not None or transaction.nested:
        return
    # Reached after a commit (lists already emptied by after_commit) or a rollback/close: the files written for
    # rows that were never committed are removed; the files of deletions that did not happen stay.
    _remove(session.info.pop(_WRITTEN, []))
    session.info.pop(_DOOMED, None)


def store(checked: CheckedFile, owner_type: str, owner_id: int, user=None, note: str = "") -> Attachment:
    """Write a checked file to disk under a generated name and add its Attachment row (caller commits)."""
    now = utcnow()
    stored_name = f"{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{checked.kind.ext}"
    path = _safe_path(stored_name)
    check_disk_space(checked.size)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    db.session.info.setdefault(_WRITTEN, []).append(path)
    with open(path, "xb") as fh:
        fh.write(checked.data)
    att = Attachment(
        owner_type=owner_type,
        owner_id=owner_id,
        original_name=checked.original_name,
        stored_name=stored_name,
        mime=checked.kind.mime,
        extension=checked.kind.ext,
        size=checked.size,
        sha256=hashlib.sha256(checked.data).hexdigest(),
        note=note[:200],
        uploaded_by_id=user.id if user is not None else None,
        uploaded_at=now,
    )
    db.session.add(att)
    return att


def save_upload(file_storage, owner_type: str, owner_id: int, user=None, note: str = "") -> Attachment:
    """Check and store one upload. Raises UploadError (nothing written) when refused."""
    return store(check_upload(file_storage), owner_type, owner_id, user=user, note=note)


def attachments_for(owner_type: str, owner_id: int) -> list[Attachment]:
    return (db.session.query(Attachment)
            .filter_by(owner_type=owner_type, owner_id=owner_id)
            .order_by(Attachment.id).all())


def attachments_for_many(owner_type: str, owner_ids) -> dict[int, list[Attachment]]:
    ids = list(owner_ids)
    out: dict[int, list[Attachment]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = (db.session.query(Attachment)
            .filter(Attachment.owner_type == owner_type, Attachment.owner_id.in_(ids))
            .order_by(Attachment.id).all())
    for att in rows:
        out[att.owner_id].append(att)
    return out


def delete_attachment(att: Attachment) -> None:
    """Remove the row; its file goes when the removal is committed (and stays if it is rolled back)."""
    path = att.path()
    db.session.delete(att)
    written = db.session.info.get(_WRITTEN, [])
    if path in written:  # written and deleted in one transaction: nothing committed needs it
        written.remove(path)
        _remove([path])
    else:
        db.session.info.setdefault(_DOOMED, []).append(path)


def send_attachment(att: Attachment, download: bool = False):
    """Serve a stored file with its real type. Call only after checking the user may see its owner."""
    path = att.path()
    if not os.path.exists(path):
        from flask import abort

        abort(404)
    resp = send_file(path, mimetype=att.mime, as_attachment=download or not att.inline,
                     download_name=att.download_name, conditional=True, etag=att.sha256, max_age=0)
    resp.headers["Cache-Control"] = "private, no-cache"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    if att.mime != PDF.mime:  # Chrome's PDF viewer refuses sandboxed documents; everything else gets one
        resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp
