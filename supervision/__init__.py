"""依法行政日常监督系统 — application factory."""
import os
import secrets
from datetime import timedelta

from flask import Flask

from . import config as config_module
from .extensions import csrf, db, login_manager, migrate


class ConfigError(RuntimeError):
    """The app cannot start with this configuration; the message says why."""


def create_app(test_config: dict | None = None) -> Flask:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app = Flask(
        __name__,
        instance_path=os.path.join(root, "instance"),
        instance_relative_config=True,
        template_folder=os.path.join(root, "templates"),
        static_folder=os.path.join(root, "static"),
    )
    app.config.from_object(config_module.Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(config_module.env_overrides())
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    _settle_secret_key(app)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "supervision.db")
    if not app.config.get("UPLOAD_DIR"):
        app.config["UPLOAD_DIR"] = os.path.join(app.instance_path, "uploads")
    if not app.config.get("DATA_DIR"):
        app.config["DATA_DIR"] = os.path.join(app.instance_path, "data")
    app.permanent_session_lifetime = timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"])

    _behind_proxies(app)
    _production_transport(app)

    db.init_app(app)
    with app.app_context():
        from .extensions import sqlite_pragmas

        sqlite_pragmas(db.engine, app.config["SQLITE_CACHE_MB"], app.config["SQLITE_MMAP_MB"],
                       app.config["SQLITE_BUSY_TIMEOUT_SECONDS"], app.config["SQLITE_JOURNAL_MODE"])
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)

    from . import models  # noqa: F401  (every table known to metadata and migrations)
    from . import web

    web.init_app(app)
    _register_app_hooks(app)
    _register_blueprints(app)
    _register_cli(app)
    if app.config["GC_FREEZE"] and not app.testing:
        _freeze_startup_objects(app)
    return app


def _register_app_hooks(app: Flask) -> None:
    """What ties the parts together on every request: who is logged in (accounts) and what every page's
    layout shows (the office's profile from directory, the unread count from reminders). Here, in the app
    factory, so that web.py (which every domain imports) imports no domain."""
    from flask_login import current_user

    from .web import nav_items

    @login_manager.user_loader
    def load_user(ident: str):
        from .accounts.models import User

        try:
            user_id, version = (int(x) for x in ident.split(":"))
        except ValueError:
            return None
        user = db.session.get(User, user_id)
        # A changed password, a reset or a logout elsewhere bumps the version: old cookies stop working.
        if user is None or user.session_version != version or not user.active:
            return None
        return user

    @app.context_processor
    def layout_context():
        from .directory.queries import stored_profile

        from .reminders.queries import unread_count

        unread = unread_count(current_user) if current_user.is_authenticated else None
        return {"org_profile": stored_profile(), "nav_items": nav_items(), "unread_notifications": unread}


def _freeze_startup_objects(app: Flask) -> None:
    """gc.freeze() now and once more after the first request (config GC_FREEZE)."""
    import gc
    import threading

    gc.freeze()
    once = threading.Lock()

    @app.teardown_request
    def _freeze_after_first_request(_exc=None):
        if once.acquire(blocking=False):  # never released: the first request only
            gc.collect()
            gc.freeze()


