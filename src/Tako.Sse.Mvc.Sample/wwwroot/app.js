// The sample page: plain EventSource, no framework, no build step.
// Everything the page saw is also kept in window.sample, so the browser tests can check it.
"use strict";

const sample = (window.sample = {
  states: {},        // stream name -> "connecting" | "open" | "reconnecting" | "closed" | "idle"
  stateHistory: {},  // stream name -> the states it went through, most recent last
  reconnects: {},    // stream name -> how often the browser had to reconnect it
  ticker: { count: 0, messages: [], stray: [] },
  feed: { events: [] },
  progress: { percent: 0, seen: [], done: false, runs: 0, message: null },
  logs: { count: 0 },
  resume: { client: null, numbers: [], last: null, gaps: 0, duplicates: 0, resumedAfter: [], drops: 0 },
  echo: { runs: [] },
  clock: { headers: {}, frames: [] },
  chat: { client: null, name: null, messages: [], sent: [], missed: 0, gaps: [], duplicates: 0, reconnects: 0, drops: 0 },
  connections: { open: 0, max: 0, waiting: 0 },  // HTTP connections the page holds, counted by the page itself
});

const keep = (list, item, max) => {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
};
const $ = (id) => document.getElementById(id);

// Browsers open at most six HTTP/1.1 connections to one server. Five streams stay open for good (ticker, feed,
// logs, resume, chat); every short request (the long job, echo, the clock, chat posts, drops) waits for its turn
// on the sixth, so the page never asks for a seventh.
let turn = Promise.resolve();
function inTurn(work) {
  sample.connections.waiting++;
  const run = turn.then(async () => {
    sample.connections.waiting--;
    connection(+1);
    try {
      return await work();
    } finally {
      connection(-1);
    }
  });
  turn = run.catch(() => {});
  return run;
}

// A POST that takes its turn, its response read to the end so that the connection is free again.
function post(url, json) {
  return inTurn(async () => {
    const response = await fetch(url, json === undefined
      ? { method: "POST" }
      : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(json) });
    await response.text();
    return response;
  });
}

function connection(delta) {
  const c = sample.connections;
  c.open += delta;
  c.max = Math.max(c.max, c.open);
  const max = $("connections-max");
  if (max) max.textContent = c.max;
}

function setState(name, state) {
  sample.states[name] = state;
  keep((sample.stateHistory[name] ??= []), state, 50);
  if (state === "reconnecting") sample.reconnects[name] = (sample.reconnects[name] ?? 0) + 1;
  const badge = document.querySelector(`.state[data-stream="${name}"]`);
  badge.textContent = state;
  badge.dataset.state = state;
  renderConnections();
}

function renderConnections() {
  const names = ["ticker", "feed", "progress", "logs", "resume", "chat", "echo", "clock"];
  $("connection-rows").replaceChildren(...names.filter((name) => name in sample.states).map((name) => {
    const row = document.createElement("tr");
    const stream = document.createElement("td");
    stream.textContent = name;
    const state = document.createElement("td");
    const badge = document.createElement("span");
    badge.className = "state";
    badge.textContent = badge.dataset.state = sample.states[name];
    state.append(badge);
    const reconnects = document.createElement("td");
    reconnects.textContent = sample.reconnects[name] ?? 0;
    row.append(stream, state, reconnects);
    return row;
  }));
}

// EventSource has three ready states; "reconnecting" is CONNECTING again after an error. A stream that stays
// open for good holds one of the page's connections from here on.
function watch(name, source, forGood = false) {
  if (forGood) connection(+1);
  setState(name, "connecting");
  source.addEventListener("open", () => setState(name, "open"));
  source.addEventListener("error", () =>
    setState(name, source.readyState === EventSource.CONNECTING ? "reconnecting" : "closed"));
  return source;
}

// --- Ticker: the raw path, messages only ---------------------------------------------------------------
function startTicker() {
  const source = watch("ticker", new EventSource("/events"), true);
  source.onmessage = (e) => {
    const t = sample.ticker;
    t.count++;
    keep(t.messages, e.data, 100);
    if (!/^tick: \d+$/.test(e.data)) keep(t.stray, e.data, 50);
    $("ticker-value").textContent = e.data;
    $("ticker-count").textContent = t.count;
    $("ticker-stray").textContent = t.stray.length;
  };
}

// --- Feed: named events with ids -----------------------------------------------------------------------
function startFeed() {
  const source = watch("feed", new EventSource("/feed"), true);
  const record = (e) => {
    keep(sample.feed.events, { type: e.type, id: e.lastEventId, data: e.data }, 200);
    renderFeed();
  };
  source.onmessage = record;
  source.addEventListener("price", record);
  source.addEventListener("news", record);
}

