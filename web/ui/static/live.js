// One WebSocket per page to /ws (path: another endpoint of this origin, as
// an embed's /ws?embed=...). It reconnects by itself with exponential
// backoff and jitter, so a restarted or scaled-down instance is survivable.
export function connect({ onMessage, onStatus, path = "/ws" }) {
  let ws = null;
  let delay = 500;
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;

  function open() {
    onStatus("connecting");
    ws = new WebSocket(url);
    ws.onopen = () => { delay = 500; onStatus("connected"); };
    ws.onmessage = (e) => {
      let msg;
      try { msg = JSON.parse(e.data); } catch { return; }
      onMessage(msg);
    };
    ws.onclose = () => {
      onStatus("reconnecting");
      setTimeout(open, delay + Math.random() * delay / 2);
      delay = Math.min(delay * 2, 15000);
    };
  }
  open();

  return {
    // send returns false when offline; callers retry after the next hello.
    send(msg) {
      if (!ws || ws.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(msg));
      return true;
    },
  };
}
