// The sample page: plain EventSource, no framework, no build step.
// Everything the page saw is also kept in window.sample, so the browser tests can check it.
"use strict";

const sample = (window.sample = {
  states: {},        // stream name -> "idle" | "connecting" | "open" | "reconnecting" | "closed"
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
  // The four demo cards (ticker, feed, logs, resume) take turns on one stream: see demos.js.
  live: { running: null, wanted: null, starts: { ticker: 0, feed: 0, logs: 0, resume: 0 }, hiddenStops: 0 },
  visibility: [],    // document.visibilityState at load and after each change, most recent last
  connections: { open: 0, max: 0, waiting: 0 },  // HTTP connections the page holds, counted by the page itself
});

const keep = (list, item, max) => {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
};
const $ = (id) => document.getElementById(id);

// Browsers open at most six HTTP/1.1 connections to one server, shared by every tab of a profile. A visible
// tab holds two streams (the chat and the one running demo, see demos.js), a hidden tab only the chat; every
// short request (the long job, echo, the clock, chat posts, drops) takes one more connection, one at a time.
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

// EventSource has three ready states; "reconnecting" is CONNECTING again after an error. A long-lived stream
// holds one of the page's connections until the page closes it (letGo).
function watch(name, source, longLived = false) {
  if (longLived) connection(+1);
  setState(name, "connecting");
  source.addEventListener("open", () => setState(name, "open"));
  source.addEventListener("error", () =>
    setState(name, source.readyState === EventSource.CONNECTING ? "reconnecting" : "closed"));
  return source;
}

// close() fires no event, so the page says itself that the stream and its connection are gone.
function letGo(name, source) {
  source.close();
  connection(-1);
  setState(name, "closed");
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

// --- Chat: a public channel, resumed from its history after a reconnect -------------------------------
function startChat() {
  const c = sample.chat;
  // 128 random bits: an id is enough to drop its stream. getRandomValues works off localhost too, unlike randomUUID.
  c.client = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  c.name = `guest-${c.client.slice(0, 4)}`;
  $("chat-you").textContent = c.name;
  const source = watch("chat", new EventSource(`/chat?client=${c.client}`), true);
  // Over HTTP/1.1 a browser shares its six connections per server among all tabs of a profile: with many tabs
  // of this page (or other pages of this server) open, they may all be taken.
  setTimeout(() => {
    if (sample.states.chat === "connecting") {
      $("chat-status").textContent = "still waiting for a connection: other tabs of this server may hold all six; close some, or try a private window";
    }
  }, 5000);
  let down = false;
  let backAt = null;
  source.addEventListener("error", () => (down = true));
  source.addEventListener("open", () => {
    if ($("chat-status").textContent.startsWith("still waiting")) $("chat-status").textContent = "";
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
    try {
      const response = await post("/chat", { name: c.name, text });
      if (!response.ok) $("chat-status").textContent = `not sent: ${response.status}`;
    } catch {
      $("chat-status").textContent = "not sent: the server did not answer";
    }
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

// The chat stays open; the demo cards share one more stream (the ticker first); the short requests take their
// turns on one more connection (see inTurn).
document.addEventListener("DOMContentLoaded", () => {
  startChat();
  initDemos();

  $("echo-input").value = "hello\n\nevent: click\n\n";
  $("progress-run").addEventListener("click", () => inTurn(runProgress));
  $("echo-send").addEventListener("click", () => inTurn(sendEcho));
  $("clock-read").addEventListener("click", () => inTurn(() => readClock(3)));
  inTurn(sendEcho);
  inTurn(runProgress);
  inTurn(() => readClock(3));
});