function renderFeed() {
  const events = sample.feed.events;
  $("feed-rows").replaceChildren(...events.slice(-6).reverse().map((e) => {
    const row = document.createElement("tr");
    row.className = `event-${e.type}`;
    for (const text of [e.type, e.id || "\u2013", e.data]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.append(cell);
    }
    return row;
  }));
  const counts = {};
  for (const e of events) counts[e.type] = (counts[e.type] ?? 0) + 1;
  $("feed-counts").textContent = Object.entries(counts).map(([type, n]) => `${type} \u00d7 ${n}`).join(" \u00b7 ");
}

// --- Progress: a finite stream the page closes on "done" -----------------------------------------------
function runProgress() {
  let finished;
  const done = new Promise((resolve) => (finished = resolve));
  const p = sample.progress;
  p.percent = 0;
  p.seen = [];
  p.done = false;
  p.runs++;
  renderProgress("running");
  $("progress-run").disabled = true;
  const source = watch("progress", new EventSource("/progress"));
  source.addEventListener("progress", (e) => {
    p.percent = Number(e.data);
    keep(p.seen, p.percent, 100);
    renderProgress("running");
  });
  source.addEventListener("done", (e) => {
    // Without close(), EventSource would reconnect when the stream ends and start a new job.
    source.close();
    setState("progress", "closed");
    p.done = true;
    p.message = e.data;
    renderProgress(e.data);
    $("progress-run").disabled = false;
    finished();
  });
  return done;
}

function renderProgress(status) {
  const percent = sample.progress.percent;
  $("progress-fill").style.width = `${percent}%`;
  $("progress-percent").textContent = `${percent}%`;
  $("progress-status").textContent = status;
}

// --- Logs: JSON events -----------------------------------------------------------------------------------
function startLogs() {
  const source = watch("logs", new EventSource("/logs"), true);
  source.addEventListener("log", (e) => {
    const entry = JSON.parse(e.data);
    sample.logs.count++;
    const line = document.createElement("li");
    line.className = `level-${entry.level.toLowerCase()}`;
    const time = new Date(entry.time).toLocaleTimeString([], { hour12: false });
    const category = entry.category.split(".").pop();
    line.textContent = `${time}  ${entry.level.slice(0, 4).toUpperCase()}  ${category}: ${entry.message}`;
    const pane = $("log-pane");
    const atBottom = pane.scrollTop + pane.clientHeight >= pane.scrollHeight - 4;
    pane.append(line);
    while (pane.children.length > 200) pane.firstElementChild.remove();
    if (atBottom) pane.scrollTop = pane.scrollHeight;
  });
}

// --- Resume: Last-Event-ID across a dropped connection -------------------------------------------------
function startResume() {
  const r = sample.resume;
  r.client = Math.random().toString(36).slice(2, 12);
  const source = watch("resume", new EventSource(`/resume?client=${r.client}`), true);
  source.onmessage = (e) => {
    const n = Number(e.data);
    if (r.last !== null && n <= r.last) r.duplicates++;
    else if (n !== (r.last ?? 0) + 1) r.gaps += n - ((r.last ?? 0) + 1);
    r.last = Math.max(n, r.last ?? 0);
    keep(r.numbers, n, 1000);
    addChip(String(n), e.lastEventId === e.data ? "" : "bad");
    renderResume();
  };
  source.addEventListener("resumed", (e) => {
    r.resumedAfter.push(Number(e.data));
    addChip(`\u21bb Last-Event-ID: ${e.data}`, "marker");
    $("resume-status").textContent = `reconnected; the browser sent Last-Event-ID ${e.data}`;
    renderResume();
  });
  $("resume-drop").addEventListener("click", async () => {
    $("resume-status").textContent = "dropping\u2026";
    const response = await post(`/resume/drop?client=${r.client}`);
    if (response.ok) r.drops++;
    $("resume-status").textContent = response.ok ? "dropped; waiting for the browser to reconnect" : "no open stream to drop";
  });
}

function addChip(text, kind) {
  const chip = document.createElement("span");
  chip.className = `chip ${kind}`;
  chip.textContent = text;
  const strip = $("resume-numbers");
  strip.append(chip);
  while (strip.children.length > 40) strip.firstElementChild.remove();
}

function renderResume() {
  const r = sample.resume;
  $("resume-last").textContent = r.last ?? "\u2013";
  $("resume-gaps").textContent = r.gaps;
  $("resume-duplicates").textContent = r.duplicates;
  $("resume-reconnects").textContent = r.resumedAfter.length;
}

