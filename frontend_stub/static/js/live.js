// Live updates over the browser's WebSocket, with the graphql-transport-ws protocol the server
// speaks at /graphql: the token goes in connection_init, then one subscription runs until the
// view it belongs to leaves the page. When the server ends the connection (the token expired,
// say) the page signs in again if it can, reconnects and lets the view reload what it missed.

const PROTOCOL = "graphql-transport-ws";
const RETRY_MS = 3000;
const WATCH_MS = 2000;

function socketUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/graphql`;
}

// Calls `onEvent(data)` for each event of `query`, and `onReconnect()` after a reconnection.
// Returns a function that stops it; it also stops by itself once `view` is off the page.
export function liveUpdates(api, view, query, variables, { onEvent, onReconnect = onEvent }) {
  let socket = null;
  let stopped = false;
  let connectedBefore = false;

  function stop() {
    stopped = true;
    clearInterval(watch);
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, "view closed");
  }

  async function reconnectLater(code) {
    if (stopped) return;
    // The token was refused or ran out: a client signed in with credentials gets a new one.
    if ((code === 4401 || code === 4403) && api.credentials) {
      const { clientId, clientSecret } = api.credentials;
      await api.signInWithClient(clientId, clientSecret).catch(() => stop());
    } else if (code === 4401 || code === 4403) {
      return stop();
    }
    setTimeout(connect, RETRY_MS);
  }

  function connect() {
    if (stopped || !api.token) return;
    socket = new WebSocket(socketUrl(), PROTOCOL);
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ type: "connection_init", payload: { Authorization: `Bearer ${api.token}` } }));
    });
    socket.addEventListener("message", (message) => {
      let body;
      try {
        body = JSON.parse(message.data);
      } catch {
        return;
      }
      if (body.type === "connection_ack") {
        socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query, variables } }));
        if (connectedBefore) onReconnect();
        connectedBefore = true;
      } else if (body.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      } else if (body.type === "next" && body.payload && body.payload.data) {
        onEvent(body.payload.data);
      }
    });
    socket.addEventListener("close", (event) => reconnectLater(event.code));
  }

  const watch = setInterval(() => {
    if (!view.isConnected) stop();
  }, WATCH_MS);
  connect();
  return stop;
}

// Whether `container` shows the object `id` in another state than `key` (or not at all): the
// cards carry `data-live-id` and `data-live-key`, so that an event about what is already shown
// (the echo of the user's own action, say) changes nothing on the page.
export function showsOtherwise(container, id, key) {
  const card = [...container.querySelectorAll("[data-live-id]")].find((el) => el.dataset.liveId === id);
  return !card || card.dataset.liveKey !== key;
}

// Runs `reload` once for a burst of events, and not while someone is in the middle of something
// in `container` (typing in a field, an opened form): then a little later.
export function gentleReload(container, reload, delayMs = 300) {
  let timer = null;
  function busy() {
    const active = document.activeElement;
    const typing = active && container.contains(active) && active.matches("input, textarea, select");
    return typing || container.querySelector("details[open]") !== null;
  }
  function run() {
    timer = null;
    if (busy()) {
      timer = setTimeout(run, 1000);
      return;
    }
    reload();
  }
  function schedule() {
    if (timer === null) timer = setTimeout(run, delayMs);
  }
  return schedule;
}
