"""Migration 0007: the .ics feed tokens in use are hashed, so their addresses keep working; downgrade and
upgrade again leave a usable schema."""
import hashlib

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from supervision import create_app
from supervision.extensions import db
from tests.test_migrations import empty_db_url  # noqa: F401  (fixture)


def test_upgrade_hashes_existing_feed_tokens_and_the_old_address_still_works(empty_db_url):  # noqa: F811
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": empty_db_url})
    with app.app_context():
        upgrade(revision="0005")
        office = db.session.execute(text("SELECT min(id) FROM office")).scalar_one()  # 0001 seeds the three
        db.session.execute(text(
            "INSERT INTO user_account (id, username, display_name, password_hash, role, office_id, email, active, "
            "must_change_password, session_version, created_at) VALUES (1, 'insp', '', 'x', 'inspector', :o, "
            "'', :t, :f, 1, CURRENT_TIMESTAMP)"), {"o": office, "t": True, "f": False})
        db.session.execute(text("INSERT INTO schedule_feed_token (user_id, token, created_at) "
                                "VALUES (1, 'old-secret-in-clear', CURRENT_TIMESTAMP)"))
        db.session.commit()
        db.session.remove()
        upgrade(revision="0007_login_and_feed_tokens")
        columns = {c["name"] for c in inspect(db.engine).get_columns("schedule_feed_token")}
        assert "token" not in columns and "token_hash" in columns
        stored = db.session.execute(text("SELECT token_hash FROM schedule_feed_token")).scalar_one()
        assert stored == hashlib.sha256(b"old-secret-in-clear").hexdigest()
        from supervision.schedule.queries import user_by_feed_token

        assert user_by_feed_token("old-secret-in-clear").username == "insp"
        assert user_by_feed_token(stored) is None  # the hash itself is no key
        db.session.remove()
        downgrade(revision="0005")
        assert db.session.execute(text("SELECT count(*) FROM schedule_feed_token")).scalar_one() == 0
        assert "login_failure" in inspect(db.engine).get_table_names()
        db.session.remove()
        upgrade()
        db.session.remove()
        db.engine.dispose()
