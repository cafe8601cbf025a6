// The chat, the tiles and the notifications: three panels, ONE stream (GET /live, see live-stream.js). With
// SharedWorker the stream lives in live-worker.js, once for every tab of this browser, so ten tabs hold one
// connection between them; without it, this tab holds its own.
"use strict";

const TILES = ["visitors", "orders", "latency"];
let liveLink = null;  // { channels(list), via }

function connectLive(onMessage) {
  if (typeof SharedWorker === "function") {
    const worker = new SharedWorker("live-worker.js", { name: "tako-live" });
    worker.port.onmessage = ({ data }) => onMessage(data);
    worker.port.start();
    // The worker cannot see a tab close: the tab says so, and the last one out lets go of the stream.
    addEventListener("pagehide", () => worker.port.postMessage({ type: "bye" }));
    return { via: "worker", channels: (list) => worker.port.postMessage({ type: "channels", channels: list }) };
  }

  let held = false;
  const stream = createLiveStream((message) => {
    // This tab's own stream holds one of its connections until it closes for good.
    if (message.type === "state") {
      const holds = message.state !== "closed" && message.state !== "idle";
      if (holds !== held) connection(holds ? +1 : -1);
      held = holds;
    }
    onMessage(message);
  });
  return { via: "tab", channels: (list) => stream.open(list) };
}

// The channels this page lists: the public ones, and the signed-in user's notifications. ?notifications=bob
// lists bob's whoever is signed in, to show what the server answers a page that asks for someone else's.
function liveChannels() {
  const list = ["chat", ...TILES.map((t) => `tiles:${t}`)];
  const asked = new URLSearchParams(location.search).get("notifications");
  const user = asked ?? sample.notifications.user;
  if (user) list.push(`notifications#${user}`);
  return list;
}

function onLive(message) {
  const s = sample.shared;
  if (message.type === "state") {
    const was = s.state;
    Object.assign(s, { client: message.client, channels: message.channels, state: message.state, refused: message.refused, opens: message.opens });
    sample.chat.client = message.client;
    if (message.state !== was) {
      setState("live", message.state);
      // The cursor the browser sends back as Last-Event-ID: the id of the last event before the loss.
      if (message.state === "reconnecting") keep(s.resumedFrom, message.cursor, 20);
      if (message.state === "open" && was === "reconnecting") chatBack();
    }
    renderShared();
    return;
  }

  if (message.type !== "event") return;
  s.cursor = message.id;
  s.events++;
  $("live-cursor").textContent = cursorText(s.cursor);
  const data = message.name === "notification" ? message.data : JSON.parse(message.data);
  if (message.name === "chat") onChat(data, message.id);
  else if (message.name === "tile") onTile(data);
  else if (message.name === "notification") onNotification(data);
  else if (message.name === "tako.gap") onGap(data);
}

function renderShared() {
  const s = sample.shared;
  $("live-via").textContent = s.via === "worker" ? "a SharedWorker, for every tab of this browser" : "this tab";
  $("live-channels").textContent = s.channels.join(", ") || "\u2013";
  $("live-cursor").textContent = cursorText(s.cursor);
  const refusal = $("live-refused");
  refusal.hidden = s.refused === null;
  if (s.refused !== null) refusal.textContent = refusalText(s.refused);
  const user = s.channels.find((c) => c.startsWith("notifications#"))?.slice("notifications#".length);
  if (!new URLSearchParams(location.search).has("notifications") && (user ?? null) !== sample.notifications.user) {
    // Another tab of this browser signed in or out: the worker's list says who the tabs are now.
    sample.notifications.user = user ?? null;
    renderNotifications();
  }
}

// The cursor is opaque: the page shows its start and its size, and never parses it.
const cursorText = (cursor) => (cursor ? `${cursor.slice(0, 24)}\u2026 (${cursor.length} characters)` : "\u2013");

function refusalText({ status, channels }) {
  const mine = channels.find((c) => c.startsWith("notifications#")) ?? "a channel";
  const owner = mine.slice("notifications#".length);
  if (status === 401) return `Refused (401): not signed in, and ${mine} is ${owner}'s alone. Sign in as ${owner} to read it; the stream stays closed until then.`;
  if (status === 403) return `Refused (403): ${mine} is ${owner}'s, and you are signed in as someone else. The stream stays closed.`;
  if (status === 400) return "Refused (400): the server did not accept this list of channels.";
  if (status === 0) return "The server does not answer; reload the page when it is back.";
  return `The stream closed (HTTP ${status}).`;
}

// --- Chat: a public channel, resumed from its history after a reconnect -------------------------------
let chatBackAt = null;

function chatBack() {
  // Back after a lost connection: the browser sent the cursor as Last-Event-ID, and what every channel missed
  // meanwhile comes first, from the histories.
  chatBackAt = Date.now();
  sample.chat.reconnects++;
  addChatLine("marker", `\u21bb reconnected with Last-Event-ID ${sample.chat.messages.at(-1)?.id.slice(0, 16) ?? "(none)"}\u2026`);
  $("chat-status").textContent = "reconnected";
}

function onChat(message, id) {
  const c = sample.chat;
  // Ids are cursors, different for every event and every subscriber: the message itself says whether it is new.
  if (c.messages.some((m) => m.at === message.at && m.name === message.name && m.text === message.text)) c.duplicates++;
  // Published before this tab was back: it reached us from the history, not live.
  const missed = chatBackAt !== null && message.at <= chatBackAt;
  if (missed) c.missed++;
  keep(c.messages, { id, name: message.name, text: message.text, at: message.at, missed }, 500);
  addChatLine(missed ? "missed" : "", message.text, message.name);
  renderChat();
}

