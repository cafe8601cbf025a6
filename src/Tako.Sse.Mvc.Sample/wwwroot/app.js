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
  // The page's one stream for the chat, the tiles and the notifications (live.js), shared by its tabs.
  shared: { via: null, client: null, channels: [], state: "idle", refused: null, cursor: null, opens: 0, events: 0, resumedFrom: [], gaps: [] },
  chat: { client: null, name: null, messages: [], sent: [], missed: 0, gaps: [], duplicates: 0, reconnects: 0, drops: 0 },
  tiles: { values: {}, count: 0, seen: [], skipped: 0, duplicates: 0, gapEvents: 0 },
  notifications: { user: null, items: [], sent: [] },
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

// Browsers open at most six HTTP/1.1 connections to one server, shared by every tab of a profile. The chat, the
// tiles and the notifications ride on one stream that a SharedWorker holds for all tabs (live.js); a visible
// tab adds the one running demo (demos.js), a hidden tab nothing; every short request (the long job, echo, the
// clock, posts, drops) takes one more connection, one at a time.
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
  const names = ["live", "ticker", "feed", "progress", "logs", "resume", "echo", "clock"];
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

// The one shared stream stays open; the demo cards share one more (the ticker first); the short requests take
// their turns on one more connection (see inTurn).
document.addEventListener("DOMContentLoaded", () => {
  startLive();
  initDemos();

  $("echo-input").value = "hello\n\nevent: click\n\n";
  $("progress-run").addEventListener("click", () => inTurn(runProgress));
  $("echo-send").addEventListener("click", () => inTurn(sendEcho));
  $("clock-read").addEventListener("click", () => inTurn(() => readClock(3)));
  inTurn(sendEcho);
  inTurn(runProgress);
  inTurn(() => readClock(3));
});