def _behind_proxies(app: Flask) -> None:
    """TRUSTED_PROXIES reverse proxies in front: take the client's address and scheme from X-Forwarded-For and
    X-Forwarded-Proto (as many hops as trusted). With 0 (the default) those headers are ignored."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def _production_transport(app: Flask) -> None:
    """Production: warn at start when the session cookie may travel over plain HTTP; with it secure, tell
    browsers to use HTTPS only (Strict-Transport-Security)."""
    if app.config.get("SUPERVISION_ENV") != "production":
        return
    if not app.config.get("SESSION_COOKIE_SECURE"):
        app.logger.warning(
            "生产模式下 SESSION_COOKIE_SECURE 未开启：登录会话可能经明文 HTTP 传送。请在 HTTPS 反向代理之后运行，"
            "并在 instance/config.py 中设置 SESSION_COOKIE_SECURE = True。 / Production mode with "
            "SESSION_COOKIE_SECURE off: session cookies may travel over plain HTTP; serve behind HTTPS and set "
            "SESSION_COOKIE_SECURE = True.")
        return
    hsts = f"max-age={int(app.config['HSTS_MAX_AGE'])}"

    @app.after_request
    def _strict_transport_security(resp):
        resp.headers.setdefault("Strict-Transport-Security", hsts)
        return resp


# Keys nobody should sign sessions with; a production key must also be at least 32 characters.
WEAK_SECRET_KEYS = {"changeme", "change-me", "change_me", "secret", "secretkey", "secret-key", "secret_key",
                    "password", "passw0rd", "dev", "development", "test", "testing", "supervision", "123456",
                    "12345678", "1234567890", "admin", "default", "key", "flask", "qwerty", "abc123",
                    config_module.DEFAULT_SECRET_KEY}
MIN_SECRET_KEY_LENGTH = 32


def weak_secret_key(key: str) -> bool:
    """Too short, an obvious value, or one of them repeated (changemechangeme...), or too few distinct characters."""
    key = (key or "").strip()
    folded = key.lower()
    if len(key) < MIN_SECRET_KEY_LENGTH or folded in WEAK_SECRET_KEYS or len(set(folded)) < 8:
        return True
    return any(word and folded == word * (len(folded) // len(word)) for word in WEAK_SECRET_KEYS)


def _settle_secret_key(app: Flask) -> None:
    _find_secret_key(app)
    if app.config.get("SUPERVISION_ENV") == "production" and weak_secret_key(app.config["SECRET_KEY"]):
        raise ConfigError(
            "生产模式拒绝启动：SECRET_KEY 太短（少于32个字符）或是常见值（如 changeme、secret、password）。"
            "请生成一个随机值：python3 -c 'import secrets; print(secrets.token_hex(32))'，"
            "设为环境变量 SECRET_KEY，或写入 instance/secret_key。\n"
            "Refusing to start in production: SECRET_KEY is shorter than 32 characters or an obvious value "
            "(changeme, secret, password, ...). Make a random one with "
            "python3 -c 'import secrets; print(secrets.token_hex(32))' and set it as the SECRET_KEY environment "
            "variable or write it to instance/secret_key.")


def _find_secret_key(app: Flask) -> None:
    key = app.config.get("SECRET_KEY")
    production = app.config.get("SUPERVISION_ENV") == "production"
    key_file = app.config.get("SECRET_KEY_FILE") or os.path.join(app.instance_path, "secret_key")
    if key and key != config_module.DEFAULT_SECRET_KEY:
        return
    if os.path.exists(key_file):
        with open(key_file, encoding="utf-8") as fh:
            stored = fh.read().strip()
        if stored:
            app.config["SECRET_KEY"] = stored
            return
    if production:
        raise ConfigError(
            "生产模式拒绝启动：SECRET_KEY 未设置或仍是默认值。"
            "请设置环境变量 SECRET_KEY（至少32位随机字符），或把它写入 instance/secret_key。"
        )
    # Development: make a random key once and keep it, so sessions survive restarts.
    key = secrets.token_hex(32)
    with open(key_file, "w", encoding="utf-8") as fh:
        fh.write(key)
    app.config["SECRET_KEY"] = key


def _register_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts_bp
    from .assessment.daily_views import bp as assessment_daily_bp
    from .assessment.views import bp as assessment_bp
    from .audit_views import bp as audit_bp
    from .casereview.views import bp as casereview_bp
    from .directory.views import bp as directory_bp
    from .filings.views import bp as filings_bp
    from .letters.views import bp as letters_bp
    from .main import bp as main_bp
    from .rectification.views import bp as rectification_bp
    from .referrals.views import bp as referrals_bp
    from .reminders.views import bp as reminders_bp
    from .schedule.views import bp as schedule_bp
    from .system_views import bp as system_bp
    from .visits.views import bp as visits_bp
    from .workcal_views import bp as workcal_bp

    for bp in (main_bp, accounts_bp, directory_bp, audit_bp, workcal_bp, schedule_bp, visits_bp, letters_bp,
               rectification_bp, filings_bp, reminders_bp, system_bp, casereview_bp, referrals_bp,
               assessment_bp, assessment_daily_bp):
        app.register_blueprint(bp)


def _register_cli(app: Flask) -> None:
    from . import cli

    cli.register(app)