// One channel could not be resumed: its own gap, named by `channel`; the others carry on.
function onGap(gap) {
  keep(sample.shared.gaps, gap, 50);
  if (gap.channel === "chat" || gap.channel === undefined) {
    sample.chat.gaps.push(gap);
    addChatLine("gap", "some messages are no longer in the history");
    renderChat();
  }
  if (gap.channel === undefined || gap.channel?.startsWith("tiles:")) sample.tiles.gapEvents++;
  renderTiles();
}

function startChat() {
  const c = sample.chat;
  c.name = `guest-${Array.from(crypto.getRandomValues(new Uint8Array(2)), (b) => b.toString(16).padStart(2, "0")).join("")}`;
  $("chat-you").textContent = c.name;
  setTimeout(() => {
    if (sample.states.live === "connecting") {
      $("chat-status").textContent = "still waiting for a connection: other pages of this server may hold all six";
    }
  }, 5000);

  $("chat-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = $("chat-input");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    c.sent.push(text);
    try {
      const response = await post("/chat", { name: c.name, text });
      if (!response.ok) $("chat-status").textContent = `not sent: ${response.status}`;
    } catch {
      $("chat-status").textContent = "not sent: the server did not answer";
    }
  });
  // The stream is every tab's: dropping it here drops it for all of them, and they all resume.
  $("chat-drop").addEventListener("click", async () => {
    $("chat-status").textContent = "dropping\u2026";
    const response = await post(`/live/drop?client=${sample.shared.client}`);
    if (response.ok) c.drops++;
    $("chat-status").textContent = response.ok ? "dropped; the browser reconnects in a few seconds" : "no open stream to drop";
  });
}

function addChatLine(kind, text, name) {
  const line = document.createElement("li");
  line.className = kind;
  if (name) {
    const who = document.createElement("b");
    who.textContent = `${name}: `;
    line.append(who);
  }
  line.append(text);
  const log = $("chat-messages");
  log.append(line);
  while (log.children.length > 100) log.firstElementChild.remove();
  log.scrollTop = log.scrollHeight;
}

function renderChat() {
  const c = sample.chat;
  $("chat-count").textContent = c.messages.length;
  $("chat-missed").textContent = c.missed;
  $("chat-gaps").textContent = c.gaps.length;
  $("chat-duplicates").textContent = c.duplicates;
}

// --- Tiles: three channels fed by a background service ------------------------------------------------
function onTile(update) {
  const t = sample.tiles;
  const last = t.values[update.tile]?.seq;
  // Every round updates every tile with the next seq: a lower one is a duplicate, a higher one a skip.
  if (last !== undefined && update.seq <= last) t.duplicates++;
  else if (last !== undefined && update.seq > last + 1) t.skipped += update.seq - last - 1;
  if (last === undefined || update.seq > last) t.values[update.tile] = { value: update.value, seq: update.seq };
  t.count++;
  keep(t.seen, `${update.tile}:${update.seq}`, 600);
  renderTiles();
}

function renderTiles() {
  const t = sample.tiles;
  for (const name of TILES) {
    $(`tile-${name}`).textContent = t.values[name]?.value ?? "\u2013";
  }
  $("tiles-count").textContent = t.count;
  $("tiles-skipped").textContent = t.skipped;
  $("tiles-duplicates").textContent = t.duplicates;
}

// --- Notifications: the signed-in user's channel ------------------------------------------------------
function onNotification(text) {
  keep(sample.notifications.items, text, 100);
  const item = document.createElement("li");
  item.textContent = text;
  const list = $("notifications-list");
  list.prepend(item);
  while (list.children.length > 20) list.lastElementChild.remove();
}

function renderNotifications() {
  const n = sample.notifications;
  $("notifications-user").textContent = n.user ?? "nobody (anonymous)";
  $("sign-out").disabled = n.user === null;
  $("notify-send").disabled = n.user === null;
}

async function signIn(name) {
  const response = await post(`/demo/sign-in?name=${encodeURIComponent(name)}`);
  if (!response.ok) {
    $("notifications-status").textContent = "a name is 1 to 32 lower-case letters, digits or dashes";
    return;
  }
  sample.notifications.user = name;
  $("notifications-status").textContent = "";
  renderNotifications();
  liveLink.channels(liveChannels());
}

async function signOut() {
  await post("/demo/sign-out");
  sample.notifications.user = null;
  renderNotifications();
  liveLink.channels(liveChannels());
}

function startNotifications() {
  $("sign-in-form").addEventListener("submit", (e) => {
    e.preventDefault();
    signIn($("sign-in-name").value.trim());
  });
  $("sign-out").addEventListener("click", signOut);
  $("notify-send").addEventListener("click", async () => {
    const text = $("notify-text").value.trim() || "hello";
    sample.notifications.sent.push(text);
    const response = await post("/me/notifications", { text });
    $("notifications-status").textContent = response.ok ? "" : `not sent: ${response.status}`;
  });
  renderNotifications();
}

// Who is signed in decides the list, so the stream opens once the page knows.
async function startLive() {
  startChat();
  startNotifications();
  liveLink = connectLive(onLive);
  sample.shared.via = liveLink.via;
  setState("live", "connecting");
  renderShared();
  renderTiles();
  const me = await inTurn(async () => (await fetch("/demo/me", { cache: "no-store" })).json());
  sample.notifications.user = me.name;
  renderNotifications();
  liveLink.channels(liveChannels());
}
