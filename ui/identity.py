"""Which learner this browser is: a random secret in a cookie, read on every page load.

Streamlit sends the browser's cookies with each new session, so a reload, a new tab or
any link finds the same learner at once. On a browser's first visit a tiny script
(Streamlit's own components API, no package) makes the secret, keeps it as a cookie and
in localStorage (for embeds whose cookies are blocked) and hands it to the server.
"""
from __future__ import annotations

import streamlit as st

from core.config.settings import settings
from core.store.learners import COOKIE_DAYS, COOKIE_NAME, is_secret, learner_id, visitor_address

LEARNER_KEY = "learner"  # session_state: this session's learner id, once known

_COOKIE_SCRIPT = """
export default function ({ setStateValue }) {
  const name = "%(name)s";
  const valid = (value) => typeof value === "string" && /^[0-9a-f]{32}$/.test(value);
  const fromCookie = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
  let secret = fromCookie ? fromCookie.slice(name.length + 1) : "";
  if (!valid(secret)) {
    try { secret = window.localStorage.getItem(name) || ""; } catch (e) { secret = ""; }
  }
  if (!valid(secret)) {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    secret = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = name + "=" + secret + "; path=/; max-age=%(seconds)d; SameSite=Lax" + secure;
  try { window.localStorage.setItem(name, secret); } catch (e) { /* storage blocked: the cookie serves */ }
  setStateValue("secret", secret);
}
""" % {"name": COOKIE_NAME, "seconds": COOKIE_DAYS * 24 * 3600}

_learner_cookie = st.components.v2.component("digits_learner_cookie", js=_COOKIE_SCRIPT)


def learner_or_stop() -> str:
    """This browser's learner id. On a first visit the page stops here until the browser
    has made its secret (a fraction of a second), then reruns with it."""
    if LEARNER_KEY in st.session_state:
        return st.session_state[LEARNER_KEY]
    secret = st.context.cookies.get(COOKIE_NAME)
    if not is_secret(secret):
        result = _learner_cookie(key="learner_cookie", on_secret_change=lambda: None)
        secret = result.get("secret") if result is not None else None
        if not is_secret(secret):
            st.caption("Getting the app ready for you…")
            st.stop()
    st.session_state[LEARNER_KEY] = learner_id(secret)
    return st.session_state[LEARNER_KEY]


def learner() -> str:
    """The learner id found by learner_or_stop() at the top of this run (app.py calls it)."""
    return st.session_state[LEARNER_KEY]


def client_address() -> str:
    """This browser's address as the server's limits count it (core.store.learners.visitor_address)."""
    return visitor_address(st.context.ip_address, st.context.headers.get("X-Forwarded-For"),
                           settings().trusted_proxy)
