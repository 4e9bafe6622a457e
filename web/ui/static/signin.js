// Sign-in for AUTH_MODE=keys: the page asks for an API key when the server
// answers 401, trades it for an HttpOnly session cookie (POST /api/session)
// and reloads. In AUTH_MODE=local the server never answers 401, so nothing
// shows. The key itself is never stored by the page.

let shown = false;

export function showSignIn(message) {
  if (shown) return;
  shown = true;
  const back = document.createElement("div");
  back.className = "signin-back";
  const form = document.createElement("form");
  form.className = "signin";
  form.setAttribute("aria-labelledby", "signin-title");
  form.innerHTML = `<h2 id="signin-title">Sign in</h2>
<p class="muted small">This server needs an API key (made with <code>symposium keys create</code>).</p>
<label for="signin-key">API key</label>
<input id="signin-key" name="key" type="password" autocomplete="current-password" required spellcheck="false">
<p id="signin-error" class="signin-error" role="alert"></p>
<button type="submit" class="primary">Sign in</button>`;
  back.append(form);
  document.body.append(back);
  const input = form.querySelector("#signin-key");
  const err = form.querySelector("#signin-error");
  if (message) err.textContent = message;
  input.focus();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    err.textContent = "";
    try {
      const r = await fetch("/api/session", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ key: input.value.trim() }),
      });
      if (r.ok) { location.reload(); return; }
      const body = await r.json().catch(() => ({}));
      err.textContent = r.status === 401 ? "That key is not valid (or was revoked)." : (body.error?.message || `Sign-in failed (${r.status}).`);
    } catch {
      err.textContent = "The server is not answering; try again.";
    }
  });
}

// ensureSignedIn resolves once the page may use the API; it also shows the
// form whenever a later API call answers 401 (a session expired or revoked).
export async function ensureSignedIn() {
  const orig = window.fetch.bind(window);
  window.fetch = async (...args) => {
    const r = await orig(...args);
    const url = String(args[0] instanceof Request ? args[0].url : args[0]);
    if (r.status === 401 && !url.endsWith("/api/session") && new URL(url, location.href).origin === location.origin) {
      showSignIn("Your session ended; sign in again.");
    }
    return r;
  };
  try {
    const r = await orig("/api/session");
    if (r.status === 401) {
      showSignIn();
      await new Promise(() => {}); // the page reloads once signed in
    }
    return r.ok ? await r.json() : null;
  } catch {
    return null; // offline: the app's own retries take over
  }
}

export async function signOut() {
  await fetch("/api/session", { method: "DELETE" });
  location.reload();
}
