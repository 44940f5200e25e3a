"""Configuration. Every key the app reads is listed here with its default and meaning.

Order of precedence (later wins): these defaults -> instance/config.py -> environment variables
(DATABASE_URL, SECRET_KEY, SUPERVISION_ENV, SUPERVISION_UPLOAD_DIR, SUPERVISION_DATA_DIR,
SUPERVISION_TRUSTED_PROXIES) -> test_config
passed to create_app().
"""
import os

DEFAULT_SECRET_KEY = "dev-insecure-change-me"


class Defaults:
    # "development" or "production". In production the app refuses a missing or default SECRET_KEY.
    SUPERVISION_ENV = "development"
    # Signs sessions and CSRF tokens. Set via the SECRET_KEY environment variable or
    # instance/secret_key (created on first run in development).
    SECRET_KEY = DEFAULT_SECRET_KEY
    # Where a key is kept when not given by the environment (default: instance/secret_key).
    SECRET_KEY_FILE = None
    # SQLite in instance/ unless DATABASE_URL says otherwise (postgresql+psycopg://user:pw@host/db).
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # SQLite only, set on each connection: its page cache (MiB, per connection; SQLite's default is 2) and how
    # much of the file it may read through mmap (MiB, shared with the OS page cache; 0, the default, turns it
    # off: mapped pages count in the process's resident memory, ~380 MB during a full ledger export, for little
    # gain measured). With SQLite's 2 MiB cache a page over thousands of scattered rows re-reads its pages.
    SQLITE_CACHE_MB = 32
    SQLITE_MMAP_MB = 0
    # SQLite only: the journal mode (WAL lets the web and scheduler processes read while one writes; "" leaves the
    # file's mode as it is, e.g. for a file on a network share, where WAL does not work) and how long a writer
    # waits for another writer's lock before the request fails with "database is locked".
    SQLITE_JOURNAL_MODE = "WAL"
    SQLITE_BUSY_TIMEOUT_SECONDS = 15
    # Move the objects of startup (imports, the app, and what the first request loads: templates, fonts,
    # compiled SQL) out of the garbage collector's sight (gc.freeze). Without it every full collection walks
    # them again — ~70 ms on the benchmark machine, every few requests. Not in tests (TESTING): their many
    # short-lived apps would be frozen forever.
    GC_FREEZE = True
    # The office's timezone: every date shown and every deadline counted is in it.
    TIMEZONE = "Asia/Shanghai"
    # Sessions: HttpOnly, SameSite=Lax, expire after this many idle minutes.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set True behind HTTPS
    REMEMBER_COOKIE_HTTPONLY = True
    IDLE_TIMEOUT_MINUTES = 30
    # How passwords are hashed (werkzeug method string). scrypt is deliberately slow; tests use a cheap one.
    PASSWORD_HASH_METHOD = "scrypt"
    # Login throttling: after this many failures within the window an account is locked for the window.
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    # A client address is never locked (behind a proxy or NAT a whole office shares one). After this many
    # failures from it within LOGIN_LOCK_MINUTES its failed attempts are answered after a delay: this many
    # seconds, doubling with each further failure, at most the MAX. A correct password is never delayed.
    LOGIN_ADDRESS_FREE_FAILURES = 10
    LOGIN_ADDRESS_DELAY_SECONDS = 1.0
    LOGIN_ADDRESS_DELAY_MAX_SECONDS = 8.0
    # How many reverse proxies in front of the app set X-Forwarded-For / X-Forwarded-Proto (0: none, the
    # headers are ignored). Behind the one nginx of the README's production section: 1. Then the audit log
    # and the login throttling see the client's address, not the proxy's.
    TRUSTED_PROXIES = 0
    # Production only: send Strict-Transport-Security (seconds) when SESSION_COOKIE_SECURE is on.
    HSTS_MAX_AGE = 31536000
    # Uploads: largest accepted file (bytes); whole request may be a little larger.
    UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    MAX_CONTENT_LENGTH = 60 * 1024 * 1024
    # Upload quotas (files / bytes): one reply to a problem; all rectification material of one letter; everything
    # the users of one supervised unit upload in one (Beijing) day. Uploads stop while the upload folder's disk
    # has less than UPLOAD_MIN_FREE_BYTES free (UPLOAD_FREE_BYTES_OVERRIDE, when set, stands in for the measured
    # free space: for tests).
    UPLOAD_REPLY_MAX_FILES = 10
    UPLOAD_REPLY_MAX_BYTES = 50 * 1024 * 1024
    UPLOAD_LETTER_MAX_FILES = 20
    UPLOAD_LETTER_MAX_BYTES = 100 * 1024 * 1024
    UPLOAD_UNIT_DAILY_BYTES = 200 * 1024 * 1024
    UPLOAD_MIN_FREE_BYTES = 500 * 1024 * 1024
    UPLOAD_FREE_BYTES_OVERRIDE = None
    # Plan-import previews (kept on disk between upload and confirmation) older than this are removed by the
    # scheduler's daily clean-up.
    SCHEDULE_PREVIEW_MAX_AGE_HOURS = 24
    # Batch printing of letters (/letters/print): at most this many letters in one file.
    LETTERS_PRINT_MAX = 500
    # Where attachments and generated files (issued letter PDFs) are kept; default instance/uploads, instance/data.
    UPLOAD_DIR = None
    DATA_DIR = None
    # Where `flask restore` keeps the database and files it replaced (before-restore-<time>/ folders, the newest
    # kept until the next successful restore); default the instance folder.
    BEFORE_RESTORE_DIR = None
    # Extra font files for letters (list of paths), tried before instance/fonts/ and system fonts.
    FONT_PATHS: list = []
    # Reminders: the one scheduler process (`flask --app wsgi scheduler`) sweeps for due reminders every
    # REMINDER_SWEEP_SECONDS and sends/retries e-mail and webhook deliveries every REMINDER_DELIVER_SECONDS.
    REMINDER_SWEEP_SECONDS = 300
    REMINDER_DELIVER_SECONDS = 60
    REMINDER_SEND_TIMEOUT = 10  # seconds to wait for the SMTP or webhook server
    REMINDER_MAX_ATTEMPTS = 6  # attempts before a delivery is marked failed
    SCHEDULER_JOBSTORE_TABLE = "apscheduler_jobs"  # APScheduler's own table, outside the migrations
    # CSRF tokens live as long as the session.
    WTF_CSRF_TIME_LIMIT = None


def env_overrides() -> dict:
    out = {}
    if os.environ.get("DATABASE_URL"):
        url = os.environ["DATABASE_URL"]
        # Accept the usual postgres:// spelling and use the psycopg 3 driver.
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        out["SQLALCHEMY_DATABASE_URI"] = url
    if os.environ.get("SECRET_KEY"):
        out["SECRET_KEY"] = os.environ["SECRET_KEY"]
    for key in ("UPLOAD_DIR", "DATA_DIR"):
        if os.environ.get(f"SUPERVISION_{key}"):
            out[key] = os.environ[f"SUPERVISION_{key}"]
    if os.environ.get("SUPERVISION_TRUSTED_PROXIES"):
        out["TRUSTED_PROXIES"] = int(os.environ["SUPERVISION_TRUSTED_PROXIES"])
    if os.environ.get("SUPERVISION_ENV"):
        out["SUPERVISION_ENV"] = os.environ["SUPERVISION_ENV"]
    return out
