// The embed host page (GET /embed/:id?token=...): another site frames it;
// it frames the sandboxed live preview and keeps a live session of the
// block over a socket limited to that block (/ws?embed=<id>&token=<t>).
import { connect } from "./live.js";
import { LivePreview } from "./preview.js";

const $ = (id) => document.getElementById(id);
const blockId = decodeURIComponent(location.pathname.replace(/^\/embed\//, "").replace(/\/+$/, ""));
const token = new URLSearchParams(location.search).get("token") || "";
const path = `/ws?embed=${encodeURIComponent(blockId)}` + (token ? `&token=${encodeURIComponent(token)}` : "");

const status = $("status"), restart = $("restart");
function say(text, bad) {
  status.textContent = text;
  status.classList.toggle("bad", !!bad);
}

let live = null, failures = 0, opened = false;
// The preview first: the socket reports its status at once.
const preview = new LivePreview({
  frame: $("preview"),
  send: (m) => live.send(m),
  embed: true,
  codeChangeWait: 1000, // no editor here: the new code is stored when the change is announced
  onState({ text, restart: canRestart, state }) {
    say(text, state === "ended" || state === "offline");
    restart.hidden = !canRestart;
  },
  onUnsupported() { say("this server has no live pages", true); },
});
live = connect({
  path,
  onMessage(m) {
    if (preview.handle(m)) return;
    if (m.type === "error") say(m.message || m.code, true);
  },
  onStatus(s) {
    if (s === "connected") {
      failures = 0;
      if (!opened) { opened = true; preview.open(blockId); } else preview.connected();
      return;
    }
    preview.disconnected();
    if (++failures > 3) say("cannot reach the server (or this embed link is no longer valid); retrying…", true);
  },
});

window.symposiumEmbed = { preview };
restart.addEventListener("click", () => preview.restart());