// --- Chat: a public channel, resumed from its history after a reconnect -------------------------------
function startChat() {
  const c = sample.chat;
  c.client = Math.random().toString(36).slice(2, 12);
  c.name = `guest-${c.client.slice(0, 4)}`;
  $("chat-you").textContent = c.name;
  const source = watch("chat", new EventSource(`/chat?client=${c.client}`), true);
  let down = false;
  let backAt = null;
  source.addEventListener("error", () => (down = true));
  source.addEventListener("open", () => {
    if (!down) return;
    // Back after a lost connection: the browser sent Last-Event-ID, and what was published meanwhile comes
    // first, from the channel's history.
    down = false;
    backAt = Date.now();
    c.reconnects++;
    addChatLine("marker", `\u21bb reconnected with Last-Event-ID ${c.messages.at(-1)?.id ?? "(none)"}`);
    $("chat-status").textContent = "reconnected";
  });
  source.addEventListener("chat", (e) => {
    const message = JSON.parse(e.data);
    if (c.messages.some((m) => m.id === e.lastEventId)) {
      c.duplicates++;
    }
    // Published before this tab was back: it reached us from the history, not live.
    const missed = backAt !== null && message.at <= backAt;
    if (missed) c.missed++;
    keep(c.messages, { id: e.lastEventId, name: message.name, text: message.text, missed }, 500);
    addChatLine(missed ? "missed" : "", message.text, message.name);
    renderChat();
  });
  // The hub says the history no longer holds what this tab missed: a page with state would reload it here.
  source.addEventListener("tako.gap", (e) => {
    c.gaps.push(JSON.parse(e.data));
    addChatLine("gap", "some messages are no longer in the history");
    renderChat();
  });

  $("chat-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = $("chat-input");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    c.sent.push(text);
    const response = await post("/chat", { name: c.name, text });
    if (!response.ok) $("chat-status").textContent = `not sent: ${response.status}`;
  });
  $("chat-drop").addEventListener("click", async () => {
    $("chat-status").textContent = "dropping\u2026";
    const response = await post(`/chat/drop?client=${c.client}`);
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

// --- Echo: untrusted text, exactly one message ---------------------------------------------------------
function sendEcho() {
  const run = { sent: $("echo-input").value, messages: [], clicks: 0, ended: false };
  sample.echo.runs.push(run);
  return new Promise((resolve) => {
    const source = watch("echo", new EventSource(`/echo?text=${encodeURIComponent(run.sent)}`));
    source.onmessage = (e) => run.messages.push(e.data);
    source.addEventListener("click", () => run.clicks++);
    source.addEventListener("end", () => {
      source.close();
      setState("echo", "closed");
      run.ended = true;
      $("echo-count").textContent = run.messages.length;
      $("echo-clicks").textContent = run.clicks;
      $("echo-text").textContent = run.messages.map((m) => JSON.stringify(m)).join("\n");
      resolve();
    });
  });
}

// --- Clock: a hand-written stream read with fetch, to show its headers and raw frames -----------------
async function readClock(frames) {
  $("clock-read").disabled = true;
  const c = sample.clock;
  c.frames = [];
  const abort = new AbortController();
  setState("clock", "connecting");
  try {
    const response = await fetch("/clock", { signal: abort.signal, cache: "no-store" });
    setState("clock", "open");
    c.headers = {};
    for (const name of ["content-type", "cache-control", "x-accel-buffering"]) {
      c.headers[name] = response.headers.get(name);
    }
    $("clock-headers").replaceChildren(...Object.entries(c.headers).flatMap(([name, value]) => {
      const dt = document.createElement("dt");
      dt.textContent = name;
      const dd = document.createElement("dd");
      dd.textContent = value ?? "(missing)";
      return [dt, dd];
    }));
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    while (c.frames.length < frames) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      let end;
      while ((end = buffered.indexOf("\n\n")) >= 0 && c.frames.length < frames) {
        c.frames.push(buffered.slice(0, end + 2));
        buffered = buffered.slice(end + 2);
        $("clock-frames").textContent = c.frames.map((f) => JSON.stringify(f)).join("\n");
        $("clock-status").textContent = `${c.frames.length} of ${frames} frames`;
      }
    }
  } finally {
    // The page lets go of the connection: browsers allow only a few per server.
    abort.abort();
    setState("clock", "closed");
    $("clock-status").textContent = `read ${c.frames.length} raw frames, then closed`;
    $("clock-read").disabled = false;
  }
}

// Five streams open for good; the short ones take their turns on the sixth connection (see inTurn).
document.addEventListener("DOMContentLoaded", () => {
  startChat();
  startTicker();
  startFeed();
  startLogs();
  startResume();

  $("echo-input").value = "hello\n\nevent: click\n\n";
  $("progress-run").addEventListener("click", () => inTurn(runProgress));
  $("echo-send").addEventListener("click", () => inTurn(sendEcho));
  $("clock-read").addEventListener("click", () => inTurn(() => readClock(3)));
  inTurn(sendEcho);
  inTurn(runProgress);
  inTurn(() => readClock(3));
});
