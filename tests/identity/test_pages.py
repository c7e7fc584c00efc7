"""AppTest of the identity pages: sign-up, sign-in (wrong password, lock, expiry), members.

AppTest quirk (Streamlit 1.67): once a run ends on a page whose URL path matches a file
in pages/, later runs execute that file alone, without app.py (multipage v1 emulation),
and after `switch_page` every run requests that page. The tests therefore move between
pages explicitly with `switch_page`, as a user following a link would.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from core.config import PROJECT_ROOT
from core.identity import auth
from core.identity.models import User
from core.identity.service import AccountLocked, AuthenticationFailed, get_user_by_email
from db.session import control_session
from tests.identity.conftest import PASSWORD, unique_email
from ui.i18n import t

LANG = "id"  # the UI's default language


def app() -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    return at


def click(at: AppTest, label: str) -> AppTest:
    [button] = [b for b in at.button if b.label == label]
    button.click()
    at.run()
    assert not at.exception, at.exception
    return at


def login(email: str, password: str, at: AppTest | None = None) -> AppTest:
    at = at or app()
    at.text_input(key="login_email").set_value(email)
    at.text_input(key="login_password").set_value(password)
    return click(at, t("login.submit", LANG))


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def test_sign_in_and_out(make_user: Callable[..., User]) -> None:
    user = make_user("ui", "a-shared", "admin", LANG)
    at = login(user.email, PASSWORD)
    assert at.title[0].value.startswith("Company A") and not errors(at)
    token = at.session_state["session_token"]
    click(at, t("logout", LANG))
    assert "user" not in at.session_state
    with control_session() as s:
        reason = s.scalar(text("SELECT revoked_reason FROM user_sessions WHERE selector = :s"),
                          {"s": token.split(".")[0]})
    assert reason == "logout"
    at.switch_page("pages/login.py").run()
    assert at.text_input(key="login_email") is not None and not at.metric


def test_wrong_password_and_locked_account_are_refused_plainly(make_user: Callable[..., User]) -> None:
    user = make_user("locked", "a-shared", "staff", LANG)
    at = login(user.email, "wrong-password")
    assert errors(at) == [t("login.failed", LANG)] and not at.metric
    for _ in range(4):
        with contextlib.suppress(AuthenticationFailed, AccountLocked):
            auth.login(user.email, "wrong-password")
    at = login(user.email, PASSWORD)  # the right password, while locked
    [message] = errors(at)
    assert message.startswith(t("login.locked", LANG, time="")[:40]) and not at.metric


def test_idle_session_ends_in_the_ui(make_user: Callable[..., User]) -> None:
    user = make_user("idle", "a-shared", "staff", LANG)
    at = login(user.email, PASSWORD)
    assert at.metric
    with control_session() as s:  # nine quiet hours later
        s.execute(text("UPDATE user_sessions SET last_seen_at = last_seen_at - interval '9 hours' "
                       "WHERE user_id = :u"), {"u": user.id})
    at.switch_page("pages/accept_invitation.py").run()  # any next click
    assert "user" not in at.session_state and not at.metric
    at.switch_page("pages/login.py").run()
    assert [w.value for w in at.warning] == [t("session.expired", LANG)]
    assert at.text_input(key="login_email") is not None


def test_sign_up_page_then_sign_in() -> None:
    at = app()
    at.switch_page("pages/signup.py")
    at.run()
    email = unique_email("founder")
    at.text_input(key="signup_company").set_value("PT Uji Coba Halaman")
    at.radio(key="signup_region").set_value("id")
    at.radio(key="signup_tier").set_value("shared")
    at.text_input(key="signup_full_name").set_value("Putri Pendiri")
    at.text_input(key="signup_email").set_value(email)
    at.text_input(key="signup_password").set_value("pendiri-123")
    at.text_input(key="signup_password_confirm").set_value("pendiri-124")
    click(at, t("signup.submit", LANG))
    assert errors(at) == [t("password.mismatch", LANG)] and get_user_by_email(email) is None
    at.text_input(key="signup_password_confirm").set_value("pendiri-123")
    click(at, t("signup.submit", LANG))
    assert not errors(at)
    [done] = [s.value for s in at.success]
    assert "PT Uji Coba Halaman" in done and "Indonesia" in done
    assert at.text_input(key="login_email").value == email  # back on the sign-in page, email filled in
    at.switch_page("pages/login.py")
    at = login(email, "pendiri-123", at)
    assert at.title[0].value == "PT Uji Coba Halaman"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("home.region", LANG)] == t("region.id", LANG)
    assert metrics[t("home.role", LANG)] == t("role.admin", LANG)


def test_sign_up_page_shows_what_is_wrong() -> None:
    at = app()
    at.switch_page("pages/signup.py")
    at.run()
    at.text_input(key="signup_company").set_value("Whatever Co")
    at.text_input(key="signup_full_name").set_value("Someone")
    at.text_input(key="signup_email").set_value("not-an-email")
    at.text_input(key="signup_password").set_value("good-password")
    at.text_input(key="signup_password_confirm").set_value("good-password")
    click(at, t("signup.submit", LANG))
    assert errors(at) == [t("err.email", LANG)]


def test_members_page_invite_form_only_with_member_invite(make_user: Callable[..., User]) -> None:
    admin = make_user("admin", "a-schema", "admin", LANG)
    staff = make_user("staff", "a-schema", "staff", LANG)
    at = login(admin.email, PASSWORD)
    at.switch_page("pages/members.py")
    at.run()
    assert at.text_input(key="invite_email") is not None
    at.text_input(key="invite_email").set_value(unique_email("invitee"))
    click(at, t("members.invite_submit", LANG))
    assert at.success and not errors(at)

    at = login(staff.email, PASSWORD)
    at.switch_page("pages/members.py")
    at.run()
    assert not at.exception and at.dataframe
    assert not [w for w in at.text_input if w.key == "invite_email"]
    assert not [b for b in at.button if b.label == t("members.invite_submit", LANG)]
